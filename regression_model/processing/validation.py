"""Input validation: the contract (``schema.py``) applied to a whole frame.

Kept at this path for apps written against the reference package, which
import ``HouseDataInputSchema`` from here.
"""

from __future__ import annotations

import pandas as pd

from regression_model.config.core import Config
from regression_model.scoring.inputs import FrameInput
from regression_model.scoring.schema import (
    HouseDataInputSchema,
    MultipleHouseDataInputs,
    RowError,
)
from regression_model.scoring.validation import validate_table

__all__ = ["HouseDataInputSchema", "MultipleHouseDataInputs", "RowError", "validate_inputs"]


def validate_inputs(
    *, input_data: pd.DataFrame, config: Config
) -> tuple[pd.DataFrame, list[RowError]]:
    """Check every row against the schema and the required fields.

    Only the columns the model uses (``features`` in config.yml) are checked;
    other columns are ignored. Row positions are 0-based positions in
    ``input_data``, whatever its index.

    Parameters
    ----------
    input_data : pandas.DataFrame
        Rows with the reference's column names (already renamed).
    config : Config
        The validated configuration.

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
    batch = validate_table(FrameInput(input_data), config)
    return batch.frame(config), batch.errors
