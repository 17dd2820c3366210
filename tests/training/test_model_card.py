"""The model card written by training: metrics, failure bands, plots."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np
import pytest

import regression_model
from regression_model.config.core import TRAINED_MODEL_DIR, Config
from regression_model.data import file_sha256, load_training_data
from regression_model.predict import load_model
from regression_model.training.model_card import CARD_NAME, PLOT_NAMES, build_model_card
from regression_model.training.training_rows import training_frame


def test_card_beside_the_artifact_reports_the_manifest() -> None:
    """model_card.md names the version, data hash and CV RMSLE of the manifest, which
    records its sha256."""
    manifest = load_model().manifest
    card = (TRAINED_MODEL_DIR / CARD_NAME).read_text()
    assert f"regression_model {regression_model.__version__}" in card
    assert manifest["training_data_sha256"] in card
    cv, intervals = manifest["metrics"]["cv"], manifest["metrics"]["intervals"]
    for part in ("all_rows", "without_flagged"):
        assert f"**{cv[part]['pooled_mean']:.4f}**" in card
        for seed in cv[part]["per_seed"]:
            assert f"{seed['pooled']:.4f}" in card
    assert f"{manifest['metrics']['reference_cv']['pooled_mean']:.4f}" in card
    assert f"{intervals['coverage']:.1%} of true prices fell inside" in card
    for name, band in intervals["by_band"].items():
        assert f"| {name} | {band['rows']} | {band['coverage']:.1%} |" in card
    beyond = manifest["metrics"]["out_of_range"]
    assert f"{beyond['rows']:.1f} training rows per seed" in card
    assert "## Where it fails" in card and "Ames, Iowa" in card
    assert "$" + "{" not in card and "\n$" not in card  # every placeholder was filled
    assert manifest["files"][CARD_NAME] == file_sha256(TRAINED_MODEL_DIR / CARD_NAME)


def test_card_links_its_plots() -> None:
    """With the report extra (matplotlib), training drew the card's plots: each is a
    PNG beside the card, linked from it, with its sha256 in the manifest."""
    pytest.importorskip("matplotlib", reason="the report extra is not installed")
    manifest = load_model().manifest
    card = (TRAINED_MODEL_DIR / CARD_NAME).read_text()
    assert "matplotlib is not installed" not in card, "retrain with the report extra installed"
    for name in PLOT_NAMES.values():
        assert manifest["files"][name] == file_sha256(TRAINED_MODEL_DIR / name)
        assert f"]({name})" in card
        assert (TRAINED_MODEL_DIR / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_card_without_matplotlib_says_so(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """With matplotlib missing the card is still written, without plots, saying why."""
    real_import = builtins.__import__

    def no_matplotlib(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("matplotlib"):
            raise ImportError("no matplotlib here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    model = load_model()
    _, y, _ = training_frame(load_training_data(config), config)
    files = build_model_card(model.manifest, model.pipeline, y, np.asarray(y)[None, :] * 1.05)
    assert set(files) == {CARD_NAME}
    text = files[CARD_NAME]
    assert isinstance(text, str) and "ames-price-model[report]" in text
    assert text.count("+5.0%") == 5  # every band priced 5% high: the table is computed
