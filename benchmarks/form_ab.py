"""A change's cost, before against after: form_timings.py run on two source
trees in turn, in the same rounds, on one machine.

    python benchmarks/form_ab.py --before /tmp/before-tree --forms records \\
        --sizes 1000,102000 --rounds 5 [--store sqlite|none]

``--before`` is a checkout of the code before the change (``git archive``
of its commit, unpacked), with a trained model: copy
``regression_model/trained_models/`` and ``trained_models.sha256`` into it
when the model code is the same. ``--after`` defaults to this repository.
Each round runs ``form_timings.py --cpu`` once per tree, each in a fresh
process whose ``PYTHONPATH`` puts that tree's package first, the order
alternating from round to round; with ``--store sqlite`` (the default)
each run records into a fresh SQLite file. Prints every round, then per form
and size the median wall and CPU milliseconds a call of each tree and their
ratios (after / before): the machine's other load stretches wall time more
than CPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = REPO / "regression_model" / "datasets" / "test.csv"


def run(tree: Path, args: argparse.Namespace, folder: Path, label: str) -> dict:
    """One form_timings.py run on ``tree``: {form: {rows: [wall ms, CPU ms]}}."""
    single = folder / "single.txt"
    single.write_text("0\n")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    store = folder / f"{label}.sqlite3"
    store.unlink(missing_ok=True)
    env["REGRESSION_MODEL_DB_URL"] = f"sqlite:///{store}" if args.store == "sqlite" else "none"
    command = [sys.executable, str(HERE / "form_timings.py"), "--data", str(DATA)]
    command += ["--single-file", str(single), "--sizes", args.sizes, "--forms", args.forms]
    command += ["--large-calls", str(args.large_calls), "--cpu"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    figures: dict = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, default=REPO)
    parser.add_argument("--forms", default="records")
    parser.add_argument("--sizes", default="1000,102000")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--large-calls", type=int, default=3)
    parser.add_argument("--store", choices=("sqlite", "none"), default="sqlite")
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    runs: dict[str, list[dict]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory(prefix="form-ab-") as scratch:
        for number in range(args.rounds):
            order = ["before", "after"] if number % 2 == 0 else ["after", "before"]
            for label in order:
                runs[label].append(run(trees[label], args, Path(scratch), label))
            print(f"round {number + 1}: " + json.dumps({k: v[-1] for k, v in runs.items()}))
    print(f"store {args.store}; {args.rounds} rounds; load average {os.getloadavg()[0]:.1f}")
    print("form, rows: before wall / CPU ms, after wall / CPU ms, ratio wall, ratio CPU")
    for form in runs["after"][0]:
        for size in runs["after"][0][form]:
            medians = {}
            for label in runs:
                pairs = [r[form][size] for r in runs[label]]
                medians[label] = [statistics.median(p[i] for p in pairs) for i in (0, 1)]
            (bw, bc), (aw, ac) = medians["before"], medians["after"]
            print(
                f"{form}, {int(size):,}: {bw:.1f} / {bc:.1f}, {aw:.1f} / {ac:.1f}, "
                f"{aw / bw:.3f}, {ac / bc:.3f}"
            )


if __name__ == "__main__":
    main()
