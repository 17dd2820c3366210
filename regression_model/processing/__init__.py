"""Our stored estimators, and the reference package's import paths.

The trained artifact (a skops file) names the estimators of ``features``,
``imputers``, ``slopes``, ``range_checks`` and ``regressors`` by these module
names, and loading trusts them by name, so they stay here. ``data_manager``
and ``validation`` keep the reference's functions at its paths; their work
is done in ``regression_model.data``, ``regression_model.artifacts`` and
``regression_model.scoring``.
"""

__all__: list[str] = []
