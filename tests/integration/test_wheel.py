"""The built wheel, installed in fresh venvs: alone, and with each extra alone.

The wheel is built once per session. Each case installs it in a new venv (with
uv) with no extra or exactly one, and runs that extra's documented example there,
from a folder outside the source tree: so an extra that misses a dependency
fails here, as it would for a user, not hidden by tox installing every extra.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import regression_model
from tests.databases import new_postgres_database
from tests.venvs import fresh_venv, run_checked

CORE = r"""
import importlib.util, json, subprocess, sys
from pathlib import Path
import regression_model
from regression_model.errors import InputFileError
from regression_model.predict import make_prediction
from regression_model.data import load_dataset
from regression_model.config.core import config
from regression_model.streaming import predict_file

assert "site-packages" in regression_model.__file__, regression_model.__file__
frame = load_dataset(file_name=config.app_config.test_data_file)
batch = make_prediction(input_data=frame)
records = frame.to_dict(orient="records")
alone = {i: make_prediction(input_data=[records[i]])["predictions"][0]
         for i in range(0, len(records), 97)}
prices = batch["predictions"]
# 14 copies: scored in parts on threads, from text columns factorised whole.
import pandas as pd
copies = make_prediction(input_data=pd.concat([frame] * 14, ignore_index=True))["predictions"]
# What needs an extra, or a package, says which.
missing = {}
for name, module in (("houses.parquet", "pyarrow"), ("houses.csv.zst", "zstandard")):
    if importlib.util.find_spec(module) is None:
        Path(name).write_bytes(b"PAR1" if module == "pyarrow" else b"\x28\xb5\x2f\xfd")
        try:
            predict_file(name, "out.csv")
        except InputFileError as error:
            missing[module] = str(error)
info = subprocess.run([str(Path(sys.executable).with_name("regression-model")), "info", "--json"],
                      capture_output=True, text=True, check=True)
print(json.dumps({"version": batch["version"], "errors": batch["errors"], "n": len(prices),
                  "none": sum(p is None for p in prices), "missing": missing,
                  "copies_equal": copies == prices * 14,
                  "info_version": json.loads(info.stdout)["version"],
                  "max_rel_diff": max(abs(alone[i] - prices[i]) / prices[i] for i in alone)}))
"""

DASK = r"""
import json
import dask.dataframe as dd
from distributed import Client, LocalCluster
from regression_model.distributed import predict_dask
from regression_model.predict import make_prediction
from regression_model.data import load_dataset

if __name__ == "__main__":
    load_dataset(file_name="test.csv").to_parquet("houses.parquet")
    houses = dd.read_parquet("houses.parquet").repartition(npartitions=4)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    with cluster, Client(cluster) as client:
        prices = predict_dask(houses).compute()
        workers = len(set(client.run(lambda: __import__("os").getpid()).values()))
    expected = make_prediction(input_data=load_dataset(file_name="test.csv"))["predictions"]
    print(json.dumps({"n": len(prices), "workers": workers,
                      "max_rel_diff": max(abs(a - b) / b for a, b in zip(prices, expected))}))
"""

PARQUET = r"""
import json
import pandas as pd
from regression_model.data import load_dataset
from regression_model.streaming import predict_file

load_dataset(file_name="test.csv").to_parquet("houses.parquet")
summary = predict_file("houses.parquet", "scored.parquet", chunk_size=500)
scored = pd.read_parquet("scored.parquet")
print(json.dumps({"n": len(scored), "scored": summary.scored,
                  "priced": int(scored["prediction"].notna().sum())}))
"""

REPORT = r"""
import json
from regression_model.config.core import TRAINED_MODEL_DIR
from regression_model.training.model_card import CARD_NAME, PLOT_NAMES
from regression_model.predict import load_model
from regression_model.train_pipeline import run_training

before = {name: (TRAINED_MODEL_DIR / name).stat().st_mtime_ns for name in PLOT_NAMES.values()}
run_training()
manifest = load_model().manifest  # as written, with every file's sha256
card = (TRAINED_MODEL_DIR / CARD_NAME).read_text()
print(json.dumps({
    "linked": all(f"]({name})" in card for name in PLOT_NAMES.values()),
    "png": all((TRAINED_MODEL_DIR / n).read_bytes()[:4] == b"\x89PNG" for n in PLOT_NAMES.values()),
    "redrawn": all((TRAINED_MODEL_DIR / n).stat().st_mtime_ns > t for n, t in before.items()),
    "in_manifest": all(n in manifest["files"] for n in PLOT_NAMES.values()),
}))
"""

POSTGRES = r"""
import json
from regression_model import audit
from regression_model.predict import make_prediction

result = make_prediction(input_data=[{"OverallQual": 6, "GrLivArea": 1200,
                                      "Neighborhood": "NAmes", "YrSold": 2009}])
