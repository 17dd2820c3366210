"""Tampered artifacts, library drift, unseen categories, bad config and bad data."""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import regression_model
from regression_model import audit
from regression_model.artifacts import load_pipeline
from regression_model.config.core import (
    CONFIG_FILE_PATH,
    DATASET_DIR,
    TRAINED_MODEL_DIR,
    parse_config,
)
from regression_model.errors import ArtifactIntegrityError, ConfigError, DataError
from regression_model.predict import load_model, make_prediction
from regression_model.store import migrations, tables
from regression_model.train_pipeline import run_training

VERSION = regression_model.__version__
ARTIFACT = f"regression_model_output_v{VERSION}"


@pytest.fixture()
def package_copy(tmp_path: Path) -> Path:
    """A copy of the installed package, trained artifact included, to damage."""
    shutil.copytree(
        Path(regression_model.__file__).parent,
        tmp_path / "regression_model",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return tmp_path


def _process(folder: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter in ``folder``, store off."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=folder,
        capture_output=True,
        text=True,
        env={"REGRESSION_MODEL_DB_URL": "none", "PATH": "/usr/bin"},
    )
    assert done.returncode == 0, done.stderr
    return done


def _run(folder: Path, code: str) -> str:
    return _process(folder, code).stdout.strip()


PREDICT_AND_REPORT = (
    "from regression_model.predict import make_prediction\n"
    "from regression_model.processing.data_manager import load_pipeline\n"
    "for attempt in (lambda: make_prediction(input_data=[{'OverallQual': 5, 'GrLivArea': 900,"
    " 'Neighborhood': 'NAmes', 'YrSold': 2008}]),\n"
    "                lambda: load_pipeline(file_name='" + ARTIFACT + ".pkl')):\n"
    "    try:\n"
    "        attempt()\n"
    "        print('LOADED')\n"
    "    except Exception as error:\n"
    "        print(type(error).__name__, error)\n"
)


class _Marker:
    """Unpickling this creates a file: proof that a pickle was loaded."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (self.path, "w"))


def test_tampered_artifact_is_refused_before_unpickling(package_copy: Path) -> None:
    """A pickle swapped for one that runs code is refused on its sha256 and never
    unpickled: the file its code would create does not appear."""
    marker = package_copy / "pwned"
    artifact = package_copy / "regression_model" / "trained_models" / f"{ARTIFACT}.pkl"
    artifact.write_bytes(pickle.dumps(_Marker(str(marker))))
    out = _run(package_copy, PREDICT_AND_REPORT)
    assert out.splitlines()[0].startswith("ArtifactIntegrityError")
    assert out.splitlines()[1].startswith("ArtifactIntegrityError")
    assert "tox -e train" in out
    assert not marker.exists()


def test_truncated_artifact_and_edited_plan_are_refused(package_copy: Path) -> None:
    """A truncated pickle, and separately an edited scoring plan, are refused."""
    models = package_copy / "regression_model" / "trained_models"
    artifact = models / f"{ARTIFACT}.pkl"
    original = artifact.read_bytes()
    artifact.write_bytes(original[: len(original) // 2])
    assert _run(package_copy, PREDICT_AND_REPORT).startswith("ArtifactIntegrityError")
    artifact.write_bytes(original)
    plan = models / f"{ARTIFACT}.plan.json"
    spec = json.loads(plan.read_text())
    spec["head"]["intercept"] += 1.0
    plan.write_text(json.dumps(spec))
    first = _run(package_copy, PREDICT_AND_REPORT).splitlines()[0]
    assert first.startswith("ArtifactIntegrityError") and "plan.json" in first


def _edit_manifest(package_copy: Path, **libraries: str) -> None:
    path = package_copy / "regression_model" / "trained_models" / f"{ARTIFACT}.json"
    manifest = json.loads(path.read_text())
    manifest["libraries"].update(libraries)
    path.write_text(json.dumps(manifest))


def test_minor_version_drift_is_refused(package_copy: Path) -> None:
    """A manifest recording another minor scikit-learn release: both the fast path and
    the pickle are refused, and the message says to retrain."""
    _edit_manifest(package_copy, **{"scikit-learn": "1.1.3"})
    lines = _run(package_copy, PREDICT_AND_REPORT).splitlines()
    assert all(line.startswith("ModelCompatibilityError") for line in lines)
    assert "scikit-learn 1.1.3" in lines[0] and "tox -e train" in lines[0]


def test_patch_level_drift_is_allowed_and_logged(package_copy: Path) -> None:
    """Another patch release of feature-engine loads, with a log line noting it."""
    import importlib.metadata

    installed = importlib.metadata.version("feature-engine")
    major_minor = ".".join(installed.split(".")[:2])
    _edit_manifest(package_copy, **{"feature-engine": f"{major_minor}.999"})
    code = "import logging; logging.basicConfig(level=logging.INFO)\n" + PREDICT_AND_REPORT
    done = _process(package_copy, code)
    assert done.stdout.split() == ["LOADED", "LOADED"]
    assert f"feature-engine {major_minor}.999" in done.stderr and "patch level" in done.stderr


def test_loading_from_elsewhere_needs_an_opt_in(tmp_path: Path) -> None:
    """A path outside the model folder is refused unless allow_any_path=True; even then
    the file is checked against the manifest beside it."""
    for suffix in (".pkl", ".json"):
        shutil.copy(TRAINED_MODEL_DIR / f"{ARTIFACT}{suffix}", tmp_path)
    elsewhere = str(tmp_path / f"{ARTIFACT}.pkl")
    with pytest.raises(ArtifactIntegrityError, match="allow_any_path"):
        load_pipeline(file_name=elsewhere)
    assert load_pipeline(file_name=elsewhere, allow_any_path=True) is not None
    (tmp_path / f"{ARTIFACT}.pkl").write_bytes(b"not a pickle")
    with pytest.raises(ArtifactIntegrityError, match="sha256"):
        load_pipeline(file_name=elsewhere, allow_any_path=True)


def test_unseen_category_is_priced_as_rare_with_a_warning(
    house: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """MSSubClass 150 (valid, absent from train.csv) is priced, and a warning naming row
    and field goes into the result, the log and the store."""
    with caplog.at_level(logging.WARNING, logger="regression_model"):
        result = make_prediction(input_data=[house, {**house, "MSSubClass": 150}])
    assert None not in result["predictions"]
    warnings = json.loads(result["warnings"])
    assert [(w["row"], w["field"]) for w in warnings] == [(1, "MSSubClass")]
    assert "never seen in training" in warnings[0]["message"]
    assert any("never seen in training" in r.getMessage() for r in caplog.records)
    record = audit.get_record(result["prediction_ids"][1])
    assert record is not None and record["warnings"] == warnings
    assert audit.get_record(result["prediction_ids"][0])["warnings"] is None  # type: ignore[index]


def test_misspelt_category_is_rejected(house: dict[str, Any]) -> None:
    """A category the data dictionary does not define is an error, not a guess."""
    result = make_prediction(input_data=[{**house, "Neighborhood": "CollegeCreek"}])
    assert result["predictions"] == [None]
    assert json.loads(result["errors"])[0]["field"] == "Neighborhood"


def test_schema_1_store_is_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, house: dict[str, Any]
) -> None:
    """A store created by the first release (schema 1) is migrated on first use
    (warnings column, then the per-call tables) and its old per-row records stay
    readable by id and by search, next to the new ones."""
    path = tmp_path / "old.sqlite3"
    from sqlalchemy import create_engine

    old_id = "0190a0a0-0000-7000-8000-000000000001"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        migrations.MIGRATIONS[1](connection)
        connection.exec_driver_sql("INSERT INTO store_info VALUES ('schema_version', '1')")
        connection.exec_driver_sql(
            "INSERT INTO predictions VALUES (?, 'old-call', 0, '2024-07-01 12:00:00.000000', "
            "'1.0.0', ?, ?, ?, 123456.0, NULL)",
            (old_id, "a" * 64, "b" * 64, json.dumps({"GrLivArea": 1500})),
        )
    engine.dispose()
    monkeypatch.setenv(audit.URL_VARIABLE, f"sqlite:///{path}")
    new_id = make_prediction(input_data=[house])["prediction_ids"][0]
    with sqlite3.connect(path) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(predictions)")]
        version = connection.execute("SELECT value FROM store_info").fetchone()[0]
    assert "warnings" in columns and version == str(tables.SCHEMA_VERSION)
    old = audit.get_record(old_id)
    assert old is not None and old["inputs"] == {"GrLivArea": 1500}
    assert (old["prediction"], old["model_version"], old["warnings"]) == (123456.0, "1.0.0", None)
    assert [r["prediction_id"] for r in audit.find()] == [old_id, new_id]
    assert audit.get_store().count() == 2  # type: ignore[union-attr]


# ---- config and data errors at training time: named culprit, nothing written ----


def _model_files() -> dict[str, float]:
    return {p.name: p.stat().st_mtime for p in TRAINED_MODEL_DIR.iterdir()}


def test_mapping_missing_a_training_category_names_key_and_line() -> None:
    """A quality mapping without "Po" (which training holds) fails before anything is
    written, naming ordinal_mappings.quality.mapping, its line, and the category."""
    text = CONFIG_FILE_PATH.read_text()
    bad = text.replace("      Po: 1\n", "", 1)
    before = _model_files()
    with pytest.raises(ConfigError) as info:
        run_training(parse_config(bad))
    message = str(info.value)
    lines = bad.splitlines()
    quality = lines.index("  quality:")
    mapping_line = lines.index("    mapping:", quality) + 1  # 1-based
    assert "ordinal_mappings.quality.mapping" in message and "'Po'" in message
    assert f"line {mapping_line}:" in message
    assert _model_files() == before


def _config_for(data: Path) -> Any:
    """The shipped config, vouching for ``data``'s sha256."""
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    text = CONFIG_FILE_PATH.read_text()
    expected = parse_config(text).app_config.training_data_sha256
    return parse_config(text.replace(expected, digest))


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ("drop_target", "no target column 'SalePrice'"),
        ("text_target", "must be a positive number; rows [0]"),
        ("zero_target", "must be a positive number; rows [1]"),
    ],
)
def test_bad_training_data_is_named_and_nothing_is_written(
    tmp_path: Path, change: str, fragment: str
) -> None:
    """A missing, non-numeric or non-positive target fails with DataError naming it,
    and the model folder is left as it was."""
    lines = (DATASET_DIR / "train.csv").read_text().splitlines()
    if change == "drop_target":
        lines = [line.rsplit(",", 1)[0] for line in lines]
    elif change == "text_target":
        lines[1] = lines[1].rsplit(",", 1)[0] + ",cheap"
    else:
        lines[2] = lines[2].rsplit(",", 1)[0] + ",0"
    data = tmp_path / "train.csv"
    data.write_text("\n".join(lines) + "\n")
    before = _model_files()
    with pytest.raises(DataError) as info:
        run_training(_config_for(data), data_path=data)
    assert fragment in str(info.value)
    assert _model_files() == before


def test_missing_or_altered_training_file(tmp_path: Path) -> None:
    """A missing file and a file whose sha256 differs are DataErrors naming the file."""
    before = _model_files()
    with pytest.raises(DataError, match=r"nothere\.csv"):
        run_training(data_path=tmp_path / "nothere.csv")
    altered = tmp_path / "train.csv"
    altered.write_text((DATASET_DIR / "train.csv").read_text().replace("208500", "1", 1))
    with pytest.raises(DataError, match="training_data_sha256"):
        run_training(data_path=altered)
    assert _model_files() == before
    assert load_model().version == VERSION
