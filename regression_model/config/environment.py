"""Settings that an environment variable may override, checked when read."""

from __future__ import annotations

import os

from regression_model.errors import ConfigError

__all__ = ["switch"]

_SWITCH = {"1": True, "true": True, "on": True, "0": False, "false": False, "off": False}


def switch(variable: str, default: bool) -> bool:
    """An on/off setting: the environment variable ``variable`` if it is set,
    else ``default`` (what config.yml says).

    Raises
    ------
    ConfigError
        When the variable holds something other than 1, 0, true, false, on or off.

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> from regression_model.config.environment import switch
    >>> with mock.patch.dict(os.environ, {"EXAMPLE_SWITCH": "off"}):
    ...     switch("EXAMPLE_SWITCH", default=True)
    False
    >>> switch("EXAMPLE_SWITCH_UNSET", default=True)
    True
    """
    raw = os.environ.get(variable)
    if raw is None:
        return default
    value = _SWITCH.get(raw.strip().lower())
    if value is None:
        raise ConfigError(f"{variable}={raw!r}: use 1 (on) or 0 (off)")
    return value
