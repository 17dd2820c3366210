"""The regression-model command line, run as a real process."""

from __future__ import annotations

import errno
import fcntl
import gzip
import json
import os
import pty
import re
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

import regression_model
from regression_model.cli import COMMANDS
from regression_model.config.core import DATASET_DIR
from tests.broken_files import BROKEN, base_csv, base_jsonl, without_file_permissions

# Every test here starts the command as a process of its own: none runs in the
# inner loop (pytest -m "not slow"); tox -e test and CI run them all.
pytestmark = pytest.mark.slow


def cli(
    *args: str, tmp_path: Path, stdin: str | bytes | None = None, prefix: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m regression_model.cli ARGS`` in tmp_path, with its own SQLite store
    (tmp_path/store.sqlite3, created only when something is recorded)."""
    env = {**os.environ, "REGRESSION_MODEL_DB_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}"}
    done = subprocess.run(
        [*prefix, sys.executable, "-m", "regression_model.cli", *args],
        input=stdin.encode() if isinstance(stdin, str) else stdin,
        capture_output=True,
        env=env,
        cwd=tmp_path,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode()
    )


def test_predict_csv_writes_one_row_per_input_row(tmp_path: Path) -> None:
    """predict --input test.csv --output out.csv: 1459 rows with prices and ids, exit 0;
    each id replays with reproduce (exit 0) and is listed by records."""
    out = tmp_path / "out.csv"
    done = cli(
        "predict", "--input", str(DATASET_DIR / "test.csv"), "--output", str(out), tmp_path=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "scored 1,459 of 1,459 rows" in done.stderr
    scored = pd.read_csv(out)
    assert len(scored) == 1459 and scored["prediction"].notna().all()
    assert scored["Id"].tolist() == pd.read_csv(DATASET_DIR / "test.csv")["Id"].tolist()
    replay = cli("reproduce", scored.loc[7, "prediction_id"], tmp_path=tmp_path)
    assert replay.returncode == 0 and json.loads(replay.stdout)["match"] is True
    listed = cli(
        "records", "--version", regression_model.__version__, "--limit", "3", tmp_path=tmp_path
    )
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["prediction_id"] for r in rows] == scored["prediction_id"].head(3).tolist()


def test_predict_jsonl_stdin_to_stdout_with_rejections(tmp_path: Path) -> None:
    """JSON lines in and out through - ; a rejected row makes exit code 1 and its
    error goes to stderr."""
    rows = [
        {"OverallQual": 5, "GrLivArea": 900, "Neighborhood": "NAmes", "YrSold": 2008},
        {"OverallQual": 55, "GrLivArea": 900, "Neighborhood": "NAmes", "YrSold": 2008},
    ]
    done = cli(
        "predict",
        "--input",
        "-",
        "--output",
        "-",
        tmp_path=tmp_path,
        stdin="".join(json.dumps(r) + "\n" for r in rows),
    )
    assert done.returncode == 1
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["row"] for o in out] == [0, 1]
    assert out[0]["prediction"] > 0 and out[1]["prediction"] is None
    assert '"field":"OverallQual"' in done.stderr.replace(" ", "")


def test_errors_file_and_usage_errors(tmp_path: Path) -> None:
    """--errors collects rejected rows; bad usage exits 2 with a message."""
    source = tmp_path / "in.csv"
    frame = pd.read_csv(DATASET_DIR / "test.csv", keep_default_na=False, na_values=["NA"]).head(5)
    frame.loc[2, "YrSold"] = 1066
    frame.to_csv(source, index=False, na_rep="NA")
    done = cli(
        "predict",
        "--input",
        str(source),
        "--output",
        str(tmp_path / "o.jsonl"),
        "--errors",
        str(tmp_path / "e.jsonl"),
        tmp_path=tmp_path,
    )
    assert done.returncode == 1
    assert [json.loads(x)["row"] for x in (tmp_path / "e.jsonl").read_text().splitlines()] == [2]
    assert (
        cli("predict", "--input", "x.xlsx", "--output", "y.csv", tmp_path=tmp_path).returncode == 2
    )
    assert cli("predict", "--output", "y.csv", tmp_path=tmp_path).returncode == 2
    assert cli("reproduce", "no-such-id", tmp_path=tmp_path).returncode == 2


@pytest.mark.parametrize("command", [*COMMANDS, "store upgrade", "outcomes add"])
def test_every_subcommand_has_help(command: str, tmp_path: Path) -> None:
    """Each subcommand answers --help with its usage and then a description of what it
    does (a paragraph before its arguments), exit 0; ``regression-model --help`` lists
    it with a summary."""
    done = cli(*command.split(), "--help", tmp_path=tmp_path)
    assert done.returncode == 0 and f"regression-model {command}" in done.stdout
    usage, description, *_ = done.stdout.split("\n\n")
    assert usage.startswith("usage:") and len(description.split()) >= 8, done.stdout
    assert not description.startswith(("options:", "positional arguments:")), done.stdout
    *parent, name = command.split()
    listed = cli(*parent, "--help", tmp_path=tmp_path).stdout.split("positional arguments:")[1]
    assert re.search(rf"^    {name}\s+\w", listed, re.MULTILINE), listed


def test_reproduce_help_says_where_it_may_install_from(tmp_path: Path) -> None:
    """reproduce's summary and description name the one index a replay of another version
    installs from (REGRESSION_MODEL_INDEX_URL), and that only checked wheels are used."""
    summary = " ".join(cli("--help", tmp_path=tmp_path).stdout.split())
    assert "installed from REGRESSION_MODEL_INDEX_URL" in summary
    description = " ".join(cli("reproduce", "--help", tmp_path=tmp_path).stdout.split())
    assert "package index named by REGRESSION_MODEL_INDEX_URL and no other" in description
    assert "a wheel checked to carry the record's model" in description


def test_info_tells_what_model_this_is(tmp_path: Path) -> None:
    """info prints version, hashes, the honest figures (repeated CV over every row,
    the reference's on the same folds, the price ranges' coverage, the rows beyond
    training), libraries and where the store is."""
    done = cli("info", "--json", tmp_path=tmp_path)
    facts = json.loads(done.stdout)
    assert facts["version"] == regression_model.__version__
    assert len(facts["artifact_sha256"]) == 64 and len(facts["training_data_sha256"]) == 64
    assert facts["metrics"]["cv"]["folds"] == 5
    assert facts["prediction_store"].endswith("store.sqlite3")
    text = cli("info", tmp_path=tmp_path).stdout
    assert "repeated 5-fold CV" in text and "scikit-learn" in text
    metrics = facts["metrics"]
    assert f"all 1460 rows {metrics['cv']['all_rows']['pooled_mean']:.4f}" in text
    assert f"flagged sales {metrics['cv']['without_flagged']['pooled_mean']:.4f}" in text
    assert f"same folds and rows: RMSLE {metrics['reference_cv']['pooled_mean']:.4f}" in text
    assert f"{metrics['intervals']['coverage']:.1%} of true prices inside" in text
    assert f"{metrics['out_of_range']['rows']:.1f} training rows per CV seed" in text


def test_info_refuses_a_store_setting_that_calls_would_refuse(tmp_path: Path) -> None:
    """info checks the store's settings as every call does: a URL of another
    database, an SQLite URL with a host, and a timeout that is not a number each
    exit 2 in one line naming the variable, and no store file is made."""
    settings = [
        {"REGRESSION_MODEL_DB_URL": "mysql://app@db/predictions"},
        {"REGRESSION_MODEL_DB_URL": "sqlite://tmp/x.sqlite3"},
        {"REGRESSION_MODEL_DB_TIMEOUT": "nan"},
    ]
    env = {**os.environ, "REGRESSION_MODEL_DB_URL": f"sqlite:///{tmp_path / 's.sqlite3'}"}
    for setting in settings:
        done = subprocess.run(
            [sys.executable, "-m", "regression_model.cli", "info"],
            capture_output=True,
            text=True,
            env={**env, **setting},
            cwd=tmp_path,
        )
        (variable,) = setting
        assert done.returncode == 2 and f"{variable}=" in _the_one_line(done), done.stderr
    assert not list(tmp_path.iterdir())


# ---- broken inputs: one line on stderr, exit 2, nothing written or recorded ----


def _the_one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a run that failed as a whole (exit 2)."""
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    return line


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_is_one_line_and_exit_2(case: str, tmp_path: Path) -> None:
    """Each broken input ends in one line on stderr naming the file, the line where there
    is one, and the problem; exit code 2; no output file and no store written."""
    broken = BROKEN[case]
    broken.skip_without_extra()
    broken.write(tmp_path)
    name = broken.file.rstrip("/")
    options = ["--input-format", broken.input_format] if broken.input_format else []
    done = cli("predict", "--input", name, "--output", "out.csv", *options, tmp_path=tmp_path)
    line = _the_one_line(done)
    where = f"{name}, line {broken.line}:" if broken.line else f"{name}:"
    assert line.startswith(f"regression-model predict: InputFileError: {where}"), line
    assert broken.says in line, line
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "store.sqlite3").exists()


