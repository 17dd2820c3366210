"""Prediction ids: one per row, under the call's prefix, however many rows."""

from __future__ import annotations

import uuid

import pytest

from regression_model.store.ids import PREFIX_LENGTH, new_row_ids, parse_row_id


@pytest.mark.parametrize("count", [0, 1, 63, 64, 65, 65_536, 70_000, 131_073])
def test_row_ids_are_the_prefix_and_the_row_number(count: int) -> None:
    """Whether formatted one by one (few rows) or written by numpy (many, in
    blocks of 65,536 that share their first four row digits, the last block
    full or not), row r's id is the call prefix and r in 8 hex digits, a
    valid UUID v7."""
    prefix, ids = new_row_ids(count)
    assert len(prefix) == PREFIX_LENGTH
    assert ids == [f"{prefix}{row:08x}" for row in range(count)]
    if count:
        assert uuid.UUID(ids[-1]).version == 7
        assert parse_row_id(ids[-1]) == (prefix, count - 1)
