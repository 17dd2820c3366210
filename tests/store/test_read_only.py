"""An auditor's copy of a store, read-only in each way it can be (mode=ro or
immutable=1 in the URL, a read-only folder, a read-only file), is listed,
exported and replayed by the commands, left byte for byte as it was, and
refuses writes in one line; a path with no store says so, and nothing is
created on the way. The commands run in processes where file permissions bind,
even for root (tests/broken_files.py)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from regression_model import __version__, audit
from regression_model.predict import make_prediction
from regression_model.store.location import forget_stores
from tests.broken_files import without_file_permissions
from tests.databases import new_postgres_database


def run(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``regression-model ARGS`` on the store at ``url``, where permissions bind."""
    return subprocess.run(
        [*without_file_permissions(), sys.executable, "-m", "regression_model.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, audit.URL_VARIABLE: url},
        cwd=cwd,
        timeout=300,
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, test_frame: pd.DataFrame
) -> Iterator[tuple[Path, list[str]]]:
    """An auditor's copy of a store of two calls (20 rows, one of them rejected),
    made after the store was closed (one file, no WAL): its path and its ids."""
    original = tmp_path / "live" / "predictions.sqlite3"
    monkeypatch.setenv(audit.URL_VARIABLE, f"sqlite:///{original}")
    rows = test_frame.head(20).copy()
    rows.loc[3, "GrLivArea"] = -1
    ids = make_prediction(input_data=rows.head(12))["prediction_ids"]
    ids += make_prediction(input_data=rows.tail(8))["prediction_ids"]
    forget_stores()  # the last connection closes: the WAL is merged and removed
    copy = tmp_path / "copy" / "predictions.sqlite3"
    copy.parent.mkdir()
    shutil.copyfile(original, copy)
    yield copy, ids
    for path in (copy.parent, copy):
        path.chmod(stat.S_IRWXU)


def _read_only(form: str, path: Path) -> str:
    """Make the copy read-only as ``form`` says; the URL to read it by."""
    if form == "mode_ro_url":
        return f"sqlite:///file:{path}?mode=ro&uri=true"
    if form == "immutable_url":
        path.parent.chmod(0o555)
        return f"sqlite:///file:{path}?immutable=1&uri=true"
    if form == "read_only_folder":
        path.parent.chmod(0o555)
    else:
        path.chmod(0o444)
    return f"sqlite:///{path}"


@pytest.mark.parametrize(
    "form", ["mode_ro_url", "immutable_url", "read_only_folder", "read_only_file"]
)
def test_an_auditors_copy_is_listed_exported_and_replayed(
    form: str, copy: tuple[Path, list[str]], tmp_path: Path
) -> None:
    """Through each read-only form, ``records`` lists every record in order,
    ``records --format csv`` exports them, ``models`` lists the model and
    ``reproduce`` replays a priced and a rejected record (match); ``predict`` is
    refused in one line saying the store is read-only and why; the copy's bytes
    are unchanged, and nothing appears in the working folder."""
    path, ids = copy
    before = sha256(path)
    url = _read_only(form, path)
    work = tmp_path / "work"
    work.mkdir()
    listed = run("records", url=url, cwd=work)
    assert listed.returncode == 0, listed.stderr
    assert [json.loads(line)["prediction_id"] for line in listed.stdout.splitlines()] == ids
    exported = run("records", "--format", "csv", "--output", "out.csv", url=url, cwd=work)
    assert exported.returncode == 0, exported.stderr
    assert pd.read_csv(work / "out.csv")["prediction_id"].tolist() == ids
    models = run("models", url=url, cwd=work)
    assert models.returncode == 0 and models.stdout.startswith(__version__), models.stderr
    for prediction_id in (ids[0], ids[3]):
        replayed = run("reproduce", prediction_id, url=url, cwd=work)
        assert replayed.returncode == 0, replayed.stderr
        assert json.loads(replayed.stdout)["match"] is True
    (work / "in.jsonl").write_text('{"GrLivArea": 1000}\n')
    refused = run("predict", "--input", "in.jsonl", "--output", "o.jsonl", url=url, cwd=work)
    assert refused.returncode == 2
    assert len(refused.stderr.splitlines()) == 1 and "is read-only (" in refused.stderr
    assert sha256(path) == before
    assert sorted(p.name for p in work.iterdir()) == ["in.jsonl", "out.csv"]


def test_a_uri_with_its_query_reads_the_store_it_names(
    copy: tuple[Path, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``sqlite:///file:PATH?mode=ro&uri=true`` reads the store at PATH, query and
    all (its query was once dropped, and a new empty store created at
    ./file:/PATH, which listed 0 records); audit reads it the same."""
    path, ids = copy
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    listed = run("records", url=url, cwd=tmp_path)
    assert len(listed.stdout.splitlines()) == len(ids) == 20
    monkeypatch.setenv(audit.URL_VARIABLE, url)
    assert [r["prediction_id"] for r in audit.find()] == ids
    assert not (tmp_path / "file:").exists()


# The commands that only read, and store upgrade (with and without --sql).
READ_COMMANDS = {
    "records": ["records"],
    "records_export": ["records", "--format", "csv", "--output", "out.csv"],
    "models": ["models"],
    "reproduce": ["reproduce", "01a22b14-e621-711f-9207-b5bf00000000"],
    "store_upgrade": ["store", "upgrade"],
    "store_upgrade_sql": ["store", "upgrade", "--sql"],
}


@pytest.mark.parametrize("command", sorted(READ_COMMANDS))
@pytest.mark.parametrize("uri", [False, True], ids=["path", "uri"])
def test_a_path_with_no_store_says_so_and_creates_nothing(
    command: str, uri: bool, tmp_path: Path
) -> None:
    """Each read command and store upgrade, given a path where no store is (a
    mistyped path, plain or as a mode=ro URI): exit 2, one line "no store at
    PATH", and neither the file nor its folder is created."""
    missing = tmp_path / "typo" / "predictions.sqlite3"
    url = f"sqlite:///file:{missing}?mode=ro&uri=true" if uri else f"sqlite:///{missing}"
    done = run(*READ_COMMANDS[command], url=url, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"regression-model {READ_COMMANDS[command][0]}: PredictionStoreError: no store at "
        f"{missing} (no such file): nothing has been recorded there; check the URL"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_an_empty_postgresql_database_is_no_store_to_read(tmp_path: Path) -> None:
    """On a PostgreSQL database without the store's tables, records says there is
    no store there (exit 2) and leaves the database without tables."""
    from sqlalchemy import create_engine, inspect

    with new_postgres_database() as url:
        done = run("records", url=url, cwd=tmp_path)
        assert done.returncode == 2
        assert "no store at" in done.stderr and "(no prediction store tables)" in done.stderr
        engine = create_engine(url)
        assert inspect(engine).get_table_names() == []
        engine.dispose()


def test_reading_a_missing_store_from_python_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """audit's reads of a store not yet created read it as empty (None, no
    records, no models, count 0) and create neither its file nor its folder."""
    missing = tmp_path / "later" / "predictions.sqlite3"
    monkeypatch.setenv(audit.URL_VARIABLE, f"sqlite:///{missing}")
    assert audit.get_record("01a22b14-e621-711f-9207-b5bf00000000") is None
    assert audit.find() == [] and list(audit.iter_records()) == [] and audit.models() == []
    assert audit.get_store().count() == 0  # type: ignore[union-attr]
    assert audit.export_records(tmp_path / "out.csv") == 0
    assert not missing.parent.exists()


def test_a_write_to_an_unwritable_folder_names_the_cause(tmp_path: Path) -> None:
    """predict into a store whose folder this process may not write: one line
    saying where, exit 2 (it once said only "unable to open database file")."""
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o555)
    (tmp_path / "in.jsonl").write_text('{"GrLivArea": 1000}\n')
    url = f"sqlite:///{folder / 'predictions.sqlite3'}"
    done = run("predict", "--input", "in.jsonl", "--output", "o.jsonl", url=url, cwd=tmp_path)
    folder.chmod(stat.S_IRWXU)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert f"check that {folder} exists and this process may write it" in done.stderr
