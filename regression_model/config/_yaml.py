"""config.yml as strictyaml reads it: a schema derived from the pydantic models
(so no key is declared twice), and the line of a key, for error messages.

strictyaml rejects an unknown or missing key, or a value of the wrong shape,
with its line; pydantic then checks values and the cross-checks run.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal

from pydantic import BaseModel
from strictyaml import (
    Bool,
    EmptyList,
    Float,
    Int,
    Map,
    MapPattern,
    Optional,
    Seq,
    Str,
)
from strictyaml import load as load_yaml
from strictyaml.representation import YAML
from strictyaml.validators import Validator

from regression_model.config.settings import (
    AppConfig,
    ModelConfig,
    MonitoringConfig,
    ScoringConfig,
    StoreConfig,
)

# Plain values by their Python type.
_SCALARS: dict[Any, Validator] = {str: Str(), int: Int(), float: Float(), bool: Bool()}

# The top-level keys holding the store's and the scoring process's settings
# (the other keys are the app's and the model's, flat, as in the reference
# package's config.yml).
STORE_KEY = "prediction_store"
SCORING_KEY = "scoring"
MONITORING_KEY = "monitoring"


def _validator(annotation: Any) -> Validator:
    """The strictyaml validator of one annotated field."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (types.UnionType, typing.Union):
        options = [a for a in args if a is not type(None)]
        if len(options) == 1:
            return _validator(options[0])
        choice = _validator(options[0])
        for option in options[1:]:
            choice = choice | _validator(option)
        return choice
    if origin is Literal:
        return Str()
    if origin is list:
        return EmptyList() | Seq(_validator(args[0]))
    if origin is tuple:
        return Seq(_validator(args[0]))
    if origin is dict:
        return MapPattern(Str(), _validator(args[1]))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _map(annotation)
    return _SCALARS[annotation]


def _fields(model: type[BaseModel]) -> dict[Any, Validator]:
    return {
        (name if info.is_required() else Optional(name)): _validator(info.annotation)
        for name, info in model.model_fields.items()
    }


def _map(model: type[BaseModel]) -> Map:
    return Map(_fields(model))


SCHEMA = Map(
    {
        **_fields(AppConfig),
        **_fields(ModelConfig),
        STORE_KEY: _map(StoreConfig),
        SCORING_KEY: _map(ScoringConfig),
        MONITORING_KEY: _map(MonitoringConfig),
    }
)


def load(text: str, source: str) -> YAML:
    """The parsed document; strictyaml's ``YAMLError`` on a bad key or shape."""
    return load_yaml(text, SCHEMA, label=source)
