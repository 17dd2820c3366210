"""The validated configuration: everything about the model, from config.yml.

``models`` holds the pydantic models of every key, ``checks`` the cross-checks
between keys, ``_yaml`` the strictyaml schema derived from the models, and
``core`` loading (and the reference package's names).
"""

from regression_model.config.core import get_config, parse_config
from regression_model.config.settings import Config

__all__ = ["Config", "get_config", "parse_config"]
