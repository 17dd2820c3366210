"""Time the course's FastAPI app (``web_app.py``) under uvicorn in one
environment: one house per POST, sequential requests on one keep-alive
connection, as a client calls it.

    python web_timings.py --python .bench/web-venv/bin/python --bodies bodies.json

Prints one JSON line: the median milliseconds of a request to each endpoint
(``predict``, ``frame``, ``constant``; see web_app.py), each over --requests
requests after --warmup untimed ones, cycling through the request bodies.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENDPOINTS = ("predict", "frame", "constant")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve(python: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """uvicorn serving web_app:app on ``port``, once it answers."""
    server = subprocess.Popen(
        [
            python,
            "-W",
            "ignore",
            "-m",
            "uvicorn",
            "web_app:app",
            "--app-dir",
            str(HERE),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=tempfile.gettempdir(),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("uvicorn did not start within 60 s")


def time_endpoint(
    port: int, endpoint: str, bodies: list[bytes], warmup: int, requests: int
) -> float:
    """The median milliseconds of a request, on one keep-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Content-Type": "application/json"}
    seconds = []
    for number in range(warmup + requests):
        body = bodies[number % len(bodies)]
        began = time.perf_counter()
        connection.request("POST", f"/api/v1/{endpoint}", body, headers)
        response = connection.getresponse()
        payload = response.read()
        if number >= warmup:
            seconds.append(time.perf_counter() - began)
        if response.status != 200:
            sys.exit(f"/api/v1/{endpoint} answered {response.status}: {payload[:300]!r}")
    connection.close()
    return statistics.median(seconds) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", required=True)
    parser.add_argument("--bodies", required=True, help="a JSON list of request bodies")
    parser.add_argument("--store-url", default="none")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    bodies = [json.dumps(body).encode() for body in json.loads(Path(args.bodies).read_text())]
    env = {**os.environ, "REGRESSION_MODEL_DB_URL": args.store_url}
    port = free_port()
    server = serve(args.python, port, env)
    try:
        figures = {
            endpoint: time_endpoint(port, endpoint, bodies, args.warmup, args.requests)
            for endpoint in ENDPOINTS
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
