"""``python -m regression_model.cli``: the command line."""

from regression_model.cli import run

run()
