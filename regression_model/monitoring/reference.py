"""The reference profile's format, and the bins monitoring counts stored values in.

Training writes the profile (``training.profile``); monitoring reads it back
from the store's ``models`` row. Both sides bin values here, the one way:

* a number falls in the bin of the first edge at or above it (bins closed on
  the right: ``(edge[i-1], edge[i]]``), below the first edge in bin 0, above
  the last in the last bin;
* a category keeps a bin of its own when it is one of the ``bins - 1``
  commonest in training; the others share the bin ``other``, and a category
  training never saw goes to ``unseen``.

and every field has a last bin, ``(missing)``, for the rows without a value
(or with one of the wrong type): a field whose values are mostly missing
(``PoolQC``) is then compared on all its rows, not on its few present ones.
Shares are over all rows.

Examples
--------
>>> import numpy as np
>>> from regression_model.monitoring.reference import number_bins, quantile_edges
>>> edges = quantile_edges(np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10]), bins=5)
>>> edges.tolist()
[2.0, 4.0, 6.0, 8.0]
>>> number_bins(edges, np.array([0.5, 2.0, 2.5, 99.0])).tolist()
[0, 0, 1, 4]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "MISSING",
    "OTHER",
    "PROFILE_FORMAT",
    "UNSEEN",
    "FieldReference",
    "Reference",
    "category_text",
    "number_bins",
    "numbers_of",
    "quantile_edges",
]

PROFILE_FORMAT = 1
OTHER, UNSEEN, MISSING = "(other)", "(unseen)", "(missing)"


def quantile_edges(values: np.ndarray, bins: int) -> np.ndarray:
    """The inner edges of ``bins`` quantile bins of ``values`` (present values
    only), each a value of the data; repeated edges merge their bins, and an
    edge at the maximum is dropped (the last bin would hold nothing)."""
    levels = np.arange(1, bins) / bins
    edges: np.ndarray = np.unique(np.quantile(values, levels, method="inverted_cdf"))
    below: np.ndarray = edges[edges < values.max()]
    return below


def number_bins(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The bin of each value (values present, not NaN)."""
    bins: np.ndarray = np.searchsorted(edges, values, side="left")
    return bins


# The type of each object of an array, and the types compared with (as Any:
# numpy's stubs take no type objects as ufunc operands).
_type_of = np.frompyfunc(type, 1, 1)
_NONE: Any = type(None)
_TEXT: Any = str
_WHOLE: Any = int
_REAL: Any = float


