"""Corrupted files fed to the installed ``regression-model`` command (hypothesis).

Each example takes 20 rows of test.csv as CSV or JSON lines, corrupts them
(truncated, bytes flipped, lines duplicated or shuffled, random bytes spliced
in, a line in another encoding, or random bytes alone), and scores the result
with ``regression-model predict`` and a fresh SQLite store. Always: exit code
0, 1 or 2, never a traceback; on 0 and 1 each output row maps back to its
input line and the store holds exactly the rows the summary says it recorded;
on 2 no output is left and the store holds what the message says.

Example budget: a quarter of the profile's (``ci`` in ``tox -e test``, ``fuzz``
in ``tox -e fuzz``).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regression_model.store.store import PredictionStore
from tests.broken_files import base_csv, base_jsonl

BASE = {"csv": base_csv(20), "jsonl": base_jsonl(20)}
COMMAND = Path(sys.executable).with_name("regression-model")  # the installed script
# Counts have thousands separators, and "row" agrees with the total ("1 of 1 row").
SUMMARY = re.compile(
    r"scored ([\d,]+) of ([\d,]+) rows?.*; rejected ([\d,]+)(?: \(([\d,]+) of them "
    r"unreadable, not recorded\))?; ([\d,]+) recorded in the store"
)
UNWRITTEN = re.compile(r"; ([\d,]+) rows were recorded in the prediction store but not written")

Mutation = Callable[[bytes], bytes]


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


@st.composite
def _truncated(draw: st.DrawFn) -> Mutation:
    fraction = draw(st.floats(0, 1))
    return lambda data: data[: int(len(data) * fraction)]


@st.composite
def _flipped(draw: st.DrawFn) -> Mutation:
    flips = draw(st.lists(st.tuples(st.floats(0, 0.999), st.integers(1, 255)), max_size=4))

    def flip(data: bytes) -> bytes:
        out = bytearray(data)
        for where, mask in flips:
            if out:
                out[int(len(out) * where)] ^= mask
        return bytes(out)

    return flip


@st.composite
def _duplicated(draw: st.DrawFn) -> Mutation:
    source, target = draw(st.floats(0, 0.999)), draw(st.floats(0, 0.999))

    def duplicate(data: bytes) -> bytes:
        lines = _lines(data)
        line = lines[int(len(lines) * source)]
        lines.insert(int(len(lines) * target), line if line.endswith(b"\n") else line + b"\n")
        return b"".join(lines)

    return duplicate


@st.composite
def _shuffled(draw: st.DrawFn) -> Mutation:
    keys = draw(st.lists(st.floats(0, 1), min_size=25, max_size=25))

    def shuffle(data: bytes) -> bytes:
        lines = [line if line.endswith(b"\n") else line + b"\n" for line in _lines(data)]
        order = sorted(range(len(lines)), key=lambda i: keys[i % len(keys)])
        return b"".join(lines[i] for i in order)

    return shuffle


@st.composite
def _spliced(draw: st.DrawFn) -> Mutation:
    noise, where = draw(st.binary(min_size=1, max_size=40)), draw(st.floats(0, 1))
    return lambda data: data[: int(len(data) * where)] + noise + data[int(len(data) * where) :]


@st.composite
def _reencoded(draw: st.DrawFn) -> Mutation:
    """One line gets an accented letter and another encoding."""
    where = draw(st.floats(0, 0.999))
    encoding = draw(st.sampled_from(["latin-1", "cp1252", "utf-16-le", "utf-8"]))

    def reencode(data: bytes) -> bytes:
        lines = _lines(data)
        index = int(len(lines) * where)
        text = lines[index].decode("utf-8", errors="replace").replace("a", "é", 1)
        lines[index] = text.encode(encoding, errors="replace")
        return b"".join(lines)

    return reencode


@st.composite
def _random(draw: st.DrawFn) -> Mutation:
    noise = draw(st.binary(max_size=300))
    return lambda data: noise


MUTATIONS = st.one_of(
    _truncated(), _flipped(), _duplicated(), _shuffled(), _spliced(), _reencoded(), _random()
)


@st.composite
def corrupted_files(draw: st.DrawFn) -> tuple[str, bytes, int]:
    """(format, the corrupted bytes, chunk size)."""
    fmt = draw(st.sampled_from(sorted(BASE)))
    data = BASE[fmt]
    for mutation in draw(st.lists(MUTATIONS, min_size=1, max_size=3)):
        data = mutation(data)
    return fmt, data, draw(st.sampled_from([3, 8, 50_000]))


def _same(value: Any, text: str | None) -> bool:
    """An output value equals an input field, however pandas or json typed it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return text in (None, "", "NA")
    if text is None:
        return False
    if str(value) == text:
        return True
    try:
        return float(value) == float(text)
    except (TypeError, ValueError, OverflowError):
        return False


