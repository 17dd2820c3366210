"""Cross-validated RMSLE of candidate models, on the folds training uses.

Scores every training row but the two outliers training drops, with 5-fold
KFold (shuffle, seed from config.yml): the shipped Lasso pipeline, a
HistGradientBoostingRegressor on the same features, and log-space blends of
the two. The record of the search for issue 6 (target: 0.105).

    python benchmarks/model_search.py
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.pipeline import Pipeline

from regression_model.config.core import get_config
from regression_model.pipeline import build_pipeline
from regression_model.processing.data_manager import load_training_data
from regression_model.train_pipeline import training_frame

warnings.filterwarnings("ignore", category=UserWarning)


def main() -> None:
    config = get_config()
    X, y, _ = training_frame(load_training_data(config), config)
    folds = KFold(
        config.model_config.cv_folds, shuffle=True, random_state=config.model_config.random_state
    )

    def rmsle(predicted: np.ndarray) -> float:
        return float(
            np.mean(
                [
                    np.sqrt(np.mean((np.log(y.iloc[test]) - np.log(predicted[test])) ** 2))
                    for _, test in folds.split(X)
                ]
            )
        )

    lasso = cross_val_predict(build_pipeline(config), X, y, cv=folds)
    print(f"Lasso pipeline (shipped):          {rmsle(lasso):.4f}")
    features = build_pipeline(config).steps[:-2]
    for rate, iterations, leaf in [(0.05, 600, 20), (0.03, 1200, 15)]:
        regressor = TransformedTargetRegressor(
            HistGradientBoostingRegressor(
                learning_rate=rate,
                max_iter=iterations,
                min_samples_leaf=leaf,
                l2_regularization=1.0,
                random_state=0,
            ),
            func=np.log,
            inverse_func=np.exp,
        )
        boosted = Pipeline([*features, ("regressor", regressor)])
        trees = cross_val_predict(boosted, X, y, cv=folds)
        print(f"HGB lr={rate} iter={iterations} leaf={leaf}:  {rmsle(trees):.4f}")
        for weight in (0.6, 0.7, 0.8):
            blend = np.exp(weight * np.log(lasso) + (1 - weight) * np.log(trees))
            print(f"  blend {weight:.1f} Lasso + {1 - weight:.1f} HGB:   {rmsle(blend):.4f}")


if __name__ == "__main__":
    main()
