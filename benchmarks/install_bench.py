"""Speed and memory of the install users get, against the reference package,
in every form callers send houses in.

What ``tox -e bench`` runs. It builds the wheel and installs it into fresh
virtual environments: ``core`` (``pip install ames-price-model``, no extras:
what the goals are set on), ``parquet`` (the ``[parquet]`` extra: pyarrow, for
the pyarrow-backed form) and ``web`` (the core install with FastAPI and
uvicorn, for the course's web app). The reference package,
tid-regression-model 3.2.0, gets its own environments (with and without
FastAPI). Each round, in turn and on the same rows:

* ``form_timings.py`` in each environment: every input form of
  ``input_forms.py`` at 1, 20, 1,000 and 102,000 rows, ours with the store
  off and with a SQLite store (a new file each round);
* ``web_timings.py``: the course's FastAPI app under uvicorn, one house per
  POST, sequential requests, with the same app returning a constant beside
  it (FastAPI's own cost, the floor);
* ``predict_timings.py --first-only``: process start to the first price.

Then, once: ``thread_throughput.py`` (calls per second from 1, 2 and 4
threads), the batch with the command line's process opt-ins, and
``stream_memory.py`` (predict_file's peak memory on a million rows). It
prints each round, one table with the goals marked met or missed, and writes
the report to ``.bench/report.md``.

    python benchmarks/install_bench.py --rounds 5
    python benchmarks/install_bench.py --rounds 1 --sizes 1,20 --memory-rows 100000  # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from compare_reference import REFERENCE_REQUIREMENTS, machine, reference_python

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BENCH = REPO / ".bench"
DATA = REPO / "regression_model" / "datasets" / "test.csv"
FORMS = HERE / "form_timings.py"
FIRST = HERE / "predict_timings.py"
WEB = HERE / "web_timings.py"
THREADS = HERE / "thread_throughput.py"
MEMORY = HERE / "stream_memory.py"
REFERENCE = "reference 3.2.0"
# One FastAPI for both apps: the last release that runs on pydantic 1 and 2.
WEB_REQUIREMENTS = ["fastapi==0.125.0", "uvicorn==0.55.0"]
OPT_INS = {
    "REGRESSION_MODEL_TUNE_MALLOC": "1",
    "REGRESSION_MODEL_PAUSE_GC": "1",
    "REGRESSION_MODEL_HOLD_BLAS": "1",
}
LIBRARIES = (
    "ames-price-model",
    "tid-regression-model",
    "numpy",
    "pandas",
    "pyarrow",
    "scikit-learn",
    "feature-engine",
    "pydantic",
    "sqlalchemy",
    "fastapi",
)
STORES = ("store off", "SQLite store")

# The goals, as the least speed-up over the reference: (form, rows, store) -> ratio.
GOALS = {
    ("records", 1, "store off"): 60.0,
    ("records", 1, "SQLite store"): 30.0,
    ("course DataFrame", 1, "store off"): 50.0,
    ("course DataFrame", 1, "SQLite store"): 25.0,
    ("read_csv DataFrame", 102_000, "store off"): 50.0,
    ("read_csv DataFrame", 102_000, "SQLite store"): 20.0,
    ("web app", 1, "store off"): 8.0,
}
FIRST_CALL_GOAL = 2.0
MEMORY_GOAL_MB = 400.0


def build_wheel(outdir: Path) -> Path:
    """The package's wheel (it carries the trained model), built from the sdist
    as ``tox -e build`` does, so nothing left in ``build/`` slips in."""
    shutil.rmtree(outdir, ignore_errors=True)
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(outdir), str(REPO)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(f"building the wheel failed:\n{done.stdout}\n{done.stderr}")
    (wheel,) = outdir.glob("ames_price_model-*.whl")
    return wheel


def fresh_venv(path: Path, requirements: list[str]) -> Path:
    """A new virtual environment at ``path`` with ``requirements`` installed:
    with uv when it is installed (seconds), else with venv and pip."""
    shutil.rmtree(path, ignore_errors=True)
    python = path / "bin" / "python"
    uv = shutil.which("uv")
    if uv:
        subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(path)], check=True)
        # Compiled at install, as pip does: the first call should not pay for it.
        install = [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", str(python)]
        subprocess.run([*install, *requirements], check=True)
    else:
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *requirements], check=True)
    return python


def run(python: Path, args: list[str], env: dict[str, str] | None = None) -> str:
    """Run ``python args`` from the temporary folder (not from the checkout,
    whose own package would shadow the installed one); its last stdout line."""
    done = subprocess.run(
        [str(python), "-W", "ignore", *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=tempfile.gettempdir(),
    )
    return done.stdout.strip().splitlines()[-1]


def versions(python: Path) -> dict[str, str]:
    """The installed version of each library of LIBRARIES, "absent" if none."""
    script = (
        "import json, sys, platform\n"
        "from importlib import metadata\n"
        "found = {'python': platform.python_version()}\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n"
        "        found[name] = metadata.version(name)\n"
        "    except metadata.PackageNotFoundError:\n"
        "        found[name] = 'absent'\n"
        "print(json.dumps(found))\n"
    )
    found: dict[str, str] = json.loads(run(python, ["-c", script, *LIBRARIES]))
    return found


def store_env(store: str, work: Path, label: str) -> dict[str, str]:
    """The environment of one of our runs: the store off, or a new SQLite file."""
    if store == "store off":
        return {"REGRESSION_MODEL_DB_URL": "none"}
    path = work / f"{label}-{time.monotonic_ns()}.sqlite3"
    return {"REGRESSION_MODEL_DB_URL": f"sqlite:///{path}"}


def probe_rows(python: Path, count: int) -> list[int]:
    """test.csv positions the reference scores alone (it fails on some rows)."""
    usable: list[int] = json.loads(run(python, [str(FIRST), "--probe", str(count)]))
    return usable


def request_bodies(positions: list[int]) -> list[dict[str, Any]]:
    """One house a request, as the course's clients send it: the reference's
    field names, null for gaps."""
    import pandas as pd

    from regression_model.config.core import get_config

    renames = get_config().model_config.variables_to_rename
    rows = pd.read_csv(DATA).iloc[positions].rename(columns=renames)
    return [{"inputs": [record]} for record in json.loads(rows.to_json(orient="records"))]


def ratio_cell(reference: Any, ours: Any, goal: float | None) -> str:
    """``ours`` against ``reference`` (ms a call) as a speed-up, with its goal."""
    if not isinstance(ours, float):
        return f"fails ({ours})" if ours else "n/a"
    if not isinstance(reference, float):
        return "n/a"
    ratio = reference / ours
    mark = f" (goal {goal:g}x: {'met' if ratio >= goal else 'missed'})" if goal else ""
    return f"{ratio:.1f}x{mark}"


def ms(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    return "fails" if value else "n/a"


def median_of(rounds: list[dict[str, Any]], *keys: str) -> Any:
    """The median over rounds of a figure, or the first round's error text."""
    values = []
    for figures in rounds:
        value: Any = figures
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        values.append(value)
    numbers = [v for v in values if isinstance(v, float)]
    if numbers:
        return statistics.median(numbers)
    return next((v for v in values if v), None)


