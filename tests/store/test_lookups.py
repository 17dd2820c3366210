"""Any text is a valid lookup, answered alike on SQLite and PostgreSQL; an
argument of the wrong kind is one clear StoreQueryError, before the database
sees it."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timezone
from typing import Any

import numpy as np
import pytest

from regression_model import audit
from regression_model.errors import PredictionStoreError, StoreQueryError
from regression_model.predict import make_prediction

# Ids the store never issued, each of a kind a backend could trip on.
UNKNOWN_IDS = {
    "uuid7_high_row": "01a22b14-e621-711f-9207-b5bfffffffff",  # beyond a 32-bit row
    "uuid7_row_2_31": "01a22b14-e621-711f-9207-b5bf80000000",
    "uuid7_unknown_call": "01a22b14-e621-711f-9207-b5bf000000ff",
    "uuid4": "3f2b5f9e-8c1d-4d7a-9e55-0c2a9b1e6f10",
    "nul": "01a22b14-e621-711f-9207\x00b5bf000000ff",
    "nul_alone": "\x00",
    "surrogate": "id-\ud800",
    "empty": "",
    "spaces": "   ",
    "long": "x" * 10_000,
    "sql": "'; DROP TABLE calls; --",
    "emoji": "🏠" * 9,
}


@pytest.mark.parametrize("name", sorted(UNKNOWN_IDS))
def test_an_id_the_store_never_issued_is_not_found(
    name: str, store_url: str, house: dict[str, Any]
) -> None:
    """get_record of an id the store never issued (a UUIDv7 whose last 8 hex digits
    exceed a 32-bit row, a NUL, a lone surrogate, empty, 10,000 characters, SQL)
    is None on both backends, and reproduce raises KeyError naming it; the store
    still works after."""
    make_prediction(input_data=[house])
    prediction_id = UNKNOWN_IDS[name]
    assert audit.get_record(prediction_id) is None
    with pytest.raises(KeyError, match="no prediction"):
        audit.reproduce(prediction_id)
    assert audit.find(call_id=prediction_id) == []
    assert audit.get_store().model(prediction_id) is None  # type: ignore[union-attr]
    assert audit.get_record(make_prediction(input_data=[house])["prediction_ids"][0])


def test_a_known_id_is_found_in_any_case_and_with_spaces(
    store_url: str, house: dict[str, Any]
) -> None:
    """An issued id is found as returned, in upper case, and with spaces around it."""
    (prediction_id,) = make_prediction(input_data=[house])["prediction_ids"]
    for asked in (prediction_id, prediction_id.upper(), f"  {prediction_id}\n"):
        record = audit.get_record(asked)
        assert record is not None and record["prediction_id"] == prediction_id


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ({"limit": -1}, "limit=-1 is not accepted: give a whole number of 0 or more, or None"),
        ({"limit": 2.5}, "limit=2.5 is not accepted"),
        ({"limit": True}, "limit=True is not accepted"),
        ({"limit": "10"}, "limit='10' is not accepted"),
        ({"since": "yesterday"}, "since='yesterday' is not accepted: give a datetime"),
        ({"until": 1_700_000_000}, "until=1700000000 is not accepted: give a datetime"),
        ({"since": date(2026, 1, 1)}, "since=datetime.date(2026, 1, 1) is not accepted"),
        ({"model_version": 1.9}, "model_version=1.9 is not accepted: give text"),
        ({"call_id": b"abc"}, "call_id=b'abc' is not accepted: give text"),
    ],
    ids=lambda value: str(value)[:20],
)
def test_a_read_asked_the_wrong_kind_of_argument_says_which(
    arguments: dict[str, Any], says: str, store_url: str, house: dict[str, Any]
) -> None:
    """find, iter_records and export_records refuse a negative, fractional,
    boolean or text limit, a time that is not a datetime, and a filter that is
    not text: StoreQueryError (a PredictionStoreError and a ValueError), one
    line naming the argument and what it accepts, on both backends alike."""
    make_prediction(input_data=[house])
    for read in (audit.find, audit.iter_records, lambda **a: audit.export_records("x.csv", **a)):
        with pytest.raises(StoreQueryError) as info:
            read(**arguments)
        assert says in str(info.value) and "\n" not in str(info.value)
        assert isinstance(info.value, PredictionStoreError) and isinstance(info.value, ValueError)


def test_limits_and_times_that_are_accepted(store_url: str, house: dict[str, Any]) -> None:
    """limit 0 gives nothing, None everything, a numpy integer counts as a whole
    number; a naive datetime is taken as UTC."""
    started = datetime.now(timezone.utc)
    ids = make_prediction(input_data=[house] * 3)["prediction_ids"]
    assert audit.find(since=started, limit=0) == []
    assert [r["prediction_id"] for r in audit.find(since=started, limit=None)] == ids
    assert [r["prediction_id"] for r in audit.find(since=started, limit=np.int64(2))] == ids[:2]
    naive = started.replace(tzinfo=None)
    assert [r["prediction_id"] for r in audit.iter_records(since=naive)] == ids


def test_the_command_line_gives_one_line_for_an_unknown_id(
    store_url: str, house: dict[str, Any]
) -> None:
    """``regression-model reproduce`` with a well-formed id the store never issued
    (its row beyond 32 bits) says so in one line and exits 2, on both backends."""
    make_prediction(input_data=[house])
    done = subprocess.run(
        [sys.executable, "-m", "regression_model.cli", "reproduce", UNKNOWN_IDS["uuid7_high_row"]],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"regression-model reproduce: no prediction '{UNKNOWN_IDS['uuid7_high_row']}' in the store"
    ]
