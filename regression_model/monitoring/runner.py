"""One monitor run: pick the model, stream its stored chunks into windows,
judge each window and the whole period, and record the results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from regression_model.config.core import Config, get_config
from regression_model.errors import MonitoringError
from regression_model.monitoring.judge import judge_window, worst
from regression_model.monitoring.realized import Realized
from regression_model.monitoring.reference import Reference
from regression_model.monitoring.report import MonitorReport
from regression_model.monitoring.tally import Tally
from regression_model.monitoring.windows import EVERY, window_of, window_start, windows
from regression_model.store.ids import new_id

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from regression_model.store.store import PredictionStore

__all__ = ["monitor"]


@dataclass(frozen=True)
class _Scope:
    """The model a run reads, its period, and what it leaves aside."""

    identity: str
    version: str
    since: datetime
    until: datetime
    notes: list[str]


def _moment(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise MonitoringError(f"{name} must be a datetime, not {type(value).__name__}")
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _scope(
    connection: Connection,
    since: datetime | None,
    until: datetime,
    version: str | None,
    every: str,
) -> _Scope:
    """The newest model (of ``version``, when given) with calls in the period."""
    from regression_model.store.monitored import calls_by_model, unidentified_records

    found = calls_by_model(connection, since, until)
    period = f"between {since.isoformat() if since else 'the first record'} and {until.isoformat()}"
    chosen = [m for m in found if version is None or m["model_version"] == version]
    if not chosen:
        which = f"of model version {version} " if version else ""
        recorded = sorted({m["model_version"] for m in found})
        others = f"; versions recorded then: {', '.join(recorded)}" if recorded else ""
        raise MonitoringError(
            f"the prediction store holds no records {which}{period}: nothing to monitor{others}"
        )
    model = chosen[0]
    notes = [
        f"{m['records']:,} records of model {m['model_version']} ({m['model_identity'][:12]}) "
        "are not included: one model per run (--version picks it)"
        for m in found
        if m is not model
    ]
    unidentified = unidentified_records(connection, since, until)
    if unidentified:
        notes.append(
            f"{unidentified:,} records written before schema 5 name no model and are not included"
        )
    start = since or window_start(model["first_call"], every)
    return _Scope(model["model_identity"], model["model_version"], start, until, notes)


def _reference(connection: Connection, scope: _Scope) -> Reference:
    from regression_model.store.monitored import stored_profile

    text = stored_profile(connection, scope.identity)
    if text is None:
        raise MonitoringError(
            f"model {scope.version} ({scope.identity[:12]}) was trained before reference "
            "profiles were made: its records cannot be compared with its training; monitor "
            "the records of a model trained since"
        )
    try:
        return Reference.from_profile(json.loads(text))
    except (ValueError, KeyError, TypeError) as error:
        raise MonitoringError(
            f"the reference profile of model {scope.version} cannot be read: {error}"
        ) from error


def _count(
    connection: Connection, scope: _Scope, reference: Reference, starts: list[datetime]
) -> tuple[Tally, Realized, int]:
    """Stream the scope's chunks into a tally and their sales into realized accuracy."""
    from regression_model.store.monitored import monitored_chunks
    from regression_model.store.outcomes import sales_of_calls
    from regression_model.store.tables import utc

    sales = sales_of_calls(connection, scope.identity, scope.since, scope.until)
    tally, realized = Tally(reference, len(starts)), Realized(reference, len(starts))
    for chunk in monitored_chunks(connection, scope.identity, scope.since, scope.until):
        window = window_of(starts, utc(chunk.created_at))
        view = tally.add(window, chunk)
        if chunk.call_id in sales:
            realized.add(window, view, *sales[chunk.call_id])
    tally.flush()
    return tally, realized, sum(len(rows) for rows, _ in sales.values())


