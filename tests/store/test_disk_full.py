"""An SQLite store on a full disk (a small tmpfs, mounted for the test): a call
fails with a one-line error saying so and hands nothing out, and the same
process records again once there is space, even when the very first use failed
(its tables were never created). Mounting needs root, as in .ci/run; elsewhere
the tests are skipped, saying why."""

from __future__ import annotations

import errno
import gc
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from regression_model import audit
from regression_model.errors import PredictionStoreError
from regression_model.predict import make_prediction
from regression_model.store.location import forget_stores


@pytest.fixture()
def small_disk() -> Iterator[Path]:
    """An empty tmpfs of 4 MiB, mounted for the test."""
    folder = Path(tempfile.mkdtemp(prefix="regression-model-disk-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}): run as root")
    try:
        yield folder
    finally:
        forget_stores()  # its connections closed, and those a traceback kept
        gc.collect()
        subprocess.run(["umount", str(folder)], check=True)
        shutil.rmtree(folder)


def fill(folder: Path) -> Path:
    """Fill the disk of ``folder`` to the last byte; the filler file's path."""
    filler = folder / "filler"
    block = b"\0" * 4096
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(block)
        except OSError as error:
            assert error.errno == errno.ENOSPC
    return filler


def test_first_use_on_a_full_disk_recovers_once_there_is_space(
    small_disk: Path, monkeypatch: pytest.MonkeyPatch, house: dict[str, Any]
) -> None:
    """The first call cannot create the store's tables on the full disk: a
    one-line PredictionStoreError saying the disk is full. Once the filler is
    gone, the next call of the same process creates them and records."""
    monkeypatch.setenv(audit.URL_VARIABLE, f"sqlite:///{small_disk / 'predictions.sqlite3'}")
    filler = fill(small_disk)
    with pytest.raises(PredictionStoreError, match="disk is full") as info:
        make_prediction(input_data=[house])
    assert "\n" not in str(info.value)
    filler.unlink()
    ids = make_prediction(input_data=[house])["prediction_ids"]
    assert audit.get_record(ids[0]) is not None


def test_calls_on_a_full_disk_fail_whole_and_recording_resumes(
    small_disk: Path,
    monkeypatch: pytest.MonkeyPatch,
    test_frame: pd.DataFrame,
    house: dict[str, Any],
) -> None:
    """With the disk filled after some calls, calls of growing size either come
    back recorded or fail with a one-line error saying the disk is full (at least
    one does), handing out nothing; with space again the same process records;
    every id ever handed out is in the store, and the file is sound."""
    from sqlalchemy import text

    monkeypatch.setenv(audit.URL_VARIABLE, f"sqlite:///{small_disk / 'predictions.sqlite3'}")
    handed = [make_prediction(input_data=[house])["prediction_ids"] for _ in range(3)]
    filler = fill(small_disk)
    failures = 0
    for size in (1, 10, 100, 1_000, 1_459):
        try:
            handed.append(make_prediction(input_data=test_frame.head(size))["prediction_ids"])
        except PredictionStoreError as error:
            assert "disk is full" in str(error) and "\n" not in str(error)
            failures += 1
    assert failures >= 1
    filler.unlink()
    handed.append(make_prediction(input_data=test_frame)["prediction_ids"])
    for ids in handed:
        assert audit.get_record(ids[0]) is not None and audit.get_record(ids[-1]) is not None
    store = audit.get_store()
    assert store is not None
    with store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