def numbers_of(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A stored column as float64 (NaN where missing), and which values are not
    numbers at all (text, booleans: neither missing nor counted in a bin)."""
    if values.dtype.kind in "iuf":
        return values.astype(np.float64, copy=False), np.zeros(len(values), dtype=bool)
    kinds = _type_of(values)  # objects (records, mixed cells): typed in one pass
    numeric = np.equal(kinds, _WHOLE) | np.equal(kinds, _REAL)
    invalid = ~numeric & np.not_equal(kinds, _NONE)
    numbers = np.full(len(values), math.nan)
    try:
        numbers[numeric] = values[numeric].astype(np.float64)
    except OverflowError:  # a whole number too large for a float: beyond every bin
        numbers[numeric] = [_as_float(v) for v in values[numeric].tolist()]
    return numbers, invalid


def _as_float(value: float) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def category_text(values: np.ndarray) -> np.ndarray:
    """A column of categories as text objects, None where missing. Numbers name
    categories too (``MSSubClass`` 60): whole ones as their integer text."""
    if values.dtype.kind in "iu":
        return values.astype(str).astype(object)
    if values.dtype.kind == "f":
        # As a float64 (a stored float32 is exact, but prints shorter), as
        # JSON reads it back: whole ones beyond int64 as their integer text too.
        values = values.astype(np.float64, copy=False)
        text = np.full(len(values), None, dtype=object)
        present = np.isfinite(values)
        whole = present & (values == np.round(values))
        small = whole & (np.abs(values) < 2.0**63)
        text[small] = values[small].astype(np.int64).astype(str)
        text[whole & ~small] = [_as_text(v) for v in values[whole & ~small].tolist()]
        text[present & ~whole] = values[present & ~whole].astype(str)
        return text
    if values.dtype.kind == "b":
        return values.astype(str).astype(object)
    text = values.astype(object, copy=True)
    kinds = _type_of(text)
    for row in np.flatnonzero(np.not_equal(kinds, _TEXT) & np.not_equal(kinds, _NONE)).tolist():
        text[row] = _as_text(text[row])  # numbers or booleans in a category field: rare
    return text


def _as_text(value: Any) -> str | None:
    if type(value) is float:
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() else str(value)
    return str(value)


@dataclass(frozen=True)
class FieldReference:
    """One input field as training saw it: ``kind`` ``number`` or
    ``category``, its bins' ``labels`` and training ``shares`` (the last bin
    the missing values), and its ``missing`` share. Numbers have bin
    ``edges``; categories map each known category to its bin (``codes``)."""

    name: str
    kind: str
    labels: list[str]
    shares: np.ndarray
    missing: float
    edges: np.ndarray = field(default_factory=lambda: np.empty(0))
    codes: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_profile(cls, name: str, entry: Mapping[str, Any], bins: int) -> FieldReference:
        missing = float(entry["missing"])
        if entry["kind"] == "number":
            edges = np.asarray(entry["edges"], dtype=np.float64)
            present = np.asarray(entry["shares"], dtype=np.float64) * (1 - missing)
            return cls(
                name,
                "number",
                [*_number_labels(edges), MISSING],
                np.append(present, missing),
                missing,
                edges=edges,
            )
        shares: Mapping[str, float] = entry["shares"]
        ranked = sorted(shares, key=lambda c: (-shares[c], c))
        kept = ranked[: bins - 1]
        codes = {category: len(kept) for category in ranked}  # the others: bin "other"
        codes.update({category: bin_ for bin_, category in enumerate(kept)})
        other = sum(shares[c] for c in ranked[len(kept) :])
        present = np.array([*(shares[c] for c in kept), other, 0.0]) * (1 - missing)
        return cls(
            name,
            "category",
            [*kept, OTHER, UNSEEN, MISSING],
            np.append(present, missing),
            missing,
            codes=codes,
        )


def _number_labels(edges: np.ndarray) -> list[str]:
    """What each bin holds, as text: ``<= 1,086``, ``1,086 to 1,309``, ``> 2,158``."""
    if not len(edges):
        return ["all values"]
    texts = [f"{edge:,.6g}" for edge in edges.tolist()]
    middle = [f"{low} to {high}" for low, high in itertools.pairwise(texts)]
    return [f"<= {texts[0]}", *middle, f"> {texts[-1]}"]


@dataclass(frozen=True)
class Reference:
    """A model's reference profile, parsed: its fields, predicted prices,
    rejection and warning rates, and accuracy by segment."""

    bins: int
    rows: int
    fields: dict[str, FieldReference]
    price_edges: np.ndarray
    price_shares: np.ndarray
    median_price: float
    rejected_rate: float
    warning_rates: dict[str, float]
    band_edges: np.ndarray
    band_names: list[str]
    nominal_coverage: float
    accuracy: dict[str, dict[str, Any]]

    @classmethod
    def from_profile(cls, profile: Mapping[str, Any]) -> Reference:
        """Parse a profile as training wrote it.

        Raises
        ------
        ValueError
            When it is of a format this package does not read.
        """
        if profile.get("format") != PROFILE_FORMAT:
            raise ValueError(
                f"reference profile of format {profile.get('format')!r}; this package reads "
                f"format {PROFILE_FORMAT}"
            )
        bins = int(profile["bins"])
        prices, accuracy = profile["predictions"], profile["accuracy"]
        return cls(
            bins=bins,
            rows=int(profile["rows"]),
            fields={
                name: FieldReference.from_profile(name, entry, bins)
                for name, entry in profile["fields"].items()
            },
            price_edges=np.asarray(prices["log_price_edges"], dtype=np.float64),
            price_shares=np.asarray(prices["shares"], dtype=np.float64),
            median_price=float(prices["median_price"]),
            rejected_rate=float(prices["rejected_rate"]),
            warning_rates={k: float(v) for k, v in prices["warning_rates"].items()},
            band_edges=np.asarray(accuracy["bands"]["edges"], dtype=np.float64),
            band_names=list(accuracy["bands"]["names"]),
            nominal_coverage=float(accuracy["nominal_coverage"]),
            accuracy=dict(accuracy["segments"]),
        )
