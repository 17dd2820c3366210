"""Files as users break them: each case writes a real file that cannot be scored.

Shared by the Python contract (``predict_file`` raises ``InputFileError``) and
the command line (one line on stderr, exit 2).
"""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from regression_model.config.core import DATASET_DIR


def base_csv(rows: int = 20) -> bytes:
    """The header and first ``rows`` rows of test.csv, byte for byte."""
    with open(DATASET_DIR / "test.csv", "rb") as handle:
        return b"".join(handle.readline() for _ in range(rows + 1))


def base_jsonl(rows: int = 20) -> bytes:
    """The same rows as JSON lines (one object a line)."""
    frame = pd.read_csv(io.BytesIO(base_csv(rows)), keep_default_na=False, na_values=["NA"])
    return frame.to_json(orient="records", lines=True).encode()


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def _parquet_bytes() -> bytes:
    buffer = io.BytesIO()
    pd.read_csv(io.BytesIO(base_csv()), keep_default_na=False, na_values=["NA"]).to_parquet(buffer)
    return buffer.getvalue()


def _zip_of_two() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.csv", base_csv())
        archive.writestr("b.csv", base_csv())
    return buffer.getvalue()


def _latin1() -> bytes:
    lines = _lines(base_csv())
    lines[3] = lines[3].replace(b"Gilbert", "Gilbért".encode("latin-1"))
    return b"".join(lines)


def _unclosed_quote() -> bytes:
    lines = _lines(base_csv())
    lines[4] = lines[4].replace(b",RL,", b',"RL,', 1)
    return b"".join(lines)


def _every_row_ragged() -> bytes:
    header, *rows = _lines(base_csv())
    return header + b"".join(row.replace(b"\n", b",extra\n") for row in rows)


# The module of each extra a case may need.
_EXTRA_MODULES = {"parquet": "pyarrow"}


@dataclass(frozen=True)
class Broken:
    """A broken input: the file's name, its bytes (None: it is not created),
    what the error must say, the line it must name (None: no line), and the
    extra that writing the file or reading it as told needs (None: none)."""

    file: str
    data: Callable[[], bytes | None]
    says: str
    line: int | None = None
    input_format: str | None = None
    extra: str | None = None

    def skip_without_extra(self) -> None:
        """Skip the test, with the reason, when the extra the case needs is absent."""
        if self.extra is not None:
            pytest.importorskip(
                _EXTRA_MODULES[self.extra], reason=f"the {self.extra} extra is not installed"
            )

    def write(self, folder: Path) -> Path:
        path = folder / self.file
        content = self.data()
        if self.file.endswith("/"):
            path.mkdir()
        elif content is not None:
            path.write_bytes(content)
        return path


BROKEN: dict[str, Broken] = {
    "missing": Broken("missing.csv", lambda: None, "does not exist"),
    "empty": Broken("empty.csv", lambda: b"", "is empty"),
    "blank_lines_only": Broken("blank.csv", lambda: b"\n\n\n", "is empty"),
    "folder": Broken("folder.csv/", lambda: None, "is a folder"),
    "unknown_suffix": Broken("houses.xlsx", base_csv, "cannot tell its format from its name"),
    "parquet_named_csv": Broken("houses.csv", _parquet_bytes, "is a Parquet file", extra="parquet"),
    "csv_named_parquet": Broken(
        "houses.parquet", base_csv, "is not a readable Parquet file", extra="parquet"
    ),
    "csv_named_jsonl": Broken("houses.jsonl", base_csv, "none of its first 21 rows"),
    "csv_said_parquet": Broken(
        "houses.csv",
        base_csv,
        "is not a readable Parquet file",
        input_format="parquet",
        extra="parquet",
    ),
    "gzip_named_csv": Broken("houses.csv", lambda: gzip.compress(base_csv()), "gzip-compressed"),
    "plain_named_gz": Broken("houses.csv.gz", base_csv, "Not a gzipped file"),
    "truncated_gz": Broken("houses.csv.gz", lambda: gzip.compress(base_csv())[:-300], "is damaged"),
    "zip_of_two": Broken("houses.csv.zip", _zip_of_two, "holds 2 files"),
    "json_array": Broken("houses.json", lambda: b'[{"GrLivArea": 1}]\n', "holds a JSON array", 1),
    "binary": Broken("houses.csv", lambda: bytes(range(256)) * 8, "is binary", 1),
    "utf16": Broken("houses.csv", lambda: base_csv().decode().encode("utf-16"), "UTF-16"),
    "latin1": Broken("houses.csv", _latin1, "is not UTF-8 text (byte 0xe9 at column 59)", 4),
    "no_header": Broken(
        "houses.csv", lambda: b"".join(_lines(base_csv())[1:]), "none of the model's", 1
    ),
    "every_row_ragged": Broken(
        "houses.csv",
        _every_row_ragged,
        "none of its first 20 rows can be read as csv (line 2: expected 80 fields",
    ),
    "duplicate_columns": Broken(
        "houses.csv",
        lambda: base_csv().replace(b"MSZoning", b"MSSubClass", 1),
        "the header names MSSubClass more than once",
        1,
    ),
    "semicolons": Broken(
        "houses.csv",
        lambda: base_csv().replace(b",", b";"),
        "expected columns such as OverallQual, GrLivArea, Neighborhood, YrSold; saw 1 column",
        1,
    ),
    "unclosed_quote": Broken("houses.csv", _unclosed_quote, "never closes", 5),
}


def without_file_permissions() -> list[str]:
    """A command prefix under which file permissions bind. Root reads and writes
    anything unless it gives up the capabilities that let it (util-linux's setpriv)."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


def predict_file_error_without_file_permissions(source: Path, target: Path) -> str:
    """The message of the package error predict_file(source, target) raises in a process
    where file permissions bind (store off)."""
    code = (
        "import sys\n"
        "from regression_model.errors import RegressionModelError\n"
        "from regression_model.streaming import predict_file\n"
        "try:\n"
        "    predict_file(sys.argv[1], sys.argv[2])\n"
        "except RegressionModelError as error:\n"
        "    print(error)\n"
    )
    done = subprocess.run(
        [*without_file_permissions(), sys.executable, "-c", code, str(source), str(target)],
        capture_output=True,
        text=True,
        env={**os.environ, "REGRESSION_MODEL_DB_URL": "none"},
        check=True,
    )
    assert done.stderr == "", done.stderr
    return done.stdout.strip()
