"""Replaying records in the model that made them, when it is not installed.

``replay_inputs`` installs ``regression-model==<version>`` from the package
index, with the library versions its manifest recorded, into an isolated
environment cached per model, and scores the inputs there in a subprocess.

The index is ``REGRESSION_MODEL_INDEX_URL``, else pip's configured
``index-url``, else PyPI; ``regression-model`` comes from that index alone,
the libraries from the installer's usual configuration. uv builds the
environment when it is found (on PATH, or the ``uv`` package), else
``venv`` and pip. ``versions_on_index`` is the index lookup both the replay
and the publishing script (``tox -e publish``) use. ``replay.records``
replays one stored record with the model that made it, here or there, and
compares (what ``audit.reproduce`` answers).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regression_model.replay._environment import cache_root, environment_for
from regression_model.replay._index import package_index, version_of, versions_on_index
from regression_model.replay._run import errors_by_row, score_in

__all__ = [
    "ReplayedBatch",
    "cache_root",
    "package_index",
    "replay_inputs",
    "version_of",
    "versions_on_index",
]


@dataclass(frozen=True)
class ReplayedBatch:
    """Rows scored by another version: one price, range and error list per row."""

    predictions: list[float | None]
    intervals: list[list[float] | None]
    errors: list[list[dict[str, Any]] | None]
    environment: Path


def replay_inputs(
    version: str,
    inputs: list[dict[str, Any]],
    *,
    libraries: dict[str, str] | None,
    cache_key: str,
) -> ReplayedBatch:
    """Score ``inputs`` with ``regression-model==version`` in its own environment.

    Parameters
    ----------
    version : str
        The model version that made the records.
    inputs : list of dict
        The rows as the store keeps them.
    libraries : dict or None
        ``{distribution: version}`` its manifest recorded, installed exactly;
        None (records from before the models table) installs what the
        version itself requires.
    cache_key : str
        Names the cached environment: the model identity (or, for older
        records, the artifact's sha256).

    Returns
    -------
    ReplayedBatch
        One price, range (None before 1.5.0, which gave none) and error list
        per row, and the environment's folder.

    Raises
    ------
    ReplayUnavailableError
        When the version is not on the index, a pinned library or the package
        cannot be installed, or the subprocess fails; the message names what.

    Examples
    --------
    >>> from regression_model.replay import replay_inputs
    >>> batch = replay_inputs("1.6.0", [{"OverallQual": 6, "GrLivArea": 1200,
    ...                                  "Neighborhood": "NAmes", "YrSold": 2009}],
    ...                       libraries=None, cache_key="0" * 64)  # doctest: +SKIP
    >>> batch.predictions, batch.errors  # doctest: +SKIP
    ([139127.5...], [None])
    """
    folder = environment_for(version, libraries, cache_key)
    answer = score_in(folder, version, inputs)
    n_rows = len(inputs)
    return ReplayedBatch(
        predictions=list(answer["predictions"]),
        intervals=list(answer.get("intervals") or [None] * n_rows),
        errors=errors_by_row(answer.get("errors"), n_rows),
        environment=folder,
    )
