"""The operations of the scoring plan, each built from one JSON entry of the
plan spec by ``BUILDERS``.

An operation transforms the state (columns by name) in place, as the
pipeline step it was compiled from transforms a DataFrame; the range checks
among them (``checks``) add warnings and per-row signals instead. Each is
written once, against the primitives of ``primitives``, and built in two
forms: numpy over a batch's columns (``State``) and Python over one row's
values (``RowState``), for single-row calls. A categorical step is a rule on
one category (its new label, its weight), which a batch applies to its
column's table of categories and a row to its label.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from regression_model.registry import REDUCERS
from regression_model.scoring.plan_checks import field_ranges, joint_range
from regression_model.scoring.polynomials import piecewise_polynomials
from regression_model.scoring.primitives import Lookup, Primitives, Step, both, table_weight
from regression_model.scoring.signals import RARE_CATEGORIES
from regression_model.scoring.state import Operation

__all__ = [
    "BUILDERS",
]


def _cells(primitive: str, column: str, argument: Any) -> Operation:
    """A step on one column that a primitive makes: ``fill``, ``greater``,
    ``log_shifted``, ``missing`` (see ``Primitives``)."""
    return both(lambda xp: getattr(xp, primitive)(column, argument))


def _subtract(target: str, left: str, right: str) -> Operation:
    def apply(values: Any) -> None:
        values[target] = values[left] - values[right]

    return both(lambda xp: apply)


def _combine(target: str, columns: list[str], function: str) -> Operation:
    reducer = REDUCERS[function]

    def form(xp: Primitives) -> Step:
        reduce = xp.reduce

        def apply(values: Any) -> None:
            values[target] = reduce(reducer, [values[c] for c in columns])

        return apply

    return both(form)


def _map_categories(column: str, mapping: dict[str, float]) -> Operation:
    # Unmapped labels and missing values give NaN, refused below.
    number = Lookup({label: float(value) for label, value in mapping.items()}, math.nan).rule

    def form(xp: Primitives) -> Step:
        mapped_by, any_nan = xp.weighing(number), xp.any_nan

        def apply(values: Any) -> None:
            mapped = mapped_by(values[column])
            if any_nan(mapped):
                raise ValueError(f"OrdinalMapper: column {column!r} holds labels its mapping lacks")
            values[column] = mapped

        return apply

    return both(form)


def _rare_labels(column: str, frequent: list[str], replacement: str) -> Operation:
    # A category too rare to be priced on its own counts 1 and becomes
    # ``replacement``; a frequent one and a missing one stay.
    pooled = Lookup({**dict.fromkeys(frequent, 0.0), None: 0.0}, 1.0).rule
    relabel = Lookup({**{label: label for label in frequent}, None: None}, replacement).rule

    def form(xp: Primitives) -> Step:
        count, relabelled = xp.counting(pooled), xp.relabelling(relabel)

        def apply(values: Any) -> None:
            cat = values[column]
            # How many of a row's categories were too rare to be priced on their own.
            values.add_signal(RARE_CATEGORIES, count(cat))
            values[column] = relabelled(cat)

        return apply

    return both(form)


def _category_slopes(spec: dict[str, Any]) -> Operation:
    """A weight per category times the clipped, centred variable (a slope per
    category, folded with the head's weights)."""
    category, variable, target = str(spec["category"]), str(spec["variable"]), str(spec["target"])
    low, high, center = float(spec["lower"]), float(spec["upper"]), float(spec["center"])
    weight = table_weight({str(c): float(w) for c, w in spec["weights"].items()})

    def form(xp: Primitives) -> Step:
        weigh, clip = xp.weighing(weight), xp.clip

        def apply(values: Any) -> None:
            slope = weigh(values[category])
            values[target] = slope * (clip(values[variable], low, high) - center)

        return apply

    return both(form)


# Each operation a spec may name, and how to build it from its JSON.
BUILDERS: dict[str, Callable[[dict[str, Any]], Operation]] = {
    "fill_category": lambda o: _cells("fill", o["column"], o["value"]),
    "fill_number": lambda o: _cells("fill", o["column"], float(o["value"])),
    "missing_indicator": lambda o: _cells("missing", o["column"], o["target"]),
    "subtract": lambda o: _subtract(o["target"], o["left"], o["right"]),
    "combine": lambda o: _combine(o["target"], list(o["columns"]), o["function"]),
    "log_shift": lambda o: _cells("log_shifted", o["column"], float(o["shift"])),
    "binarize": lambda o: _cells("greater", o["column"], float(o["threshold"])),
    "map_categories": lambda o: _map_categories(o["column"], dict(o["mapping"])),
    "rare_labels": lambda o: _rare_labels(o["column"], list(o["frequent"]), o["replacement"]),
    "piecewise_polynomials": piecewise_polynomials,
    "field_ranges": lambda o: field_ranges(list(o["columns"]), o["lower"], o["upper"]),
    "joint_range": joint_range,
    "category_slopes": _category_slopes,
}
