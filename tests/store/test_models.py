"""The models table: the store remembers every model that wrote to it."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from regression_model import audit
from regression_model.cli import main
from regression_model.model import load_model
from regression_model.predict import make_prediction
from tests.databases import write_foreign_record


def test_a_model_is_remembered_once_with_its_manifest_and_plan(
    empty_store_url: str, house: dict[str, Any]
) -> None:
    """The first call of a model writes its row (identity, version, manifest, plan);
    later calls of the same model add none, and every record names the identity."""
    ids = make_prediction(input_data=[house])["prediction_ids"]
    ids += make_prediction(input_data=[house, house])["prediction_ids"]
    model = load_model()
    (row,) = audit.models()
    assert row["model_identity"] == model.identity
    assert row["model_version"] == model.version
    assert row["manifest"] == model.manifest and row["plan"] == model.spec
    assert {audit.get_record(i)["model_identity"] for i in ids} == {model.identity}  # type: ignore[index]


def test_models_lists_each_model_first_seen_first(
    empty_store_url: str, house: dict[str, Any], capsys: Any
) -> None:
    """With records of two models, ``models`` lists both in the order they first wrote,
    and ``regression-model models`` prints one line each naming version, identity,
    training data and library pins."""
    store = audit.get_store()
    assert store is not None
    write_foreign_record(store)
    make_prediction(input_data=[house])
    model = load_model()
    assert [m["model_version"] for m in audit.models()] == ["0.0.1", model.version]
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].startswith(model.version)
    assert model.identity[:16] in lines[1]
    assert model.manifest["training_data_sha256"][:12] in lines[1]
    assert f"numpy=={model.manifest['libraries']['numpy']}" in lines[1]


def test_models_prints_every_time_in_one_style(
    empty_store_url: str, house: dict[str, Any], capsys: Any
) -> None:
    """``regression-model models`` prints when a model was first seen and when it was
    trained in one style, ISO 8601 in UTC to the second (the manifest's, as ``info``
    and ``records`` print times); ``--json`` gives first_seen in that style, whole."""
    make_prediction(input_data=[house])
    (model,) = audit.models()
    assert main(["models"]) == 0
    line = capsys.readouterr().out
    moments = re.findall(r"\d{4}-\d\d-\d\d\S*", line)
    trained = load_model().manifest["trained_at"]
    assert moments == [model["first_seen"].isoformat(timespec="seconds"), trained], line
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", m) for m in moments), line
    assert main(["models", "--json"]) == 0
    first_seen = json.loads(capsys.readouterr().out)["first_seen"]
    assert (
        first_seen.endswith("+00:00") and datetime.fromisoformat(first_seen) == model["first_seen"]
    )
