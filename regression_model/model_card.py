"""The model card: what the model is for, how good it is, and where it fails.

Training writes ``model_card.md`` beside the artifact (the wheel carries it)
from the manifest and the cross-validated predictions. Plots are PNG files
drawn with matplotlib, an optional extra (``pip install
"regression-model[report]"``); without it the card is written without plots
and says so.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd

CARD_NAME = "model_card.md"
PLOT_NAMES = {
    "predicted_vs_actual": "model_card_predicted_vs_actual.png",
    "residuals_by_band": "model_card_residuals_by_band.png",
    "top_coefficients": "model_card_top_coefficients.png",
}
PRICE_BANDS = [0, 100_000, 150_000, 200_000, 300_000, np.inf]


def residuals_by_band(actual: pd.Series, predicted: np.ndarray) -> pd.DataFrame:
    """RMSLE, bias and row count of the predictions per band of actual price."""
    frame = pd.DataFrame({"actual": actual.to_numpy(), "predicted": predicted})
    frame["log_error"] = np.log(frame["predicted"]) - np.log(frame["actual"])
    labels = ["under $100k", "$100k-150k", "$150k-200k", "$200k-300k", "$300k and over"]
    frame["band"] = pd.cut(frame["actual"], PRICE_BANDS, labels=labels, right=False)
    grouped = frame.groupby("band", observed=False)["log_error"]
    return pd.DataFrame(
        {
            "rows": grouped.size(),
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
        title="Predicted vs actual (5-fold CV)",
    )
    save("predicted_vs_actual", figure)

    figure, axis = plt.subplots(figsize=(7, 4))
    axis.bar(bands.index.astype(str), bands["rmsle"])
    axis.set(ylabel="RMSLE", title="Error by band of actual price (5-fold CV)")
    axis.tick_params(axis="x", rotation=20)
    save("residuals_by_band", figure)

    figure, axis = plt.subplots(figsize=(7, 5))
    axis.barh(coefficients.index[::-1], coefficients.to_numpy()[::-1])
    axis.set(xlabel="coefficient (log price per standard deviation)", title="Largest coefficients")
    save("top_coefficients", figure)
    return images


def build_model_card(
    manifest: dict[str, Any],
    pipeline: Any,
    actual: pd.Series,
    cv_predicted: np.ndarray,
) -> dict[str, str | bytes]:
    """The card's Markdown and, when matplotlib is installed, its PNG plots.

    Returns
    -------
    dict
        ``{file name: content}``: ``model_card.md`` (str) and the PNGs (bytes).
    """
    bands = residuals_by_band(actual, cv_predicted)
    coefficients = top_coefficients(pipeline)
    images = _plots(actual, cv_predicted, bands, coefficients)
    metrics = manifest["metrics"]
    heldout, cv = metrics["heldout"], metrics["cv"]
    lines = [
        f"# Model card: regression_model {manifest['version']}",
        "",
        f"Trained {manifest['trained_at']} on `{manifest['training_data_file']}` "
        f"(sha256 `{manifest['training_data_sha256']}`), {manifest['training_rows']} rows "
        f"after dropping rows {manifest['outlier_rows_dropped']} (the data author's huge, "
        "cheap sales).",
        "",
        "## What it is for",
        "",
        "Estimating the sale price of a residential property in Ames, Iowa, as sold between "
        "2006 and 2010, from the 79 attributes of the Ames Housing data (De Cock). "
        "Not for: other cities or years (no inflation or market adjustment), commercial "
        "property, houses far outside the training data (prices outside the configured "
        "plausible range are refused), or decisions about people (lending, appraisal) "
        "without a human review.",
        "",
        "## Model",
        "",
        f"A scikit-learn pipeline of feature-engine transformers and "
        f"`{manifest['estimator']['name']}` {manifest['estimator']['params']} on log price "
        f"(see the README's 'The model'){_trimming(manifest['estimator'])}. Seed "
        f"{manifest['random_state']}; config fingerprint `{manifest['config_fingerprint']}`.",
        "",
        "## How good it is",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| {cv['folds']}-fold CV RMSLE | {cv['rmsle_mean']:.4f} (std {cv['rmsle_std']:.4f}; "
        f"folds {', '.join(f'{s:.4f}' for s in cv['rmsle_per_fold'])}) |",
        f"| reference package | {reference_summary(metrics.get('reference_cv') or {})} |",
        f"| held-out RMSLE ({heldout['rows']} rows) | {heldout['rmsle']:.4f} |",
        f"| held-out RMSE | ${heldout['rmse']:,.0f} |",
        f"| held-out R² | {heldout['r2']:.4f} |",
        "",
        "## Where it fails",
        "",
        "Cross-validated errors by band of actual price (a positive median error means the "
        "model prices that band too high):",
        "",
        "| band | rows | RMSLE | median error |",
        "| --- | --- | --- | --- |",
    ]
    for band, row in bands.iterrows():
        rows, error, bias = int(row["rows"]), row["rmsle"], row["median_error_pct"]
        lines.append(f"| {band} | {rows} | {error:.4f} | {bias:+.1f}% |")
    worst = bands["rmsle"].idxmax()
    lines += [
        "",
        f"The largest relative errors are in the band {worst} (RMSLE "
        f"{float(bands['rmsle'].max()):.4f}). Rare categories (under 1% of training rows) are "
        "pooled as 'Rare', and categories never seen in training are priced as such, with a "
        "warning.",
        "",
        "## Largest coefficients",
        "",
        "| feature | coefficient |",
        "| --- | --- |",
        *[f"| {name} | {weight:+.4f} |" for name, weight in coefficients.items()],
        "",
        "## Plots",
        "",
    ]
    if images is None:
        lines.append(
            'Not drawn: matplotlib is not installed (`pip install "regression-model[report]"`).'
        )
    else:
        lines += [f"![{name}]({file})" for name, file in PLOT_NAMES.items()]
    lines += [
        "",
        "## Versions",
        "",
        f"Python {manifest['python']}; "
        + ", ".join(f"{k} {v}" for k, v in manifest["libraries"].items())
        + ".",
        "",
    ]
    files: dict[str, str | bytes] = {CARD_NAME: "\n".join(lines)}
    files.update(images or {})
    return files


def reference_summary(reference: dict[str, Any]) -> str:
    """The reference package's CV figure on our folds, in words (or why it is unknown)."""
    if reference.get("rmsle_mean") is None:
        return f"reference: not known ({reference.get('note', 'not recorded by this model')})"
    return (
        f"{reference['package']}, same folds: RMSLE {reference['rmsle_mean']:.4f} "
        f"(std {reference['rmsle_std']:.4f})"
    )


def _trimming(estimator: dict[str, Any]) -> str:
    sigma = estimator.get("trim_residuals_sigma")
    if sigma is None:
        return ""
    return (
        f", refitted without the training rows whose log-price residual lies beyond {sigma} "
        "standard deviations"
    )
