"""How far into a file as stored its reader has got, counted in lines read.

Text is read a block (1 MiB) ahead of the rows it holds, so the file's position
runs ahead of the rows handed on: a small file is wholly read before its first
row is scored. Each block read marks how many lines the text so far holds and
where the file (compressed, when it is) then stood; a count of lines taken maps
to a position by interpolating between the marks around it.
"""

from __future__ import annotations

from collections import deque
from typing import BinaryIO


class Position:
    """Marks of (lines read, bytes of the file read) for one input file."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._lines = 0
        self._marks: deque[tuple[int, int]] = deque([(0, 0)])

    def mark(self, newlines: int) -> None:
        """A block was read whose text holds ``newlines`` line ends."""
        self._lines += newlines
        self._marks.append((self._lines, self._raw.tell()))

    def at(self, lines: int) -> int:
        """The file's bytes read once ``lines`` lines are taken."""
        marks = self._marks
        while len(marks) > 2 and marks[1][0] < lines:
            marks.popleft()  # lines are taken in order: earlier marks are done with
        if len(marks) == 1:
            return 0
        (lines_before, start), (lines_after, end) = marks[0], marks[1]
        if lines >= lines_after:
            return end
        if lines <= lines_before:
            return start
        return start + (end - start) * (lines - lines_before) // (lines_after - lines_before)
