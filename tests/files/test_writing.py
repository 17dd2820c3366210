"""Outputs are whole or absent: written under a temporary name, renamed when complete,
and checked writable before anything is read or scored."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from regression_model import audit
from regression_model.errors import IncompleteOutputError, InputFileError, OutputFileError
from regression_model.files.writing import OutputFile
from regression_model.streaming import predict_file
from tests.broken_files import base_csv, predict_file_error_without_file_permissions


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_file_appears_only_when_complete(tmp_path: Path) -> None:
    """Rows go to a hidden temporary file beside the target; the target appears on
    commit, with the permissions any new file gets (0o666 less the umask)."""
    target = tmp_path / "out.csv"
    out = OutputFile(target, "csv")
    (temporary,) = _leftovers(tmp_path)
    assert temporary.startswith(".out.csv.")
    out.write(pd.DataFrame({"row": [0, 1], "prediction": [1.5, None]}))
    assert not target.exists()
    out.commit()
    assert target.read_text() == "row,prediction\n0,1.5\n1,\n"
    assert _leftovers(tmp_path) == []
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_discard_leaves_nothing_and_keeps_an_old_target(tmp_path: Path) -> None:
    """Discarding a half-written output removes its temporary file and leaves a file
    already under the target's name as it was."""
    target = tmp_path / "out.jsonl"
    target.write_text("yesterday's output\n")
    out = OutputFile(target, "jsonl")
    out.write(pd.DataFrame({"row": [0]}))
    out.discard()
    assert target.read_text() == "yesterday's output\n"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("no/such/folder/out.csv", "its folder no/such/folder does not exist"),
        ("/sys/out.csv", "cannot be written: no permission to create files in /sys"),
        (".", "is a folder"),
    ],
    ids=["missing_folder", "unwritable_folder", "a_folder"],
)
def test_output_that_cannot_be_written_fails_before_scoring(
    target: str, says: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An output whose folder does not exist or cannot be written, or that is a folder,
    raises OutputFileError before any row is read, scored or recorded (the same for
    the errors file)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "houses.csv").write_bytes(base_csv())
    before = audit.get_store().count()  # type: ignore[union-attr]
    with pytest.raises(OutputFileError, match=f"^{target}: {says}"):
        predict_file("houses.csv", target, output_format="csv")
    with pytest.raises(OutputFileError, match=f"^{target}: {says}"):
        predict_file("houses.csv", "out.csv", errors=target)
    assert audit.get_store().count() == before  # type: ignore[union-attr]
    assert not (tmp_path / "out.csv").exists() and _leftovers(tmp_path) == []


def test_read_only_folder_fails_before_scoring(tmp_path: Path) -> None:
    """A folder its user may not write to (file permissions binding, as for any user)
    fails with OutputFileError before scoring."""
    folder = tmp_path / "locked"
    folder.mkdir()
    (tmp_path / "houses.csv").write_bytes(base_csv())
    os.chmod(folder, 0o555)
    message = predict_file_error_without_file_permissions(tmp_path / "houses.csv", folder / "o.csv")
    assert (
        message
        == f"{folder / 'o.csv'}: cannot be written: no permission to create files in {folder}"
    )


def test_output_may_not_replace_the_input(tmp_path: Path) -> None:
    """Naming the input as output (or errors file) is refused; the input is unchanged."""
    source = tmp_path / "houses.csv"
    source.write_bytes(base_csv())
    with pytest.raises(OutputFileError, match="is the input file"):
        predict_file(source, tmp_path / "." / "houses.csv")
    with pytest.raises(OutputFileError, match="is the input file"):
        predict_file(source, tmp_path / "out.csv", errors=source)
    assert source.read_bytes() == base_csv()


def test_failure_after_recording_names_what_was_not_written(tmp_path: Path) -> None:
    """A file error in the third chunk, after two chunks were recorded: no output and no
    errors file under the final names, no temporary file left, and the error names the
    10 recorded rows and their prediction ids, which the store holds."""
    lines = base_csv().splitlines(keepends=True)
    lines[14] = lines[14].replace(b",RL,", b',"RL,', 1)  # a quote that never closes
    source = tmp_path / "houses.csv"
    source.write_bytes(b"".join(lines))
    before = audit.get_store().count()  # type: ignore[union-attr]
    with pytest.raises(IncompleteOutputError) as info:
        predict_file(source, tmp_path / "out.csv", errors=tmp_path / "e.jsonl", chunk_size=5)
    message = str(info.value)
    assert isinstance(info.value.__cause__, InputFileError)
    assert "line 15: a quoted field opens on this line and never closes" in message
    assert "10 rows were recorded in the prediction store but not written: rows 0-4" in message
    assert info.value.unwritten_rows == 10
    assert audit.get_store().count() == before + 10  # type: ignore[union-attr]
    first_id = message.split("prediction ids ")[1].split(" ")[0]
    record = audit.get_record(first_id)
    assert record is not None and record["inputs"]["Id"] == 1461
    assert sorted(p.name for p in tmp_path.iterdir()) == ["houses.csv"]


def test_parquet_output_with_errors_only_in_a_later_chunk(tmp_path: Path) -> None:
    """Parquet output keeps one schema when the first chunk has no errors and a later
    one has: every row written, the rejected one with its errors."""
    pytest.importorskip("pyarrow", reason="the parquet extra is not installed")
    lines = base_csv().splitlines(keepends=True)
    lines[15] = lines[15].replace(b"\n", b",extra\n")
    source = tmp_path / "houses.csv"
    source.write_bytes(b"".join(lines))
    summary = predict_file(source, tmp_path / "out.parquet", chunk_size=5)
    written = pd.read_parquet(tmp_path / "out.parquet")
    assert (summary.rows, summary.rejected) == (20, 1) and len(written) == 20
    assert written["errors"].notna().tolist() == [i == 14 for i in range(20)]
    assert written["Id"].tolist()[:3] == [1461, 1462, 1463]


def test_output_folder_without_a_suffix_is_named_a_folder(tmp_path: Path) -> None:
    """A folder given as output, whatever its name, is 'a folder', not a file whose
    format cannot be told."""
    (tmp_path / "houses.csv").write_bytes(base_csv())
    (tmp_path / "results").mkdir()
    with pytest.raises(OutputFileError, match=r"results: is a folder; name a file to write"):
        predict_file(tmp_path / "houses.csv", tmp_path / "results")


def test_failure_names_one_more_call_in_the_singular(tmp_path: Path) -> None:
    """Four one-row chunks recorded, then a file error: the message lists three of
    them as single rows and says 'and 1 more call'."""
    lines = base_csv().splitlines(keepends=True)
    lines[5] = lines[5].replace(b",RL,", b',"RL,', 1)  # a quote that never closes
    source = tmp_path / "houses.csv"
    source.write_bytes(b"".join(lines))
    with pytest.raises(IncompleteOutputError) as info:
        predict_file(source, tmp_path / "out.csv", chunk_size=1)
    message = str(info.value)
    assert "4 rows were recorded in the prediction store but not written: row 0 (" in message
    assert message.endswith("and 1 more call"), message
