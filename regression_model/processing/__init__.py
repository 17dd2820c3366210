"""Our pickled estimators, and the reference package's import paths.

The trained artifact pickles the estimators of ``features``, ``imputers``,
``slopes``, ``range_checks`` and ``regressors`` under these module names, so
they stay here. ``data_manager`` and ``validation`` keep the reference's
functions at its paths; their work is done in ``regression_model.data``,
``regression_model.artifacts`` and ``regression_model.scoring``.
"""

__all__: list[str] = []
