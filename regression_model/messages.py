"""The words of an out-of-range warning, shared by the pipeline's checks
(``processing.range_checks``) and the scoring plan (``scoring``) so both say
exactly the same thing.

It sits below both, importing nothing of the package: the pipeline's
estimators never import scoring, which compiles them. Kept free of
scikit-learn: the scoring plan imports it.
"""

from __future__ import annotations

__all__ = [
    "OUT_OF_RANGE",
    "UNSEEN_CATEGORY",
    "UNUSUAL_COMBINATION",
    "beyond_range",
    "beyond_ranges",
    "unseen_category",
    "unusual_combination",
    "unusual_combinations",
]

# The ``kind`` of each warning a result can carry.
UNSEEN_CATEGORY = "unseen_category"
OUT_OF_RANGE = "out_of_range"
UNUSUAL_COMBINATION = "unusual_combination"


def beyond_range(name: str, value: float, lower: float, upper: float) -> str:
    """A value below the smallest or above the largest seen in training.

    Examples
    --------
    >>> from regression_model.messages import beyond_range
    >>> beyond_range("GrLivArea", 5095.0, 334.0, 4676.0)
    'GrLivArea 5,095 is above the largest value in training (4,676)'
    """
    return beyond_ranges(name, [value], lower, upper)[0]


def beyond_ranges(name: str, values: list[float], lower: float, upper: float) -> list[str]:
    """:func:`beyond_range` for many values of one column, its bounds written once.

    Examples
    --------
    >>> from regression_model.messages import beyond_ranges
    >>> for text in beyond_ranges("PoolArea", [800.0, -1.0], 0.0, 738.0):
    ...     print(text)
    PoolArea 800 is above the largest value in training (738)
    PoolArea -1 is below the smallest value in training (0)
    """
    below = f"is below the smallest value in training ({lower:,.6g})"
    above = f"is above the largest value in training ({upper:,.6g})"
    return [f"{name} {value:,.6g} {below if value < lower else above}" for value in values]


def unusual_combination(fields: list[str], distance: float, share: float, limit: float) -> str:
    """A row whose combination of values lies far from the training rows.

    Examples
    --------
    >>> from regression_model.messages import unusual_combination
    >>> print(unusual_combination(["MiscVal", "WoodDeckSF"], 25.93, 0.995, 11.42))
    ... # doctest: +NORMALIZE_WHITESPACE
    unusual combination of MiscVal, WoodDeckSF: distance 25.9 from the training houses, where
    99.5% of them lie within 11.4
    """
    return unusual_combinations([", ".join(fields)], [distance], share, limit)[0]


def unusual_combinations(
    fields: list[str], distances: list[float], share: float, limit: float
) -> list[str]:
    """:func:`unusual_combination` for many rows, each row's fields already
    joined by ", ", the threshold written once.

    Examples
    --------
    >>> from regression_model.messages import unusual_combinations
    >>> fields = ["MiscVal, WoodDeckSF", "PoolArea"]
    >>> texts = unusual_combinations(fields, [25.93, 12.0], 0.995, 11.42)
    >>> print(texts[1])  # doctest: +NORMALIZE_WHITESPACE
    unusual combination of PoolArea: distance 12.0 from the training houses, where
    99.5% of them lie within 11.4
    """
    tail = f"from the training houses, where {share:.1%} of them lie within {limit:.1f}"
    return [
        f"unusual combination of {named}: distance {distance:.1f} {tail}"
        for named, distance in zip(fields, distances, strict=True)
    ]


def unseen_category(name: str, value: str) -> str:
    """A category of the data dictionary that no training row holds.

    Examples
    --------
    >>> from regression_model.messages import unseen_category
    >>> unseen_category("MSSubClass", "150")
    "MSSubClass: '150' was never seen in training; priced as a rare category"
    """
    return f"{name}: {value!r} was never seen in training; priced as a rare category"
