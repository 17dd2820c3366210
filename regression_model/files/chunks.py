"""What a reader hands on: chunks of parsed rows, and the rows it rejected."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["InputChunk", "RejectedRow"]


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
