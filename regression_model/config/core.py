"""Parse ``config.yml`` with strictyaml and validate it with pydantic.

Nothing is read at import time. ``get_config()`` parses and caches the file;
the module attribute ``config`` (kept for apps written against the reference
package: ``from regression_model.config.core import config``) is resolved
lazily through :func:`__getattr__`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
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
    YAMLError,
)
from strictyaml import load as load_yaml
from strictyaml.representation import YAML

import regression_model
from regression_model.errors import ConfigError

PACKAGE_ROOT = regression_model.PACKAGE_ROOT
CONFIG_FILE_PATH = PACKAGE_ROOT / "config.yml"
DATASET_DIR = PACKAGE_ROOT / "datasets"
TRAINED_MODEL_DIR = PACKAGE_ROOT / "trained_models"

SUPPORTED_ESTIMATORS = ("Lasso", "Ridge", "ElasticNet")
DERIVED_FUNCTIONS = ("sum", "prod", "mean", "max", "min")

_NAMES = EmptyList() | Seq(Str())

# The strict schema: an unknown or missing key, or a value of the wrong YAML
# shape, fails here with the line number.
CONFIG_SCHEMA = Map(
    {
        "package_name": Str(),
        "pipeline_name": Str(),
        "pipeline_save_file": Str(),
        "training_data_file": Str(),
        "training_data_sha256": Str(),
        "test_data_file": Str(),
        "test_data_sha256": Str(),
        "target": Str(),
        "variables_to_rename": MapPattern(Str(), Str()),
        "features": Seq(Str()),
        "required_features": _NAMES,
        "numeric_codes_as_category": _NAMES,
        "categorical_vars_absent_when_missing": _NAMES,
        "categorical_vars_impute_frequent": _NAMES,
        "numerical_vars_with_missing_indicator": _NAMES,
        "numerical_vars": _NAMES,
        "years_since": Map({"reference": Str(), "variables": _NAMES}),
        "derived_features": EmptyList()
        | Seq(Map({"name": Str(), "function": Str(), "variables": Seq(Str())})),
        "log_transform_vars": _NAMES,
        "binarize_vars": _NAMES,
        "spline_features": Map(
            {"n_knots": Int(), "degree": Int(), "extrapolation": Str(), "variables": _NAMES}
        ),
        "ordinal_mappings": MapPattern(
            Str(), Map({"variables": Seq(Str()), "mapping": MapPattern(Str(), Int())})
        ),
        "category_slopes": EmptyList()
        | Seq(Map({"category": Str(), "variable": Str(), "min_share": Float()})),
        "spline_only_vars": _NAMES,
        "nominal_vars": _NAMES,
        "rare_label_tolerance": Float(),
        "flagged_sales": Map({"variable": Str(), "above": Float(), "target_below": Float()}),
        "plausible_price": Map({"min": Float(), "max": Float()}),
        "out_of_range": Map({"joint_quantile": Float()}),
        "random_state": Int(),
        "cv_folds": Int(),
        "cv_seeds": Seq(Int()),
        "selection_seeds": Seq(Int()),
        "prediction_intervals": Map(
            {
                "coverage": Float(),
                "price_knots": Seq(Float()),
                "by_category": _NAMES,
                "ridge": Float(),
                "floor_quantile": Float(),
            }
        ),
        "prediction_store": Map({"url": Str(), "busy_timeout_seconds": Float()}),
        "estimator": Map(
            {
                "name": Str(),
                "params": MapPattern(Str(), Int() | Float() | Bool() | Str()),
                Optional("trim_residuals_sigma"): Float(),
            }
        ),
    }
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AppConfig(_Strict):
    """Where things are: the keys apps written for the reference package read."""

    package_name: str
    pipeline_name: str
    pipeline_save_file: str
    training_data_file: str
    training_data_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    test_data_file: str
    test_data_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class StoreConfig(_Strict):
    """Where predictions are recorded; not part of the model's fingerprint."""

    url: str = Field(min_length=1)
    busy_timeout_seconds: float = Field(gt=0)


class YearsSince(_Strict):
    reference: str
    variables: list[str]


class DerivedFeature(_Strict):
    name: str
    function: Literal["sum", "prod", "mean", "max", "min"]
    variables: list[str] = Field(min_length=2)


class OrdinalMapping(_Strict):
    variables: list[str] = Field(min_length=1)
    mapping: dict[str, int] = Field(min_length=1)


class FlaggedSales(_Strict):
    variable: str
    above: float
    target_below: float


