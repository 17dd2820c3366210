"""Our own transformer follows scikit-learn's conventions and maps labels exactly."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from regression_model.processing.features import OrdinalMapper


@parametrize_with_checks([OrdinalMapper()])
def test_sklearn_estimator_checks(estimator: Any, check: Any) -> None:
    """OrdinalMapper passes scikit-learn's estimator checks."""
    check(estimator)


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"ExterQual": ["TA", "Gd", "Ex"], "LotArea": [1.0, 2.0, 3.0]})


def test_maps_labels_and_leaves_other_columns() -> None:
    """Mapped column becomes integers; other columns pass unchanged."""
    out = OrdinalMapper({"ExterQual": {"TA": 3, "Gd": 4, "Ex": 5}}).fit_transform(_frame())
    assert out["ExterQual"].tolist() == [3, 4, 5]
    assert out["LotArea"].tolist() == [1.0, 2.0, 3.0]


def test_does_not_modify_its_input() -> None:
    """transform returns a copy; the input frame keeps its labels."""
    frame = _frame()
    mapper = OrdinalMapper({"ExterQual": {"TA": 3, "Gd": 4, "Ex": 5}}).fit(frame)
    mapper.transform(frame)
    assert frame.equals(_frame())


def test_unmapped_label_is_an_error_naming_column_and_label() -> None:
    """A label the mapping lacks raises, naming column and label, instead of becoming NaN."""
    mapper = OrdinalMapper({"ExterQual": {"TA": 3, "Gd": 4, "Ex": 5}}).fit(_frame())
    with pytest.raises(ValueError, match=r"ExterQual.*\['Po'\]"):
        mapper.transform(pd.DataFrame({"ExterQual": ["Po"], "LotArea": [1.0]}))


def test_fit_refuses_training_labels_missing_from_mapping() -> None:
    """fit checks the mapping covers every label seen in training."""
    with pytest.raises(ValueError, match="Ex"):
        OrdinalMapper({"ExterQual": {"TA": 3, "Gd": 4}}).fit(_frame())


def test_init_only_stores_and_transform_needs_fit() -> None:
    """__init__ stores its argument untouched; transform before fit raises NotFittedError."""
    mapping = {"ExterQual": {"TA": 3}}
    mapper = OrdinalMapper(mapping)
    assert mapper.mappings is mapping
    assert clone(mapper).get_params() == {"mappings": mapping}
    with pytest.raises(NotFittedError):
        mapper.transform(_frame())


def test_feature_names_out_are_the_input_names() -> None:
    """get_feature_names_out returns the fitted column names."""
    mapper = OrdinalMapper({"ExterQual": {"TA": 3, "Gd": 4, "Ex": 5}}).fit(_frame())
    assert list(mapper.get_feature_names_out()) == ["ExterQual", "LotArea"]
