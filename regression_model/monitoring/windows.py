"""The windows a monitor run reports on: calendar days, ISO weeks (Monday to
Sunday) or months, in UTC, cut to the run's ``[since, until)``.

Examples
--------
>>> from datetime import datetime, timezone
>>> from regression_model.monitoring.windows import windows
>>> since = datetime(2026, 11, 27, 18, tzinfo=timezone.utc)
>>> until = datetime(2026, 12, 2, tzinfo=timezone.utc)
>>> weeks = windows(since, until, "week")
>>> [(start.strftime("%m-%d %H:%M"), end.strftime("%m-%d")) for start, end in weeks]
[('11-27 18:00', '11-30'), ('11-30 00:00', '12-02')]
>>> len(windows(since, until, "day")), len(windows(since, until, "month"))
(5, 2)
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime, timedelta, timezone

__all__ = ["EVERY", "window_of", "window_start", "windows"]

EVERY = ("day", "week", "month")


def window_start(moment: datetime, every: str) -> datetime:
    """The start of the calendar window holding ``moment`` (UTC)."""
    day = moment.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    if every == "week":
        return day - timedelta(days=day.weekday())
    if every == "month":
        return day.replace(day=1)
    return day


def _next(start: datetime, every: str) -> datetime:
    if every == "day":
        return start + timedelta(days=1)
    if every == "week":
        return start + timedelta(weeks=1)
    year, month = divmod(start.month, 12)  # month 12 rolls into January
    return start.replace(year=start.year + year, month=month + 1)


def windows(since: datetime, until: datetime, every: str) -> list[tuple[datetime, datetime]]:
    """The windows ``(start, end)`` of ``[since, until)``, oldest first.

    Raises
    ------
    ValueError
        When ``every`` is not one of :data:`EVERY`, or ``until`` is not after ``since``.
    """
    if every not in EVERY:
        raise ValueError(f"every must be one of {', '.join(EVERY)}, not {every!r}")
    if until <= since:
        raise ValueError(f"until ({until.isoformat()}) must be after since ({since.isoformat()})")
    found, start = [], since
    while start < until:
        end = min(_next(window_start(start, every), every), until)
        found.append((start, end))
        start = end
    return found


def window_of(starts: list[datetime], moment: datetime) -> int:
    """The index of the window (given by its sorted ``starts``) holding ``moment``."""
    return bisect_right(starts, moment) - 1
