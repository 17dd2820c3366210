"""How far into a file as stored its reader has got, counted in lines read.

Text is read a block (1 MiB) ahead of the rows it holds, so the file's position
runs ahead of the rows handed on: a small file is wholly read before its first
row is scored. Each block read marks how many lines the text so far holds and
where the file (compressed, when it is) then stood; a count of lines taken maps
to a position by interpolating between the marks around it.
"""

from __future__ import annotations

import os
from collections import deque
from typing import BinaryIO


class Position:
    """Marks of (lines read, bytes of the file read) for one input file;
    ``done`` is the bytes read up to the end of the lines taken so far, of
    ``size``."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.size = os.fstat(raw.fileno()).st_size
        self.done = 0
        self._lines = 0
        self._marks: deque[tuple[int, int]] = deque([(0, 0)])

    def mark(self, newlines: int) -> None:
        """A block was read whose text holds ``newlines`` line ends."""
        self._lines += newlines
        self._marks.append((self._lines, self._raw.tell()))

    def take(self, lines: int) -> None:
        """``lines`` lines are taken: move ``done`` to where the file stood then,
        and forget the marks before (lines are taken in order)."""
        marks = self._marks
        while len(marks) > 2 and marks[1][0] < lines:
            marks.popleft()
        if len(marks) == 1:
            return
        (before, start), (after, end) = marks[0], marks[1]
        if lines >= after:
            self.done = end
        elif lines > before:
            self.done = start + (end - start) * (lines - before) // (after - before)
        else:
            self.done = start