def _judged(
    tally: Tally,
    realized: Realized,
    spans: list[tuple[datetime, datetime]],
    every: str,
    config: Config,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    settings = config.monitoring_config
    judged = []
    for index, (start, end) in enumerate(spans):
        if tally.rows[index]:
            window = judge_window(tally, [index], settings, realized.segments([index]))
            judged.append({"period": every, "start": start, "end": end, **window})
    everything = list(range(len(spans)))
    overall = judge_window(tally, everything, settings, realized.segments(everything))
    return judged, {"period": "all", "start": spans[0][0], "end": spans[-1][1], **overall}


def monitor(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    version: str | None = None,
    every: str = "day",
    record: bool = True,
    config: Config | None = None,
    store: PredictionStore | None = None,
) -> MonitorReport:
    """Compare the stored predictions of one model with its reference profile.

    Parameters
    ----------
    since, until : datetime, optional
        The period ``[since, until)`` (a naive time is UTC); by default from
        the start of the window of the model's first record, to now.
    version : str, optional
        The model version; by default the newest model with records in the
        period. One run reads one model.
    every : {"day", "week", "month"}
        The windows: calendar days, ISO weeks or months, in UTC.
    record : bool
        Write the run and its results to the store (``monitor_runs``,
        ``monitor_results``).
    config : Config, optional
        Whose ``monitoring`` thresholds judge; the package's own by default.
    store : PredictionStore, optional
        The store to read; the one in force by default.

    Returns
    -------
    MonitorReport
        Every measure of every window and of the whole period, with its
        verdict; ``exit_code`` is 3 when an alert fired, else 0.

    Raises
    ------
    MonitoringError
        When persistence is off, the store holds no records of the model in
        the period, or the model left no reference profile.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from regression_model.data import load_dataset
    >>> from regression_model.monitoring import monitor
    >>> from regression_model.predict import make_prediction
    >>> started = datetime.now(timezone.utc)
    >>> result = make_prediction(input_data=load_dataset(file_name="train.csv"))
    >>> report = monitor(since=started, record=False)
    >>> report.records, len(report.overall["fields"]), report.verdict, report.exit_code
    (1460, 79, 'ok', 0)
    """
    from regression_model.store.location import open_store
    from regression_model.store.variables import URL_VARIABLE

    cfg = config or get_config()
    if every not in EVERY:
        raise MonitoringError(f"every must be one of {', '.join(EVERY)}, not {every!r}")
    since, end = _moment(since, "since"), _moment(until, "until")
    until = end or datetime.now(timezone.utc)
    if since is not None and until <= since:
        raise MonitoringError(_empty_span(since, until, given_until=end is not None))
    target = store or open_store(cfg.store_config)
    if target is None:
        raise MonitoringError(
            f"persistence is off ({URL_VARIABLE}=none): there is no store to read"
        )
    from regression_model.store.monitored import read_transaction, write_transaction

    with read_transaction(target, "read records to monitor") as connection:
        scope = _scope(connection, since, until, version, every)
        reference = _reference(connection, scope)
        spans = windows(scope.since, scope.until, every)
        tally, realized, sales = _count(connection, scope, reference, [s for s, _ in spans])
    judged, overall = _judged(tally, realized, spans, every, cfg)
    report = MonitorReport(
        run_id=new_id(),
        run_at=datetime.now(timezone.utc),
        model_identity=scope.identity,
        model_version=scope.version,
        since=scope.since,
        until=scope.until,
        every=every,
        records=int(tally.rows.sum()),
        sales=sales,
        verdict=worst([overall["verdict"], *(w["verdict"] for w in judged)]),
        thresholds=cfg.monitoring_config.model_dump(mode="json"),
        windows=judged,
        overall=overall,
        unseen={n: dict(t.unseen.most_common()) for n, t in tally.fields.items() if t.unseen},
        notes=scope.notes,
    )
    if record:
        from regression_model.store.monitor_results import record_run

        with write_transaction(target, "record the monitor run") as connection:
            record_run(connection, report.run_row(), report.result_rows())
    return report


def _empty_span(since: datetime, until: datetime, *, given_until: bool) -> str:
    """Why ``[since, until)`` holds no time, in the words the caller used."""
    if given_until:
        return f"until ({until.isoformat()}) must be after since ({since.isoformat()})"
    return (
        f"since ({since.isoformat()}) is in the future (now {until.isoformat()}); "
        "give a time in the past"
    )
