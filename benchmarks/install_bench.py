"""Speed and memory of the install users get, against the reference package.

What ``tox -e bench`` runs. It builds the wheel, installs it into fresh
virtual environments, one per install (``core``: ``pip install
ames-price-model``, no extras, so pandas keeps text as Python objects;
``parquet``: with the ``[parquet]`` extra, so pyarrow holds the text), and
times each against the reference package, tid-regression-model 3.2.0, in its
own environment, round by round and on the same rows (``predict_timings.py``
in each: first call, single rows, a 102,000-row batch; store off and SQLite
store on). Then it measures ``predict_file``'s peak memory on a million rows
in the core install (``stream_memory.py``). It prints each round, each
environment's library versions, a table per install with the goals marked
met or missed, and writes the same report to ``.bench/report.md``.

    python benchmarks/install_bench.py --rounds 3
    python benchmarks/install_bench.py --rounds 1 --rows 20000 --memory-rows 100000  # a quick look
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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from compare_reference import machine, reference_python

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BENCH = REPO / ".bench"
TIMINGS = HERE / "predict_timings.py"
MEMORY = HERE / "stream_memory.py"
REFERENCE = "reference 3.2.0"
INSTALLS = {"core": "", "parquet": "[parquet]"}  # name: extras
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
)

# The goals on the core install: the least speed-up over the reference, as
# (figure, store) -> ratio; the first call is the reference's time over ours.
GOALS = {
    ("single", "store off"): 60.0,
    ("single", "SQLite store"): 30.0,
    ("batch", "store off"): 50.0,
    ("batch", "SQLite store"): 20.0,
    ("first", "store off"): 2.0,
}
MEMORY_GOAL_MB = 400.0


@dataclass(frozen=True)
class Variant:
    """One column of a round: a Python, and the store its calls write to."""

    name: str
    python: Path
    install: str | None  # None for the reference
    store: str  # "store off" or "SQLite store"


def build_wheel(outdir: Path) -> Path:
    """Build the package's wheel (it carries the trained model) into ``outdir``:
    from the sdist, as ``tox -e build`` does, so nothing left in ``build/``
    by an earlier build slips in."""
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


def fresh_venv(path: Path, requirement: str) -> Path:
    """A new virtual environment at ``path`` with ``requirement`` installed:
    with uv when it is installed (seconds), else with venv and pip."""
    shutil.rmtree(path, ignore_errors=True)
    python = path / "bin" / "python"
    uv = shutil.which("uv")
    if uv:
        subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(path)], check=True)
        # Compiled at install, as pip does: the first call should not pay for it.
        install = [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", str(python)]
        subprocess.run([*install, requirement], check=True)
    else:
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", requirement], check=True)
    return python


def run(python: Path, args: list[str], env: dict[str, str] | None = None) -> str:
    """Run ``python args`` from the temporary folder (not from the checkout,
    whose own package and egg-info would shadow the installed ones); its stdout."""
    done = subprocess.run(
        [str(python), "-W", "ignore", *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),
    )
    return done.stdout.strip()


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


def timings(variant: Variant, common: list[str], work: Path, round_number: int) -> dict[str, float]:
    """One run of predict_timings.py: its JSON figures."""
    env = dict(os.environ)
    if variant.install is not None:
        env["REGRESSION_MODEL_DB_URL"] = (
            "none"
            if variant.store == "store off"
            else f"sqlite:///{work / f'{variant.install}-{round_number}.sqlite3'}"
        )
    env["BENCH_LAUNCHED_AT"] = repr(time.time())
    figures: dict[str, float] = json.loads(
        run(variant.python, [str(TIMINGS), *common], env).splitlines()[-1]
    )
    return figures


def probe_rows(python: Path, count: int) -> list[int]:
    """test.csv positions the reference scores alone (it fails on some rows)."""
    usable: list[int] = json.loads(
        run(python, [str(TIMINGS), "--probe", str(count)]).splitlines()[-1]
    )
    return usable


def first_record(position: int) -> dict[str, object]:
    """The test.csv record at ``position``, as predict_timings.py reads it."""
    from regression_model.data import load_dataset

    record: dict[str, object] = load_dataset(file_name="test.csv").iloc[position].to_dict()
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in record.items()}


def install_table(
    install: str,
    results: dict[str, list[dict[str, float]]],
    variants: list[Variant],
    goals: bool,
) -> list[str]:
    """The markdown table of one install: ours against the reference."""

    def median(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    lines = [
        "| package | first call (s) | single row (ms) | single-row speed-up "
        "| batch rows/s | batch speed-up |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    names = [REFERENCE] + [v.name for v in variants if v.install == install]
    for name in names:
        store = name.split(", ")[-1]
        first = median(name, "first_call_s")
        single = median(name, "single_ms")
        rate = median(name, "batch_rows_per_s")
        first_ratio = median(REFERENCE, "first_call_s") / first
        single_ratio = median(REFERENCE, "single_ms") / single
        batch_ratio = rate / median(REFERENCE, "batch_rows_per_s")

        def mark(figure: str, ratio: float, store: str = store, name: str = name) -> str:
            goal = GOALS.get((figure, store))
            if not goals or goal is None or name == REFERENCE:
                return ""
            return f" (goal {goal:g}x: {'met' if ratio >= goal else 'missed'})"

        lines.append(
            f"| {name} | {first:.2f}{mark('first', first_ratio)} | {single:.2f} | "
            f"{single_ratio:.1f}x{mark('single', single_ratio)} | {rate:,.0f} | "
            f"{batch_ratio:.1f}x{mark('batch', batch_ratio)} |"
        )
    return lines


def memory_lines(python: Path, rows: int) -> list[str]:
    """stream_memory.py in the core install, with the goal marked."""
    lines = []
    for line in run(python, [str(MEMORY), "--rows", str(rows)]).splitlines():
        if "peak RSS" in line:
            peak = float(line.split("peak RSS ")[1].split(" MB")[0])
            met = "met" if peak < MEMORY_GOAL_MB else "missed"
            line += f" (goal < {MEMORY_GOAL_MB:.0f} MB: {met})"
        lines.append(line)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=102_000)
    parser.add_argument("--single", type=int, default=300)
    parser.add_argument("--memory-rows", type=int, default=1_000_000)
    args = parser.parse_args()

    wheel = build_wheel(BENCH / "dist")
    print(f"built {wheel.name}", flush=True)
    pythons = {
        install: fresh_venv(BENCH / f"{install}-venv", f"{wheel}{extras}")
        for install, extras in INSTALLS.items()
    }
    reference = reference_python()
    environments = {REFERENCE: versions(reference)} | {
        install: versions(python) for install, python in pythons.items()
    }

    work = Path(tempfile.mkdtemp(prefix="bench-"))
    rows_file, single_file, first_file = work / "rows.txt", work / "single.txt", work / "first.json"
    np.savetxt(rows_file, np.random.RandomState(0).randint(0, 1459, args.rows), fmt="%d")
    usable = probe_rows(reference, args.single)
    np.savetxt(single_file, usable, fmt="%d")
    first_file.write_text(json.dumps(first_record(usable[0])), encoding="utf-8")
    common = ["--rows-file", str(rows_file), "--single-file", str(single_file)]
    common += ["--first-file", str(first_file)]

    variants = [Variant(REFERENCE, reference, None, "store off")] + [
        Variant(f"ours {install}, {store}", python, install, store)
        for install, python in pythons.items()
        for store in ("store off", "SQLite store")
    ]
    results: dict[str, list[dict[str, float]]] = {v.name: [] for v in variants}
    for round_number in range(1, args.rounds + 1):
        for variant in variants:
            figures = timings(variant, common, work, round_number)
            results[variant.name].append(figures)
            print(
                f"round {round_number} {variant.name:28s} first call "
                f"{figures['first_call_s']:.2f} s, single row {figures['single_ms']:.2f} ms, "
                f"{args.rows} rows {figures['batch_rows_per_s']:,.0f} rows/s "
                f"({int(figures['batch_rows_scored'])} scored)",
                flush=True,
            )

    report = [f"machine: {machine()}", ""]
    report.append(
        f"Medians of {args.rounds} rounds; single row: median of {len(usable)} calls of one "
        f"record; batch: median of 3 calls of {args.rows:,} rows drawn from test.csv; first "
        "call: process start to the first price. Every figure includes the price ranges "
        "and the range checks."
    )
    for install, extras in INSTALLS.items():
        label = "pip install ames-price-model" + extras
        report += ["", f"### {install} install (`{label}`)", ""]
        report += install_table(install, results, variants, goals=install == "core")
    report += ["", "### library versions", ""]
    report.append("| library | " + " | ".join(environments) + " |")
    report.append("| --- |" + " --- |" * len(environments))
    for library in ("python", *LIBRARIES):
        cells = [environments[env].get(library, "absent") for env in environments]
        report.append(f"| {library} | " + " | ".join(cells) + " |")
    report += ["", f"### predict_file memory, core install, {args.memory_rows:,} rows", ""]
    report += memory_lines(pythons["core"], args.memory_rows)
    text = "\n".join(report)
    print("\n" + text)
    BENCH.mkdir(exist_ok=True)
    (BENCH / "report.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
