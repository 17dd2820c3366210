"""The models table: the store remembers every model that wrote to it."""

from __future__ import annotations

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
