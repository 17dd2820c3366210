"""The config: strict parsing, validation naming the key, lazy loading."""

from __future__ import annotations

import subprocess
import sys

import pytest

from regression_model.config.core import CONFIG_FILE_PATH, parse_config
from regression_model.errors import ConfigError

TEXT = CONFIG_FILE_PATH.read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_shipped_config_parses_with_reference_keys() -> None:
    """The shipped config is valid and keeps the reference's app_config keys."""
    cfg = parse_config(TEXT)
    app = cfg.app_config
    assert app.package_name == "regression_model"
    assert app.training_data_file == "train.csv"
    assert app.test_data_file == "test.csv"
    assert app.pipeline_save_file == "regression_model_output_v"
    assert "GrLivArea" in cfg.model_config.features
    assert cfg.model_config.variables_to_rename["1stFlrSF"] == "FirstFlrSF"


def test_unknown_key_is_named_with_its_line() -> None:
    """An unknown top-level key fails, naming the key and its line."""
    bad = TEXT.replace("target: SalePrice", "target: SalePrice\ntargte: oops")
    with pytest.raises(ConfigError) as info:
        parse_config(bad)
    message = str(info.value)
    assert "targte" in message
    assert f"line {_line_of(bad, 'targte')}" in message


def test_wrong_type_is_named_with_its_line() -> None:
    """A non-integer cv_folds fails naming the line of the bad value."""
    bad = TEXT.replace("cv_folds: 5", "cv_folds: five")
    with pytest.raises(ConfigError) as info:
        parse_config(bad)
    assert f"line {_line_of(bad, 'cv_folds: five')}" in str(info.value)


def test_out_of_range_value_names_key() -> None:
    """A coverage outside (0.5, 1) fails naming the key and its line."""
    bad = TEXT.replace("coverage: 0.9", "coverage: 1.5")
    with pytest.raises(ConfigError) as info:
        parse_config(bad)
    message = str(info.value)
    assert "prediction_intervals.coverage" in message
    assert f"line {_line_of(bad, 'coverage: 1.5')}" in message


def test_selection_seeds_must_differ_from_reporting_seeds() -> None:
    """A seed in both cv_seeds and selection_seeds fails naming the key and the seed:
    no figure may be reported on folds a choice was tuned on."""
    first_selection = TEXT.split("selection_seeds:\n")[1].splitlines()[0]
    bad = TEXT.replace(f"selection_seeds:\n{first_selection}", "selection_seeds:\n  - 1")
    with pytest.raises(ConfigError) as info:
        parse_config(bad)
    message = str(info.value)
    assert "selection_seeds" in message and "[1]" in message


def test_price_knots_must_rise() -> None:
    """Price knots given high then low fail naming the key."""
    knots = "price_knots:\n    - {}\n    - {}"
    bad = TEXT.replace(knots.format(120000, 250000), knots.format(250000, 120000))
    assert bad != TEXT
    with pytest.raises(ConfigError, match="price_knots"):
        parse_config(bad)


def test_step_variable_not_among_features_is_named() -> None:
    """A required feature that is not a feature fails naming the key and variable."""
    bad = TEXT.replace(
        "required_features:\n  - OverallQual", "required_features:\n  - OverallQuall"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(bad)
    message = str(info.value)
    assert "required_features" in message and "OverallQuall" in message
    assert f"line {_line_of(bad, 'required_features:')}" in message


def test_nested_variable_error_names_the_nested_key() -> None:
    """A derived feature built from an unknown column names derived_features[0].variables."""
    bad = TEXT.replace(
        "      - TotalBsmtSF\n      - GrLivArea", "      - TotalBsmtSF\n      - Nope"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(bad)
    assert "derived_features[0].variables" in str(info.value)
    assert "Nope" in str(info.value)


def test_feature_without_imputation_group_is_refused() -> None:
    """A feature that no imputer covers is refused, so every feature can be missing."""
    bad = TEXT.replace("numerical_vars:\n  - LotFrontage\n", "numerical_vars:\n", 1)
    bad = bad.replace(
        "numerical_vars_with_missing_indicator:\n  - LotFrontage\n",
        "numerical_vars_with_missing_indicator:\n",
    )
    bad = bad.replace("log_transform_vars:\n  - LotFrontage\n", "log_transform_vars:\n")
    with pytest.raises(ConfigError) as info:
        parse_config(bad)
    assert "LotFrontage" in str(info.value) and "features" in str(info.value)


def test_spline_settings_are_checked() -> None:
    """A spline variable the pipeline does not have at that step, an unknown
    extrapolation, a non-positive trimming sigma, a spline-only variable that is
    not splined and a category slope on a non-category each fail naming their key."""
    cases = [
        (
            "    - QualLivArea\n\n",
            "    - QualLivArea\n    - Nope\n\n",
            "spline_features.variables",
            "Nope",
        ),
        ("spline_only_vars:\n", "spline_only_vars:\n  - MiscVal\n", "spline_only_vars", "MiscVal"),
        (
            "  - category: Neighborhood\n",
            "  - category: GrLivArea\n",
            "category_slopes[0].category",
            "GrLivArea",
        ),
        (
            "extrapolation: constant",
            "extrapolation: cubic",
            "spline_features.extrapolation",
            "constant",
        ),
        (
            "trim_residuals_sigma: 4.0",
            "trim_residuals_sigma: 0.0",
            "estimator.trim_residuals_sigma",
            "greater than 0",
        ),
    ]
    for old, new, key, fragment in cases:
        assert old in TEXT, old
        with pytest.raises(ConfigError) as info:
            parse_config(TEXT.replace(old, new, 1))
        assert key in str(info.value) and fragment in str(info.value), str(info.value)


def test_unknown_estimator_is_refused() -> None:
    """Only the supported estimators may be named."""
    bad = TEXT.replace("  name: Lasso", "  name: RandomGuess")
    with pytest.raises(ConfigError) as info:
        parse_config(bad)
    assert "estimator.name" in str(info.value)


def test_bad_yaml_is_a_config_error() -> None:
    """Broken YAML raises ConfigError, not a parser exception."""
    with pytest.raises(ConfigError):
        parse_config(TEXT + "\n  - : [unbalanced\n")


@pytest.mark.slow
def test_import_does_not_load_config_or_model() -> None:
    """Importing predict parses no config and loads no model (checked in a fresh interpreter)."""
    code = (
        "import regression_model.predict as p\n"
        "from regression_model.config import core\n"
        "assert core.get_config.cache_info().currsize == 0\n"
        "assert p.load_model.cache_info().currsize == 0\n"
        "from regression_model.config.core import config\n"
        "assert config.app_config.package_name == 'regression_model'\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_store_settings_are_validated_and_not_part_of_the_fingerprint() -> None:
    """A bad store timeout names its key; moving the store does not change the model."""
    bad = TEXT.replace("busy_timeout_seconds: 30", "busy_timeout_seconds: 0")
    with pytest.raises(ConfigError) as info:
        parse_config(bad)
    assert "prediction_store.busy_timeout_seconds" in str(info.value)
    assert f"line {_line_of(bad, 'busy_timeout_seconds: 0')}" in str(info.value)
    moved = parse_config(TEXT.replace("  url: default", "  url: sqlite:////srv/p.sqlite3"))
    assert moved.store_config.url == "sqlite:////srv/p.sqlite3"
    assert moved.fingerprint() == parse_config(TEXT).fingerprint()
