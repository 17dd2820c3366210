"""The line of a key in config text, for error messages that point at it."""

from __future__ import annotations

import re
from typing import Any

from strictyaml import YAMLError
from strictyaml import load as load_yaml
from strictyaml.representation import YAML

__all__ = ["line_of", "line_of_key", "location_of"]


def line_of(document: YAML, location: tuple[int | str, ...]) -> int | None:
    """1-based line of the deepest key in ``location`` that the YAML holds."""
    node: Any = document
    line: int | None = None
    for part in location:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        line = int(node.start_line)
    return line


def location_of(key: str) -> tuple[int | str, ...]:
    """A dotted key path as parts: ``derived_features[1].variables`` ->
    ``("derived_features", 1, "variables")`` (a cross-check's message starts
    with the key it is about)."""
    path = key.split(":", 1)[0]
    return tuple(int(t) if t.isdigit() else t for t in re.findall(r"[^.\[\]]+", path))


def line_of_key(text: str, key: str) -> int | None:
    """The line of ``key`` in config text, or None when the text does not parse."""
    try:
        # No schema needed: every value reads as text, and keeps its line.
        return line_of(load_yaml(text), location_of(key))
    except YAMLError:
        return None
