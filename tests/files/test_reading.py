"""Reading files as users make them: predict_file's contract for Python callers.

Broken files raise InputFileError naming the file (and the line where there is
one), never pandas', json's or codecs' errors; rows that cannot be parsed are
rejected one by one, every other row scored; compressed files and files with a
byte-order mark read like their plain twins.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import lzma
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from regression_model import audit
from regression_model.errors import InputFileError, RegressionModelError
from regression_model.files.reading import open_input
from regression_model.streaming import FileSummary, predict_file
from tests.broken_files import (
    BROKEN,
    base_csv,
    base_jsonl,
    predict_file_error_without_file_permissions,
)


def _prices(path: Path) -> list[float | None]:
    frame = pd.read_csv(path) if path.suffix == ".csv" else pd.read_json(path, lines=True)
    return [None if pd.isna(p) else float(p) for p in frame["prediction"]]


@pytest.fixture()
def plain(tmp_path: Path) -> list[float | None]:
    """Prices of the 20 base rows, read from a plain CSV."""
    (tmp_path / "plain.csv").write_bytes(base_csv())
    predict_file(tmp_path / "plain.csv", tmp_path / "plain_out.csv")
    return _prices(tmp_path / "plain_out.csv")


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_raises_input_file_error(case: str, tmp_path: Path) -> None:
    """Each broken input raises InputFileError (a RegressionModelError) whose message
    names the file, the problem and, where there is one, the line; no output appears
    and nothing is recorded."""
    broken = BROKEN[case]
    broken.skip_without_extra()
    source = broken.write(tmp_path)
    before = audit.get_store().count()  # type: ignore[union-attr]
    with pytest.raises(InputFileError) as info:
        predict_file(source, tmp_path / "out.csv", input_format=broken.input_format)
    message = str(info.value)
    assert isinstance(info.value, RegressionModelError)
    assert message.startswith(str(source).rstrip("/")), message
    assert broken.says in message, message
    assert info.value.line == broken.line, message
    if broken.line is not None:
        assert f", line {broken.line}:" in message
    assert "\n" not in message
    assert not (tmp_path / "out.csv").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert audit.get_store().count() == before  # type: ignore[union-attr]


class _Stdin(io.BytesIO):
    """Bytes as sys.stdin.buffer gives them, under its name."""

    name = "<stdin>"


@pytest.mark.parametrize(
    ("data", "says", "line"),
    [
        (b"", "stdin: is empty", None),
        (b"\x00\x01\x02binary", "stdin, line 1: is binary", 1),
        ('{"Neighborhood": "NÄmes"}\n'.encode("latin-1"), "stdin, line 1: is not UTF-8", 1),
    ],
    ids=["empty", "binary", "latin1"],
)
def test_stream_that_is_not_text_raises(
    data: bytes, says: str, line: int | None, tmp_path: Path
) -> None:
    """A binary stream (as stdin is read) that is empty, binary or not UTF-8 raises
    InputFileError naming it and the line."""
    stream = _Stdin(data)
    with pytest.raises(InputFileError, match=says) as info:
        predict_file(stream, tmp_path / "out.jsonl", input_format="jsonl")
    assert info.value.line == line


def test_unreadable_file_raises(tmp_path: Path) -> None:
    """A file its reader may not read raises InputFileError 'permission denied' (run
    where file permissions bind: as root, without the capabilities that bypass them)."""
    source = tmp_path / "secret.csv"
    source.write_bytes(base_csv())
    os.chmod(source, 0o000)
    message = predict_file_error_without_file_permissions(source, tmp_path / "out.csv")
    assert message == f"{source}: cannot be read: permission denied"
    assert not (tmp_path / "out.csv").exists()


def _ragged(data: bytes) -> bytes:
    """Row 3 gets two fields too many, row 6 loses its last one; row 10 is quoted
    wrongly."""
    lines = data.splitlines(keepends=True)
    lines[4] = lines[4].replace(b"\n", b",x,y\n")
    lines[7] = lines[7].rsplit(b",", 1)[0] + b"\n"
    lines[11] = lines[11].replace(b",Pave,", b',"Pave"x,', 1)
    return b"".join(lines)


@pytest.mark.parametrize("chunk_size", [50_000, 4])
def test_ragged_csv_rows_are_rejected_others_scored(
    chunk_size: int, tmp_path: Path, plain: list[float | None]
) -> None:
    """Rows of the wrong width or broken quoting are rejected with their line number and
    the reason, unrecorded; every other row gets the price its plain twin gets, at its
    own position, whatever the chunk size."""
    source = tmp_path / "ragged.csv"
    source.write_bytes(_ragged(base_csv()))
    out, errors = tmp_path / "out.csv", tmp_path / "errors.jsonl"
    before = audit.get_store().count()  # type: ignore[union-attr]
    summary = predict_file(source, out, errors=errors, chunk_size=chunk_size)
    assert (summary.rows, summary.scored, summary.unreadable, summary.recorded) == (20, 17, 3, 17)
    assert audit.get_store().count() == before + 17  # type: ignore[union-attr]
    scored = pd.read_csv(out)
    assert scored["row"].tolist() == list(range(20))
    rejected = [json.loads(line) for line in errors.read_text().splitlines()]
    assert [(e["row"], e["field"]) for e in rejected] == [(3, None), (6, None), (10, None)]
    assert rejected[0]["message"] == "line 5: expected 80 fields as in the header, found 82"
    assert rejected[1]["message"] == "line 8: expected 80 fields as in the header, found 79"
    assert rejected[2]["message"].startswith("line 12: broken quoting (")
    prices = _prices(out)
    assert [prices[i] for i in (3, 6, 10)] == [None, None, None]
    expected = [p for i, p in enumerate(plain) if i not in (3, 6, 10)]
    assert [p for i, p in enumerate(prices) if i not in (3, 6, 10)] == pytest.approx(expected)
    assert scored["prediction_id"].isna().tolist() == [i in (3, 6, 10) for i in range(20)]


def test_broken_json_lines_are_rejected_others_scored(tmp_path: Path) -> None:
    """In JSON lines, a line cut short, a line holding an array, a line giving a key
    twice and one giving a column under both spellings are rejected rows, with line
    number and reason; blank lines are skipped; every other line is scored."""
    lines = base_jsonl().decode().splitlines(keepends=True)
    lines[2] = lines[2][:40] + "\n"
    lines[5] = "[1, 2]\n"
    lines[8] = '{"GrLivArea": 1500, "GrLivArea": 900}\n'
    lines[9] = lines[9].replace('"1stFlrSF"', '"FirstFlrSF": 1, "1stFlrSF"')
    source = tmp_path / "houses.jsonl"
    source.write_text("".join(lines[:12]) + "\n\n" + "".join(lines[12:]))
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    summary = predict_file(source, out, errors=errors, chunk_size=7)
    assert (summary.rows, summary.scored, summary.rejected, summary.unreadable) == (20, 16, 4, 4)
    found = {e["row"]: e["message"] for e in map(json.loads, errors.read_text().splitlines())}
    assert found[2].startswith("line 3: Unterminated string starting at: line 1 column")
    assert found[5] == "line 6: a JSON array is not a record (a JSON object)"
    assert found[8] == "line 9: key 'GrLivArea' appears more than once"
    assert found[9].startswith("line 10: columns ['1stFlrSF'] are given under both")
    written = [json.loads(line) for line in out.read_text().splitlines()]
    assert [w["row"] for w in written] == list(range(20))
    assert written[19]["Id"] == 1480 and written[19]["prediction"] > 0


def _compressed(data: bytes, suffix: str) -> bytes:
    if suffix == ".zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("houses.csv", data)
        return buffer.getvalue()
    if suffix == ".zst":
        zstandard = pytest.importorskip("zstandard", reason="zstandard is not installed")
        return bytes(zstandard.ZstdCompressor().compress(data))
    compressors = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}
    return compressors[suffix](data)


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz", ".zip", ".zst"])
def test_compressed_csv_reads_like_its_plain_twin(
    suffix: str, tmp_path: Path, plain: list[float | None]
) -> None:
    """houses.csv.gz (.bz2, .xz, .zip, .zst) gives the prices houses.csv gives."""
    source = tmp_path / f"houses.csv{suffix}"
    source.write_bytes(_compressed(base_csv(), suffix))
    predict_file(source, tmp_path / "out.csv")
    assert _prices(tmp_path / "out.csv") == pytest.approx(plain)


def test_zstd_without_zstandard_says_what_to_install(tmp_path: Path) -> None:
    """Without the zstandard package, a .zst input fails with a message saying to
    install it (checked where zstandard is missing; the extras' fresh venvs check it
    too)."""
    try:
        import zstandard  # noqa: F401
    except ImportError:
        source = tmp_path / "houses.csv.zst"
        source.write_bytes(b"\x28\xb5\x2f\xfd")
        with pytest.raises(InputFileError, match="pip install zstandard"):
            predict_file(source, tmp_path / "out.csv")
    else:
        pytest.skip("zstandard is installed here: .zst files are read")


@pytest.mark.parametrize(
    "dress",
    ["byte_order_mark", "crlf", "quoted_everything", "blank_lines"],
)
def test_csv_in_odd_dress_reads_like_its_plain_twin(
    dress: str, tmp_path: Path, plain: list[float | None]
) -> None:
    """A CSV with a UTF-8 byte-order mark (as spreadsheets write it), Windows line
    ends, every field quoted (one holding a comma and a line break), or blank lines
    gives the prices and row numbers of its plain twin."""
    data = base_csv()
    if dress == "byte_order_mark":
        data = b"\xef\xbb\xbf" + data
    elif dress == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif dress == "quoted_everything":
        text = io.StringIO()
        rows = list(csv.reader(io.StringIO(data.decode())))
        rows[0].append("Note")
        for i, row in enumerate(rows[1:], 1):
            row.append("a note, with a comma\nand a line break" if i == 5 else "")
        csv.writer(text, quoting=csv.QUOTE_ALL).writerows(rows)
        data = text.getvalue().encode()
    else:
        lines = data.splitlines(keepends=True)
        data = b"\n".join([*lines[:5], *lines[5:]]) + b"\n\n"
    source = tmp_path / "houses.csv"
    source.write_bytes(data)
    summary = predict_file(source, tmp_path / "out.csv", chunk_size=6)
    assert (summary.rows, summary.scored) == (20, 20)
    assert _prices(tmp_path / "out.csv") == pytest.approx(plain)
    assert pd.read_csv(tmp_path / "out.csv")["row"].tolist() == list(range(20))


def test_header_only_csv_scores_nothing(tmp_path: Path) -> None:
    """A CSV holding only its header is no error: no rows, an output with the header."""
    source = tmp_path / "houses.csv"
    source.write_bytes(base_csv(0))
    summary = predict_file(source, tmp_path / "out.csv")
    assert summary == FileSummary(0, 0, 0, 0, summary.seconds, None, 0, 0)
    header = "row,Id,prediction,lower,upper,prediction_id,errors,warnings\n"
    assert (tmp_path / "out.csv").read_text() == header


def test_column_under_both_spellings_names_the_file(tmp_path: Path) -> None:
    """A CSV header giving 1stFlrSF and FirstFlrSF raises InputFileError naming the file
    (make_prediction's refusal, restated), before anything is recorded."""
    lines = base_csv().decode().splitlines(keepends=True)
    lines = [lines[0].replace("\n", ",FirstFlrSF\n")] + [
        line.replace("\n", ",856\n") for line in lines[1:]
    ]
    source = tmp_path / "houses.csv"
    source.write_text("".join(lines))
    with pytest.raises(InputFileError, match=r"houses\.csv: columns \['1stFlrSF'\] are given"):
        predict_file(source, tmp_path / "out.csv")


def test_folder_without_a_suffix_is_named_a_folder(tmp_path: Path) -> None:
    """A folder given as input, whatever its name, is 'a folder, not a file', not a
    file whose format cannot be told; the same when the format is named."""
    (tmp_path / "houses").mkdir()
    for input_format in (None, "csv"):
        with pytest.raises(InputFileError, match=r"houses: is a folder, not a file; name a file"):
            predict_file(tmp_path / "houses", tmp_path / "out.csv", input_format=input_format)


@pytest.mark.parametrize(
    ("source", "target", "says"),
    [
        ("houses.txt", "out.csv", r"^houses\.txt: cannot tell .* or pass --input-format$"),
        ("houses.csv", "out.txt", r"^out\.txt: cannot tell .* or pass --output-format$"),
    ],
    ids=["input", "output"],
)
def test_unknown_suffix_names_the_option(
    source: str, target: str, says: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name whose format cannot be told: the hint names the option that tells it."""
    monkeypatch.chdir(tmp_path)
    for name in ("houses.txt", "houses.csv"):
        (tmp_path / name).write_bytes(base_csv())
    with pytest.raises(RegressionModelError, match=says):
        predict_file(source, target)


def test_a_missing_file_of_unknown_format_is_called_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An input that does not exist is said not to exist, even when its name
    would not tell its format: the first thing to fix is the path, not the name."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputFileError, match=r"^houses\.xlsx: does not exist; check the path"):
        predict_file("houses.xlsx", "out.csv")


def test_counts_in_file_errors_agree_in_number(tmp_path: Path) -> None:
    """A one-column header and a one-row file: '1 field', 'its first row', '1 column',
    never '1 fields' or '1 rows'."""
    (tmp_path / "one.csv").write_text("GrLivArea\n1200\n1300,extra\n")
    out = tmp_path / "out.jsonl"
    predict_file(tmp_path / "one.csv", out, errors=tmp_path / "errors.jsonl")
    errors = [json.loads(line) for line in (tmp_path / "errors.jsonl").read_text().splitlines()]
    assert errors[-1] == {
        "row": 1,
        "field": None,
        "message": "line 3: expected 1 field as in the header, found 2",
    }
    (tmp_path / "one.jsonl").write_text("not json\n")
    with pytest.raises(InputFileError, match=r"its first row cannot be read as jsonl \(line 1"):
        predict_file(tmp_path / "one.jsonl", out)
    (tmp_path / "semicolons.csv").write_text("a;b\n1;2\n")
    with pytest.raises(InputFileError, match=r"saw 1 column: 'a;b'"):
        predict_file(tmp_path / "semicolons.csv", out)


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_progress_follows_the_rows_handed_on(compress: bool, tmp_path: Path) -> None:
    """A text file's progress is the bytes of the file as stored up to the last row
    handed on, against its size: after each chunk of 100 rows of 1,459 it is within
    3 points of the rows' share (the reader has read the whole file ahead, so its
    position alone would say 100% from the first chunk), and the whole size at the
    end."""
    rows = base_csv(1459)
    source = tmp_path / ("houses.csv.gz" if compress else "houses.csv")
    source.write_bytes(gzip.compress(rows) if compress else rows)
    reader = open_input(source, "csv")
    try:
        seen = []
        for _ in reader.chunks(100):
            progress = reader.progress()
            assert (progress.unit, progress.total) == ("B", source.stat().st_size)
            seen.append((progress.rows, progress.done / source.stat().st_size))
    finally:
        reader.close()
    assert [rows for rows, _ in seen] == [*range(100, 1459, 100), 1459]
    assert all(abs(share - rows / 1459) < 0.03 for rows, share in seen[:-1]), seen
    assert seen[-1][1] == 1.0


def test_parquet_progress_counts_rows_against_its_footer(tmp_path: Path) -> None:
    """A Parquet file's progress counts rows against the row count its footer gives."""
    pytest.importorskip("pyarrow", reason="the parquet extra is not installed")
    source = tmp_path / "houses.parquet"
    pd.read_csv(io.BytesIO(base_csv(1459)), keep_default_na=False, na_values=["NA"]).to_parquet(
        source
    )
    reader = open_input(source, "parquet")
    try:
        seen = [(reader.progress().done, reader.progress().total) for _ in reader.chunks(500)]
    finally:
        reader.close()
    assert seen == [(500, 1459), (1000, 1459), (1459, 1459)]
