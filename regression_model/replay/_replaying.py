"""Scoring in another environment: a subprocess running that version's public API.

Only what every version has is used: ``make_prediction`` from
``regression_model.predict``, with persistence off so the replay is not itself
recorded. The rows go in as JSON on stdin; the result comes back as one JSON
line, the last on stdout (anything a version prints before it is ignored).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from regression_model.errors import ReplayUnavailableError
from regression_model.replay._isolated_env import last_line, python_of, run_bounded

_TIMEOUT_SECONDS = 600
_SCORE = r"""
import json, sys
from regression_model.predict import make_prediction
result = make_prediction(input_data=json.load(sys.stdin))
keys = ("version", "predictions", "intervals", "errors")
print(json.dumps({key: result.get(key) for key in keys}))
"""


def score_in(folder: Path, version: str, inputs: list[dict[str, Any]]) -> dict[str, Any]:
    """``make_prediction``'s answer for ``inputs`` from the environment in ``folder``.

    Raises
    ------
    ReplayUnavailableError
        When the subprocess fails or answers something unreadable; the message
        ends with the last line it wrote to stderr.
    """
    # -I: neither the caller's folder nor PYTHONPATH may shadow the installed version.
    command = [str(python_of(folder)), "-I", "-c", _SCORE]
    environment = {**os.environ, "REGRESSION_MODEL_DB_URL": "none"}
    done = run_bounded(
        command,
        timeout=_TIMEOUT_SECONDS,
        timed_out=f"model {version} took over {_TIMEOUT_SECONDS} s to score in {folder}",
        cannot_run=lambda error: f"model {version} cannot run in {folder}: {error}",
        input=json.dumps(inputs),
        env=environment,
        cwd=folder,
    )
    if done.returncode != 0:
        last = last_line(done.stderr)
        raise ReplayUnavailableError(
            f"model {version} failed in {folder} (exit {done.returncode}): {last}"
        )
    return _answer(done.stdout, done.stderr, version, len(inputs))


def _answer(stdout: str, stderr: str, version: str, n_rows: int) -> dict[str, Any]:
    try:
        answer: dict[str, Any] = json.loads(last_line(stdout))
        readable = isinstance(answer, dict) and len(answer["predictions"]) == n_rows
    except (ValueError, KeyError, TypeError):
        readable = False
    if not readable:
        raise ReplayUnavailableError(
            f"model {version} gave no readable answer (stdout: {last_line(stdout)!r}; "
            f"stderr: {last_line(stderr)!r})"
        )
    if answer["version"] != version:
        raise ReplayUnavailableError(
            f"the environment for model {version} runs model {answer['version']} instead"
        )
    return answer


def errors_by_row(errors: str | None, n_rows: int) -> list[list[dict[str, Any]] | None]:
    """``make_prediction``'s ``errors`` (a JSON string of ``{"row", "field",
    "message"}``, or None) as one list per row, None for a row without any.

    Examples
    --------
    >>> from regression_model.replay._replaying import errors_by_row
    >>> errors_by_row('[{"row": 1, "field": "GrLivArea", "message": "missing"}]', 2)
    [None, [{'row': 1, 'field': 'GrLivArea', 'message': 'missing'}]]
    """
    rows: list[list[dict[str, Any]] | None] = [None] * n_rows
    for error in json.loads(errors) if errors else []:
        found = rows[error["row"]]
        if found is None:
            rows[error["row"]] = [error]
        else:
            found.append(error)
    return rows
