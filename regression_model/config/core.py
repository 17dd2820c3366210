"""Load and validate ``config.yml``; the reference package's config module.

Nothing is read at import time. :func:`get_config` parses and caches the file;
the module attribute ``config`` (kept for apps written against the reference
package: ``from regression_model.config.core import config``) is resolved
lazily through :func:`__getattr__`, and so are the reference's
``fetch_config_from_yaml`` and ``create_and_validate_config``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from strictyaml import YAMLError
from strictyaml.representation import YAML

from regression_model.config import _lines, _yaml
from regression_model.config.paths import (
    CONFIG_FILE_PATH,
    DATASET_DIR,
    PACKAGE_ROOT,
    ROOT,
    TRAINED_MODEL_DIR,
)
from regression_model.config.settings import (
    AppConfig,
    Config,
    ModelConfig,
    MonitoringConfig,
    ScoringConfig,
    StoreConfig,
)
from regression_model.errors import ConfigError

__all__ = [
    "CONFIG_FILE_PATH",
    "DATASET_DIR",
    "PACKAGE_ROOT",
    "ROOT",
    "TRAINED_MODEL_DIR",
    "AppConfig",
    "Config",
    "ModelConfig",
    "MonitoringConfig",
    "ScoringConfig",
    "StoreConfig",
    "create_and_validate_config",
    "fetch_config_from_yaml",
    "find_config_file",
    "get_config",
    "parse_config",
]


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
        document = _yaml.load(text, source)
    except YAMLError as error:
        raise ConfigError(f"{source} is invalid: {error}") from error
    return _validated(document, text, source)


def _validated(document: YAML, text: str, source: str) -> Config:
    data = document.data
    app_keys = set(AppConfig.model_fields)
    own_sections = {_yaml.STORE_KEY, _yaml.SCORING_KEY, _yaml.MONITORING_KEY}
    model_data = {k: v for k, v in data.items() if k not in app_keys | own_sections}
    problems: list[str] = []
    parts: dict[str, Any] = {}
    for name, model, values, prefix in (
        ("app_config", AppConfig, {k: v for k, v in data.items() if k in app_keys}, ()),
        ("model_config", ModelConfig, model_data, ()),
        ("store_config", StoreConfig, data[_yaml.STORE_KEY], (_yaml.STORE_KEY,)),
        ("scoring_config", ScoringConfig, data[_yaml.SCORING_KEY], (_yaml.SCORING_KEY,)),
        (
            "monitoring_config",
            MonitoringConfig,
            data[_yaml.MONITORING_KEY],
            (_yaml.MONITORING_KEY,),
        ),
    ):
        try:
            parts[name] = model.model_validate(values)
        except ValidationError as error:
            problems += [_problem(document, source, item, prefix) for item in error.errors()]
    if problems:
        raise ConfigError("; ".join(problems))
    return Config(**parts, source_text=text, source_name=source)


def _problem(document: YAML, source: str, item: Any, prefix: tuple[str, ...]) -> str:
    """One validation problem, naming its key and line."""
    message = str(item["msg"]).removeprefix("Value error, ")
    location = (*prefix, *item["loc"]) or _lines.location_of(message)
    key = ".".join(str(p) for p in location)
    line = _lines.line_of(document, location)
    where = f"{source}, line {line}" if line else source
    return f"{where}: {message if message.startswith(key) else f'key {key!r}: {message}'}"


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


def find_config_file() -> Path:
    """The package's config.yml (the reference package's name for it).

    Raises
    ------
    ConfigError
        When the file is missing.
    """
    if not CONFIG_FILE_PATH.is_file():
        raise ConfigError(f"config.yml not found at {CONFIG_FILE_PATH}; reinstall the package")
    return CONFIG_FILE_PATH


def fetch_config_from_yaml(cfg_path: Path | None = None) -> YAML:
    """The parsed (not yet validated) YAML document, as the reference returns it.

    Raises
    ------
    ConfigError
        When the file cannot be read or is not valid YAML for the schema.
    """
    path = cfg_path or find_config_file()
    try:
        return _yaml.load(path.read_text(encoding="utf-8"), path.name)
    except (OSError, YAMLError) as error:
        raise ConfigError(f"cannot read config file {path.name}: {error}") from error


def create_and_validate_config(parsed_config: YAML | None = None) -> Config:
    """The validated configuration of a parsed document (the reference's name).

    Examples
    --------
    >>> from regression_model.config.core import create_and_validate_config
    >>> create_and_validate_config().model_config.target
    'SalePrice'
    """
    document = parsed_config if parsed_config is not None else fetch_config_from_yaml()
    return _validated(document, document.as_yaml(), "config.yml")


def __getattr__(name: str) -> Any:
    # PEP 562: `from regression_model.config.core import config` still works for
    # apps written against the reference, without parsing anything at import.
    if name == "config":
        return get_config()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
