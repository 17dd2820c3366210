"""Every store setting is checked when it is read: a bad value is one line naming
the variable (or config key) and what it accepts, from Python and from the
command line (exit 2), and nothing is written anywhere. The durability setting
reaches the database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from regression_model import audit
from regression_model.config.core import CONFIG_FILE_PATH, parse_config
from regression_model.errors import ConfigError, PredictionStoreError
from regression_model.predict import make_prediction

# REGRESSION_MODEL_DB_URL values that would be misread, and what the message says.
BAD_URLS = {
    "mysql": ("mysql://u@127.0.0.1/db", "the store runs on SQLite (sqlite:////absolute"),
    "oracle": ("oracle://scott@db/orcl", "is not accepted: the store runs on SQLite"),
    "asyncpg": ("postgresql+asyncpg://u@h/db", "the driver 'asyncpg' is not one the store runs on"),
    "two_slashes": ("sqlite://tmp/x.sqlite3", "did you mean sqlite:////tmp/x.sqlite3?"),
    "query_without_uri": ("sqlite:////tmp/x.sqlite3?mode=ro", "add uri=true and name the file"),
    "uri_without_file": ("sqlite:////tmp/x.sqlite3?mode=ro&uri=true", "is a file: URI"),
    "not_a_url": ("predictions.sqlite3", "is not a database URL: give SQLite"),
}

BAD_TIMEOUTS = ["nan", "inf", "-inf", "1e308", "0", "-1", "abc", "", "86401"]


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "regression_model.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=cwd,
        timeout=120,
    )


def _one_line_exit_2(done: subprocess.CompletedProcess[str], says: str) -> None:
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr and says in done.stderr


@pytest.mark.parametrize("name", sorted(BAD_URLS))
def test_a_url_the_store_would_misread_is_refused(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, house: dict[str, Any]
) -> None:
    """An unsupported scheme or driver, an SQLite URL one slash short (a host),
    SQLite URI arguments without uri=true or without a file: path, and text that
    is no URL: make_prediction raises one line naming REGRESSION_MODEL_DB_URL and
    the accepted forms, the records and predict commands exit 2 with it, and no
    file appears in the working folder (the two-slash URL once wrote ./x.sqlite3)."""
    url, says = BAD_URLS[name]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(audit.URL_VARIABLE, url)
    with pytest.raises(PredictionStoreError) as info:
        make_prediction(input_data=[house])
    assert str(info.value).startswith("REGRESSION_MODEL_DB_URL")
    assert says in str(info.value) and "\n" not in str(info.value)
    (tmp_path / "in.jsonl").write_text('{"GrLivArea": 1000}\n')
    for command in (["records"], ["predict", "--input", "in.jsonl", "--output", "out.jsonl"]):
        _one_line_exit_2(_cli(*command, env={audit.URL_VARIABLE: url}, cwd=tmp_path), says)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


@pytest.mark.parametrize("value", BAD_TIMEOUTS)
def test_a_timeout_that_is_not_a_positive_number_of_seconds_is_refused(
    value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, house: dict[str, Any]
) -> None:
    """REGRESSION_MODEL_DB_TIMEOUT of nan, inf, 1e308, 0, a negative number, a
    word, empty or more than a day: one line naming the variable and what it
    accepts, from make_prediction and from the command line (exit 2)."""
    says = f"REGRESSION_MODEL_DB_TIMEOUT={value!r} is not accepted: give a number of seconds"
    monkeypatch.setenv(audit.TIMEOUT_VARIABLE, value)
    with pytest.raises(PredictionStoreError) as info:
        make_prediction(input_data=[house])
    assert says in str(info.value) and "greater than 0 and at most 86400" in str(info.value)
    done = _cli("records", env={audit.TIMEOUT_VARIABLE: value}, cwd=tmp_path)
    _one_line_exit_2(done, says)


@pytest.mark.parametrize("value", ["0.5", "30", "86400"])
def test_a_timeout_in_range_is_used(
    value: str, monkeypatch: pytest.MonkeyPatch, store_url: str, house: dict[str, Any]
) -> None:
    """A timeout from half a second to a day is accepted and is the store's."""
    monkeypatch.setenv(audit.TIMEOUT_VARIABLE, value)
    assert make_prediction(input_data=[house])["prediction_ids"]
    assert audit.get_store().timeout == float(value)  # type: ignore[union-attr]


@pytest.mark.parametrize("value", ["fast", "FULL", "", "off"])
def test_an_unknown_durability_is_refused(
    value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, house: dict[str, Any]
) -> None:
    """REGRESSION_MODEL_DB_DURABILITY other than full or normal: one line naming
    the variable and both accepted values, from Python and the command line."""
    monkeypatch.setenv("REGRESSION_MODEL_DB_DURABILITY", value)
    with pytest.raises(PredictionStoreError, match=r"give full .* or normal") as info:
        make_prediction(input_data=[house])
    assert str(info.value).startswith(f"REGRESSION_MODEL_DB_DURABILITY={value!r}")
    done = _cli("records", env={"REGRESSION_MODEL_DB_DURABILITY": value}, cwd=tmp_path)
    _one_line_exit_2(done, "give full")


@pytest.mark.parametrize(
    ("durability", "sqlite", "postgresql"),
    [(None, 2, "on"), ("full", 2, "on"), ("normal", 1, "off")],
)
def test_durability_reaches_the_database(
    durability: str | None,
    sqlite: int,
    postgresql: str,
    store_url: str,
    monkeypatch: pytest.MonkeyPatch,
    house: dict[str, Any],
) -> None:
    """By default a commit is synced before the call returns (SQLite
    synchronous=FULL, 2; PostgreSQL synchronous_commit on); durability normal
    gives SQLite synchronous=NORMAL (1) and PostgreSQL synchronous_commit off,
    on the connections that record the calls."""
    if durability is not None:
        monkeypatch.setenv("REGRESSION_MODEL_DB_DURABILITY", durability)
    make_prediction(input_data=[house])
    store = audit.get_store()
    assert store is not None
    with store.engine.connect() as connection:
        if store_url.startswith("sqlite"):
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar_one() == sqlite
        else:
            setting = connection.exec_driver_sql("SHOW synchronous_commit").scalar_one()
            assert setting == postgresql


@pytest.mark.parametrize(
    ("shipped", "bad"),
    [
        ("busy_timeout_seconds: 30", "busy_timeout_seconds: .nan"),
        ("busy_timeout_seconds: 30", "busy_timeout_seconds: .inf"),
        ("busy_timeout_seconds: 30", "busy_timeout_seconds: 1e308"),
        ("busy_timeout_seconds: 30", "busy_timeout_seconds: 0"),
        ("durability: full", "durability: fast"),
    ],
)
def test_config_store_settings_are_checked(shipped: str, bad: str) -> None:
    """config.yml's prediction_store section: a timeout that is not finite,
    positive and at most a day, or a durability other than full or normal, is
    a ConfigError naming the key."""
    text = CONFIG_FILE_PATH.read_text(encoding="utf-8")
    assert shipped in text
    key = bad.split(":")[0]
    with pytest.raises(ConfigError, match=f"prediction_store.{key}"):
        parse_config(text.replace(shipped, bad))
