"""The fitted pipeline's file format: skops, never pickle.

Unpickling runs whatever code the file names. A skops file is a zip of JSON and
numpy arrays: loading it builds only the types it is told to trust and refuses
any other before building anything. The trusted types are named here, in code,
never read from a file: skops' ``get_untrusted_types`` says what a file would
need, and passing that back would trust whatever the file says.
"""

from __future__ import annotations

import warnings
import zipfile
from typing import TYPE_CHECKING

from regression_model.errors import ArtifactIntegrityError, ModelCompatibilityError

if TYPE_CHECKING:  # scikit-learn and skops load only when a pipeline is read or written
    from sklearn.pipeline import Pipeline

__all__ = ["TRUSTED_TYPES", "dump_pipeline", "load_pipeline_bytes"]

# What the pipeline is built of, beyond what skops trusts itself (Python's
# containers, numpy's arrays, dtypes and ufuncs, scikit-learn's estimators).
# Each builds from its attributes, with no code of the file's choosing.
TRUSTED_TYPES: tuple[str, ...] = (
    # feature-engine's transformers (pipeline.py builds them)
    "feature_engine.creation.math_features.MathFeatures",
    "feature_engine.creation.relative_features.RelativeFeatures",
    "feature_engine.encoding.one_hot.OneHotEncoder",
    "feature_engine.encoding.rare_label.RareLabelEncoder",
    "feature_engine.imputation.categorical.CategoricalImputer",
    "feature_engine.imputation.mean_median.MeanMedianImputer",
    "feature_engine.imputation.missing_indicator.AddMissingIndicator",
    "feature_engine.selection.drop_features.DropFeatures",
    "feature_engine.transformation.log.LogCpTransformer",
    "feature_engine.wrappers.wrappers.SklearnTransformerWrapper",
    # this package's transformers and regressor (processing/)
    "regression_model.processing.features.OrdinalMapper",
    "regression_model.processing.features.SplineFeatures",
    "regression_model.processing.imputers.FrequentCategoryImputer",
    "regression_model.processing.range_checks.FieldRangeChecker",
    "regression_model.processing.range_checks.JointRangeChecker",
    "regression_model.processing.regressors.ResidualTrimmedRegressor",
    "regression_model.processing.slopes.CategorySlopes",
    # SplineFeatures keeps one scipy B-spline per variable, and each B-spline
    # the array function of scipy's array-API layer it computes with.
    "scipy.interpolate._bsplines.BSpline",
    "scipy._lib.array_api_compat.numpy._aliases.asarray",
)


def dump_pipeline(pipeline: Pipeline) -> bytes:
    """``pipeline`` as a skops file (deflated), refused when it holds a type
    that :func:`load_pipeline_bytes` would not build.

    Raises
    ------
    ArtifactIntegrityError
        Naming the types to review and add to ``TRUSTED_TYPES``.
    """
    import skops.io as sio  # type: ignore[import-untyped]

    data: bytes = sio.dumps(pipeline, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    unknown = sorted(set(sio.get_untrusted_types(data=data)) - set(TRUSTED_TYPES))
    if unknown:
        raise ArtifactIntegrityError(
            f"the fitted pipeline holds types the loader does not trust ({', '.join(unknown)}); "
            "if they build from their attributes alone, name them in TRUSTED_TYPES "
            "(regression_model/_pipeline_file.py), else the model could not be loaded"
        )
    return data


def load_pipeline_bytes(data: bytes, name: str) -> Pipeline:
    """The pipeline in the skops file ``data`` (``name`` for messages), built
    from trusted types only.

    Raises
    ------
    ArtifactIntegrityError
        When ``data`` is not a skops file of a pipeline, or names a type outside
        skops' defaults and ``TRUSTED_TYPES`` (nothing is built then).
    ModelCompatibilityError
        When a type it names is missing from the installed libraries, or
        scikit-learn warns that it was written by another release.
    """
    import skops.io as sio
    from sklearn.exceptions import InconsistentVersionWarning
    from sklearn.pipeline import Pipeline
    from skops.io.exceptions import UntrustedTypesFoundException  # type: ignore[import-untyped]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InconsistentVersionWarning)
        try:
            loaded = sio.loads(data, trusted=list(TRUSTED_TYPES))
        except UntrustedTypesFoundException:
            unknown = sorted(set(sio.get_untrusted_types(data=data)) - set(TRUSTED_TYPES))
            raise ArtifactIntegrityError(
                f"{name} names types this package does not trust ({', '.join(unknown)}); "
                "nothing of it was built. Retrain with `tox -e train` or reinstall the package."
            ) from None
        except (ImportError, AttributeError) as error:
            raise ModelCompatibilityError(
                f"{name} cannot be rebuilt with the installed libraries ({error}); "
                "retrain with `tox -e train`"
            ) from error
        except Exception as error:  # a malformed zip or schema: any of many types
            raise ArtifactIntegrityError(
                f"{name} is not a readable skops file ({type(error).__name__}: {error}); "
                "retrain with `tox -e train` or reinstall the package"
            ) from error
    _replay_warnings(caught, name)
    if not isinstance(loaded, Pipeline):
        raise ArtifactIntegrityError(
            f"{name} holds a {type(loaded).__name__}, not a fitted pipeline; "
            "retrain with `tox -e train` or reinstall the package"
        )
    return loaded


def _replay_warnings(caught: list[warnings.WarningMessage], name: str) -> None:
    """scikit-learn's InconsistentVersionWarning becomes ModelCompatibilityError;
    any other warning is re-issued as it was."""
    from sklearn.exceptions import InconsistentVersionWarning

    for warning in caught:
        if issubclass(warning.category, InconsistentVersionWarning):
            raise ModelCompatibilityError(f"{name}: {warning.message}; retrain with `tox -e train`")
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
