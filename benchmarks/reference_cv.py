"""The reference package's pipeline, cross-validated on our folds.

Issue 6 asks for our CV RMSLE next to the reference's on the same folds. The
reference (tid-regression-model 3.2.0) needs its own environment (numpy<2,
pandas<2, scikit-learn 1.2), so this script runs in two halves:

1. In our environment: the training rows (train.csv less the two outliers) and
   the ``Id`` of the rows each fold scores, exactly as ``tox -e train`` folds them.
2. In ``.bench/reference-venv`` (made by compare_reference.py): the reference's
   own ``price_pipe`` and ``load_dataset``, fitted on log(price) as its
   train_pipeline does, on each fold's other rows; RMSLE on the fold.

The result is written to ``regression_model/reference_cv.json``, which
training reads and prints beside our figure (only if the folds match).

    python benchmarks/reference_cv.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUTPUT = REPO / "regression_model" / "reference_cv.json"


def inside_reference(folds_file: str) -> None:
    """Runs under the reference's Python: ``regression_model`` is *its* package."""
    import numpy as np
    from sklearn.base import clone

    from regression_model import __version__
    from regression_model.config.core import config
    from regression_model.pipeline import price_pipe
    from regression_model.processing.data_manager import load_dataset

    folds = json.loads(Path(folds_file).read_text())
    data = load_dataset(file_name="train.csv").set_index("Id")
    features = config.model_config.features
    scores = []
    for test_ids in folds:
        test = data.loc[test_ids]
        train = data.loc[[i for fold in folds if fold is not test_ids for i in fold]]
        model = clone(price_pipe).fit(train[features], np.log(train["SalePrice"]))
        predicted = model.predict(test[features])
        scores.append(float(np.sqrt(np.mean((np.log(test["SalePrice"]) - predicted) ** 2))))
    print(json.dumps({"version": __version__, "per_fold": scores}))


def main() -> None:
    sys.path.insert(0, str(HERE))
    from compare_reference import reference_python

    from regression_model.config.core import get_config
    from regression_model.processing.data_manager import load_training_data
    from regression_model.train_pipeline import fold_ids, folds_sha256, training_frame

    config = get_config()
    raw = load_training_data(config)
    X, _, _ = training_frame(raw, config)
    ids = fold_ids(X, raw, config)
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
    scores = measured["per_fold"]
    mean = sum(scores) / len(scores)
    record = {
        "package": f"tid-regression-model {measured['version']}",
        "rmsle_mean": round(mean, 6),
        "rmsle_std": round((sum((s - mean) ** 2 for s in scores) / len(scores)) ** 0.5, 6),
        "rmsle_per_fold": [round(s, 6) for s in scores],
        "rows": sum(len(f) for f in ids),
        "folds_sha256": folds_sha256(ids),
        "how": "the reference's price_pipe and load_dataset, fitted on log(SalePrice) per fold "
        "(benchmarks/reference_cv.py)",
    }
    OUTPUT.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=1))
    print(f"written to {OUTPUT.relative_to(REPO)}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--inside":
        inside_reference(sys.argv[2])
    else:
        main()
