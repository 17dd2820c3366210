"""Our package against the reference (tid-regression-model 3.2.0), side by side.

Runs ``predict_timings.py`` alternately in the reference's own environment
(created on first use in ``.bench/reference-venv`` with the library versions
it needs) and in ours (store off, then SQLite store on), on the same rows, and
prints each run, the medians and the ratios.

    python benchmarks/compare_reference.py --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RUNNER = HERE / "predict_timings.py"
REFERENCE_VENV = REPO / ".bench" / "reference-venv"
REFERENCE_REQUIREMENTS = [
    "tid-regression-model==3.2.0",
    "numpy<2",
    "pandas<2",
    "pydantic<2",
    "scikit-learn>=1.2,<1.3",
    "feature-engine<1.6",
]


def reference_python() -> Path:
    python = REFERENCE_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating the reference environment in {REFERENCE_VENV} ...", flush=True)
        uv = shutil.which("uv")
        if uv:  # seconds, where pip takes minutes
            subprocess.run(
                [uv, "venv", "--quiet", "--python", sys.executable, str(REFERENCE_VENV)], check=True
            )
            install = [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python"]
            install.append(str(python))
        else:
            subprocess.run([sys.executable, "-m", "venv", str(REFERENCE_VENV)], check=True)
            install = [str(python), "-m", "pip", "install", "--quiet"]
        subprocess.run([*install, *REFERENCE_REQUIREMENTS], check=True)
    return python


def run(python: Path | str, args: list[str], env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(python), "-W", "ignore", str(RUNNER), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=tempfile.gettempdir(),
    )
    return done.stdout.strip().splitlines()[-1]


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=102_000)
    parser.add_argument("--single", type=int, default=300)
    args = parser.parse_args()

    ref = reference_python()
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    rows_file, single_file = work / "rows.txt", work / "single.txt"
    np.savetxt(rows_file, np.random.RandomState(0).randint(0, 1459, args.rows), fmt="%d")
    usable = json.loads(run(ref, ["--probe", str(args.single)]))
    np.savetxt(single_file, usable, fmt="%d")
    common = ["--rows-file", str(rows_file), "--single-file", str(single_file)]

    variants = {
        "reference 3.2.0": (ref, {}),
        "ours, store off": (sys.executable, {"REGRESSION_MODEL_DB_URL": "none"}),
        "ours, SQLite store": (sys.executable, {}),
    }
    results: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
    for round_number in range(1, args.rounds + 1):
        for name, (python, env) in variants.items():
            if name == "ours, SQLite store":
                env = {
                    "REGRESSION_MODEL_DB_URL": f"sqlite:///{work / f'store-{round_number}.sqlite3'}"
                }
            figures = json.loads(run(python, common, env))
            results[name].append(figures)
            print(
                f"round {round_number} {name:20s} first call {figures['first_call_s']:.2f} s, "
                f"single row {figures['single_ms']:.2f} ms, "
                f"{args.rows} rows {figures['batch_rows_per_s']:,.0f} rows/s "
                f"({int(figures['batch_rows_scored'])} scored)",
                flush=True,
            )

    def median(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    base = "reference 3.2.0"
    print(f"\nmachine: {machine()}")
    print(
        f"medians of {args.rounds} rounds; single row: median of {len(usable)} calls; "
        f"batch: median of 3 calls of {args.rows} rows\n"
    )
    print(
        "| package | first call (s) | single row (ms) | single-row speed-up "
        "| batch rows/s | batch speed-up |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for name in variants:
        single = median(name, "single_ms")
        rate = median(name, "batch_rows_per_s")
        print(
            f"| {name} | {median(name, 'first_call_s'):.2f} | {single:.2f} | "
            f"{median(base, 'single_ms') / single:.1f}x | {rate:,.0f} | "
            f"{rate / median(base, 'batch_rows_per_s'):.1f}x |"
        )


if __name__ == "__main__":
    main()
