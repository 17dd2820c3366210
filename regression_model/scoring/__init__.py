"""Scoring: rows in, prices out, with numpy.

``inputs`` wraps what a caller sends as a table (``well_formed`` checks it
is one); ``schema`` is the input contract and ``validation`` applies it (row
by row with pydantic, or column by column with numpy against ``rules``, in
``columnwise``); ``plan`` runs the numpy scoring plan that ``compiler``
derives from the fitted pipeline (its ``operations``, ``checks``,
``polynomials`` and ``intervals``, each written once over ``primitives`` for a
batch and for one row); ``scored`` assembles one price, range and list of
problems per row; ``allocator`` has the process keep the memory a large call
frees.
Nothing here records, logs or reads files.
"""

from regression_model.scoring.inputs import as_table
from regression_model.scoring.plan import ScoringPlan
from regression_model.scoring.schema import HouseDataInputSchema, RowError, RowWarning
from regression_model.scoring.scored import ScoredBatch, score_table
from regression_model.scoring.validators import validate_table

__all__ = [
    "HouseDataInputSchema",
    "RowError",
    "RowWarning",
    "ScoredBatch",
    "ScoringPlan",
    "as_table",
    "score_table",
    "validate_table",
]
