"""The plan's range checks: operations that change no column but warn about
values beyond their training range and unusual combinations of values.

Each is written once over the primitives (``primitives``), for a batch's
columns and for one row's values alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from regression_model import messages, tuning
from regression_model.mahalanobis import JointDistance
from regression_model.scoring.primitives import Primitives, both
from regression_model.scoring.signals import FIELDS_OUT_OF_RANGE, JOINT_DISTANCE
from regression_model.scoring.state import Finding, Operation

__all__ = [
    "field_ranges",
    "joint_range",
]


def field_ranges(columns: list[str], lower: list[float], upper: list[float]) -> Operation:
    """Warn about each present value beyond its column's training range."""
    low, high = np.array(lower, dtype=np.float64), np.array(upper, dtype=np.float64)
    bounds = list(zip(columns, low.tolist(), high.tolist(), strict=True))

    def form(xp: Primitives) -> Callable[[Any], None]:
        beyond_ranges, zeros = xp.beyond, xp.zeros

        def apply(values: Any) -> None:
            count = zeros(values.n_rows)
            for name, lowest, highest, beyond, rows, cells in beyond_ranges(values, bounds):
                count += beyond
                texts = messages.beyond_ranges(name, cells, lowest, highest)
                values.findings += [
                    Finding(row, messages.OUT_OF_RANGE, name, text)
                    for row, text in zip(rows, texts, strict=True)
                ]
            values.add_signal(FIELDS_OUT_OF_RANGE, count)

        return apply

    return both(form)


def _in_blocks(columns: list[np.ndarray], n_rows: int, distance: JointDistance) -> np.ndarray:
    """Each row's distance, a block of rows at a time: its stacked columns stay
    in the processor's cache, in one buffer reused block after block
    (concatenated flat and viewed as columns x rows: no per-column 2-D views,
    as vstack makes)."""
    distances = np.empty(n_rows)
    block = np.empty(len(columns) * min(tuning.JOINT_BLOCK_ROWS, n_rows))
    for start in range(0, n_rows, tuning.JOINT_BLOCK_ROWS):
        stop = min(start + tuning.JOINT_BLOCK_ROWS, n_rows)
        stacked = block[: len(columns) * (stop - start)]
        np.concatenate([v[start:stop] for v in columns], out=stacked)
        distances[start:stop] = distance.of_columns(stacked.reshape(len(columns), stop - start))
    return distances


def joint_range(spec: dict[str, Any]) -> Operation:
    """Warn about rows whose Mahalanobis distance from the training rows lies
    beyond the threshold, naming the columns that add most to it."""
    columns = list(spec["columns"])
    whitening = np.array(spec["whitening"], dtype=np.float64)
    distance = JointDistance(np.array(spec["mean"]), np.array(spec["scale"]), whitening)
    threshold, share = float(spec["threshold"]), float(spec["quantile"])
    named = int(spec["named_fields"])

    def flag(x: np.ndarray, distances: np.ndarray, rows: list[int], found: list[Finding]) -> None:
        """Warn about rows beyond the threshold (``x`` holds their columns, one row
        per column; ``distances`` and ``rows`` their distances and positions),
        naming the columns that add most to each distance."""
        fields = [", ".join(top) for top in distance.main_fields(x.T, columns, named)]
        texts = messages.unusual_combinations(fields, distances.tolist(), share, threshold)
        found += [
            Finding(row, messages.UNUSUAL_COMBINATION, field, text)
            for row, field, text in zip(rows, fields, texts, strict=True)
        ]

    def form(xp: Primitives) -> Callable[[Any], None]:
        one_row = xp.one_row

        def apply(values: Any) -> None:
            cells = [values[c] for c in columns]
            if one_row:  # a batch of one: its column of values, one numpy pass
                x = np.array([[cell] for cell in cells], dtype=np.float64)
                distances = distance.of_columns(x)
                values.add_signal(JOINT_DISTANCE, float(distances[0]))
            else:
                distances = _in_blocks(cells, values.n_rows, distance)
                values.add_signal(JOINT_DISTANCE, distances)
            flagged = np.flatnonzero(distances > threshold)
            if len(flagged):
                x = x if one_row else np.vstack([v[flagged] for v in cells])
                flag(x, distances[flagged], flagged.tolist(), values.findings)

        return apply

    return both(form)
