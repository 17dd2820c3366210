"""The joint distance's two renderings agree, and the fitted checker and the
scoring plan both measure with it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from regression_model.mahalanobis import JointDistance
from regression_model.processing.range_checks import JointRangeChecker


def _fitted(seed: int) -> tuple[JointRangeChecker, np.ndarray]:
    rng = np.random.default_rng(seed)
    area = rng.normal(1500, 300, 400)
    rooms = area / 200 + rng.normal(0, 0.5, 400)
    year = rng.normal(1970, 25, 400)
    values = np.column_stack([area, rooms, year])
    frame = pd.DataFrame(values, columns=["GrLivArea", "TotRmsAbvGrd", "YearBuilt"])
    return JointRangeChecker(quantile=0.95).fit(frame), values


def test_rows_and_columns_give_the_same_distances_to_rounding() -> None:
    """The checker's rendering (rows standardised, then whitened) and the plan's
    (columns by rows, the standardisation folded into one product) give every
    row the same distance to 1e-12, on rows inside and far outside the
    training rows."""
    checker, values = _fitted(0)
    distance = JointDistance(checker.mean_, checker.scale_, checker.whitening_)
    far = values * np.array([3.0, 0.2, 1.01])
    for rows in (values, far):
        np.testing.assert_allclose(
            distance.of_columns(rows.T.copy()), distance.of_rows(rows), rtol=1e-12
        )


def test_the_checker_measures_with_the_shared_distance() -> None:
    """The fitted checker's distances are JointDistance.of_rows' bits, its
    threshold their quantile, and the fields it names for a flagged row are
    those JointDistance.main_fields names: the columns adding most to the
    squared distance."""
    checker, values = _fitted(1)
    distance = JointDistance(checker.mean_, checker.scale_, checker.whitening_)
    np.testing.assert_array_equal(checker.distances(values), distance.of_rows(values))
    assert checker.threshold_ == float(np.quantile(distance.of_rows(values), 0.95))
    odd = np.array([[900.0, 12.0, 1970.0], [1500.0, 7.5, 1850.0]])
    frame = pd.DataFrame(odd, columns=checker.variables_)
    found = checker.check(frame)
    assert [row for row, _, _ in found] == [0, 1]
    named = distance.main_fields(odd, checker.variables_, 3)
    assert [fields for _, fields, _ in found] == [", ".join(n) for n in named]
    assert named[1][0] == "YearBuilt"  # 4.8 standard deviations early, nothing else odd
