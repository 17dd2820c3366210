"""The monitoring tests' store: an empty one of each test's own."""

from __future__ import annotations

from typing import Any

import pytest

from regression_model import audit


@pytest.fixture()
def store(empty_store_url: str) -> Any:
    """An empty store of this test's own (SQLite, then PostgreSQL), in use."""
    found = audit.get_store()
    assert found is not None and found.url == empty_store_url
    return found
