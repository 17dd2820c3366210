"""Throw-away databases on the test PostgreSQL server (REGRESSION_MODEL_TEST_PG_URL,
which .ci/run sets); tests that need one are skipped, with the reason, without it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from regression_model.store.location import forget_stores

PG_VARIABLE = "REGRESSION_MODEL_TEST_PG_URL"


@contextmanager
def new_postgres_database() -> Iterator[str]:
    """The URL of a new, empty database on the test PostgreSQL server, dropped on exit."""
    admin_url = os.environ.get(PG_VARIABLE)
    if not admin_url:
        pytest.skip(
            f"{PG_VARIABLE} is not set: no PostgreSQL server to test against "
            "(.ci/run starts one; see README, 'Prediction store')"
        )
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"rm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        forget_stores()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
