"""Train the model: the reference package's entry point, kept at its path.

``python -m regression_model.train_pipeline`` (what ``tox -e train`` runs) and
``run_training`` live on here; the work is in ``regression_model.training``.
"""

from regression_model.training.run import main, run_training

__all__ = ["main", "run_training"]

if __name__ == "__main__":
    raise SystemExit(main())
