"""The model card: what the model is for, how good it is, and where it fails.

Training writes ``model_card.md`` beside the artifact (the wheel carries it)
from the manifest and the cross-validated predictions, by filling the
Markdown template ``training/templates/model_card.md``. Plots are PNG files
drawn with matplotlib, an optional extra (``pip install
"ames-price-model[report]"``); without it the card is written without plots
and says so.
"""

from __future__ import annotations

import io
from importlib import resources
from string import Template
from typing import Any

import numpy as np
import pandas as pd

from regression_model.training.range_calibration import BAND_NAMES, band_of

CARD_NAME = "model_card.md"
PLOT_NAMES = {
    "predicted_vs_actual": "model_card_predicted_vs_actual.png",
    "residuals_by_band": "model_card_residuals_by_band.png",
    "top_coefficients": "model_card_top_coefficients.png",
}


def residuals_by_band(actual: pd.Series, predicted: np.ndarray) -> pd.DataFrame:
    """RMSLE, bias and row count per band of actual price. ``predicted`` is
    one row of prices per CV seed (or a single row); every seed counts."""
    predicted = np.atleast_2d(predicted)
    prices = np.tile(actual.to_numpy(dtype=np.float64), len(predicted))
    frame = pd.DataFrame(
        {"log_error": np.log(predicted.ravel()) - np.log(prices), "band": band_of(prices)}
    )
    grouped = frame.groupby("band", observed=False)["log_error"]
    return pd.DataFrame(
        {
            "rows": grouped.size() // len(predicted),
            "rmsle": grouped.apply(lambda e: float(np.sqrt(np.mean(e**2))) if len(e) else np.nan),
            "median_error_pct": grouped.apply(
                lambda e: float(np.expm1(np.median(e)) * 100) if len(e) else np.nan
            ),
        }
    )


def top_coefficients(pipeline: Any, count: int = 15) -> pd.Series:
    """The largest coefficients of the linear model, per standardised feature."""
    regressor = pipeline.steps[-1][1].regressor_
    names = pipeline.steps[-2][1].feature_names_in_
    weights = pd.Series(np.ravel(regressor.coef_), index=names)
    return weights.reindex(weights.abs().sort_values(ascending=False).index).head(count)


def _plots(
    actual: pd.Series, predicted: np.ndarray, bands: pd.DataFrame, coefficients: pd.Series
) -> dict[str, bytes] | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    images: dict[str, bytes] = {}

    def save(name: str, figure: Any) -> None:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        plt.close(figure)
        images[PLOT_NAMES[name]] = buffer.getvalue()

    figure, axis = plt.subplots(figsize=(6, 6))
    axis.scatter(actual, predicted, s=6, alpha=0.5)
    low, high = float(min(actual.min(), predicted.min())), float(max(actual.max(), predicted.max()))
    axis.plot([low, high], [low, high], color="black", linewidth=1)
    axis.set(
        xscale="log",
        yscale="log",
        xlabel="actual price ($)",
        ylabel="cross-validated prediction ($)",
        title="Predicted vs actual (cross-validation, first seed)",
    )
    save("predicted_vs_actual", figure)

    figure, axis = plt.subplots(figsize=(7, 4))
    axis.bar(bands.index.astype(str), bands["rmsle"])
    axis.set(ylabel="RMSLE", title="Error by band of actual price (cross-validation)")
    axis.tick_params(axis="x", rotation=20)
    save("residuals_by_band", figure)

    figure, axis = plt.subplots(figsize=(7, 5))
    axis.barh(coefficients.index[::-1], coefficients.to_numpy()[::-1])
    axis.set(xlabel="coefficient (log price per standard deviation)", title="Largest coefficients")
    save("top_coefficients", figure)
    return images


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _seed_rows(cv: dict[str, Any]) -> str:
    every, without = cv["all_rows"], cv["without_flagged"]
    rows = [
        f"| {a['seed']} | {a['pooled']:.4f} | {a['fold_mean']:.4f} | {b['pooled']:.4f} "
        f"| {b['fold_mean']:.4f} |"
        for a, b in zip(every["per_seed"], without["per_seed"], strict=True)
    ]
    rows.append(
        "| **mean (std)** | "
        + " | ".join(
            f"**{part[f'{key}_mean']:.4f}** ({part[f'{key}_std']:.4f})"
            for part in (every, without)
            for key in ("pooled", "fold_mean")
        )
        + " |"
    )
    return "\n".join(rows)


def _reference(reference: dict[str, Any]) -> str:
    if reference.get("pooled_mean") is None:
        return f"The reference package under the same protocol: {reference_summary(reference)}."
    per_seed = ", ".join(
        f"seed {s['seed']}: {s['pooled']:.4f}" for s in reference.get("per_seed", [])
    )
    return (
        f"The reference package, {reference['package']}, under the same protocol (same "
        f"folds, every row scored, fitted as its own training does): pooled RMSLE "
        f"{reference['pooled_mean']:.4f} (std {reference['pooled_std']:.4f}; {per_seed})."
    )