class PriceRange(_Strict):
    min: float = Field(gt=0)
    max: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> PriceRange:
        if self.min >= self.max:
            raise ValueError("plausible_price: min must be below max")
        return self


class SplineConfig(_Strict):
    n_knots: int = Field(ge=2)
    degree: int = Field(ge=1)
    extrapolation: Literal["constant", "linear"]
    variables: list[str]


class CategorySlope(_Strict):
    category: str
    variable: str
    min_share: float = Field(gt=0, lt=1)


class OutOfRangeConfig(_Strict):
    joint_quantile: float = Field(gt=0.5, le=1.0)


class IntervalConfig(_Strict):
    coverage: float = Field(gt=0.5, lt=1.0)
    price_knots: tuple[float, float]
    by_category: list[str]
    ridge: float = Field(gt=0)
    floor_quantile: float = Field(ge=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> IntervalConfig:
        low, high = self.price_knots
        if not 0 < low < high:
            raise ValueError("prediction_intervals.price_knots: two prices, low then high")
        return self


class EstimatorConfig(_Strict):
    name: Literal["Lasso", "Ridge", "ElasticNet"]
    params: dict[str, int | float | bool | str]
    # Refit without training rows whose log-price residual is further than this
    # many standard deviations from the mean; None fits once on every row.
    trim_residuals_sigma: float | None = Field(default=None, gt=0)


class ModelConfig(_Strict):
    """What the model is: features, the variable groups of each pipeline step,
    mappings, split and seed, estimator and hyperparameters."""

    target: str
    variables_to_rename: dict[str, str]
    features: list[str] = Field(min_length=1)
    required_features: list[str]
    numeric_codes_as_category: list[str]
    categorical_vars_absent_when_missing: list[str]
    categorical_vars_impute_frequent: list[str]
    numerical_vars_with_missing_indicator: list[str]
    numerical_vars: list[str]
    years_since: YearsSince
    derived_features: list[DerivedFeature]
    log_transform_vars: list[str]
    binarize_vars: list[str]
    spline_features: SplineConfig
    category_slopes: list[CategorySlope]
    spline_only_vars: list[str]
    ordinal_mappings: dict[str, OrdinalMapping]
    nominal_vars: list[str]
    rare_label_tolerance: float = Field(ge=0.0, lt=1.0)
    flagged_sales: FlaggedSales
    plausible_price: PriceRange
    out_of_range: OutOfRangeConfig
    random_state: int
    cv_folds: int = Field(ge=2)
    cv_seeds: list[int] = Field(min_length=1)
    selection_seeds: list[int] = Field(min_length=1)
    prediction_intervals: IntervalConfig
    estimator: EstimatorConfig

    @property
    def categorical_vars(self) -> list[str]:
        """Every categorical feature, in feature order."""
        groups = set(self.categorical_vars_absent_when_missing) | set(
            self.categorical_vars_impute_frequent
        )
        return [name for name in self.features if name in groups]

    @property
    def derived_names(self) -> list[str]:
        """Names of the columns the pipeline adds."""
        ages = [f"{self.years_since.reference}_sub_{v}" for v in self.years_since.variables]
        return ages + [d.name for d in self.derived_features]

    @model_validator(mode="after")
    def _check_variable_groups(self) -> ModelConfig:
        _check_groups(self)
        return self


def _check_groups(cfg: ModelConfig) -> None:
    """Cross-check the variable groups; raise ValueError naming the key."""
    features = set(cfg.features)
    if len(features) != len(cfg.features):
        dupes = sorted({f for f in cfg.features if cfg.features.count(f) > 1})
        raise ValueError(f"features: listed twice: {dupes}")
    if cfg.target in features:
        raise ValueError(f"features: the target {cfg.target!r} cannot be a feature")
    numeric = set(cfg.numerical_vars)
    absent = set(cfg.categorical_vars_absent_when_missing)
    frequent = set(cfg.categorical_vars_impute_frequent)
    derived = set(cfg.derived_names)

    def require_subset(key: str, names: list[str], allowed: set[str], what: str) -> None:
        unknown = [n for n in names if n not in allowed]
        if unknown:
            raise ValueError(
                f"{key}: {unknown} not among {what}; add them there or remove them here"
            )

    require_subset("required_features", cfg.required_features, features, "the features")
    for key in (
        "numeric_codes_as_category",
        "categorical_vars_absent_when_missing",
        "categorical_vars_impute_frequent",
        "numerical_vars",
        "nominal_vars",
    ):
        require_subset(key, getattr(cfg, key), features, "the features")
    if overlap := sorted(absent & frequent):
        raise ValueError(
            f"categorical_vars_impute_frequent: {overlap} also in "
            "categorical_vars_absent_when_missing; a variable has one imputation"
        )
    if overlap := sorted(numeric & (absent | frequent)):
        raise ValueError(f"numerical_vars: {overlap} are also listed as categorical")
    if unimputed := [f for f in cfg.features if f not in numeric | absent | frequent]:
        raise ValueError(
            f"features: {unimputed} belong to no imputation group; add each to "
            "numerical_vars or a categorical_vars_* list"
        )
    require_subset(
        "numeric_codes_as_category",
        cfg.numeric_codes_as_category,
        absent | frequent,
        "the categorical_vars_* lists",
    )
    require_subset(
        "numerical_vars_with_missing_indicator",
        cfg.numerical_vars_with_missing_indicator,
        numeric,
        "numerical_vars",
    )
    require_subset("years_since.reference", [cfg.years_since.reference], numeric, "numerical_vars")
    require_subset("years_since.variables", cfg.years_since.variables, numeric, "numerical_vars")
    for i, item in enumerate(cfg.derived_features):
        require_subset(
            f"derived_features[{i}].variables", item.variables, numeric, "numerical_vars"
        )
        if item.name in features:
            raise ValueError(f"derived_features[{i}].name: {item.name!r} is already a feature")
    require_subset(
        "log_transform_vars",
        cfg.log_transform_vars,
        numeric | derived,
        "numerical_vars or derived features",
    )
    require_subset(
        "binarize_vars", cfg.binarize_vars, numeric | derived, "numerical_vars or derived features"
    )
    categorical = absent | frequent
    mapped: set[str] = set()
    for name, group in cfg.ordinal_mappings.items():
        require_subset(
            f"ordinal_mappings.{name}.variables",
            group.variables,
            categorical,
            "the categorical_vars_* lists",
        )
        if twice := sorted(mapped & set(group.variables)):
            raise ValueError(f"ordinal_mappings.{name}.variables: {twice} mapped twice")
        mapped |= set(group.variables)
        if absent & set(group.variables) and "Missing" not in group.mapping:
            raise ValueError(
                f"ordinal_mappings.{name}.mapping: needs 'Missing', the category written "
                "for absent values of categorical_vars_absent_when_missing"
            )
    require_subset(
        "spline_features.variables",
        cfg.spline_features.variables,
        numeric | derived | mapped,
        "numerical_vars, derived features or ordinal_mappings variables",
    )
    for i, slope in enumerate(cfg.category_slopes):
        require_subset(
            f"category_slopes[{i}].category",
            [slope.category],
            categorical,
            "the categorical_vars_* lists",
        )
        require_subset(
            f"category_slopes[{i}].variable",
            [slope.variable],
            numeric | derived,
            "numerical_vars or derived features",
        )
    require_subset(
        "spline_only_vars",
        cfg.spline_only_vars,
        set(cfg.spline_features.variables),
        "spline_features.variables",
    )
    if both := sorted(mapped & set(cfg.nominal_vars)):
        raise ValueError(f"nominal_vars: {both} already have an ordinal mapping")
    if unencoded := [c for c in cfg.categorical_vars if c not in mapped | set(cfg.nominal_vars)]:
        raise ValueError(
            f"nominal_vars: categorical features {unencoded} are not encoded; list each "
            "in nominal_vars or in an ordinal_mappings group"
        )
    require_subset(
        "flagged_sales.variable", [cfg.flagged_sales.variable], numeric, "numerical_vars"
    )
    require_subset(
        "prediction_intervals.by_category",
        cfg.prediction_intervals.by_category,
        set(cfg.nominal_vars),
        "nominal_vars",
    )
    if reused := sorted(set(cfg.cv_seeds) & set(cfg.selection_seeds)):
        raise ValueError(
            f"selection_seeds: {reused} are also cv_seeds; a figure must never be reported on "
            "the folds a choice was tuned on, so keep the two lists apart"
        )


@dataclass(frozen=True)
class Config:
    """The validated configuration: ``app_config`` and ``model_config``.

    A dataclass rather than a pydantic model because pydantic v2 reserves the
    attribute name ``model_config``, which apps of the reference package read.
    """

    app_config: AppConfig
    model_config: ModelConfig
    store_config: StoreConfig
    # Where the settings came from, to point errors found later (in training)
    # at a line; not part of the fingerprint.
    source_text: str = field(default="", repr=False, compare=False)
    source_name: str = field(default="config.yml", repr=False, compare=False)

    def error(self, key: str, message: str) -> ConfigError:
        """A ConfigError about ``key`` (a dotted path), naming its line.

        Examples
        --------
        >>> from regression_model.config.core import get_config
        >>> str(get_config().error("cv_folds", "too few"))  # doctest: +ELLIPSIS
        "config.yml, line ...: key 'cv_folds': too few"
        """
        line = None
        if self.source_text:
            try:
                document = load_yaml(self.source_text, CONFIG_SCHEMA)
                line = _line_of(document, _location_from_message(key + ":"))
            except YAMLError:
                line = None
        where = f"{self.source_name}, line {line}" if line else self.source_name
        return ConfigError(f"{where}: key {key!r}: {message}")

    def fingerprint(self) -> str:
        """sha256 of the settings that make the model (not where predictions are
        stored), independent of YAML layout and comments."""
        payload = {
            "app": self.app_config.model_dump(mode="json"),
            "model": self.model_config.model_dump(mode="json"),
        }
        blob = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _line_of(document: YAML, location: tuple[int | str, ...]) -> int | None:
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


def parse_config(text: str, *, source: str = "config.yml") -> Config:
    """Parse and validate config text.

    Parameters
    ----------
    text : str
        The YAML text.
    source : str
        Name used in error messages.

    Returns
    -------
    Config
        The validated configuration.

    Raises
    ------
    ConfigError
        On bad YAML, an unknown or missing key, a wrong type, or inconsistent
        variable groups; the message names the key and its line.

    Examples
    --------
    >>> from regression_model.config.core import CONFIG_FILE_PATH, parse_config
    >>> cfg = parse_config(CONFIG_FILE_PATH.read_text())
    >>> cfg.model_config.target
    'SalePrice'
    """
    try:
        document = load_yaml(text, CONFIG_SCHEMA, label=source)
    except YAMLError as error:
        raise ConfigError(f"{source} is invalid: {error}") from error
    data = document.data
    app_keys = set(AppConfig.model_fields)
    app_data = {k: v for k, v in data.items() if k in app_keys}
    model_data = {k: v for k, v in data.items() if k not in app_keys | {"prediction_store"}}
    try:
        return Config(
            app_config=AppConfig.model_validate(app_data),
            model_config=ModelConfig.model_validate(model_data),
            store_config=_validate_store(data["prediction_store"]),
            source_text=text,
            source_name=source,
        )
    except ValidationError as error:
        problems = []
        for item in error.errors():
            message = str(item["msg"]).removeprefix("Value error, ")
            loc = tuple(item["loc"]) or _location_from_message(message)
            key = ".".join(str(p) for p in loc)
            line = _line_of(document, loc)
            where = f"{source}, line {line}" if line else source
            if not message.startswith(key):
                message = f"key {key!r}: {message}"
            problems.append(f"{where}: {message}")
        raise ConfigError("; ".join(problems)) from error


def _validate_store(data: Any) -> StoreConfig:
    try:
        return StoreConfig.model_validate(data)
    except ValidationError as error:
        # Re-raise with the locations under their top-level key.
        raise ValidationError.from_exception_data(
            error.title,
            [{**e, "loc": ("prediction_store", *e["loc"])} for e in error.errors()],  # type: ignore[typeddict-unknown-key]
        ) from None


def _location_from_message(message: str) -> tuple[int | str, ...]:
    """Cross-field checks start their message with the key path they are about,
    e.g. ``derived_features[1].variables: ...``."""
    path = message.split(":", 1)[0]
    parts: list[int | str] = []
    for token in re.findall(r"[^.\[\]]+", path):
        parts.append(int(token) if token.isdigit() else token)
    return tuple(parts)


@lru_cache(maxsize=1)
def get_config(path: Path | None = None) -> Config:
    """Load, validate and cache ``config.yml``.

    Parameters
    ----------
    path : pathlib.Path, optional
        Another config file; the package's own by default.

    Returns
    -------
    Config
        The validated configuration.

    Raises
    ------
    ConfigError
        When the file is missing or invalid.

    Examples
    --------
    >>> from regression_model.config.core import get_config
    >>> get_config().app_config.pipeline_save_file
    'regression_model_output_v'
    """
    config_path = path or CONFIG_FILE_PATH
    try:
        text = config_path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read config file {config_path}: {error}") from error
    return parse_config(text, source=str(config_path.name))


def __getattr__(name: str) -> Any:
    # PEP 562: `from regression_model.config.core import config` still works for
    # apps written against the reference, without parsing anything at import.
    if name == "config":
        return get_config()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