record = audit.get_record(result["prediction_ids"][0])
print(json.dumps({"dialect": audit.get_store().engine.dialect.name,
                  "stored": record["prediction"], "returned": result["predictions"][0],
                  "count": audit.get_store().count()}))
"""


@pytest.mark.slow
def test_wheel_carries_model_data_and_config(wheel: Path) -> None:
    """The wheel is named for the distribution (ames-price-model) and this version, and
    carries model, manifest, plan, card and plots, the seal beside the model folder,
    data and config; no pickle."""
    version = regression_model.__version__
    assert wheel.name.startswith(f"ames_price_model-{version}-")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        f"regression_model/trained_models/regression_model_output_v{version}.skops",
        f"regression_model/trained_models/regression_model_output_v{version}.json",
        f"regression_model/trained_models/regression_model_output_v{version}.plan.json",
        "regression_model/trained_models/model_card.md",
        "regression_model/trained_models/model_card_predicted_vs_actual.png",
        "regression_model/datasets/train.csv",
        "regression_model/datasets/test.csv",
        "regression_model/config.yml",
        "regression_model/VERSION",
        "regression_model/trained_models.sha256",
    ):
        assert required in names, required
    assert not [name for name in names if name.endswith(".pkl")]


@pytest.mark.slow
def test_the_build_lists_every_folder_it_ships(wheel: Path) -> None:
    """setuptools builds the wheel without warning that a shipped folder (the
    store's revisions, the card's template) is absent from the packages and
    would be ignored."""
    log = (wheel.parent / "build.log").read_text(encoding="utf-8")
    assert "Successfully built" in log
    assert "would be ignored" not in log and "is absent from the" not in log


@pytest.fixture()
def store_env(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The store the example records in: a fresh PostgreSQL database for the postgres
    extra (skipped without the CI's server), else a throw-away SQLite file."""
    if request.node.callspec.params["extra"] != "postgres":
        yield {}
        return
    with new_postgres_database() as url:
        yield {"REGRESSION_MODEL_DB_URL": url}


def _check_core(result: dict[str, Any]) -> None:
    version = regression_model.__version__
    assert result == {**result, "version": version, "info_version": version}
    assert (result["errors"], result["n"], result["none"]) == (None, 1459, 0)
    assert result["max_rel_diff"] < 1e-9 and result["copies_equal"]
    hints = {"pyarrow": "pip install 'ames-price-model[parquet]'", "zstandard": "zstandard"}
    for module, message in result["missing"].items():
        assert (
            f"pip install {hints[module]}".replace("pip install pip install ", "pip install ")
            in (message)
            or hints[module] in message
        ), message


def _check_dask(result: dict[str, Any]) -> None:
    assert (result["n"], result["workers"]) == (1459, 2) and result["max_rel_diff"] < 1e-9


def _check_parquet(result: dict[str, Any]) -> None:
    assert result == {"n": 1459, "scored": 1459, "priced": 1459}


def _check_report(result: dict[str, Any]) -> None:
    assert result == {"linked": True, "png": True, "redrawn": True, "in_manifest": True}


def _check_postgres(result: dict[str, Any]) -> None:
    assert result["dialect"] == "postgresql" and result["count"] == 1
    assert result["stored"] == result["returned"]


EXAMPLES = {
    None: (CORE, _check_core),
    "postgres": (POSTGRES, _check_postgres),
    "parquet": (PARQUET, _check_parquet),
    "dask": (DASK, _check_dask),
    "report": (REPORT, _check_report),
}


@pytest.mark.slow
@pytest.mark.parametrize("extra", list(EXAMPLES), ids=[str(e) for e in EXAMPLES])
def test_extra_works_alone_in_a_fresh_venv(
    extra: str | None, wheel: Path, store_env: dict[str, str], tmp_path: Path
) -> None:
    """The wheel with no extra, or one extra alone, in a fresh venv runs that extra's
    documented example: the core scores test.csv (in one call, the same as row by row
    and as 14 copies scored in parts; and says which extra or package a Parquet or
    .zst file needs); Dask on a LocalCluster of 2 worker processes;
    Parquet in and out; the model card with its PNG plots; a PostgreSQL store."""
    python = fresh_venv(tmp_path / "venv", f"{wheel}[{extra}]" if extra else str(wheel))
    script, check = EXAMPLES[extra]
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "example.py").write_text(script)
    env = {
        **os.environ,
        "REGRESSION_MODEL_DB_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}",
        **store_env,
    }
    env.pop("PYTHONPATH", None)
    done = run_checked([str(python), "example.py"], cwd=outside, env=env, timeout=900)
    check(json.loads(done.stdout.strip().splitlines()[-1]))
