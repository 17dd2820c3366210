"""What a reader hands on: chunks of parsed rows, the rows it rejected, and
how far it has read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["InputChunk", "Progress", "RejectedRow"]


@dataclass(frozen=True)
class RejectedRow:
    """A row the reader could not parse: its 0-based position, first line, reason."""

    row: int
    line: int
    message: str


@dataclass
class InputChunk:
    """Consecutive rows of a file: ``data`` (a DataFrame, or records for JSON
    lines) holds the parsed ones, at file positions ``rows``; ``rejected`` the
    others."""

    data: pd.DataFrame | list[dict[str, Any]]
    rows: list[int]
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.rows) + len(self.rejected)

    def ids(self) -> list[Any]:
        """The ``Id`` of each parsed row (None where it has none)."""
        if isinstance(self.data, pd.DataFrame):
            if "Id" not in self.data.columns:
                return [None] * len(self.rows)
            return self.data["Id"].astype(object).where(self.data["Id"].notna(), None).tolist()
        return [record.get("Id") for record in self.data]


@dataclass(frozen=True)
class Progress:
    """How far a reader has read: ``done`` of ``total`` (None: not known) in
    ``unit`` (``"B"``, bytes of the file as stored, or ``"rows"``), and the
    rows read so far."""

    done: int
    total: int | None
    unit: str
    rows: int
