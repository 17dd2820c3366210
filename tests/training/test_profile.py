"""The reference profile: made at training from the training rows and the out-of-fold
predictions, shipped and verified like the scoring plan, kept in the store's models row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from regression_model import audit
from regression_model.artifacts import profile_path_for
from regression_model.config.core import Config
from regression_model.data import file_sha256
from regression_model.model import load_model
from regression_model.predict import make_prediction
from regression_model.training.profile import PROFILE_BINS, profile_fields
from tests.test_artifacts import ARTIFACT, _run, package_copy  # noqa: F401 (a fixture)


@pytest.fixture(scope="module")
def profile() -> dict[str, Any]:
    found = load_model().profile
    assert found is not None
    return found


def test_profile_ships_in_the_artifact_vouched_for_by_the_manifest(profile: Any) -> None:
    """The profile is a file beside the artifact whose sha256 the manifest records,
    and load_model hands back exactly its content."""
    model = load_model()
    path = profile_path_for(model.path)
    assert path.name == f"{ARTIFACT}.profile.json"
    assert model.manifest["files"][path.name] == file_sha256(path)
    assert json.loads(path.read_text()) == profile


def test_an_edited_profile_is_refused_when_the_model_loads(package_copy: Path) -> None:  # noqa: F811
    """A profile edited after training is refused on its sha256 when the model loads,
    store off or not, as an edited scoring plan is."""
    path = package_copy / "regression_model" / "trained_models" / f"{ARTIFACT}.profile.json"
    profile = json.loads(path.read_text())
    profile["fields"]["GrLivArea"]["missing"] = 0.5
    path.write_text(json.dumps(profile))
    code = (
        "from regression_model.model import load_model\n"
        "try:\n    load_model()\n    print('LOADED')\n"
        "except Exception as error:\n    print(type(error).__name__, error)\n"
    )
    out = _run(package_copy, code)
    assert out.startswith("ArtifactIntegrityError") and "profile.json" in out


def test_input_fields_match_a_direct_computation(
    profile: Any, train_frame: pd.DataFrame, config: Config
) -> None:
    """Every field of the input contract but Id is profiled: a number's bins are its
    deciles, holding the shares of training values counted here; a category's shares
    and every missing share are those of train.csv."""
    fields = profile["fields"]
    assert list(fields) == sorted(profile_fields(config)) and len(fields) == 79
    area = train_frame["GrLivArea"].to_numpy(dtype=float)
    edges = np.unique(
        np.quantile(area, np.arange(1, PROFILE_BINS) / PROFILE_BINS, method="inverted_cdf")
    )
    assert fields["GrLivArea"]["edges"] == edges.tolist()
    counts = [
        np.sum((area > low) & (area <= high))
        for low, high in zip([-np.inf, *edges], [*edges, np.inf], strict=True)
    ]
    assert fields["GrLivArea"]["shares"] == pytest.approx(np.array(counts) / len(area))
    shares = train_frame["Neighborhood"].value_counts(normalize=True)
    assert fields["Neighborhood"]["shares"] == pytest.approx(shares.to_dict())
    assert set(fields["MSSubClass"]["shares"]) == {str(c) for c in train_frame["MSSubClass"]}
    for name, entry in fields.items():
        assert entry["missing"] == pytest.approx(train_frame[name].isna().mean()), name


def test_predictions_and_accuracy_agree_with_the_manifests_cross_validation(
    profile: Any,
) -> None:
    """The out-of-fold part agrees with the figures training recorded from the same
    cross-validation: the rows warned per seed, the range coverage overall and by band;
    price deciles hold a tenth each and no row was rejected."""
    metrics = load_model().manifest["metrics"]
    prices, accuracy = profile["predictions"], profile["accuracy"]
    rows = profile["rows"]
    assert prices["rows"] == rows * len(metrics["cv"]["seeds"])
    assert prices["warning_rates"]["any"] * rows == pytest.approx(metrics["out_of_range"]["rows"])
    assert prices["shares"] == pytest.approx([0.1] * 10, abs=1e-3)
    assert prices["rejected_rate"] == 0.0
    assert accuracy["segments"]["all"]["coverage"] == metrics["intervals"]["coverage"]
    for name, band in metrics["intervals"]["by_band"].items():
        assert accuracy["segments"][f"band:{name}"]["coverage"] == band["coverage"]
        assert accuracy["segments"][f"band:{name}"]["rows"] == band["rows"]


def test_the_models_row_of_the_store_carries_the_profile(
    empty_store_url: str, profile: Any
) -> None:
    """The model's first recorded call writes its profile into its row of the store's
    models table, where monitoring reads it, on SQLite and PostgreSQL."""
    make_prediction(
        input_data=[{"OverallQual": 6, "GrLivArea": 1200, "Neighborhood": "NAmes", "YrSold": 2009}]
    )
    (model,) = audit.models()
    assert model["profile"] == profile
