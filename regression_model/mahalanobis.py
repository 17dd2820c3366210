"""The joint distance: how far a house's combination of values lies from the
training houses', and which of its values add most to that.

The distance is Mahalanobis': ``||((x - mean) / scale) @ W||``, with ``W`` a
square root of the precision of the standardised training columns
(``W @ W.T == precision``). The pipeline's :class:`JointRangeChecker` fits
``mean``, ``scale`` and ``W``; the scoring plan stores them and warns about a
row whose distance lies beyond the checker's threshold. Both compute it here.

It is computed in two renderings, which agree to rounding but not bit for bit
(the checker's threshold was set by the first, and the plan's warnings have
always come from the second, so each keeps its own):

* :meth:`JointDistance.of_rows`, rows by columns: standardise, then whiten;
  the checker's, in ``fit`` (the threshold) and ``check``.
* :meth:`JointDistance.of_columns`, columns by rows (the scoring plan's
  columns stacked): ``(W / scale).T @ x - mean @ (W / scale)``, one matrix
  product over the rows, with the standardisation folded in.

Numpy only, importing nothing of the package: the pipeline's estimators and
the scoring plan both sit above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

__all__ = [
    "JointDistance",
]


@dataclass(frozen=True)
class JointDistance:
    """The distance of rows from the training rows' mean (see module doc).

    Parameters
    ----------
    mean, scale : ndarray of shape (n_columns,)
        Standardisation of each column.
    whitening : ndarray of shape (n_columns, n_columns)
        ``W``, with ``W @ W.T`` the precision of the standardised columns.

    Examples
    --------
    >>> import numpy as np
    >>> from regression_model.mahalanobis import JointDistance
    >>> distance = JointDistance(np.zeros(2), np.ones(2), np.eye(2))
    >>> distance.of_rows(np.array([[3.0, 4.0]])).tolist()
    [5.0]
    >>> distance.main_fields(np.array([[3.0, 4.0]]), ["a", "b"], 1)
    [['b']]
    """

    mean: np.ndarray
    scale: np.ndarray
    whitening: np.ndarray

    def of_rows(self, values: np.ndarray) -> np.ndarray:
        """Each row's distance; ``values`` is rows by columns."""
        whitened = ((values - self.mean) / self.scale) @ self.whitening
        distances: np.ndarray = np.sqrt(np.einsum("ij,ij->i", whitened, whitened))
        return distances

    @cached_property
    def _folded(self) -> tuple[np.ndarray, np.ndarray]:
        """``(W / scale).T`` (contiguous: the product reads it row by row) and
        ``mean @ (W / scale)`` as a column: ``((x - mean) / scale) @ W`` in one
        product over the rows, taken column-major."""
        per_unit = self.whitening / self.scale[:, None]
        return per_unit.T.copy(), (self.mean @ per_unit)[:, None]

    def of_columns(self, x: np.ndarray) -> np.ndarray:
        """Each row's distance; ``x`` holds the columns, one row per column."""
        scaled, offset = self._folded
        whitened = scaled @ x
        whitened -= offset
        distances: np.ndarray = np.sqrt(np.einsum("ij,ij->j", whitened, whitened))
        return distances

    @cached_property
    def _precision(self) -> np.ndarray:
        precision: np.ndarray = self.whitening @ self.whitening.T
        return precision

    def main_fields(self, values: np.ndarray, names: list[str], count: int) -> list[list[str]]:
        """For each row of ``values`` (rows by columns), the ``count`` columns
        adding most to its squared distance, most first (ties in column order)."""
        rows = (values - self.mean) / self.scale
        # Each column's share of a row's squared distance: z_i (P z)_i.
        shares = rows * (rows @ self._precision)
        order = np.argsort(-shares, axis=1, kind="stable")[:, :count]
        return [[names[i] for i in top] for top in order.tolist()]
