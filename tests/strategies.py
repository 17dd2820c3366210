"""Hypothesis strategies for house records, read from the input contract's rules."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

from regression_model.scoring.rules import FieldRule, field_rules

JUNK = st.one_of(
    st.booleans(),
    st.text(max_size=12),
    st.text(min_size=100, max_size=300),  # long unicode
    st.just(""),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
    st.sampled_from([math.inf, -math.inf, 10**30, -(10**30), "NA", "1500"]),
)


def present_value(rule: FieldRule) -> st.SearchStrategy[Any]:
    """Non-missing values the schema accepts for one field."""
    if rule.kind == "category":
        return st.sampled_from(sorted(rule.allowed))
    if rule.codes:
        return st.sampled_from(sorted(rule.codes))
    lo = max(rule.lo, -1e6)
    hi = min(rule.hi, 1e6)
    whole = st.integers(math.ceil(lo), math.floor(hi))
    if rule.kind == "integer":
        return st.one_of(whole, whole.map(float))
    return st.one_of(st.floats(lo, hi), whole)


def valid_value(rule: FieldRule) -> st.SearchStrategy[Any]:
    """Values the schema accepts for one field, missing ones included."""
    missing = [None, math.nan] + (["NA"] if rule.absent_na else [])
    return st.one_of(st.sampled_from(missing), present_value(rule))


def bad_value(rule: FieldRule) -> st.SearchStrategy[Any]:
    """Values the schema refuses, or junk of any type."""
    if rule.kind != "category" and math.isfinite(rule.hi):
        return st.one_of(JUNK, st.sampled_from([rule.hi + 1, rule.lo - 1, rule.lo + 0.5]))
    return JUNK


def any_value(rule: FieldRule) -> st.SearchStrategy[Any]:
    """A valid value 97 times in 100, else a bad one, so rows of ~78 fields are
    often entirely valid."""

    @st.composite
    def pick(draw: st.DrawFn) -> Any:
        if draw(st.integers(0, 99)) < 3:
            return draw(bad_value(rule))
        return draw(valid_value(rule))

    return pick()


def records(
    features: list[str],
    required: list[str],
    *,
    valid_only: bool = False,
    max_rows: int = 40,
) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Lists of records over a random subset of ``features``; the ``required``
    fields are present, and filled in most rows."""
    rules = field_rules()
    value = valid_value if valid_only else any_value

    @st.composite
    def build(draw: st.DrawFn) -> list[dict[str, Any]]:
        optional = [f for f in features if f not in required]
        names = draw(st.lists(st.sampled_from(optional), unique=True, max_size=len(optional)))
        rows = []
        for _ in range(draw(st.integers(0, max_rows))):
            row = {n: draw(value(rules[n])) for n in names}
            for name in required:
                blank = not valid_only and draw(st.integers(0, 99)) < 3
                row[name] = None if blank else draw(present_value(rules[name]))
            rows.append(row)
        return rows

    return build()
