"""Real databases for the store tests: throw-away PostgreSQL databases on the
test server (REGRESSION_MODEL_TEST_PG_URL, which .ci/run sets; tests that need
one are skipped, with the reason, without it), and a record written by a
foreign model version."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest

from regression_model.store.codec import encode_json_rows, pack_call
from regression_model.store.ids import new_id, new_row_ids
from regression_model.store.location import forget_stores
from regression_model.store.models import ModelRecord
from regression_model.store.store import PredictionStore

PG_VARIABLE = "REGRESSION_MODEL_TEST_PG_URL"


@contextmanager
def new_postgres_database() -> Iterator[str]:
    """The URL of a new, empty database on the test PostgreSQL server, dropped on exit."""
    admin_url = os.environ.get(PG_VARIABLE)
    if not admin_url:
        pytest.skip(
            f"{PG_VARIABLE} is not set: no PostgreSQL server to test against "
            "(.ci/run starts one; see docs/maintaining.md)"
        )
    pytest.importorskip("psycopg", reason="the postgres extra is not installed")
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


def write_foreign_record(
    store: PredictionStore, version: str = "0.0.1", libraries: dict[str, str] | None = None
) -> str:
    """Record one row priced 123.0 by another model (version 0.0.1 unless told,
    its manifest recording ``libraries`` when given); returns its id."""
    id_prefix, (prediction_id,) = new_row_ids(1)
    inputs = encode_json_rows([json.dumps({"GrLivArea": 1000})])
    store.write_call(
        call_id=new_id(),
        id_prefix=id_prefix,
        created_at=datetime.now(timezone.utc),
        model=ModelRecord(
            identity="0" * 64,
            version=version,
            artifact_sha256="0" * 64,
            config_fingerprint="0" * 64,
            manifest={"version": version, **({"libraries": libraries} if libraries else {})},
            plan={},
        ),
        chunks=pack_call(lambda start, stop: inputs, [123.0], {}, {}),
    )
    return prediction_id
