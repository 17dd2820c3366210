"""The numpy scoring plan equals Pipeline.predict, and falls back for unknown steps."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from sklearn.preprocessing import MinMaxScaler

from regression_model import tuning
from regression_model.artifacts import plan_path_for
from regression_model.config.core import Config, get_config
from regression_model.data import load_training_data
from regression_model.pipeline import build_pipeline
from regression_model.predict import load_model
from regression_model.scoring.compiler import compile_spec
from regression_model.scoring.inputs import FrameInput, RecordsInput
from regression_model.scoring.plan import ScoringPlan
from regression_model.scoring.validators import validate_table
from regression_model.training.training_rows import training_frame
from tests.strategies import records

RTOL = 1e-9


def _both(plan: ScoringPlan, table: Any, config: Config) -> tuple[np.ndarray, np.ndarray]:
    batch = validate_table(table, config)
    if len(batch.valid_rows) == 0:  # scikit-learn refuses an empty frame
        return plan.predict(batch), np.empty(0)
    return plan.predict(batch), load_model().pipeline.predict(batch.frame(config))


@pytest.mark.parametrize("file_name", ["train.csv", "test.csv"])
def test_plan_equals_pipeline_on_every_shipped_row(
    config: Config, file_name: str, train_frame: pd.DataFrame, test_frame: pd.DataFrame
) -> None:
    """Every row of train.csv and test.csv: plan and pipeline agree to 1e-9 relative."""
    frame = train_frame if file_name == "train.csv" else test_frame
    fast, slow = _both(load_model().plan, FrameInput(frame), config)
    assert len(fast) == len(frame)
    np.testing.assert_allclose(fast, slow, rtol=RTOL)


@given(
    rows=records(
        get_config().model_config.features,
        get_config().model_config.required_features,
        valid_only=True,
        max_rows=50,
    )
)
def test_plan_equals_pipeline_on_generated_rows(rows: list[dict[str, Any]]) -> None:
    """Random valid records (any subset of fields, missing values anywhere but the
    required fields): plan and pipeline agree to 1e-9 relative."""
    config = get_config()
    fast, slow = _both(load_model().plan, RecordsInput(rows, {}), config)
    assert len(fast) == len(rows)
    np.testing.assert_allclose(fast, slow, rtol=RTOL)


def test_shipped_plan_file_is_the_compiled_spec(config: Config) -> None:
    """The plan file beside the artifact is what compile_spec derives from the pipeline,
    plus the categories each unordered column held in training."""
    model = load_model()
    shipped = json.loads(plan_path_for(model.path).read_text())
    seen = shipped.pop("seen_categories")
    assert shipped.pop("intervals")["coverage"] == config.model_config.prediction_intervals.coverage
    assert shipped == json.loads(json.dumps(compile_spec(model.pipeline)))
    assert shipped["fallback_steps"] == [] and shipped["head"] is not None
    X, _, _ = training_frame(load_training_data(config), config)
    assert seen["Neighborhood"] == sorted(set(X["Neighborhood"]))
    assert "150" not in seen["MSSubClass"] and "20" in seen["MSSubClass"]


def test_unknown_step_falls_back_to_the_pipeline(config: Config, test_frame: pd.DataFrame) -> None:
    """With a step the compiler does not know (MinMaxScaler), there is no linear head
    to fold the category slopes and spline curves into: the plan compiles the steps
    before the first of them and runs it and the rest through Pipeline.predict,
    with equal results."""
    pipeline = build_pipeline(config)
    index = [name for name, _ in pipeline.steps].index("scaler")
    pipeline.steps[index] = ("scaler", MinMaxScaler().set_output(transform="pandas"))
    X, y, _ = training_frame(load_training_data(config), config)
    pipeline.fit(X, y)
    spec = compile_spec(pipeline)
    assert spec["fallback_steps"] == [
        "slopes_TotalSF_by_Neighborhood",
        "splines",
        "drop_linear_terms",
        "rare_label_encoder",
        "one_hot_encoder",
        "scaler",
        "regressor",
    ]
    compiled = {op["op"] for op in spec["operations"]}
    assert not compiled & {"piecewise_polynomials", "category_slopes"}
    plan = ScoringPlan.from_spec(spec)
    plan.attach_pipeline(pipeline)
    batch = validate_table(FrameInput(test_frame), config)
    np.testing.assert_allclose(
        plan.predict(batch), pipeline.predict(batch.frame(config)), rtol=RTOL
    )


def test_spec_with_unknown_operation_is_refused() -> None:
    """A spec naming an operation this version does not know is an error, not a guess."""
    spec = json.loads(json.dumps(compile_spec(load_model().pipeline)))
    spec["operations"][0]["op"] = "teleport"
    with pytest.raises(ValueError, match="teleport"):
        ScoringPlan.from_spec(spec)


@pytest.mark.parametrize("extrapolation", ["constant", "linear"])
def test_spline_curves_match_beyond_the_training_range(
    extrapolation: str, config: Config, test_frame: pd.DataFrame
) -> None:
    """Spline steps folded into one polynomial per variable equal the pipeline inside
    the training range and beyond both of its ends, for either extrapolation,
    in a small batch (all variables stacked) and in a large one (one variable
    at a time, whole-number variables through their tables)."""
    from regression_model.config.core import CONFIG_FILE_PATH, parse_config

    text = CONFIG_FILE_PATH.read_text(encoding="utf-8")
    variant = parse_config(
        text.replace("extrapolation: constant", f"extrapolation: {extrapolation}")
    )
    X, y, _ = training_frame(load_training_data(variant), variant)
    pipeline = build_pipeline(variant).fit(X, y)
    spec = compile_spec(pipeline)
    curves = {
        c for op in spec["operations"] if op["op"] == "piecewise_polynomials" for c in op["columns"]
    }
    assert curves and curves <= set(variant.model_config.spline_features.variables)
    # The basis columns are folded away: the head adds the curves' sum with weight 1.
    assert not [name for name in spec["head"]["numeric"] if re.search(r"_sp\d+$", name)]
    assert spec["head"]["numeric"]["spline_curves"] == 1.0
    assert spec["fallback_steps"] == []
    frame = test_frame.head(60).copy()
    frame.loc[:19, "GrLivArea"] = frame.loc[:19, "GrLivArea"] * 4  # above every house sold
    frame.loc[20:39, "YearBuilt"] = 1801  # before every house sold (1872)
    frame.loc[20:39, "LotArea"] = 200
    frame.loc[40:, "OverallCond"] = 1
    frame.loc[40:, "GarageArea"] = 3000
    plan = ScoringPlan.from_spec(spec)
    batch = validate_table(FrameInput(frame), variant)
    assert len(batch.valid_rows) == 60
    np.testing.assert_allclose(
        plan.predict(batch), pipeline.predict(batch.frame(variant)), rtol=RTOL
    )
    large = validate_table(FrameInput(pd.concat([frame] * 5, ignore_index=True)), variant)
    assert len(large.valid_rows) == 300
    np.testing.assert_allclose(
        plan.predict(large), pipeline.predict(large.frame(variant)), rtol=RTOL
    )


@pytest.mark.parametrize("file_name", ["train.csv", "test.csv"])
def test_plan_warnings_equal_the_pipeline_checks(
    config: Config, file_name: str, train_frame: pd.DataFrame, test_frame: pd.DataFrame
) -> None:
    """Every value beyond its training range and every unusual combination the
    fitted pipeline's checks find in a shipped file, the plan warns about, with
    the same fields and words, and nothing else of those kinds."""
    from sklearn.pipeline import Pipeline

    frame = train_frame if file_name == "train.csv" else test_frame
    model = load_model()
    batch = validate_table(FrameInput(frame), config)
    scored = model.plan.score(batch)
    found = {(f.index, f.field, f.message) for f in scored.findings if f.kind != "unseen_category"}
    steps = model.pipeline.steps
    names = [name for name, _ in steps]
    features = batch.frame(config).reset_index(drop=True)
    expected = set(model.pipeline.named_steps["field_ranges"].check(features))
    before_joint = Pipeline(steps[: names.index("joint_range")]).transform(features)
    expected |= set(model.pipeline.named_steps["joint_range"].check(before_joint))
    assert found == expected
    assert expected or file_name == "train.csv"


def test_range_warnings_on_either_side_equal_the_pipeline_checks(
    config: Config, test_frame: pd.DataFrame
) -> None:
    """Values below a column's training range, above it, and on both sides in
    one column: the plan warns about each, as the pipeline's check does, and
    about nothing else beyond range."""
    frame = test_frame.head(40).copy()
    frame.loc[0, "LotArea"] = 200  # below, and (next row) above: both sides
    frame.loc[1, "LotArea"] = 900_000
    frame.loc[2, "GrLivArea"] = 9_000  # above only
    frame.loc[3, "YearBuilt"] = 1_860  # below only
    model = load_model()
    batch = validate_table(FrameInput(frame), config)
    assert len(batch.valid_rows) == len(frame)
    found = {
        (f.index, f.field, f.message)
        for f in model.plan.score(batch).findings
        if f.kind == "out_of_range"
    }
    features = batch.frame(config).reset_index(drop=True)
    expected = set(model.pipeline.named_steps["field_ranges"].check(features))
    assert found == expected
    assert {(0, "LotArea"), (1, "LotArea"), (2, "GrLivArea"), (3, "YearBuilt")} <= {
        (row, field) for row, field, _ in found
    }


@pytest.mark.parametrize("file_name", ["train.csv", "test.csv"])
def test_a_row_alone_scores_as_in_a_batch(
    config: Config, file_name: str, train_frame: pd.DataFrame, test_frame: pd.DataFrame
) -> None:
    """Every shipped row scored alone (on its Python values, one step at a time)
    gives its price and range in the batch (numpy columns) to 1e-12 relative, and
    the same warnings and signals."""
    frame = train_frame if file_name == "train.csv" else test_frame
    plan = load_model().plan
    whole = plan.score(validate_table(FrameInput(frame), config))
    records = frame.to_dict(orient="records")
    for position, record in enumerate(records):
        alone = plan.score(validate_table(RecordsInput([record], {}), config))
        assert alone.intervals is not None and whole.intervals is not None
        np.testing.assert_allclose(alone.log_prices, whole.log_prices[[position]], rtol=1e-12)
        np.testing.assert_allclose(alone.intervals, whole.intervals[[position]], rtol=1e-12)
        found = [(f.kind, f.field, f.message) for f in whole.findings if f.index == position]
        assert [(f.kind, f.field, f.message) for f in alone.findings] == found
        for name, values in whole.signals.items():
            np.testing.assert_allclose(alone.signals[name], values[[position]], rtol=1e-12)


def test_the_joint_check_in_blocks_finds_what_one_block_finds(
    config: Config, test_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The joint-range check run over blocks of rows (as large batches are)
    warns about the same rows with the same words as over one block, and gives
    each row its distance to 1e-12, on test.csv's rows."""

    plan = load_model().plan
    batch = validate_table(FrameInput(test_frame), config)
    monkeypatch.setattr(tuning, "JOINT_BLOCK_ROWS", 10**9)
    whole = plan.score(batch)
    monkeypatch.setattr(tuning, "JOINT_BLOCK_ROWS", 97)
    blocks = plan.score(batch)
    unusual = [f for f in whole.findings if f.kind == "unusual_combination"]
    assert unusual and blocks.findings == whole.findings
    np.testing.assert_allclose(
        blocks.signals["joint_distance"], whole.signals["joint_distance"], rtol=1e-12
    )


def test_findings_sort_by_key_as_they_compare() -> None:
    """The sort key the plan uses puts findings in the order their own
    comparison does: row, then kind, field and message."""
    from regression_model.scoring.state import FINDING_ORDER, Finding

    findings = [
        Finding(3, "out_of_range", "LotArea", "b"),
        Finding(1, "unusual_combination", "GrLivArea, LotArea", "a"),
        Finding(3, "out_of_range", "GrLivArea", "c"),
        Finding(1, "out_of_range", "YearBuilt", "z"),
        Finding(3, "out_of_range", "GrLivArea", "a"),
    ]
    assert sorted(findings, key=FINDING_ORDER) == sorted(findings)
