"""Prediction ids that name their call and row.

Every id is a UUID version 7 (RFC 9562): 48 bits of Unix time in
milliseconds, then random bits. All ids of one call share their first 28
characters (time plus 42 random bits, the call's *prefix*); the last 8 hex
digits are the row number. So an id stays a valid, time-sortable UUID that is
unique across calls, and the store finds a record from its id alone without
keeping one index entry per row (see ``prediction_store``).
"""

from __future__ import annotations

import os
import re
import time
import uuid
from functools import cache

import numpy as np

__all__ = [
    "MAX_ROWS",
    "PREFIX_LENGTH",
    "new_id",
    "new_row_ids",
    "parse_row_id",
]

PREFIX_LENGTH = 28  # "xxxxxxxx-xxxx-7xxx-yxxx-xxxx"; then 8 hex digits of row number
MAX_ROWS = 2**32  # what 8 hex digits can number

# From this many rows on, the ids are written by numpy (see _row_ids).
_VECTOR_FROM = 64
_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)

_ID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def new_id() -> str:
    """A new random UUID version 7, as text (call ids)."""
    return _uuid7_text(time.time_ns() // 1_000_000, int.from_bytes(os.urandom(10), "big"))


def new_row_ids(count: int) -> tuple[str, list[str]]:
    """A new call prefix and the ids of rows ``0 .. count-1`` under it.

    Examples
    --------
    >>> import uuid
    >>> from regression_model.store.ids import new_row_ids, parse_row_id
    >>> prefix, ids = new_row_ids(3)
    >>> len(set(ids)), uuid.UUID(ids[2]).version, parse_row_id(ids[2]) == (prefix, 2)
    (3, 7, True)
    """
    if count > MAX_ROWS:
        raise ValueError(f"a call holds at most {MAX_ROWS} rows, not {count}")
    prefix = new_id()[:PREFIX_LENGTH]
    if count < _VECTOR_FROM:
        return prefix, [f"{prefix}{row:08x}" for row in range(count)]
    return prefix, _row_ids(prefix, count)


def _row_ids(prefix: str, count: int) -> list[str]:
    """The ids of rows ``0 .. count-1``, their text written by numpy for the
    whole call at once, not formatted in Python row by row."""
    width = PREFIX_LENGTH + 8
    # One line per id; str.split cuts them apart in C, faster than slicing each.
    text = np.empty((count, width + 1), dtype=np.uint8)
    text[:, :PREFIX_LENGTH] = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    # Row numbers count up: a block of 65,536 rows shares its first four
    # digits, and its last four run through the table in order.
    quads = _hex_quads()
    for high, start in enumerate(range(0, count, len(quads))):
        stop = min(start + len(quads), count)
        text[start:stop, PREFIX_LENGTH : PREFIX_LENGTH + 4] = quads[high]
        text[start:stop, PREFIX_LENGTH + 4 : width] = quads[: stop - start]
    text[:, width] = ord("\n")
    return text.tobytes()[:-1].decode("ascii").split("\n")


@cache
def _hex_quads() -> np.ndarray:
    """The four lowercase hex digits of every number below 65,536, as ASCII
    bytes, one row per number."""
    numbers = np.arange(1 << 16)
    quads = np.empty((len(numbers), 4), dtype=np.uint8)
    for digit in range(4):  # lowest last
        quads[:, 3 - digit] = _HEX_DIGITS[(numbers >> (4 * digit)) & 0xF]
    return quads


def parse_row_id(prediction_id: str) -> tuple[str, int] | None:
    """``(prefix, row)`` of a prediction id, or None when it is not a UUID v7."""
    text = prediction_id.strip().lower()
    if not _ID_PATTERN.match(text):
        return None
    return text[:PREFIX_LENGTH], int(text[PREFIX_LENGTH:], 16)


def _uuid7_text(millis: int, random80: int) -> str:
    value = (millis & (2**48 - 1)) << 80 | random80
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 9562 variant
    return str(uuid.UUID(int=value))
