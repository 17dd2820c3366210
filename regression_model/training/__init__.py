"""Training: fit the model, measure it honestly, write its files.

``run`` trains and writes (``run_training``, ``main``); ``data`` validates the
training rows; ``evaluation`` runs repeated cross-validation through the
scoring plan; ``intervals`` calibrates the price ranges on its residuals;
``manifest`` and ``model_card`` say what was made and how good it is.
Importing the package loads none of them (scikit-learn comes with ``run``).
"""

from typing import Any

__all__ = ["main", "run_training"]


def __getattr__(name: str) -> Any:
    # PEP 562: `from regression_model.training import run_training` imports the
    # training machinery only when it is asked for.
    if name in __all__:
        from regression_model.training import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
