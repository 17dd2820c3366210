"""Monitoring: whether the model still works, read from the prediction store.

:func:`monitor` reads one model's stored predictions in windows (days, weeks
or months) and compares each window with the reference profile training
made of its own rows and out-of-fold prices (``training.profile``), which
the store keeps in the model's row:

* input drift per field: the population stability index on the training
  bins, the change of missing share and, for categories, the share of
  values training never saw;
* the share of rows rejected, and of priced rows warned of each kind;
* the shift of the predicted-price distribution;
* with sales recorded (``audit.add_outcomes``): the realized RMSLE, bias and
  range coverage, overall, by band of sale price, by Neighborhood and for
  warned and unwarned rows.

Every measure gets a verdict, ``ok``, ``warn`` or ``alert``, from the
thresholds in config.yml (``monitoring``); each run and its results are
recorded in the store (``monitor_runs``, ``monitor_results``).
:func:`write_html_report` writes one self-contained page with plots (the
``report`` extra, matplotlib).

Importing the package loads nothing: pandas, SQLAlchemy and matplotlib come
with the first call.
"""

from typing import Any

__all__ = ["MonitorReport", "monitor", "write_html_report"]

_HOMES = {
    "MonitorReport": "regression_model.monitoring.report",
    "monitor": "regression_model.monitoring.runner",
    "write_html_report": "regression_model.monitoring.html_report",
}


def __getattr__(name: str) -> Any:
    # PEP 562: the parts load when they are asked for.
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
