"""Real databases for the store tests: throw-away PostgreSQL databases on the
test server (REGRESSION_MODEL_TEST_PG_URL, which .ci/run sets; tests that need
one are skipped, with the reason, without it), servers of a test's own that it
may stop and freeze, and a record written by a foreign model version."""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path

import pytest

from regression_model.store.codec import encode_json_rows, pack_call
from regression_model.store.ids import new_id, new_row_ids
from regression_model.store.location import forget_stores
from regression_model.store.model_rows import ModelRecord
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


class PostgresServer:
    """A PostgreSQL server of one test's own, on a free loopback port, which the
    test may stop, start, and freeze (SIGSTOP) and thaw (SIGCONT)."""

    def __init__(self, bin_folder: Path, folder: Path, port: int) -> None:
        self.bin, self.folder, self.port = bin_folder, folder, port
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def run(self, *command: str) -> None:
        """Run a PostgreSQL program as the user the server runs as."""
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*as_postgres, *command], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        log = str(self.folder / "server.log")
        self.run(
            f"{self.bin}/pg_ctl",
            "-D",
            str(self.folder / "data"),
            "-l",
            log,
            "-w",
            "-o",
            options,
            "start",
        )

    def stop(self) -> None:
        self.run(
            f"{self.bin}/pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop"
        )

    def processes(self) -> list[int]:
        """The server's processes: the postmaster, then its children."""
        postmaster = int((self.folder / "data" / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile
            if int(fields[1]) == postmaster:
                children.append(int(stat.parent.name))
        return [postmaster, *children]

    def freeze(self) -> None:
        self._signal(signal.SIGSTOP)  # the postmaster first: it starts no one new

    def thaw(self) -> None:
        self._signal(signal.SIGCONT)

    def _signal(self, number: signal.Signals) -> None:
        for pid in self.processes():
            with suppress(ProcessLookupError):  # ended meanwhile
                os.kill(pid, number)


@contextmanager
def private_postgres() -> Iterator[PostgresServer]:
    """A new PostgreSQL server (see PostgresServer), removed on exit; the test is
    skipped, with the reason, where PostgreSQL is not installed or cannot run."""
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda f: int(f.split("/")[-2]))
    if not folders or not os.environ.get(PG_VARIABLE):
        pytest.skip(
            "no PostgreSQL installation to start a server of the test's own "
            f"({PG_VARIABLE} unset: .ci/run installs and sets both)"
        )
    folder = Path(tempfile.mkdtemp(prefix="regression-model-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = PostgresServer(Path(folders[-1]), folder, port)
    try:
        server.run(
            f"{server.bin}/initdb", "-D", str(folder / "data"), "-A", "trust", "-U", "postgres"
        )
        server.start()
        yield server
    finally:
        forget_stores()
        if (folder / "data" / "postmaster.pid").exists():
            server.thaw()
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