@pytest.mark.parametrize(
    ("stdin", "says"),
    [
        (b"", "stdin: is empty"),
        (b"\n  \n", "stdin: is empty"),
        (b"\x00\x01binary\x02", "stdin, line 1: is binary"),
        ('{"Neighborhood": "NÄmes"}\n'.encode("latin-1"), "stdin, line 1: is not UTF-8 text"),
    ],
    ids=["empty", "blank", "binary", "latin1"],
)
def test_stdin_that_is_empty_or_not_text(stdin: bytes, says: str, tmp_path: Path) -> None:
    """stdin that is empty, blank, binary or not UTF-8: one line naming stdin, exit 2."""
    done = cli("predict", "--input", "-", "--output", "-", tmp_path=tmp_path, stdin=stdin)
    assert f"InputFileError: {says}" in _the_one_line(done)
    assert done.stdout == ""


def test_unreadable_file_is_one_line(tmp_path: Path) -> None:
    """A file the user may not read: 'cannot be read: permission denied', exit 2 (as
    root, run without the capabilities that bypass file permissions)."""
    (tmp_path / "secret.csv").write_bytes(base_csv())
    os.chmod(tmp_path / "secret.csv", 0o000)
    done = cli(
        "predict",
        "--input",
        "secret.csv",
        "--output",
        "out.csv",
        tmp_path=tmp_path,
        prefix=without_file_permissions(),
    )
    assert _the_one_line(done).endswith("secret.csv: cannot be read: permission denied")


