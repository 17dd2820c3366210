"""Counts in words, so that messages agree in number ("1 row", "2 rows")."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` with thousands separators and ``noun`` agreeing with it.

    Examples
    --------
    >>> from regression_model._wording import counted
    >>> counted(1, "row"), counted(50_007, "row"), counted(2, "more call")
    ('1 row', '50,007 rows', '2 more calls')
    """
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