def forms_table(results: dict[str, list[dict[str, Any]]], sizes: list[int]) -> list[str]:
    """One row per form and size: the reference, then ours store off and on SQLite."""
    lines = [
        "| input form | rows | reference (ms) | ours, store off (ms) | speed-up "
        "| ours, SQLite (ms) | speed-up |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    forms = list(dict.fromkeys(f for rounds in results.values() for r in rounds for f in r))
    for form in forms:
        for size in sizes:
            key = str(size)
            reference = median_of(results[REFERENCE], form, key)
            cells = [form, f"{size:,}", ms(reference)]
            for store in STORES:
                ours = median_of(results[store], form, key)
                cells += [ms(ours), ratio_cell(reference, ours, GOALS.get((form, size, store)))]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def web_lines(web: dict[str, list[dict[str, float]]]) -> list[str]:
    """The web app's row, and how far each app is from FastAPI's floor."""
    reference = median_of(web[REFERENCE], "predict")
    cells = ["web app (course's FastAPI, one house per POST)", "1", ms(reference)]
    for store in STORES:
        ours = median_of(web[store], "predict")
        cells += [ms(ours), ratio_cell(reference, ours, GOALS.get(("web app", 1, store)))]
    lines = ["| " + " | ".join(cells) + " |", ""]
    for name in (REFERENCE, *STORES):
        predict, frame, constant = (
            median_of(web[name], k) for k in ("predict", "frame", "constant")
        )
        lines.append(
            f"* {name}: a request takes {predict:.2f} ms; the same app returning a constant "
            f"{constant:.2f} ms (FastAPI's floor), and {frame:.2f} ms when it also builds the "
            f"DataFrame; the package's own share {predict - frame:.2f} ms, "
            f"{constant / predict:.0%} of the request is the floor"
        )
    return lines


@dataclass
class Setup:
    """The environments and inputs every round shares."""

    core: Path
    parquet: Path
    web: Path
    reference: Path
    reference_web: Path
    work: Path
    usable: list[int]
    forms_args: list[str]
    bodies_file: Path
    first_file: Path


@dataclass
class Figures:
    """What the rounds measured, each figure a list of one entry a round."""

    forms: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    web: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    first: dict[str, list[float]] = field(default_factory=dict)


def prepare(args: argparse.Namespace) -> tuple[Setup, dict[str, dict[str, str]]]:
    """Build the wheel, make the environments, choose the rows."""
    wheel = build_wheel(BENCH / "dist")
    print(f"built {wheel.name}", flush=True)
    core = fresh_venv(BENCH / "core-venv", [str(wheel)])
    parquet = fresh_venv(BENCH / "parquet-venv", [f"{wheel}[parquet]"])
    web = fresh_venv(BENCH / "web-venv", [str(wheel), *WEB_REQUIREMENTS])
    reference = reference_python()
    reference_web = BENCH / "reference-web-venv" / "bin" / "python"
    if not reference_web.exists():
        fresh_venv(reference_web.parent.parent, [*REFERENCE_REQUIREMENTS, *WEB_REQUIREMENTS])
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    usable = probe_rows(reference, args.single)
    single_file, first_file = work / "single.txt", work / "first.json"
    bodies_file = work / "bodies.json"
    np.savetxt(single_file, usable, fmt="%d")
    bodies = request_bodies(usable)
    bodies_file.write_text(json.dumps(bodies), encoding="utf-8")
    first_file.write_text(json.dumps(bodies[0]["inputs"][0]), encoding="utf-8")
    forms_args = [str(FORMS), "--data", str(DATA), "--single-file", str(single_file)]
    forms_args += ["--sizes", args.sizes]
    setup = Setup(
        core,
        parquet,
        web,
        reference,
        reference_web,
        work,
        usable,
        forms_args,
        bodies_file,
        first_file,
    )
    environments = {REFERENCE: versions(reference_web), "core": versions(core)}
    environments["parquet"] = versions(parquet)
    return setup, environments


def one_round(setup: Setup, figures: Figures, requests: int) -> None:
    """Every environment once: the forms, the web app, the first call."""
    forms = setup.forms_args
    reference = json.loads(run(setup.reference, [*forms, "--large-calls", "1"]))
    figures.forms.setdefault(REFERENCE, []).append(reference)
    for store in STORES:
        ours = json.loads(run(setup.core, forms, store_env(store, setup.work, "core")))
        arrow_env = store_env(store, setup.work, "parquet")
        ours.update(
            json.loads(run(setup.parquet, [*forms, "--forms", "pyarrow dtypes"], arrow_env))
        )
        figures.forms.setdefault(store, []).append(ours)
    servers = [(REFERENCE, setup.reference_web, "store off")]
    servers += [(store, setup.web, store) for store in STORES]
    for name, python, store in servers:
        url = store_env(store, setup.work, "web")["REGRESSION_MODEL_DB_URL"]
        timing = [str(WEB), "--python", str(python), "--bodies", str(setup.bodies_file)]
        timing += ["--store-url", url, "--requests", str(requests)]
        figures.web.setdefault(name, []).append(json.loads(run(Path(sys.executable), timing)))
    for name, python in ((REFERENCE, setup.reference), ("ours", setup.core)):
        launched = {"BENCH_LAUNCHED_AT": repr(time.time()), "REGRESSION_MODEL_DB_URL": "none"}
        timing = [str(FIRST), "--first-file", str(setup.first_file), "--first-only"]
        figures.first.setdefault(name, []).append(
            json.loads(run(python, timing, launched))["first_call_s"]
        )


def once_more(setup: Setup, args: argparse.Namespace) -> tuple[dict[str, Any], float]:
    """Thread throughput on both stores, and the largest read_csv call with the
    command line's process opt-ins."""
    threads = {}
    for store in STORES:
        url = store_env(store, setup.work, "threads")["REGRESSION_MODEL_DB_URL"]
        command = [str(THREADS), "--data", str(DATA), "--seconds", str(args.thread_seconds)]
        threads[store] = json.loads(run(setup.core, [*command, "--store-url", url]))
    large = str(max(int(s) for s in args.sizes.split(",")))
    command = [*setup.forms_args, "--sizes", large, "--forms", "read_csv DataFrame"]
    opted = json.loads(run(setup.core, command, {**OPT_INS, "REGRESSION_MODEL_DB_URL": "none"}))
    return threads, float(opted["read_csv DataFrame"][large])


def first_and_opt_in_lines(figures: Figures, large: int, opted_ms: float) -> list[str]:
    reference_first = statistics.median(figures.first[REFERENCE])
    ours_first = statistics.median(figures.first["ours"])
    ratio = reference_first / ours_first
    met = "met" if ratio >= FIRST_CALL_GOAL else "missed"
    batch = median_of(figures.forms["store off"], "read_csv DataFrame", str(large))
    reference = median_of(figures.forms[REFERENCE], "read_csv DataFrame", str(large))
    return [
        "",
        f"First call (process start to the first price): reference {reference_first:.2f} s, "
        f"ours {ours_first:.2f} s: {ratio:.1f}x (goal {FIRST_CALL_GOAL:g}x: {met}).",
        "",
        f"The {large:,}-row read_csv DataFrame with the command line's process opt-ins "
        f"({', '.join(OPT_INS)}), store off: {opted_ms:,.0f} ms a call against {batch:,.0f} ms "
        f"by default ({reference / opted_ms:.1f}x the reference).",
    ]


def thread_lines(threads: dict[str, dict[str, float]]) -> list[str]:
    lines = ["", "### threads: one-house course DataFrames, calls per second", ""]
    lines += ["| store | 1 thread | 2 threads | 4 threads |", "| --- | --- | --- | --- |"]
    for store, rates in threads.items():
        cells = [f"{rates[n]:,.0f} ({rates[n] / rates['1']:.2f}x)" for n in ("1", "2", "4")]
        lines.append(f"| {store} | " + " | ".join(cells) + " |")
    return lines


def version_lines(environments: dict[str, dict[str, str]]) -> list[str]:
    lines = ["", "### library versions", ""]
    lines.append("| library | " + " | ".join(environments) + " |")
    lines.append("| --- |" + " --- |" * len(environments))
    for library in ("python", *LIBRARIES):
        cells = [environments[env].get(library, "absent") for env in environments]
        lines.append(f"| {library} | " + " | ".join(cells) + " |")
    return lines


def memory_lines(python: Path, rows: int) -> list[str]:
    """stream_memory.py in the core install, with the goal marked."""
    lines = ["", f"### predict_file memory, core install, {rows:,} rows", ""]
    done = subprocess.run(
        [str(python), "-W", "ignore", str(MEMORY), "--rows", str(rows)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    for line in done.stdout.splitlines():
        if "peak RSS" in line:
            peak = float(line.split("peak RSS ")[1].split(" MB")[0])
            line += (
                f" (goal < {MEMORY_GOAL_MB:.0f} MB: {'met' if peak < MEMORY_GOAL_MB else 'missed'})"
            )
        lines.append(line)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="1,20,1000,102000")
    parser.add_argument("--single", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--thread-seconds", type=float, default=5.0)
    parser.add_argument("--memory-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    setup, environments = prepare(args)
    figures = Figures()
    for number in range(1, args.rounds + 1):
        one_round(setup, figures, args.requests)
        latest = {name: rounds[-1] for name, rounds in (figures.forms | figures.web).items()}
        print(f"round {number}: {json.dumps(latest)}", flush=True)
    threads, opted_ms = once_more(setup, args)

    report = [f"machine: {machine()}", ""]
    report.append(
        f"Medians of {args.rounds} rounds. A call of one row cycles through {len(setup.usable)} "
        "test.csv rows both packages score alone; larger calls draw rows from all of test.csv. "
        "Every figure includes the price ranges and range checks. Ours: the core install (no "
        "extras), the pyarrow form on the [parquet] install. Where the reference cannot take "
        "a form, the row says it fails."
    )
    report += ["", "### every input form, against the reference", ""]
    report += forms_table(figures.forms, sizes)
    report += web_lines(figures.web)
    report += first_and_opt_in_lines(figures, max(sizes), opted_ms)
    report += thread_lines(threads)
    report += version_lines(environments)
    report += memory_lines(setup.core, args.memory_rows)
    text = "\n".join(report)
    print("\n" + text)
    BENCH.mkdir(exist_ok=True)
    (BENCH / "report.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