@pytest.mark.parametrize(
    ("output", "says"),
    [
        ("missing/out.csv", "OutputFileError: missing/out.csv: its folder missing does not exist"),
        ("/sys/out.csv", "OutputFileError: /sys/out.csv: cannot be written: no permission"),
    ],
    ids=["missing_folder", "unwritable_folder"],
)
def test_unusable_output_fails_before_scoring(output: str, says: str, tmp_path: Path) -> None:
    """An output whose folder is missing or not writable fails in one line, exit 2,
    before anything is scored or recorded (no store is even created)."""
    (tmp_path / "houses.csv").write_bytes(base_csv())
    done = cli("predict", "--input", "houses.csv", "--output", output, tmp_path=tmp_path)
    assert says in _the_one_line(done)
    assert not (tmp_path / "store.sqlite3").exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--chunk-size", "0"], "--chunk-size: '0' is not accepted: give a whole number of 1"),
        (["--chunk-size", "-5"], "--chunk-size: '-5' is not accepted: give a whole number of 1"),
        (["--chunk-size", "many"], "--chunk-size: 'many' is not accepted"),
        (["--input-format", "xlsx"], "invalid choice: 'xlsx' (choose from csv, parquet, jsonl)"),
        (["--output-format", "xml"], "invalid choice: 'xml' (choose from csv, parquet, jsonl)"),
    ],
    ids=["chunk_zero", "chunk_negative", "chunk_text", "input_format", "output_format"],
)
def test_bad_predict_options_are_usage_errors(args: list[str], says: str, tmp_path: Path) -> None:
    """Chunk sizes below 1 and unknown formats are usage errors (exit 2) naming the
    accepted values, before any work: no output, no store."""
    (tmp_path / "houses.csv").write_bytes(base_csv())
    done = cli("predict", "--input", "houses.csv", "--output", "o.csv", *args, tmp_path=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert says.replace("'", "") in done.stderr.replace("'", "")
    assert not (tmp_path / "o.csv").exists() and not (tmp_path / "store.sqlite3").exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--limit", "-3"], "--limit: '-3' is not accepted: give a whole number of 0 or more"),
        (["--since", "yesterday"], "'yesterday' is not an ISO date or time: give e.g. 2026-11-26"),
        (["--until", "2026-13-01"], "'2026-13-01' is not an ISO date or time"),
    ],
    ids=["negative_limit", "since", "until"],
)
def test_bad_records_options_are_usage_errors(args: list[str], says: str, tmp_path: Path) -> None:
    """records refuses a negative --limit and unparseable dates: exit 2, accepted values
    in the message, and the store is not opened."""
    done = cli("records", *args, tmp_path=tmp_path)
    assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "store.sqlite3").exists()


