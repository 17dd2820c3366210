"""Measures and verdicts: a window's counts against the reference profile.

Every measure gets a verdict, ``ok``, ``warn`` or ``alert``, from its
thresholds in config.yml (``monitoring``), or ``few_rows`` when the window
holds too few rows (or a segment too few sales) to judge. A field's verdict
is the worst of its population stability index, its change of missing share
and, for categories, its share of unseen values; a window's is the worst of
all its measures.

The population stability index of shares ``p`` (training) and ``q`` (now)
over the same bins is ``sum((q - p) * ln(q / p))``, each share at least
``1e-4`` (an empty bin would make it infinite).

Examples
--------
>>> import numpy as np
>>> from regression_model.monitoring.judge import psi
>>> round(psi(np.array([0.5, 0.5]), np.array([50, 50])), 6)
0.0
>>> round(psi(np.array([0.5, 0.5]), np.array([80, 20])), 3)
0.416
"""

from __future__ import annotations

from typing import Any

import numpy as np

from regression_model.config.settings import MonitoringConfig, Threshold
from regression_model.monitoring.reference import Reference
from regression_model.monitoring.tally import FieldTally, Tally, price_median

__all__ = [
    "FEW_ROWS",
    "VERDICTS",
    "judge_accuracy",
    "judge_field",
    "judge_window",
    "level",
    "psi",
    "worst",
]

VERDICTS = ("ok", "warn", "alert")
FEW_ROWS = "few_rows"
_SMALLEST_SHARE = 1e-4
# Training houses a segment needs for its own out-of-fold figures to be its
# reference (each scored once per seed); smaller ones are held to the overall.
_OWN_REFERENCE_FROM = 100


def psi(reference: np.ndarray, counts: np.ndarray) -> float | None:
    """The population stability index of ``counts`` against ``reference``
    shares; None when nothing was counted."""
    total = counts.sum()
    if not total:
        return None
    before = np.maximum(reference, _SMALLEST_SHARE)
    now = np.maximum(counts / total, _SMALLEST_SHARE)
    return float(np.sum((now - before) * np.log(now / before)))


def level(value: float | None, threshold: Threshold) -> str:
    """``alert`` at or above the alert level, ``warn`` at or above the warn
    level, else ``ok`` (also when there is no value)."""
    if value is None:
        return "ok"
    if value >= threshold.alert:
        return "alert"
    return "warn" if value >= threshold.warn else "ok"


def worst(verdicts: list[str]) -> str:
    """The most severe verdict (``few_rows`` counts as ``ok``)."""
    ranks = [VERDICTS.index(v) for v in verdicts if v in VERDICTS]
    return VERDICTS[max(ranks, default=0)]


def _reason(name: str, value: float, threshold: Threshold, verdict: str) -> str:
    limit = threshold.alert if verdict == "alert" else threshold.warn
    return f"{name} {value:.3g} (>= {limit:g})"


def judge_field(
    tally: FieldTally, windows: list[int], settings: MonitoringConfig
) -> dict[str, Any]:
    """One field over ``windows``: its measures, bins and verdict."""
    reference = tally.reference
    counts = tally.counts[windows].sum(axis=0)  # the last bin: rows without a usable value
    missing, invalid = int(tally.missing[windows].sum()), int(tally.invalid[windows].sum())
    rows = int(counts.sum())
    current = counts / rows if rows else np.zeros(len(counts))
    change = missing / rows - reference.missing if rows else None
    measures = [("PSI", psi(reference.shares, counts), settings.psi)]
    moved = None if change is None else abs(change)
    measures.append(("missing share change", moved, settings.missing_rate_change))
    unseen = None
    if reference.kind == "category":
        unseen = float(current[-2]) if rows else None
        measures.append(("unseen share", unseen, settings.new_category_share))
    levels = [(name, value, limit, level(value, limit)) for name, value, limit in measures]
    shift = int(np.argmax(np.abs(current - reference.shares))) if rows else 0
    judged = worst([verdict for *_, verdict in levels])
    return {
        "field": reference.name,
        "kind": reference.kind,
        "rows": rows,
        "psi": measures[0][1],
        "missing": missing / rows if rows else None,
        "reference_missing": reference.missing,
        "invalid": invalid,
        "unseen_share": unseen,
        "largest_shift": {
            "bin": reference.labels[shift],
            "reference": float(reference.shares[shift]),
            "current": float(current[shift]),
        },
        "verdict": judged if rows >= settings.min_rows else FEW_ROWS,
        "reasons": [_reason(n, v, t, lv) for n, v, t, lv in levels if lv != "ok" and v is not None],
        "bins": {
            "labels": reference.labels,
            "reference": reference.shares.tolist(),
            "current": current.tolist(),
        },
    }


