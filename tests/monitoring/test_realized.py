"""Realized accuracy: RMSLE, bias and coverage per window and segment equal a direct
computation from the same prices, ranges and sales, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from regression_model import audit
from regression_model.monitoring import monitor
from regression_model.store.tables import monitor_results
from regression_model.training.range_calibration import BAND_NAMES, PRICE_BANDS
from tests.monitoring.houses import DAY, drawn, record


def _sold(frame: pd.DataFrame, result: dict[str, Any]) -> pd.DataFrame:
    """Each row's stored price and range, its sale, and its segments, as computed here."""
    warned = {w["row"] for w in json.loads(result["warnings"] or "[]")}
    bands = pd.cut(frame["SalePrice"], PRICE_BANDS, labels=list(BAND_NAMES), right=False)
    return pd.DataFrame(
        {
            "prediction_id": result["prediction_ids"],
            "price": [np.nan if p is None else p for p in result["predictions"]],
            "low": [np.nan if r is None else r[0] for r in result["intervals"]],
            "high": [np.nan if r is None else r[1] for r in result["intervals"]],
            "sale_price": frame["SalePrice"].to_numpy(dtype=float),
            "band": bands.astype(str).to_numpy(),
            "Neighborhood": frame["Neighborhood"].to_numpy(),
            "warned": [row in warned for row in range(len(frame))],
        }
    )


def _direct(sales: pd.DataFrame) -> dict[str, Any]:
    priced = sales.dropna(subset=["price"])
    errors = np.log(priced["price"].to_numpy()) - np.log(priced["sale_price"].to_numpy())
    inside = (priced["low"] <= priced["sale_price"]) & (priced["sale_price"] <= priced["high"])
    return {
        "outcomes": len(sales),
        "priced": len(priced),
        "rmsle": float(np.sqrt(np.mean(errors**2))),
        "bias": float(np.median(errors)),
        "coverage": float(inside.mean()),
    }


def _segments(sales: pd.DataFrame) -> dict[str, dict[str, Any]]:
    chosen = {"all": sales}
    chosen |= {f"band:{name}": sales[sales["band"] == name] for name in BAND_NAMES}
    chosen |= {f"Neighborhood:{n}": part for n, part in sales.groupby("Neighborhood")}
    chosen |= {"warned:yes": sales[sales["warned"]], "warned:no": sales[~sales["warned"]]}
    return {name: _direct(part) for name, part in chosen.items() if len(part)}


def test_realized_accuracy_equals_a_direct_computation(store: Any) -> None:
    """Two days of calls (one with rejected rows) and the sales of most of their houses:
    per day and over both, per segment (all, price band, Neighborhood, warned or not),
    the monitor's sales counted, RMSLE, bias (median log error) and coverage equal those
    computed here from the returned prices and ranges; a sale of a rejected row is
    counted, not measured; and the results table holds the same figures."""
    first = drawn(900, seed=11)
    second = drawn(800, seed=12)
    second.loc[:9, "GrLivArea"] = -5  # rejected rows: sales without a price
    days = []
    for offset, frame in enumerate((first, second)):
        result = record(frame, DAY + timedelta(days=offset, hours=9))
        days.append(_sold(frame, result).iloc[: len(frame) - 50])  # some houses unsold
    summary = audit.add_outcomes(pd.concat(days)[["prediction_id", "sale_price"]])
    assert (summary.added, summary.rejected) == (sum(len(d) for d in days), [])
    report = monitor(every="day", since=DAY, until=DAY + timedelta(days=2))
    assert report.sales == summary.added
    pooled = pd.concat(days)
    for window, sales in [*zip(report.windows, days, strict=True), (report.overall, pooled)]:
        expected = _segments(sales)
        found = {s["segment"]: s for s in window["accuracy"]}
        assert set(found) == set(expected)
        for name, figures in expected.items():
            for key, value in figures.items():
                assert found[name][key] == pytest.approx(value, rel=1e-12, abs=1e-15), (name, key)
    assert report.windows[1]["accuracy"][0]["priced"] == len(days[1]) - 10
    with store.engine.connect() as connection:
        stored = connection.execute(
            select(monitor_results.c.measure, monitor_results.c.value).where(
                monitor_results.c.run_id == report.run_id,
                monitor_results.c.period == "all",
                monitor_results.c.subject == "all",
                monitor_results.c.measure.in_(["rmsle", "bias", "coverage"]),
            )
        ).all()
    whole = _direct(pooled)
    assert {m: pytest.approx(whole[m], rel=1e-12) for m, _ in stored} == dict(stored)


def test_prices_that_went_wrong_alert_and_right_ones_do_not(store: Any) -> None:
    """Sales of 700 houses at their recorded prices keep realized accuracy ok; the same
    houses sold a day later for three quarters of those prices (a market that fell)
    alert on RMSLE, bias and coverage, while their inputs raise no drift."""
    for day, factor in ((0, 1.0), (1, 0.75)):
        frame = drawn(700, seed=13)
        result = record(frame, DAY + timedelta(days=day))
        sold = frame["SalePrice"].to_numpy(dtype=float) * factor
        audit.add_outcomes(
            pd.DataFrame({"prediction_id": result["prediction_ids"], "sale_price": sold})
        )
    report = monitor(every="day", since=DAY, until=DAY + timedelta(days=2))
    (right, wrong) = ({s["segment"]: s for s in w["accuracy"]}["all"] for w in report.windows)
    assert (right["verdict"], wrong["verdict"]) == ("ok", "alert")
    assert wrong["bias"] == pytest.approx(right["bias"] - np.log(0.75))
    assert wrong["rmsle"] / wrong["reference"]["rmsle"] > 1.5
    assert wrong["reference"]["coverage"] - wrong["coverage"] > 0.1
    assert [w["verdict"] for w in report.windows] == ["ok", "alert"]
    assert all(f["verdict"] == "ok" for w in report.windows for f in w["fields"])