def _input_rows(fmt: str, data: bytes) -> list[tuple[int, str | None]] | None:
    """Each input row's first line and Id field, read independently of the package
    (None where the text cannot be mapped simply: quoted CSV, or not UTF-8)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    lines = io.StringIO(text, newline=None).read().split("\n")
    numbered = [(n, line) for n, line in enumerate(lines, 1) if line != ""]
    if fmt == "jsonl":
        return [(n, _json_id(line)) for n, line in numbered if line.strip()]
    if '"' in text or not numbered:
        return None
    names = next(csv.reader([numbered[0][1]]))
    position = names.index("Id") if "Id" in names else None
    return [
        (n, line.split(",")[position] if position is not None else None) for n, line in numbered[1:]
    ]


def _json_id(line: str) -> str | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    value = record.get("Id") if isinstance(record, dict) else None
    return None if value is None else json.dumps(value)


def _check_mapping(fmt: str, data: bytes, written: list[dict[str, Any]]) -> None:
    """Row r of the output is row r of the input: same Id, or an error naming its line."""
    rows = _input_rows(fmt, data)
    if rows is None:
        return
    assert len(written) == len(rows)
    for out, (line, input_id) in zip(written, rows, strict=True):
        if out["prediction_id"] is None:  # unreadable: its error names its line
            assert json.loads(out["errors"])[0]["message"].startswith(f"line {line}:")
        elif "Id" in out and fmt == "csv":
            assert _same(out["Id"], input_id), (out, line, input_id)


def _check_run(fmt: str, data: bytes, done: subprocess.CompletedProcess[str], folder: Path) -> None:
    store = PredictionStore(f"sqlite:///{folder / 'store.sqlite3'}")
    try:
        recorded = store.count() if (folder / "store.sqlite3").exists() else 0
        if done.returncode == 2:
            assert not (folder / "out.jsonl").exists() and not (folder / "errors.jsonl").exists()
            assert done.stderr.splitlines()[-1].startswith("regression-model predict: ")
            unwritten = UNWRITTEN.search(done.stderr)
            assert recorded == (int(unwritten.group(1).replace(",", "")) if unwritten else 0)
            return
        summary = SUMMARY.search(done.stderr)
        assert summary is not None, done.stderr
        scored, rows, rejected, _, in_store = (
            int((g or "0").replace(",", "")) for g in summary.groups()
        )
        written = [json.loads(line) for line in (folder / "out.jsonl").read_text().splitlines()]
        assert [w["row"] for w in written] == list(range(rows))
        assert sum(w["prediction"] is not None for w in written) == scored
        assert sum(w["prediction_id"] is not None for w in written) == in_store == recorded
        assert done.returncode == (1 if rejected else 0)
        _check_mapping(fmt, data, written)
        for out in [w for w in written if w["prediction_id"]][:3]:
            record = store.get_record(out["prediction_id"])
            assert record is not None and record["prediction"] == out["prediction"]
    finally:
        store.dispose()


@pytest.mark.slow
@settings(max_examples=max(5, settings.default.max_examples // 4))
@given(corrupted_files())
def test_corrupted_files_never_crash_the_cli(case: tuple[str, bytes, int]) -> None:
    """Whatever the corruption: exit 0, 1 or 2 and no traceback; rows written map back
    to their input lines; the store holds exactly what was reported (see module
    docstring)."""
    fmt, data, chunk_size = case
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / f"in.{fmt}").write_bytes(data)
        options = ["--errors", "errors.jsonl", "--chunk-size", str(chunk_size), "--no-progress"]
        done = subprocess.run(
            [str(COMMAND), "predict", "--input", f"in.{fmt}", "--output", "out.jsonl", *options],
            cwd=folder,
            capture_output=True,
            text=True,
            env={**os.environ, "REGRESSION_MODEL_DB_URL": f"sqlite:///{folder / 'store.sqlite3'}"},
            timeout=300,
        )
        assert done.returncode in (0, 1, 2), done.stderr
        assert "Traceback" not in done.stderr, done.stderr
        _check_run(fmt, data, done, folder)
