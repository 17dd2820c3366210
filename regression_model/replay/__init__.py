"""Replaying records in the model that made them, when it is not installed.

``replay_inputs`` installs the version that made a record from the package
index named in ``REGRESSION_MODEL_INDEX_URL`` (no other), with the library
versions its manifest recorded, into an isolated environment cached per model,
and scores the inputs there in a subprocess. Its wheel is checked from its
files before it is installed: it must carry the record's model identity.
Built wheels only, never a source build. The libraries come from the
installer's usual configuration. uv builds the environment when it is found
(on PATH, or the ``uv`` package), else ``venv`` and pip.
``versions_on_index`` is the index lookup both the replay and the publishing
script (``tox -e publish``) use. ``replay.records`` replays one stored record
with the model that made it, here or there, and compares (what
``audit.reproduce`` answers).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regression_model.replay._index import (
    FORMER_PROJECT,
    PROJECT,
    package_index,
    version_of,
    versions_on_index,
)
from regression_model.replay._isolated_env import cache_root, environment_for
from regression_model.replay._replaying import errors_by_row, score_in
from regression_model.replay._wheel import RecordedModel

__all__ = [
    "FORMER_PROJECT",
    "PROJECT",
    "RecordedModel",
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
    model: RecordedModel,
    inputs: list[dict[str, Any]],
    *,
    libraries: dict[str, str] | None,
) -> ReplayedBatch:
    """Score ``inputs`` with the model version that made them, in its own environment.

    Parameters
    ----------
    model : RecordedModel
        What the records say of their model: version, identity (None for
        records made before identities) and artifact sha256. The wheel
        installed must carry it.
    inputs : list of dict
        The rows as the store keeps them.
    libraries : dict or None
        ``{distribution: version}`` its manifest recorded, installed exactly;
        None (records from before the models table) installs what the
        version itself requires.

    Returns
    -------
    ReplayedBatch
        One price, range (None before 1.5.0, which gave none) and error list
        per row, and the environment's folder.

    Raises
    ------
    ReplayUnavailableError
        In one line: no index is named, the version or its wheel is not on
        it, the wheel carries another model, a pinned library or the package
        cannot be installed, or the subprocess fails.

    Examples
    --------
    >>> from regression_model.replay import RecordedModel, replay_inputs
    >>> model = RecordedModel("1.6.0", identity="d6a3" + "0" * 60, artifact_sha256="0" * 64)
    >>> batch = replay_inputs(model, [{"OverallQual": 6, "GrLivArea": 1200,
    ...                                "Neighborhood": "NAmes", "YrSold": 2009}],
    ...                       libraries=None)  # doctest: +SKIP
    >>> batch.predictions, batch.errors  # doctest: +SKIP
    ([139127.5...], [None])
    """
    folder = environment_for(model, libraries)
    answer = score_in(folder, model.version, inputs)
    n_rows = len(inputs)
    return ReplayedBatch(
        predictions=list(answer["predictions"]),
        intervals=list(answer.get("intervals") or [None] * n_rows),
        errors=errors_by_row(answer.get("errors"), n_rows),
        environment=folder,
    )