def test_broken_json_line_is_a_rejected_row(tmp_path: Path) -> None:
    """A JSON-lines stdin with one broken line: the others are scored, the broken one is
    a rejected row whose error (on stderr) gives its line and the parser's reason;
    exit 1."""
    lines = base_jsonl(5).decode().splitlines(keepends=True)
    lines[2] = '{"OverallQual": 5, "GrLivArea": \n'
    done = cli("predict", "--input", "-", "--output", "-", tmp_path=tmp_path, stdin="".join(lines))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["row"] for o in out] == [0, 1, 2, 3, 4]
    assert [o["prediction"] is None for o in out] == [False, False, True, False, False]
    assert '"message":"line 3: Expecting value: line 1 column 33 (char 32)"' in done.stderr
    assert "rejected 1 (1 of them unreadable, not recorded); 4 recorded in the store" in (
        done.stderr
    )


def test_compressed_input_with_byte_order_mark(tmp_path: Path) -> None:
    """A gzip-compressed CSV with a UTF-8 byte-order mark scores every row, exit 0."""
    (tmp_path / "houses.csv.gz").write_bytes(gzip.compress(b"\xef\xbb\xbf" + base_csv()))
    done = cli("predict", "--input", "houses.csv.gz", "--output", "out.csv", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "scored 20 of 20 rows" in done.stderr and "20 recorded in the store" in done.stderr
    assert pd.read_csv(tmp_path / "out.csv")["Id"].tolist()[:2] == [1461, 1462]


def _recorded(store: Path) -> int:
    try:
        with sqlite3.connect(store) as connection:
            return int(
                connection.execute("SELECT COALESCE(SUM(n_rows), 0) FROM calls").fetchone()[0]
            )
    except sqlite3.OperationalError:  # not created yet
        return 0


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_interrupted_run_leaves_no_output(stop: signal.Signals, tmp_path: Path) -> None:
    """SIGTERM or SIGINT in the middle of a run: exit 128 + the signal's number, no
    output and no errors file (nor their temporary files), and the message names as
    many rows recorded-but-not-written as the store holds."""
    big = pd.concat([pd.read_csv(DATASET_DIR / "test.csv", dtype=str, keep_default_na=False)] * 40)
    big.to_csv(tmp_path / "big.csv", index=False)
    env = {**os.environ, "REGRESSION_MODEL_DB_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}"}
    command = [sys.executable, "-m", "regression_model.cli", "predict", "--input", "big.csv"]
    run = subprocess.Popen(
        [*command, "--output", "out.csv", "--errors", "e.jsonl", "--chunk-size", "500"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while _recorded(tmp_path / "store.sqlite3") == 0 and run.poll() is None:
        assert time.monotonic() < deadline, "no chunk was recorded in 2 minutes"
        time.sleep(0.01)
    run.send_signal(stop)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 128 + stop, stderr
    assert "Traceback" not in stderr
    last = stderr.splitlines()[-1]
    assert f"IncompleteOutputError: RunInterruptedError: stopped by {stop.name};" in last
    count = int(last.split("; ")[1].split(" rows were recorded")[0].replace(",", ""))
    assert count == _recorded(tmp_path / "store.sqlite3") > 0
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("store")) == [
        "big.csv"
    ]


# ---- on a terminal ----


def on_terminal(
    *args: str, tmp_path: Path, stderr_too: bool
) -> tuple[int, str, subprocess.CompletedProcess[str] | None]:
    """Run ``python -m regression_model.cli ARGS`` in tmp_path (its own SQLite store)
    with stdout on a pseudo-terminal of 150 columns, and stderr too when
    ``stderr_too``, else on a pipe. Returns the exit code, what the terminal
    received, and stderr when piped."""
    env = {**os.environ, "REGRESSION_MODEL_DB_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}"}
    main, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 150, 0, 0))
    run = subprocess.Popen(
        [sys.executable, "-m", "regression_model.cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal if stderr_too else subprocess.PIPE,
        cwd=tmp_path,
        env=env,
    )
    os.close(terminal)
    received = bytearray()
    while True:
        try:
            block = os.read(main, 65536)
        except OSError as error:  # EIO: every holder of the terminal has closed it
            assert error.errno == errno.EIO
            break
        if not block:
            break
        received += block
    os.close(main)
    stderr = run.stderr.read().decode() if run.stderr else ""
    code = run.wait(timeout=120)
    piped = None if stderr_too else subprocess.CompletedProcess(run.args, code, "", stderr)
    return code, received.decode(errors="replace"), piped


def test_rejected_rows_on_a_terminal_print_above_the_progress_bar(tmp_path: Path) -> None:
    """On a terminal, without --errors: the progress bar ends at 100%, and each rejected
    row's error (JSON, on stderr) is a line of its own, never after the bar's text."""
    frame = pd.read_csv(DATASET_DIR / "test.csv", keep_default_na=False, na_values=["NA"])
    frame.loc[700, "GrLivArea"] = -5
    frame.to_csv(tmp_path / "houses.csv", index=False, na_rep="NA")
    code, screen, _ = on_terminal(
        "predict", "--input", "houses.csv", "--output", "out.csv", "--chunk-size", "200",
        tmp_path=tmp_path, stderr_too=True,
    )  # fmt: skip
    assert code == 1, screen
    # What stays on screen of each line: the text after its last carriage return (the
    # terminal turns each line end into \r\n).
    shown = [line.rsplit("\r", 1)[-1] for line in screen.replace("\r\n", "\n").split("\n")]
    errors = [line for line in shown if '"field":"GrLivArea"' in line]
    assert [json.loads(line)["row"] for line in errors] == [700], screen
    assert any(line.startswith("scoring: 100%|") for line in shown), screen


def test_records_refuses_parquet_to_a_terminal(tmp_path: Path) -> None:
    """records --format parquet with stdout on a terminal: nothing written there, one line
    on stderr saying to pass --output, exit 2; piped, the same command writes Parquet."""
    (tmp_path / "houses.csv").write_bytes(base_csv())
    assert (
        cli("predict", "--input", "houses.csv", "--output", "o.csv", tmp_path=tmp_path).returncode
        == 0
    )
    code, screen, piped = on_terminal(
        "records", "--format", "parquet", tmp_path=tmp_path, stderr_too=False
    )
    assert piped is not None
    (line,) = piped.stderr.splitlines()
    assert (code, screen) == (2, ""), line
    assert line.startswith("regression-model records: OutputFileError: stdout: is a terminal"), line
    assert "pass --output" in line, line
    done = subprocess.run(
        [sys.executable, "-m", "regression_model.cli", "records", "--format", "parquet"],
        capture_output=True,
        cwd=tmp_path,
        env={**os.environ, "REGRESSION_MODEL_DB_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}"},
    )
    assert done.returncode == 0 and done.stdout.startswith(b"PAR1"), done.stderr


def test_reproduce_tells_a_non_id_from_an_id_not_in_the_store(tmp_path: Path) -> None:
    """reproduce with text that is not in a prediction id's form: a usage error (exit 2)
    saying so, with an id's form; with a well-formed id the store lacks: exit 2, "no
    prediction ... in the store"; with a stored id given in capitals: it replays
    (exit 0)."""
    (tmp_path / "houses.csv").write_bytes(base_csv(1))
    cli("predict", "--input", "houses.csv", "--output", "o.csv", tmp_path=tmp_path)
    done = cli("reproduce", "not-an-id", tmp_path=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1].endswith(
        "argument ID: 'not-an-id' is not a prediction id "
        "(ids look like 01a22b14-e621-711f-9207-b5bfffffffff)"
    ), done.stderr
    absent = "01a22b14-e621-711f-9207-b5bf00000000"
    done = cli("reproduce", absent, tmp_path=tmp_path)
    assert (done.returncode, done.stderr) == (
        2, f"regression-model reproduce: no prediction {absent!r} in the store\n"
    )  # fmt: skip
    stored = pd.read_csv(tmp_path / "o.csv").loc[0, "prediction_id"]
    done = cli("reproduce", stored.upper(), tmp_path=tmp_path)
    assert done.returncode == 0 and json.loads(done.stdout)["match"] is True, done.stderr


@pytest.mark.parametrize(
    ("rows", "scored"), [(1, "scored 1 of 1 row "), (3, "scored 3 of 3 rows ")]
)
def test_counts_agree_in_number(rows: int, scored: str, tmp_path: Path) -> None:
    """predict's summary and records' export count in words that agree with the number:
    "scored 1 of 1 row", "exported 1 record", "exported 3 records", "exported 0 records"."""
    (tmp_path / "houses.csv").write_bytes(base_csv(rows))
    done = cli("predict", "--input", "houses.csv", "--output", "o.csv", tmp_path=tmp_path)
    assert done.returncode == 0 and scored in done.stderr, done.stderr
    done = cli("records", "--output", "records.csv", tmp_path=tmp_path)
    assert done.stderr == f"exported {rows} record{'s' if rows > 1 else ''}\n", done.stderr
    done = cli("records", "--version", "0.0.0", "--output", "none.csv", tmp_path=tmp_path)
    assert done.stderr == "exported 0 records\n", done.stderr


def test_records_output_without_a_format_names_the_format_option(tmp_path: Path) -> None:
    """records --output x.txt (a suffix that tells no format): one line, exit 2, telling
    to pass --format (records' option), not predict's --output-format; nothing written."""
    (tmp_path / "houses.csv").write_bytes(base_csv(1))
    cli("predict", "--input", "houses.csv", "--output", "o.csv", tmp_path=tmp_path)
    line = _the_one_line(cli("records", "--output", "x.txt", tmp_path=tmp_path))
    assert line.startswith("regression-model records: OutputFileError: x.txt: cannot tell"), line
    assert line.endswith("or pass --format"), line
    assert not (tmp_path / "x.txt").exists()


def test_log_records_carry_their_time_in_iso_8601_utc(tmp_path: Path) -> None:
    """The command's log records on stderr start with their time as ISO 8601 in UTC to
    the millisecond (the style of every time the command line prints), whatever the
    local time zone."""
    (tmp_path / "houses.csv").write_bytes(base_csv(3))
    before = datetime.now(timezone.utc)
    done = cli(
        "predict", "--input", "houses.csv", "--output", "o.csv", tmp_path=tmp_path,
        prefix=["env", "TZ=America/New_York"],
    )  # fmt: skip
    created = [line for line in done.stderr.splitlines() if "prediction store created" in line]
    assert len(created) == 1, done.stderr
    moment, level = created[0].split()[:2]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", moment), moment
    assert level == "INFO" and abs(datetime.fromisoformat(moment) - before).total_seconds() < 60
