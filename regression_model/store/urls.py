"""Store URLs as the package reads and prints them."""

from __future__ import annotations

__all__ = ["DISABLED", "masked_url"]

# The URL that turns persistence off.
DISABLED = "none"


def masked_url(url: str) -> str:
    """A store URL fit to print: its password hidden.

    Examples
    --------
    >>> from regression_model.store.urls import masked_url
    >>> masked_url("postgresql+psycopg://app:secret@db.internal/predictions")
    'postgresql+psycopg://app:***@db.internal/predictions'
    """
    if url == DISABLED:
        return url
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid URL>"
