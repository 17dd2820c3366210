"""A monitor run as one self-contained HTML page (the ``report`` extra).

The page reads offline: its styles are inline and its plots are PNG images
inside it, drawn by matplotlib on figures of their own (no pyplot, so the
caller's matplotlib state is left alone). No script runs in it. It holds the
verdicts window by window; timelines of the rejected and warned shares and,
with sales recorded, of realized RMSLE and coverage; for each field that
moved, its shares per bin in training against the period; every field's
verdict; and realized accuracy by segment.
"""

from __future__ import annotations

import base64
import html
import io
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regression_model.errors import MonitoringError, OutputFileError
from regression_model.monitoring.report import MonitorReport

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["write_html_report"]

# Fields drawn at the most (the worst first); the table lists every one.
_MOST_FIELDS = 24
_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
td,th{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:right;white-space:nowrap}
td:first-child,th:first-child{text-align:left}
td:last-child,th:last-child{text-align:left;white-space:normal}
.ok{color:#1a7f37}.warn{color:#9a6700;font-weight:bold}.alert{color:#cf222e;font-weight:bold}
.few_rows{color:#777}.verdict{font-size:1.4em}
figure{display:inline-block;margin:.5em}figcaption{font-size:.85em;color:#555}
img{max-width:100%}
"""


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _image(figure: Figure, caption: str) -> str:
    text = html.escape(caption)
    return (
        f'<figure><img alt="{text}" src="data:image/png;base64,{_png(figure)}">'
        f"<figcaption>{text}</figcaption></figure>"
    )


def _cell(value: Any, kind: str = "") -> str:
    if value is None:
        return "<td>-</td>"
    if kind == "percent":
        return f"<td>{value:.1%}</td>"
    if kind == "number":
        return f"<td>{value:.3f}</td>"
    if isinstance(value, int):
        return f"<td>{value:,}</td>"
    if kind == "verdict":
        return f'<td class="{html.escape(value)}">{html.escape(value)}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def _table(head: list[str], rows: list[str]) -> str:
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return f"<table><tr>{cells}</tr>{''.join(rows)}</table>"


def _window_rows(report: MonitorReport) -> str:
    rows = []
    for window in [*report.windows, report.overall]:
        label = "whole period" if window is report.overall else f"{window['start']:%Y-%m-%d}"
        accuracy: dict[str, Any] = next(
            (s for s in window["accuracy"] if s["segment"] == "all"), {}
        )
        flagged = [f["verdict"] for f in window["fields"]]
        rows.append(
            "<tr>"
            + _cell(label)
            + _cell(window["rows"])
            + _cell(window["rejected"]["rate"], "percent")
            + _cell(window["warnings"].get("any", {}).get("rate"), "percent")
            + _cell(window["price"]["psi"], "number")
            + _cell(f"{flagged.count('warn')} / {flagged.count('alert')}")
            + _cell(accuracy.get("outcomes"))
            + _cell(accuracy.get("rmsle"), "number")
            + _cell(accuracy.get("coverage"), "percent")
            + _cell(window["verdict"], "verdict")
            + _cell(report.why(window))
            + "</tr>"
        )
    head = ["window", "rows", "rejected", "warned", "price PSI", "fields warn / alert"]
    return _table([*head, "sales", "RMSLE", "coverage", "verdict", "why"], rows)


def _timelines(report: MonitorReport) -> str:
    """The rejected and warned shares, and realized accuracy, window by window."""
    windows = report.windows
    if len(windows) < 2:
        return "<p>One window: no timeline to draw (the table above holds its figures).</p>"
    starts = [w["start"] for w in windows]
    figure = _figure(8, 3)
    axis = figure.add_subplot()
    axis.plot(starts, [w["rejected"]["rate"] for w in windows], marker="o", label="rejected")
    for kind in sorted({k for w in windows for k in w["warnings"]}):
        rates = [w["warnings"].get(kind, {}).get("rate") for w in windows]
        axis.plot(
            starts, [r if r is not None else float("nan") for r in rates], marker=".", label=kind
        )
    axis.set(ylabel="share of rows", title="Rejected and warned rows per window")
    axis.tick_params(axis="x", labelrotation=30, labelsize=7)
    axis.legend(fontsize=8)
    parts = [_image(figure, "Share of rows rejected, and of priced rows warned, by kind")]
    sales = [next((s for s in w["accuracy"] if s["segment"] == "all"), None) for w in windows]
    if any(s is not None and s["rmsle"] is not None for s in sales):
        figure = _figure(8, 3)
        error, cover = figure.subplots(1, 2)
        nan = float("nan")
        error.plot(starts, [nan if s is None else s["rmsle"] or nan for s in sales], marker="o")
        error.axhline(report.overall["accuracy"][0]["reference"]["rmsle"], color="grey", ls="--")
        error.set(title="Realized RMSLE (dashed: training)")
        cover.plot(starts, [nan if s is None else s["coverage"] or nan for s in sales], marker="o")
        cover.axhline(report.overall["accuracy"][0]["reference"]["coverage"], color="grey", ls="--")
        cover.set(title="Range coverage (dashed: training)")
        for axis in (error, cover):
            axis.tick_params(axis="x", labelrotation=30, labelsize=7)
        parts.append(_image(figure, "Realized error and coverage of the sales recorded"))
    return "".join(parts)


def _moved(report: MonitorReport) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """The fields that warn or alert over the whole period or in some window,
    worst first, each with the window of its highest PSI (None: one window)."""
    order = {"alert": 0, "warn": 1}
    found = []
    for index, entry in enumerate(report.overall["fields"]):
        days = [w for w in report.windows if w["fields"][index]["verdict"] in order]
        verdicts = [entry["verdict"], *(w["fields"][index]["verdict"] for w in days)]
        if not any(v in order for v in verdicts):
            continue
        peak = max(report.windows, key=lambda w: w["fields"][index]["psi"] or 0)
        rank = min(order.get(v, 2) for v in verdicts)
        found.append((rank, -(entry["psi"] or 0), entry, peak if len(report.windows) > 1 else None))
    found.sort(key=lambda item: item[:2])
    return [(entry, peak) for *_, entry, peak in found]


def _field_plots(report: MonitorReport) -> str:
    """Training against the period (and the window where it moved most), bin by
    bin, for the fields that moved."""
    moved = _moved(report)
    parts = []
    for entry, peak in moved[:_MOST_FIELDS]:
        series = [
            ("training", entry["bins"]["reference"]),
            ("whole period", entry["bins"]["current"]),
        ]
        if peak is not None:
            field = next(f for f in peak["fields"] if f["field"] == entry["field"])
            series.append(
                (f"{peak['start']:%Y-%m-%d} (PSI {field['psi']:.2f})", field["bins"]["current"])
            )
        figure = _figure(5.2, 3)
        axis = figure.add_subplot()
        labels, width = entry["bins"]["labels"], 0.8 / len(series)
        for number, (name, shares) in enumerate(series):
            offset = (number - (len(series) - 1) / 2) * width
            axis.bar([p + offset for p in range(len(labels))], shares, width=width, label=name)
        axis.set_xticks(list(range(len(labels))), labels, rotation=40, ha="right", fontsize=7)
        title = f"{entry['field']}: PSI {entry['psi']:.2f} over the period"
        axis.set(ylabel="share of rows", title=title)
        axis.legend(fontsize=7)
        parts.append(_image(figure, f"{entry['field']} ({entry['verdict']} over the period)"))
    if len(moved) > _MOST_FIELDS:
        parts.append(f"<p>{len(moved) - _MOST_FIELDS} more fields moved: see the table.</p>")
    return "".join(parts) or "<p>No field warns or alerts, over the period or in a window.</p>"


def _field_rows(report: MonitorReport) -> str:
    rows = []
    for entry in report.overall["fields"]:
        rows.append(
            "<tr>"
            + _cell(entry["field"])
            + _cell(entry["kind"])
            + _cell(entry["psi"], "number")
            + _cell(entry["missing"], "percent")
            + _cell(entry["reference_missing"], "percent")
            + _cell(entry["unseen_share"], "percent")
            + _cell("; ".join(entry["reasons"]))
            + _cell(entry["verdict"], "verdict")
            + "</tr>"
        )
    head = ["field", "kind", "PSI", "missing", "training", "unseen", "why", "verdict"]
    return _table(head, rows)


def _accuracy_rows(report: MonitorReport) -> str:
    segments = report.overall["accuracy"]
    if not segments:
        return "<p>No sales recorded for these predictions.</p>"
    rows = [
        "<tr>"
        + _cell(s["segment"])
        + _cell(s["outcomes"])
        + _cell(s["rmsle"], "number")
        + _cell(s["reference"]["rmsle"], "number")
        + _cell(s["bias"], "number")
        + _cell(s["coverage"], "percent")
        + _cell(s["reference"]["coverage"], "percent")
        + _cell(s["verdict"], "verdict")
        + "</tr>"
        for s in segments
    ]
    head = ["segment", "sales", "RMSLE", "training", "bias", "coverage", "training", "verdict"]
    return _table(head, rows)


def render_html(report: MonitorReport) -> str:
    """The page, as text."""
    every = {"day": "daily", "week": "weekly", "month": "monthly"}[report.every]
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in report.notes)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Monitoring: model {html.escape(report.model_version)}</title>
<style>{_STYLE}</style></head><body>
<h1>Monitoring: model {html.escape(report.model_version)}</h1>
<p class="verdict">Verdict: <span class="{report.verdict}">{report.verdict}</span></p>
<p>Model identity {html.escape(report.model_identity)}; {report.records:,} records from
{report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M} UTC in {every} windows;
{report.sales:,} sales recorded. Run {html.escape(report.run_id)} at
{report.run_at:%Y-%m-%d %H:%M:%S} UTC.</p>
<ul>{notes}</ul>
<h2>Windows</h2>{_window_rows(report)}
<h2>Timelines</h2>{_timelines(report)}
<h2>Fields that moved</h2>{_field_plots(report)}
<h2>Every field</h2>{_field_rows(report)}
<h2>Realized accuracy</h2>{_accuracy_rows(report)}
</body></html>
"""


def write_html_report(report: MonitorReport, path: str | Path) -> Path:
    """Write ``report`` as one self-contained HTML page at ``path`` (whole or
    not at all).

    Raises
    ------
    MonitoringError
        When matplotlib (the ``report`` extra) is not installed.
    OutputFileError
        When the page cannot be written there.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from datetime import datetime, timezone
    >>> from regression_model.data import load_dataset
    >>> from regression_model.monitoring import monitor, write_html_report
    >>> from regression_model.predict import make_prediction
    >>> started = datetime.now(timezone.utc)
    >>> result = make_prediction(input_data=load_dataset(file_name="train.csv"))
    >>> page = pathlib.Path(tempfile.mkdtemp()) / "report.html"
    >>> write_html_report(monitor(since=started, record=False), page).read_text()[:15]
    '<!DOCTYPE html>'
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise MonitoringError(
            "the HTML report needs matplotlib: pip install 'ames-price-model[report]'"
        ) from error
    target = Path(path)
    text = render_html(report)
    # A new name beside it, made with the umask's mode, then renamed over it.
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(temporary, "x", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise OutputFileError(str(target), f"cannot be written: {error}") from error
    return target
