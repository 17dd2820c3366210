"""The files ``predict_file`` reads and writes: ``reading`` (CSV, JSON lines
and Parquet as users make them, compressed or not) and ``writing`` (outputs
that appear whole or not at all)."""

from regression_model.files.reading import FORMATS, open_input
from regression_model.files.writing import OutputFile

__all__ = ["FORMATS", "OutputFile", "open_input"]