def _band_rows(intervals: dict[str, Any]) -> str:
    return "\n".join(
        f"| {name} | {band['rows']} | {band['coverage']:.1%} | {band['median_width']:.1%} |"
        for name, band in intervals["by_band"].items()
    )


def _error_rows(bands: pd.DataFrame) -> str:
    return "\n".join(
        f"| {band} | {int(row['rows'])} | {row['rmsle']:.4f} | {row['median_error_pct']:+.1f}% |"
        for band, row in bands.iterrows()
    )


def build_model_card(
    manifest: dict[str, Any],
    pipeline: Any,
    actual: pd.Series,
    cv_predicted: np.ndarray,
) -> dict[str, str | bytes]:
    """The card's Markdown and, when matplotlib is installed, its PNG plots.

    ``cv_predicted`` holds the cross-validated prices, one row per CV seed.

    Returns
    -------
    dict
        ``{file name: content}``: ``model_card.md`` (str) and the PNGs (bytes).
    """
    predicted = np.atleast_2d(cv_predicted)
    bands = residuals_by_band(actual, predicted)
    coefficients = top_coefficients(pipeline)
    images = _plots(actual, predicted[0], bands, coefficients)
    plots = (
        'Not drawn: matplotlib is not installed (`pip install "ames-price-model[report]"`).'
        if images is None
        else "\n".join(f"![{name}]({file})" for name, file in PLOT_NAMES.items())
    )
    template = Template(
        resources.files("regression_model.training")
        .joinpath("templates", CARD_NAME)
        .read_text(encoding="utf-8")
    )
    text = template.substitute(
        **_model_fields(manifest),
        **_figure_fields(manifest["metrics"]),
        error_rows=_error_rows(bands),
        worst_band=bands["rmsle"].idxmax(),
        worst_rmsle=f"{float(bands['rmsle'].max()):.4f}",
        coefficient_rows="\n".join(f"| {n} | {w:+.4f} |" for n, w in coefficients.items()),
        plots=plots,
    )
    files: dict[str, str | bytes] = {CARD_NAME: text}
    files.update(images or {})
    return files


def _model_fields(manifest: dict[str, Any]) -> dict[str, Any]:
    """The template's fields about what the model is and what made it."""
    estimator = manifest["estimator"]
    sigma = estimator.get("trim_residuals_sigma")
    return {
        "version": manifest["version"],
        "trained_at": manifest["trained_at"],
        "data_file": manifest["training_data_file"],
        "data_sha256": manifest["training_data_sha256"],
        "rows": manifest["training_rows"],
        "flagged_count": len(manifest["flagged_sales"]),
        "flagged_ids": ", ".join(map(str, manifest["flagged_sales"])) or "none",
        "estimator": estimator["name"],
        "params": estimator["params"],
        "trimming": ""
        if sigma is None
        else f", refitted without the training rows whose log-price residual lies beyond "
        f"{sigma} standard deviations",
        "random_state": manifest["random_state"],
        "config_fingerprint": manifest["config_fingerprint"],
        "python": manifest["python"],
        "libraries": ", ".join(f"{k} {v}" for k, v in manifest["libraries"].items()),
    }


def _figure_fields(metrics: dict[str, Any]) -> dict[str, Any]:
    """The template's fields about how good the model is."""
    cv, intervals, beyond = metrics["cv"], metrics["intervals"], metrics["out_of_range"]
    outside = intervals["beyond_training"]
    return {
        "nominal": f"{intervals['nominal']:.0%}",
        "folds": cv["folds"],
        "seeds": ", ".join(map(str, cv["seeds"])),
        "seed_rows": _seed_rows(cv),
        "reference": _reference(metrics.get("reference_cv") or {}),
        "coverage": _percent(intervals["coverage"]),
        "coverage_per_seed": ", ".join(_percent(c) for c in intervals["coverage_per_seed"]),
        "median_width": _percent(intervals["median_width"]),
        "band_rows": _band_rows(intervals),
        "beyond_rows": f"{outside['rows_per_seed']:.1f}",
        "beyond_coverage": _percent(outside["coverage"]),
        "beyond_width": _percent(outside["median_width"]),
        "joint_share": f"{beyond['joint_quantile']:.1%}",
        "beyond_rmsle": f"{beyond['rmsle_beyond']:.4f}",
        "within_rmsle": f"{beyond['rmsle_within']:.4f}",
    }


def reference_summary(reference: dict[str, Any]) -> str:
    """The reference package's repeated-CV figure on our folds, in words (or why
    it is unknown)."""
    if reference.get("pooled_mean") is None:
        return f"reference: not known ({reference.get('note', 'not recorded by this model')})"
    return (
        f"{reference['package']}, same folds and rows: RMSLE {reference['pooled_mean']:.4f} "
        f"(std {reference['pooled_std']:.4f})"
    )


__all__ = ["BAND_NAMES", "build_model_card", "reference_summary", "residuals_by_band"]
