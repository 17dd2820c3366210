"""Input drift read from stored calls: planted drifts flagged, rows drawn like the
training houses not, windows cut by the calls' times, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sklearn.model_selection import KFold
from sqlalchemy import update

from regression_model.config.core import get_config
from regression_model.data import load_dataset
from regression_model.model import load_model
from regression_model.monitoring import monitor
from regression_model.store.tables import models
from regression_model.training.profile import input_profile, profile_fields
from tests.monitoring.houses import DAY, PLANTED, drawn, plant, record


def _flagged(window: dict[str, Any]) -> dict[str, str]:
    return {f["field"]: f["verdict"] for f in window["fields"] if f["verdict"] != "ok"}


def test_each_planted_drift_is_flagged_and_nothing_else(store: Any) -> None:
    """2,000 houses drawn like the training ones with four drifts planted (GrLivArea x 1.3,
    an unseen Neighborhood, LotArea 40% missing, OverallQual + 1): each of the four
    fields alerts, for the reason planted, and no other field of the 79 is flagged."""
    record(plant(drawn(2000, seed=1), seed=2), DAY)
    report = monitor(every="day", since=DAY, until=DAY + timedelta(days=1))
    assert len(report.overall["fields"]) == 79
    assert _flagged(report.overall) == {name: "alert" for name in PLANTED}
    fields = {f["field"]: f for f in report.overall["fields"]}
    assert fields["LotArea"]["missing"] == pytest.approx(0.4, abs=0.03)
    assert fields["Neighborhood"]["unseen_share"] == pytest.approx(0.2, abs=0.03)
    unseen = round(fields["Neighborhood"]["rows"] * fields["Neighborhood"]["unseen_share"])
    assert report.unseen == {"Neighborhood": {"GrnHill": unseen}}
    assert fields["GrLivArea"]["largest_shift"]["bin"].startswith(">")
    assert report.verdict == "alert" and report.exit_code == 3


def test_rows_drawn_like_training_flag_at_most_one_field(store: Any) -> None:
    """Out-of-fold rows of train.csv against a profile of the other fold (2-fold
    splits of 3 seeds, 730 rows a side): at most one of the 79 fields is flagged at
    the default thresholds, and the window's verdict is not an alert."""
    config = get_config()
    houses = load_dataset(file_name="train.csv")
    installed = load_model().profile
    assert installed is not None
    seen = []
    for seed in (0, 1, 2):
        for fold, (fit, held) in enumerate(KFold(2, shuffle=True, random_state=seed).split(houses)):
            day = DAY + timedelta(days=2 * seed + fold)
            record(houses.iloc[held].reset_index(drop=True), day)
            profile = {**installed, "fields": input_profile(houses.iloc[fit], config)}
            with store.engine.begin() as connection:
                connection.execute(update(models).values(profile=json.dumps(profile)))
            report = monitor(every="day", since=day, until=day + timedelta(days=1))
            (window,) = report.windows
            assert len(window["fields"]) == len(profile_fields(config)) == 79
            assert window["rows"] == len(held) >= config.monitoring_config.min_rows
            seen.append(_flagged(window))
            assert report.overall["verdict"] != "alert", _flagged(window)
    assert all(len(flagged) <= 1 for flagged in seen), seen


def test_windows_follow_the_calls_times(store: Any) -> None:
    """Calls made on three days land in their day's window (and in one week and one
    month); a window too small to judge says so rather than alerting, while the whole
    period, pooled, is judged; days without records are not listed."""
    record(drawn(600, seed=3), DAY)
    record(plant(drawn(700, seed=4), seed=5), DAY + timedelta(days=1, hours=5))
    record(drawn(100, seed=6), DAY + timedelta(days=3, hours=23))
    until = DAY + timedelta(days=7)
    daily = monitor(every="day", since=DAY, until=until)
    assert [(w["start"], w["rows"]) for w in daily.windows] == [
        (DAY, 600),
        (DAY + timedelta(days=1), 700),
        (DAY + timedelta(days=3), 100),
    ]
    assert [w["verdict"] for w in daily.windows] == ["ok", "alert", "few_rows"]
    assert _flagged(daily.windows[1]) == {name: "alert" for name in PLANTED}
    assert daily.overall["rows"] == 1400 and daily.records == 1400
    weekly = monitor(every="week", since=DAY, until=until)
    monthly = monitor(every="month", since=DAY - timedelta(days=1), until=until)
    assert [w["rows"] for w in weekly.windows] == [1400]
    assert [(w["start"].day, w["rows"]) for w in monthly.windows] == [(1, 1400)]
    assert monthly.windows[0]["start"] == DAY - timedelta(days=1)  # cut to since


def test_records_sent_as_lists_of_dicts_count_like_frames(store: Any) -> None:
    """The same houses sent as a DataFrame and as a list of records (stored as JSON
    lines, some keys absent) give the same counts in every bin of every field."""
    frame = plant(drawn(600, seed=7), seed=8)
    record(frame, DAY)
    rows = [{k: v for k, v in r.items() if v == v} for r in frame.to_dict("records")]
    record(rows, DAY + timedelta(days=1))
    report = monitor(every="day", since=DAY, until=DAY + timedelta(days=2))
    by_frame, by_records = report.windows
    for left, right in zip(by_frame["fields"], by_records["fields"], strict=True):
        assert left["bins"] == right["bins"], left["field"]
        assert left["missing"] == right["missing"], left["field"]


def test_values_of_the_wrong_type_are_counted_not_dropped(store: Any) -> None:
    """Records holding what a field cannot hold (text and a list where a number
    belongs, a 400-digit number, a boolean, a number where a category belongs) are
    stored as sent; monitoring counts each in its field: the text, list and boolean as
    of the wrong type, the huge number beyond the last bin, the number as an unseen
    category; every row is counted once in every field."""
    base = {"OverallQual": 6, "Neighborhood": "NAmes", "YrSold": 2009, "GrLivArea": 1200}
    rows = [
        {**base, "GrLivArea": "1500"},
        {**base, "LotArea": [8450]},
        {**base, "LotArea": 10**400},
        {**base, "LotArea": True},
        {**base, "Street": 7},
        {**base, "LotArea": 9000},
    ]
    record(rows, DAY)
    report = monitor(every="day", since=DAY, until=DAY + timedelta(days=1), record=False)
    fields = {f["field"]: f for f in report.overall["fields"]}
    assert fields["GrLivArea"]["invalid"] == 1 and fields["GrLivArea"]["missing"] == 0
    lot = fields["LotArea"]
    assert (lot["invalid"], round(lot["missing"] * 6)) == (2, 2)  # two rows lack it
    assert lot["bins"]["current"][-2] == pytest.approx(1 / 6)  # 10**400: above the last edge
    assert fields["Street"]["unseen_share"] == pytest.approx(1 / 6)
    assert report.unseen == {"Street": {"7": 1}}
    assert all(f["rows"] == 6 for f in report.overall["fields"])
    assert all(sum(f["bins"]["current"]) == pytest.approx(1) for f in report.overall["fields"])