def _rate(count: int, rows: int, reference: float, threshold: Threshold) -> dict[str, Any]:
    rate = count / rows if rows else None
    return {
        "count": count,
        "rate": rate,
        "reference": reference,
        "verdict": level(None if rate is None else rate - reference, threshold),
    }


def judge_accuracy(
    segment: dict[str, Any], reference: Reference, settings: MonitoringConfig
) -> dict[str, Any]:
    """One segment's realized figures against its training reference: its own
    when training had at least 100 houses in it, else the overall one."""
    own = reference.accuracy.get(segment["segment"])
    base = own if own and own["rows"] >= _OWN_REFERENCE_FROM else reference.accuracy["all"]
    expected = base["coverage"] if base.get("coverage") is not None else reference.nominal_coverage
    levels = []
    if segment["rmsle"] is not None and base["rmsle"]:
        levels.append(level(segment["rmsle"] / base["rmsle"], settings.rmsle_ratio))
    if segment["bias"] is not None:
        levels.append(level(abs(segment["bias"] - (base["bias"] or 0.0)), settings.bias))
    if segment["coverage"] is not None:
        levels.append(level(expected - segment["coverage"], settings.coverage_drop))
    enough = segment["priced"] >= settings.min_outcomes
    return {
        **segment,
        "reference": {"rmsle": base["rmsle"], "bias": base["bias"], "coverage": expected},
        "verdict": worst(levels) if enough else FEW_ROWS,
    }


def judge_window(
    tally: Tally, windows: list[int], settings: MonitoringConfig, accuracy: list[dict[str, Any]]
) -> dict[str, Any]:
    """Every measure over ``windows`` (one window, or all of them pooled), and
    the worst verdict among them."""
    reference = tally.reference
    rows, rejected = int(tally.rows[windows].sum()), int(tally.rejected[windows].sum())
    enough = rows >= settings.min_rows
    fields = [judge_field(t, windows, settings) for t in tally.fields.values()]
    rejections = _rate(rejected, rows, reference.rejected_rate, settings.rejected_rate_change)
    warnings = {
        kind: _rate(
            int(counts[windows].sum()),
            rows - rejected,
            reference.warning_rates.get(kind, 0.0),
            settings.warning_rate_change,
        )
        for kind, counts in tally.warned.items()
    }
    price_psi = psi(reference.price_shares, tally.price_counts[windows].sum(axis=0))
    price = {
        "rows": rows - rejected,
        "psi": price_psi,
        "median": price_median(tally.price_fine[windows].sum(axis=0)),
        "reference_median": reference.median_price,
        "verdict": level(price_psi, settings.price_psi),
    }
    judged = [rejections, price, *warnings.values()]
    if not enough:
        for measure in judged:
            measure["verdict"] = FEW_ROWS
    judged_accuracy = [judge_accuracy(s, reference, settings) for s in accuracy]
    verdicts = [m["verdict"] for m in [*fields, *judged, *judged_accuracy]]
    return {
        "rows": rows,
        "verdict": FEW_ROWS if all(v == FEW_ROWS for v in verdicts) else worst(verdicts),
        "fields": fields,
        "rejected": rejections,
        "warnings": warnings,
        "price": price,
        "accuracy": judged_accuracy,
    }
