"""Cross-checks between config.yml's keys: every variable a step names exists
where that step runs, every feature is imputed and encoded once.

Each rule is a row of a table; the first that fails raises ``ValueError``
whose message starts with the key it is about, so the caller can point at
the key's line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regression_model.config.settings import ModelConfig

__all__ = [
    "RULES",
    "SUBSET_RULES",
    "Allowed",
    "Names",
    "check_groups",
]


@dataclass(frozen=True)
class _Groups:
    """The variable groups the rules compare, computed once."""

    features: set[str]
    numeric: set[str]
    absent: set[str]
    frequent: set[str]
    derived: set[str]
    mapped: set[str]

    @property
    def categorical(self) -> set[str]:
        return self.absent | self.frequent


def _groups(cfg: ModelConfig) -> _Groups:
    mapped = {v for group in cfg.ordinal_mappings.values() for v in group.variables}
    return _Groups(
        features=set(cfg.features),
        numeric=set(cfg.numerical_vars),
        absent=set(cfg.categorical_vars_absent_when_missing),
        frequent=set(cfg.categorical_vars_impute_frequent),
        derived=set(cfg.derived_names),
        mapped=mapped,
    )


Names = Callable[["ModelConfig"], Iterator[tuple[str, list[str]]]]
Allowed = Callable[[_Groups], set[str]]


def _key(key: str) -> Names:
    """The list under one top-level key."""
    return lambda cfg: iter([(key, list(getattr(cfg, key)))])


# (the key(s) and the names they list, the names allowed there, where those live)
SUBSET_RULES: list[tuple[Names, Allowed, str]] = [
    *[
        (_key(key), lambda g: g.features, "the features")
        for key in (
            "required_features",
            "numeric_codes_as_category",
            "categorical_vars_absent_when_missing",
            "categorical_vars_impute_frequent",
            "numerical_vars",
            "nominal_vars",
        )
    ],
    (_key("numeric_codes_as_category"), lambda g: g.categorical, "the categorical_vars_* lists"),
    (_key("numerical_vars_with_missing_indicator"), lambda g: g.numeric, "numerical_vars"),
    (
        lambda cfg: iter(
            [
                ("years_since.reference", [cfg.years_since.reference]),
                ("years_since.variables", cfg.years_since.variables),
            ]
        ),
        lambda g: g.numeric,
        "numerical_vars",
    ),
    (
        lambda cfg: (
            (f"derived_features[{i}].variables", d.variables)
            for i, d in enumerate(cfg.derived_features)
        ),
        lambda g: g.numeric,
        "numerical_vars",
    ),
    (
        _key("log_transform_vars"),
        lambda g: g.numeric | g.derived,
        "numerical_vars or derived features",
    ),
    (_key("binarize_vars"), lambda g: g.numeric | g.derived, "numerical_vars or derived features"),
    (
        lambda cfg: (
            (f"ordinal_mappings.{name}.variables", group.variables)
            for name, group in cfg.ordinal_mappings.items()
        ),
        lambda g: g.categorical,
        "the categorical_vars_* lists",
    ),
    (
        lambda cfg: iter([("spline_features.variables", cfg.spline_features.variables)]),
        lambda g: g.numeric | g.derived | g.mapped,
        "numerical_vars, derived features or ordinal_mappings variables",
    ),
    (
        lambda cfg: (
            (f"category_slopes[{i}].category", [s.category])
            for i, s in enumerate(cfg.category_slopes)
        ),
        lambda g: g.categorical,
        "the categorical_vars_* lists",
    ),
    (
        lambda cfg: (
            (f"category_slopes[{i}].variable", [s.variable])
            for i, s in enumerate(cfg.category_slopes)
        ),
        lambda g: g.numeric | g.derived,
        "numerical_vars or derived features",
    ),
    (
        lambda cfg: iter([("flagged_sales.variable", [cfg.flagged_sales.variable])]),
        lambda g: g.numeric,
        "numerical_vars",
    ),
]


def _unique_features(cfg: ModelConfig, _: _Groups) -> str | None:
    dupes = sorted({f for f in cfg.features if cfg.features.count(f) > 1})
    return f"features: listed twice: {dupes}" if dupes else None


def _target_is_no_feature(cfg: ModelConfig, g: _Groups) -> str | None:
    if cfg.target in g.features:
        return f"features: the target {cfg.target!r} cannot be a feature"
    return None


def _one_imputation_each(cfg: ModelConfig, g: _Groups) -> str | None:
    if overlap := sorted(g.absent & g.frequent):
        return (
            f"categorical_vars_impute_frequent: {overlap} also in "
            "categorical_vars_absent_when_missing; a variable has one imputation"
        )
    if overlap := sorted(g.numeric & g.categorical):
        return f"numerical_vars: {overlap} are also listed as categorical"
    if unimputed := [f for f in cfg.features if f not in g.numeric | g.categorical]:
        return (
            f"features: {unimputed} belong to no imputation group; add each to "
            "numerical_vars or a categorical_vars_* list"
        )
    return None


def _derived_names_are_new(cfg: ModelConfig, g: _Groups) -> str | None:
    for i, item in enumerate(cfg.derived_features):
        if item.name in g.features:
            return f"derived_features[{i}].name: {item.name!r} is already a feature"
    return None


def _mappings_are_whole(cfg: ModelConfig, g: _Groups) -> str | None:
    mapped: set[str] = set()
    for name, group in cfg.ordinal_mappings.items():
        if twice := sorted(mapped & set(group.variables)):
            return f"ordinal_mappings.{name}.variables: {twice} mapped twice"
        mapped |= set(group.variables)
        if g.absent & set(group.variables) and "Missing" not in group.mapping:
            return (
                f"ordinal_mappings.{name}.mapping: needs 'Missing', the category written "
                "for absent values of categorical_vars_absent_when_missing"
            )
    return None


def _spline_only_vars_are_splined(cfg: ModelConfig, _: _Groups) -> str | None:
    splined = set(cfg.spline_features.variables)
    if unknown := [v for v in cfg.spline_only_vars if v not in splined]:
        return (
            f"spline_only_vars: {unknown} not among spline_features.variables; add them "
            "there or remove them here"
        )
    return None


def _every_category_encoded_once(cfg: ModelConfig, g: _Groups) -> str | None:
    nominal = set(cfg.nominal_vars)
    if both := sorted(g.mapped & nominal):
        return f"nominal_vars: {both} already have an ordinal mapping"
    if unencoded := [c for c in cfg.categorical_vars if c not in g.mapped | nominal]:
        return (
            f"nominal_vars: categorical features {unencoded} are not encoded; list each "
            "in nominal_vars or in an ordinal_mappings group"
        )
    if unknown := [c for c in cfg.prediction_intervals.by_category if c not in nominal]:
        return (
            f"prediction_intervals.by_category: {unknown} not among nominal_vars; add them "
            "there or remove them here"
        )
    return None


def _seeds_kept_apart(cfg: ModelConfig, _: _Groups) -> str | None:
    if reused := sorted(set(cfg.cv_seeds) & set(cfg.selection_seeds)):
        return (
            f"selection_seeds: {reused} are also cv_seeds; a figure must never be reported "
            "on the folds a choice was tuned on, so keep the two lists apart"
        )
    return None


def _subsets(cfg: ModelConfig, g: _Groups) -> str | None:
    for names, allowed, where in SUBSET_RULES:
        permitted = allowed(g)
        for key, listed in names(cfg):
            if unknown := [n for n in listed if n not in permitted]:
                return f"{key}: {unknown} not among {where}; add them there or remove them here"
    return None


# Run in this order: the first problem found is the one reported.
RULES: list[Callable[[ModelConfig, _Groups], str | None]] = [
    _unique_features,
    _target_is_no_feature,
    _subsets,
    _one_imputation_each,
    _derived_names_are_new,
    _mappings_are_whole,
    _spline_only_vars_are_splined,
    _every_category_encoded_once,
    _seeds_kept_apart,
]


def check_groups(cfg: ModelConfig) -> None:
    """Apply every rule; raise ``ValueError`` (message starting with the key) on
    the first problem."""
    groups = _groups(cfg)
    for rule in RULES:
        if problem := rule(cfg, groups):
            raise ValueError(problem)
