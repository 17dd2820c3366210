"""What the input contract says of each field, read from its annotation:
bounds, whole numbers, allowed categories. The column-wise validator checks
whole columns against these rules and leaves every doubtful cell to pydantic."""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass
from functools import lru_cache

import annotated_types

from regression_model.scoring.schema import (
    DWELLING_TYPE_CODES,
    HouseDataInputSchema,
    absent_as_none,
    known_dwelling_code,
)

__all__ = ["FieldRule", "field_rules"]


@dataclass(frozen=True)
class FieldRule:
    """What the schema says of one field, read from its annotation."""

    name: str
    kind: str  # "real", "integer" or "category"
    lo: float = -math.inf
    hi: float = math.inf
    allowed: frozenset[str] = frozenset()
    codes: frozenset[int] = frozenset()
    absent_na: bool = False


@lru_cache(maxsize=1)
def field_rules() -> dict[str, FieldRule]:
    """Read each field's rule from HouseDataInputSchema (the single statement)."""
    rules = {}
    for name, info in HouseDataInputSchema.model_fields.items():
        absent = any(getattr(m, "func", None) is absent_as_none for m in info.metadata)
        inner = next(a for a in typing.get_args(info.annotation) if a is not type(None))
        if typing.get_origin(inner) is typing.Literal:
            rules[name] = FieldRule(
                name, "category", allowed=frozenset(typing.get_args(inner)), absent_na=absent
            )
            continue
        base, *extras = typing.get_args(inner)
        lo, hi, codes = -math.inf, math.inf, frozenset[int]()
        for extra in extras:
            for meta in getattr(extra, "metadata", []):
                if isinstance(meta, annotated_types.Ge):
                    lo = float(meta.ge)  # type: ignore[arg-type]
                elif isinstance(meta, annotated_types.Le):
                    hi = float(meta.le)  # type: ignore[arg-type]
            if getattr(extra, "func", None) is known_dwelling_code:
                codes = frozenset(DWELLING_TYPE_CODES)
        kind = "integer" if base is int else "real"
        rules[name] = FieldRule(name, kind, lo=lo, hi=hi, codes=codes)
    return rules
