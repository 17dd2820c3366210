"""A monitor run's results: the report object, its JSON, and its rows for SQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["EXIT_ALERT", "MonitorReport"]

# The command's exit code when an alert fires (0: none; 2: it could not run).
EXIT_ALERT = 3


@dataclass
class MonitorReport:
    """What a monitor run found.

    ``windows`` holds one entry per window with records, oldest first, and
    ``overall`` the whole period pooled; each has ``period``, ``start``,
    ``end``, ``rows``, ``verdict``, ``fields`` (one entry per input field:
    ``psi``, ``missing`` and ``reference_missing``, ``unseen_share``,
    ``largest_shift``, ``bins``, ``verdict`` and ``reasons``), ``rejected``,
    ``warnings`` (by kind), ``price`` and ``accuracy`` (by segment: sales,
    ``rmsle``, ``bias``, ``coverage``, their ``reference`` and a verdict).
    ``verdict`` is the worst of them all: ``ok``, ``warn`` or ``alert``.

    Examples
    --------
    >>> import json
    >>> from datetime import datetime, timezone
    >>> from regression_model.data import load_dataset
    >>> from regression_model.monitoring import monitor
    >>> from regression_model.predict import make_prediction
    >>> started = datetime.now(timezone.utc)
    >>> houses = load_dataset(file_name="train.csv")
    >>> houses["OverallQual"] = (houses["OverallQual"] + 1).clip(upper=10)
    >>> result = make_prediction(input_data=houses)
    >>> report = monitor(since=started, record=False)
    >>> [(f["field"], f["verdict"]) for f in report.flagged()], report.exit_code
    ([('OverallQual', 'alert')], 3)
    >>> report.why(report.overall)
    'fields OverallQual'
    >>> json.loads(report.to_json())["overall"]["rows"]
    1460
    """

    run_id: str
    run_at: datetime
    model_identity: str
    model_version: str
    since: datetime
    until: datetime
    every: str
    records: int
    sales: int
    verdict: str
    thresholds: dict[str, Any]
    windows: list[dict[str, Any]]
    overall: dict[str, Any]
    unseen: dict[str, dict[str, int]]
    notes: list[str]

    @property
    def exit_code(self) -> int:
        """3 when an alert fired, else 0 (what ``regression-model monitor`` exits with)."""
        return EXIT_ALERT if self.verdict == "alert" else 0

    def flagged(self, window: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The fields whose verdict is warn or alert (over the whole period by default)."""
        chosen = self.overall if window is None else window
        return [f for f in chosen["fields"] if f["verdict"] in ("warn", "alert")]

    @staticmethod
    def why(window: dict[str, Any]) -> str:
        """What in a window warns or alerts, in a few words ("" when nothing does)."""
        moved = ("warn", "alert")
        fields = [f["field"] for f in window["fields"] if f["verdict"] in moved]
        kinds = [k for k, entry in window["warnings"].items() if entry["verdict"] in moved]
        segments = [s["segment"] for s in window["accuracy"] if s["verdict"] in moved]
        parts = [f"fields {', '.join(fields)}"] if fields else []
        if window["rejected"]["verdict"] in moved:
            parts.append(f"rejected {window['rejected']['rate']:.1%}")
        parts += [f"warned {kind}" for kind in kinds]
        if window["price"]["verdict"] in moved:
            parts.append(f"prices (PSI {window['price']['psi']:.2f})")
        if segments:
            parts.append(f"accuracy of {', '.join(segments)}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON values (times in ISO 8601)."""
        return {
            "run_id": self.run_id,
            "run_at": self.run_at.isoformat(),
            "model": {"identity": self.model_identity, "version": self.model_version},
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "every": self.every,
            "records": self.records,
            "sales": self.sales,
            "verdict": self.verdict,
            "thresholds": self.thresholds,
            "windows": [_window_json(w) for w in self.windows],
            "overall": _window_json(self.overall),
            "unseen_categories": self.unseen,
            "notes": self.notes,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, allow_nan=False)

    def run_row(self) -> dict[str, Any]:
        """The run's row of ``monitor_runs``."""
        return {
            "run_id": self.run_id,
            "run_at": self.run_at,
            "model_identity": self.model_identity,
            "model_version": self.model_version,
            "since": self.since,
            "until": self.until,
            "every": self.every,
            "records": self.records,
            "verdict": self.verdict,
            "thresholds": json.dumps(self.thresholds, sort_keys=True),
        }

    def result_rows(self) -> list[dict[str, Any]]:
        """The rows of ``monitor_results``: per window (and ``all``), measure and subject."""
        return [
            {"run_id": self.run_id, **row}
            for window in [*self.windows, self.overall]
            for row in _window_rows(window)
        ]


def _window_json(window: dict[str, Any]) -> dict[str, Any]:
    return {**window, "start": window["start"].isoformat(), "end": window["end"].isoformat()}


# A result row's values after its window: measure, subject, rows, value,
# reference, verdict, detail.
_Result = tuple[str, str, int, float | None, float | None, str, dict[str, Any] | None]


def _rated(measure: str, subject: str, rows: int, entry: dict[str, Any]) -> _Result:
    return (measure, subject, rows, entry["rate"], entry["reference"], entry["verdict"], None)


def _results(window: dict[str, Any]) -> Iterator[_Result]:
    for entry in window["fields"]:
        detail = {k: entry[k] for k in ("missing", "reference_missing", "invalid", "unseen_share")}
        detail |= {"largest_shift": entry["largest_shift"], "reasons": entry["reasons"]}
        yield ("field", entry["field"], entry["rows"], entry["psi"], None, entry["verdict"], detail)
    rejected, price = window["rejected"], window["price"]
    yield _rated("rejected_rate", "all", window["rows"], rejected)
    for kind, entry in window["warnings"].items():
        yield _rated("warning_rate", kind, price["rows"], entry)
    medians = {"median": price["median"], "reference_median": price["reference_median"]}
    yield ("price_psi", "all", price["rows"], price["psi"], None, price["verdict"], medians)
    for segment in window["accuracy"]:
        for measure, rows in (("rmsle", "priced"), ("bias", "priced"), ("coverage", "ranged")):
            yield (
                measure,
                segment["segment"],
                segment[rows],
                segment[measure],
                segment["reference"][measure],
                segment["verdict"],
                {"outcomes": segment["outcomes"]},
            )


def _window_rows(window: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for measure, subject, rows, value, reference, verdict, detail in _results(window):
        yield {
            "period": window["period"],
            "window_start": window["start"],
            "window_end": window["end"],
            "measure": measure,
            "subject": subject,
            "rows": rows,
            "value": value,
            "reference": reference,
            "verdict": verdict,
            "detail": None if detail is None else json.dumps(detail, sort_keys=True),
        }
