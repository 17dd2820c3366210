"""What config.yml may hold: pydantic models of every key, and the validated
:class:`Config`. The YAML schema (``_yaml``) is derived from these models and
the cross-checks between keys live in ``checks``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from regression_model.config._lines import line_of_key
from regression_model.config.cross_checks import check_groups
from regression_model.errors import ConfigError
from regression_model.registry import ESTIMATORS, REDUCERS

__all__ = [
    "AppConfig",
    "CategorySlope",
    "Config",
    "DerivedFeature",
    "EstimatorConfig",
    "FlaggedSales",
    "IntervalConfig",
    "ModelConfig",
    "MonitoringConfig",
    "OrdinalMapping",
    "OutOfRangeConfig",
    "PriceRange",
    "ScoringConfig",
    "SplineConfig",
    "StoreConfig",
    "Threshold",
    "YearsSince",
]


def _one_of(registry: Mapping[str, Any], key: str) -> Callable[[str], str]:
    """A validator accepting only the names a registry table holds."""

    def check(value: str) -> str:
        if value not in registry:
            raise ValueError(f"{key} must be one of {sorted(registry)}, not {value!r}")
        return value

    return check


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
    # A wait longer than a day is a hang (both databases count in 32-bit milliseconds).
    busy_timeout_seconds: float = Field(gt=0, le=86_400, allow_inf_nan=False)
    durability: Literal["full", "normal"] = "full"


class ScoringConfig(_Strict):
    """What a call may change in its host process, when the process opts in;
    not part of the model's fingerprint."""

    tune_malloc: bool
    pause_collector: bool
    hold_blas_threads: bool


class Threshold(_Strict):
    """A measure's two levels: at or above ``warn`` it warns, at or above ``alert`` it alerts."""

    warn: float = Field(gt=0)
    alert: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Threshold:
        if self.warn > self.alert:
            raise ValueError("warn must not be above alert")
        return self


class MonitoringConfig(_Strict):
    """When ``regression-model monitor`` warns and alerts; not part of the
    model's fingerprint."""

    min_rows: int = Field(ge=1)
    min_outcomes: int = Field(ge=1)
    psi: Threshold
    missing_rate_change: Threshold
    new_category_share: Threshold
    price_psi: Threshold
    rejected_rate_change: Threshold
    warning_rate_change: Threshold
    rmsle_ratio: Threshold
    bias: Threshold
    coverage_drop: Threshold


class YearsSince(_Strict):
    reference: str
    variables: list[str]


class DerivedFeature(_Strict):
    name: str
    function: Annotated[str, AfterValidator(_one_of(REDUCERS, "function"))]
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
    name: Annotated[str, AfterValidator(_one_of(ESTIMATORS, "name"))]
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
        check_groups(self)
        return self


@dataclass(frozen=True)
class Config:
    """The validated configuration: ``app_config`` and ``model_config``.

    A dataclass rather than a pydantic model because pydantic v2 reserves the
    attribute name ``model_config``, which apps of the reference package read.
    """

    app_config: AppConfig
    model_config: ModelConfig
    store_config: StoreConfig
    scoring_config: ScoringConfig
    monitoring_config: MonitoringConfig
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
        line = line_of_key(self.source_text, key) if self.source_text else None
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
