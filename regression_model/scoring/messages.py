"""The words of an out-of-range warning, shared by the pipeline's checks and
the scoring plan so both say exactly the same thing.

Kept free of scikit-learn: the scoring plan imports it.
"""

from __future__ import annotations

__all__ = [
    "OUT_OF_RANGE",
    "UNSEEN_CATEGORY",
    "UNUSUAL_COMBINATION",
    "beyond_range",
    "unseen_category",
    "unusual_combination",
]

# The ``kind`` of each warning a result can carry.
UNSEEN_CATEGORY = "unseen_category"
OUT_OF_RANGE = "out_of_range"
UNUSUAL_COMBINATION = "unusual_combination"


def beyond_range(name: str, value: float, lower: float, upper: float) -> str:
    """A value below the smallest or above the largest seen in training.

    Examples
    --------
    >>> from regression_model.scoring.messages import beyond_range
    >>> beyond_range("GrLivArea", 5095.0, 334.0, 4676.0)
    'GrLivArea 5,095 is above the largest value in training (4,676)'
    """
    if value < lower:
        return f"{name} {value:,.6g} is below the smallest value in training ({lower:,.6g})"
    return f"{name} {value:,.6g} is above the largest value in training ({upper:,.6g})"


def unusual_combination(fields: list[str], distance: float, share: float, limit: float) -> str:
    """A row whose combination of values lies far from the training rows.

    Examples
    --------
    >>> from regression_model.scoring.messages import unusual_combination
    >>> print(unusual_combination(["MiscVal", "WoodDeckSF"], 25.93, 0.995, 11.42))
    ... # doctest: +NORMALIZE_WHITESPACE
    unusual combination of MiscVal, WoodDeckSF: distance 25.9 from the training houses, where
    99.5% of them lie within 11.4
    """
    return (
        f"unusual combination of {', '.join(fields)}: distance {distance:.1f} from the "
        f"training houses, where {share:.1%} of them lie within {limit:.1f}"
    )


def unseen_category(name: str, value: str) -> str:
    """A category of the data dictionary that no training row holds.

    Examples
    --------
    >>> from regression_model.scoring.messages import unseen_category
    >>> unseen_category("MSSubClass", "150")
    "MSSubClass: '150' was never seen in training; priced as a rare category"
    """
    return f"{name}: {value!r} was never seen in training; priced as a rare category"
