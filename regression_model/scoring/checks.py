"""The plan's range checks: operations that change no column but warn about
values beyond their training range and unusual combinations of values."""

from __future__ import annotations

from typing import Any

import numpy as np

from regression_model import messages, tuning
from regression_model.scoring.signals import FIELDS_OUT_OF_RANGE, JOINT_DISTANCE
from regression_model.scoring.state import Finding, Operation, RowState, State, number_column

__all__ = [
    "field_ranges",
    "joint_range",
]


def field_ranges(columns: list[str], lower: list[float], upper: list[float]) -> Operation:
    """Warn about each present value beyond its column's training range."""
    low, high = np.array(lower, dtype=np.float64), np.array(upper, dtype=np.float64)
    bounds = list(zip(columns, low.tolist(), high.tolist(), strict=True))

    def run(state: State) -> None:
        count = np.zeros(state.n_rows)
        for name, lowest, highest in bounds:
            values = number_column(state, name)
            # Two reductions that skip NaN clear most columns without a pass per
            # bound, and tell which bound another column needs compared.
            below, above = np.fmin.reduce(values) < lowest, np.fmax.reduce(values) > highest
            if not (below or above):
                continue
            with np.errstate(invalid="ignore"):
                if below and above:
                    beyond = (values < lowest) | (values > highest)
                else:
                    beyond = values < lowest if below else values > highest
            count += beyond
            rows = np.flatnonzero(beyond)
            texts = messages.beyond_ranges(name, values[rows].tolist(), lowest, highest)
            state.findings += [
                Finding(row, messages.OUT_OF_RANGE, name, text)
                for row, text in zip(rows.tolist(), texts, strict=True)
            ]
        state.add_signal(FIELDS_OUT_OF_RANGE, count)

    def row(values: RowState) -> None:
        count = 0.0
        for name, lowest, highest in bounds:
            value = values[name]
            if value < lowest or value > highest:
                count += 1.0
                message = messages.beyond_range(name, value, lowest, highest)
                values.findings.append(Finding(0, messages.OUT_OF_RANGE, name, message))
        values.add_signal(FIELDS_OUT_OF_RANGE, count)

    return Operation(run, row)


def joint_range(spec: dict[str, Any]) -> Operation:
    """Warn about rows whose Mahalanobis distance from the training rows lies
    beyond the threshold, naming the columns that add most to it."""
    columns = list(spec["columns"])
    mean, scale = np.array(spec["mean"]), np.array(spec["scale"])
    whitening = np.array(spec["whitening"], dtype=np.float64)
    threshold, share = float(spec["threshold"]), float(spec["quantile"])
    named = int(spec["named_fields"])
    # ((x - mean) / scale) @ W == x @ (W / scale) - mean @ (W / scale): one pass
    # over the rows, taken column-major (the state's columns stack without
    # interleaving).
    scaled = (whitening / scale[:, None]).T.copy()
    offset = (mean @ (whitening / scale[:, None]))[:, None]
    precision = whitening @ whitening.T

    def distances(x: np.ndarray) -> np.ndarray:
        """Each row's distance; ``x`` holds the columns, one row per column."""
        whitened = scaled @ x
        whitened -= offset
        distance: np.ndarray = np.sqrt(np.einsum("ij,ij->j", whitened, whitened))
        return distance

    def flag(x: np.ndarray, distance: np.ndarray, indexes: list[int], found: list[Finding]) -> None:
        """Warn about rows beyond the threshold (``x`` holds their columns, one row
        per column; ``distance`` and ``indexes`` their distances and positions),
        naming the columns that add most to each distance."""
        rows = (x.T - mean) / scale
        # Each column's share of a row's squared distance: z_i (P z)_i.
        shares = rows * (rows @ precision)
        order = np.argsort(-shares, axis=1, kind="stable")[:, :named]
        fields = [", ".join([columns[i] for i in top]) for top in order.tolist()]
        texts = messages.unusual_combinations(fields, distance.tolist(), share, threshold)
        found += [
            Finding(index, messages.UNUSUAL_COMBINATION, named, text)
            for index, named, text in zip(indexes, fields, texts, strict=True)
        ]

    def run(state: State) -> None:
        values = [number_column(state, c) for c in columns]
        distance = np.empty(state.n_rows)
        # A block of rows at a time: its stacked columns stay in the processor's
        # cache, in one buffer reused block after block (concatenated flat and
        # viewed as columns x rows: no per-column 2-D views, as vstack makes).
        block = np.empty(len(columns) * min(tuning.JOINT_BLOCK_ROWS, state.n_rows))
        for start in range(0, state.n_rows, tuning.JOINT_BLOCK_ROWS):
            stop = min(start + tuning.JOINT_BLOCK_ROWS, state.n_rows)
            stacked = block[: len(columns) * (stop - start)]
            np.concatenate([v[start:stop] for v in values], out=stacked)
            distance[start:stop] = distances(stacked.reshape(len(columns), stop - start))
        state.add_signal(JOINT_DISTANCE, distance)
        flagged = np.flatnonzero(distance > threshold)
        if len(flagged):
            x = np.vstack([v[flagged] for v in values])
            flag(x, distance[flagged], flagged.tolist(), state.findings)

    def row(values: RowState) -> None:
        # The batch's arithmetic on a batch of one: a single numpy pass either way.
        x = np.array([[values[c]] for c in columns], dtype=np.float64)
        distance = distances(x)
        values.add_signal(JOINT_DISTANCE, float(distance[0]))
        if distance[0] > threshold:
            flag(x, distance, [0], values.findings)

    return Operation(run, row)
