"""JSON lines as users write them: one record per line; a line that is not a
JSON object with distinct keys is a rejected row, not a failed file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from regression_model.files.chunks import InputChunk, RejectedRow
from regression_model.scoring.inputs import check_names


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        twice = sorted({k for k, _ in pairs if [p[0] for p in pairs].count(k) > 1})
        raise ValueError(f"key {', '.join(map(repr, twice))} appears more than once")
    return record


def jsonl_chunk(
    batch: list[tuple[int, str]], first_row: int, renames: Mapping[str, str]
) -> InputChunk:
    """Records of numbered lines; the others rejected with their line and reason."""
    records: list[dict[str, Any]] = []
    rows: list[int] = []
    rejected: list[RejectedRow] = []
    for row, (line, text) in enumerate(batch, first_row):
        try:
            record = json.loads(text, object_pairs_hook=_no_duplicate_keys)
            if not isinstance(record, dict):
                raise ValueError(f"a JSON {_json_kind(record)} is not a record (a JSON object)")
            check_names(list(record), renames)
        except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
            rejected.append(RejectedRow(row, line, f"line {line}: {error}"))
            continue
        records.append(record)
        rows.append(row)
    return InputChunk(records, rows, rejected)


def _json_kind(value: Any) -> str:
    kinds = {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return kinds.get(type(value), "null")
