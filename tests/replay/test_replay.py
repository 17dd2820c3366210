"""Replaying records of another model version in its own environment, against a
real package index (pypiserver) and real venvs.

The cross-version test builds two versions: this tree, and a copy with another
Lasso alpha (so another model identity) and VERSION 99.0.0, its fingerprint
recorded and its model trained. Both are published with scripts/publish.py. The
first scores three rows into an SQLite store; the second, installed from the
index in a fresh venv, replays them through ``regression-model reproduce``.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

import regression_model
from regression_model import audit
from regression_model.errors import ReplayUnavailableError
from regression_model.model import load_model
from regression_model.predict import make_prediction
from regression_model.replay import RecordedModel, replay_inputs
from regression_model.replay._isolated_env import MARKER
from regression_model.store.codec import decode_inputs, encode_json_rows
from regression_model.store.location import forget_stores
from tests.package_index import PackageIndex, commit, copy_source, publish, run_in
from tests.venvs import fresh_venv

SECOND = "99.0.0"
ROWS = [
    {"OverallQual": 6, "GrLivArea": 1200, "Neighborhood": "NAmes", "YrSold": 2009},
    # Priced, with a warning: larger than any house in training.
    {"OverallQual": 6, "GrLivArea": 9000, "Neighborhood": "NAmes", "YrSold": 2009},
    # Rejected: the required fields are missing.
    {"GrLivArea": 1000},
]


_SYSTEM_BINS = ["/usr/local/bin", "/usr/bin", "/bin"]


def _second_version(source: Path) -> Path:
    """Turn the copy at ``source`` into model 99.0.0: another alpha, its fingerprint
    recorded, trained, committed."""
    config = source / "regression_model" / "config.yml"
    text = config.read_text(encoding="utf-8")
    assert "    alpha: 0.0025\n" in text
    config.write_text(text.replace("    alpha: 0.0025\n", "    alpha: 0.004\n"), encoding="utf-8")
    (source / "regression_model" / "VERSION").write_text(f"{SECOND}\n", encoding="utf-8")
    for step in (["regression_model.versioning", "--record"], ["regression_model.train_pipeline"]):
        done = run_in(source, "-m", *step)
        assert done.returncode == 0, done.stderr[-2000:]
    commit(source, f"model {SECOND}: another alpha")
    return source


def _reproduce(python: Path, prediction_id: str, cwd: Path) -> tuple[int, dict[str, Any]]:
    """``regression-model reproduce ID`` in the venv of ``python``: exit code, answer."""
    env = {**os.environ}
    env.pop("PYTHONPATH", None)
    # Only the venv's own commands and the system's: no tox or dev environment
    # lends the replay its uv, so the pip path is the one exercised.
    env["PATH"] = os.pathsep.join([str(python.parent), *_SYSTEM_BINS])
    command = [str(python.with_name("regression-model")), "reproduce", prediction_id]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, check=False)
    assert done.stdout.strip(), done.stderr[-2000:]
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1])


def _change_stored_input(store_file: Path, call_id: str, row: int, **values: Any) -> None:
    """Edit one row's stored inputs in the SQLite file, as tampering would."""
    with sqlite3.connect(store_file) as connection:
        (blob, n_rows) = connection.execute(
            "SELECT inputs, n_rows FROM call_chunks WHERE call_id = ?", (call_id,)
        ).fetchone()
        rows = decode_inputs(blob, list(range(n_rows)))
        rows[row].update(values)
        connection.execute(
            "UPDATE call_chunks SET inputs = ? WHERE call_id = ?",
            (encode_json_rows([json.dumps(r) for r in rows]), call_id),
        )


@pytest.mark.slow
def test_records_of_another_version_replay_in_its_own_environment(
    package_index: PackageIndex,
    replay_cache: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Records of this version, replayed by version 99.0.0 (another model, installed
    from the index), match for a priced row, a row priced with a warning and a
    rejected row: price, range and errors, in an environment built once under the
    user cache and reused; a record whose stored inputs were edited does not match."""
    second = _second_version(copy_source(tmp_path / "second"))
    for source in (copy_source(tmp_path / "first"), second):
        done = publish(source, package_index)
        assert done.returncode == 0, done.stderr[-2000:]
    store_file = tmp_path / "records.sqlite3"
    monkeypatch.setenv("REGRESSION_MODEL_DB_URL", f"sqlite:///{store_file}")
    monkeypatch.setenv("REGRESSION_MODEL_INDEX_URL", package_index.simple)
    result = make_prediction(input_data=ROWS)
    ids = result["prediction_ids"]
    assert result["warnings"] and result["errors"] and result["predictions"][2] is None
    python = fresh_venv(
        tmp_path / "second-venv", f"ames-price-model=={SECOND}", extra_index=package_index.simple
    )

    started = time.perf_counter()
    code, first = _reproduce(python, ids[0], tmp_path)
    first_seconds = time.perf_counter() - started
    environment = replay_cache / load_model().identity
    assert (code, first["match"], first["replayed_by"]) == (0, True, str(environment))
    marker = json.loads((environment / MARKER).read_text())
    # The second version's venv has no uv, nor has its PATH: venv + pip build it.
    installer = "uv" if shutil.which("uv", path=os.pathsep.join(_SYSTEM_BINS)) else "pip"
    assert (marker["version"], marker["installer"]) == (regression_model.__version__, installer)
    built_at = (environment / MARKER).stat().st_mtime_ns

    started = time.perf_counter()
    answers = [_reproduce(python, prediction_id, tmp_path) for prediction_id in ids[1:]]
    reused_seconds = (time.perf_counter() - started) / len(answers)
    for code, answer in answers:
        assert (code, answer["match"], answer["replayed_by"]) == (0, True, str(environment))
    warned, rejected = (answer for _, answer in answers)
    assert warned["recomputed_interval"] == warned["stored_interval"] is not None
    assert rejected["recomputed_errors"] == rejected["stored_errors"] is not None
    assert (environment / MARKER).stat().st_mtime_ns == built_at
    assert sorted(p.name for p in replay_cache.iterdir()) == [environment.name]
    print(
        f"\nfirst replay {first_seconds:.1f} s (environment built in "
        f"{marker['build_seconds']} s with {marker['installer']}), reused {reused_seconds:.1f} s"
    )

    forget_stores()
    record = audit.get_record(ids[0])
    assert record is not None
    _change_stored_input(store_file, record["call_id"], 0, GrLivArea=1500)
    code, edited = _reproduce(python, ids[0], tmp_path)
    assert (code, edited["match"]) == (1, False)
    assert "another price" in edited["reason"]


@pytest.mark.slow
def test_a_pin_that_cannot_be_installed_is_named(
    package_index: PackageIndex,
    replay_cache: Path,
    wheel: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A model whose wheel is on the index and checks out, but whose recorded library
    versions cannot be installed, is refused in one line naming the pin; no
    environment is left in the cache."""
    (package_index.folder / wheel.name).write_bytes(wheel.read_bytes())
    monkeypatch.setenv("REGRESSION_MODEL_INDEX_URL", package_index.simple)
    model = load_model()
    libraries = {**model.manifest["libraries"], "numpy": "0.0.1"}
    recorded = RecordedModel(regression_model.__version__, model.identity, model.artifact_sha256)
    with pytest.raises(ReplayUnavailableError) as raised:
        replay_inputs(recorded, [ROWS[0]], libraries=libraries)
    assert "cannot be installed (numpy==0.0.1)" in str(raised.value)
    assert "\n" not in str(raised.value)
    assert list(replay_cache.iterdir()) == []
