"""A monitor run as text for a terminal: a line per window, then the fields
and measures that warn or alert over the whole period, then realized
accuracy by segment."""

from __future__ import annotations

from typing import Any

from regression_model.monitoring.report import MonitorReport

__all__ = ["render_table"]


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _number(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _counts(window: dict[str, Any]) -> str:
    verdicts = [f["verdict"] for f in window["fields"]]
    return f"{verdicts.count('warn')}/{verdicts.count('alert')}"


def _window_line(window: dict[str, Any], label: str) -> str:
    accuracy = next((s for s in window["accuracy"] if s["segment"] == "all"), None)
    warned = window["warnings"].get("any", {}).get("rate")
    return (
        f"{label:<17} {window['rows']:>10,} {_percent(window['rejected']['rate']):>8} "
        f"{_percent(warned):>7} {_number(window['price']['psi'], 2):>9} {_counts(window):>10} "
        f"{'-' if accuracy is None else format(accuracy['outcomes'], ','):>7} "
        f"{_number(None if accuracy is None else accuracy['rmsle']):>6} "
        f"{_percent(None if accuracy is None else accuracy['coverage']):>8}  "
        f"{window['verdict']:<8} {MonitorReport.why(window)}"
    ).rstrip()


def _field_lines(report: MonitorReport) -> list[str]:
    flagged = report.flagged()
    if not flagged:
        return ["No field warns or alerts over the whole period."]
    lines = [
        "Fields that warn or alert over the whole period:",
        f"{'field':<15} {'kind':<9} {'PSI':>6} {'missing (training)':>19} {'unseen':>7}  "
        "largest shift of share",
    ]
    for entry in flagged:
        shift = entry["largest_shift"]
        missing = f"{_percent(entry['missing'])} ({_percent(entry['reference_missing'])})"
        lines.append(
            f"{entry['field']:<15} {entry['kind']:<9} {_number(entry['psi'], 2):>6} "
            f"{missing:>19} {_percent(entry['unseen_share']):>7}  {shift['bin']}: "
            f"{_percent(shift['reference'])} -> {_percent(shift['current'])}  {entry['verdict']}"
        )
    return lines


def _measure_lines(report: MonitorReport) -> list[str]:
    overall, lines = report.overall, []
    for kind, entry in overall["warnings"].items():
        if entry["verdict"] in ("warn", "alert"):
            lines.append(
                f"rows warned ({kind}): {_percent(entry['rate'])}, training "
                f"{_percent(entry['reference'])}  {entry['verdict']}"
            )
    rejected, price = overall["rejected"], overall["price"]
    if rejected["verdict"] in ("warn", "alert"):
        lines.append(
            f"rows rejected: {_percent(rejected['rate'])}, training "
            f"{_percent(rejected['reference'])}  {rejected['verdict']}"
        )
    if price["verdict"] in ("warn", "alert"):
        median = "-" if price["median"] is None else f"${price['median']:,.0f}"
        lines.append(
            f"predicted prices: PSI {_number(price['psi'], 2)}, median {median} "
            f"(training ${price['reference_median']:,.0f})  {price['verdict']}"
        )
    return lines


def _accuracy_lines(report: MonitorReport) -> list[str]:
    segments = report.overall["accuracy"]
    if not segments:
        return ["No sales recorded for these predictions (regression-model outcomes add)."]
    lines = [
        "Realized accuracy over the whole period (sales recorded for stored prices):",
        f"{'segment':<28} {'sales':>7} {'RMSLE (training)':>17} {'bias':>7} "
        f"{'coverage (training)':>20}",
    ]
    judged = [s for s in segments if s["verdict"] != "few_rows"]
    for s in judged:
        reference = s["reference"]
        rmsle = f"{_number(s['rmsle'])} ({_number(reference['rmsle'])})"
        coverage = f"{_percent(s['coverage'])} ({_percent(reference['coverage'])})"
        lines.append(
            f"{s['segment'][:28]:<28} {s['outcomes']:>7,} {rmsle:>17} {_number(s['bias']):>7} "
            f"{coverage:>20}  {s['verdict']}"
        )
    if len(judged) < len(segments):
        fewest = report.thresholds["min_outcomes"]
        lines.append(
            f"({len(segments) - len(judged)} segments of fewer than {fewest} sales are not "
            "judged: see --format json or --report)"
        )
    return lines


def render_table(report: MonitorReport) -> str:
    """The report as lines of text."""
    periods = {"day": "daily", "week": "weekly", "month": "monthly"}
    head = [
        f"model {report.model_version} ({report.model_identity[:12]}), {report.records:,} "
        f"records from {report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M} UTC, "
        f"{periods[report.every]} windows; {report.sales:,} sales recorded",
        *report.notes,
        "",
        f"{'window':<17} {'rows':>10} {'rejected':>8} {'warned':>7} {'price PSI':>9} "
        f"{'warn/alert':>10} {'sales':>7} {'RMSLE':>6} {'coverage':>8}  verdict  why",
    ]
    rows = [_window_line(w, w["start"].strftime("%Y-%m-%d")) for w in report.windows]
    rows.append(_window_line(report.overall, "whole period"))
    tail = [
        "",
        *_field_lines(report),
        *_measure_lines(report),
        "",
        *_accuracy_lines(report),
        "",
        f"verdict: {report.verdict} (exit code {report.exit_code})",
    ]
    return "\n".join([*head, *rows, *tail])
