"""The installed model, loaded once: verified files, scoring plan, pipeline.

``load_model`` checks the artifact and its scoring plan against the manifest,
builds the plan, and caches the result; the fitted pipeline is read from its
skops file only when something asks for it (a plan step falling back to it, or
a caller). A plan with steps falling back to the pipeline is never silent: the
process logs one WARNING naming them and why.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regression_model.artifacts import (
    artifact_name,
    load_verified_pipeline,
    plan_path_for,
    profile_path_for,
    read_verified_text,
    verify_artifact,
)
from regression_model.config.core import TRAINED_MODEL_DIR, get_config
from regression_model.scoring.plan import ScoringPlan
from regression_model.versioning import model_identity

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from regression_model.store.model_rows import ModelRecord

__all__ = ["LoadedModel", "load_model"]

logger = logging.getLogger(__name__)

# The model files whose fallback steps this process has logged: one WARNING
# each, however often the model is loaded again.
_fallbacks_logged: set[Path] = set()
_fallbacks_lock = threading.Lock()


@dataclass
class LoadedModel:
    """A verified model: its manifest, its scoring plan, its reference profile
    (None for a model trained before profiles were made), and (read on first
    use) the fitted pipeline the plan was derived from."""

    path: Path
    manifest: dict[str, Any]
    spec: dict[str, Any]
    plan: ScoringPlan
    profile: dict[str, Any] | None = None

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    @property
    def artifact_sha256(self) -> str:
        """The artifact's sha256: its integrity, checked before it is read."""
        return str(self.manifest["artifact_sha256"])

    @cached_property
    def identity(self) -> str:
        """What determines the model's answers (see ``versioning.model_identity``)."""
        return model_identity(self.manifest["model_fingerprint"], self.spec, self.artifact_sha256)

    @cached_property
    def store_record(self) -> ModelRecord:
        """What the prediction store keeps of this model (loads SQLAlchemy)."""
        from regression_model.store.model_rows import ModelRecord

        return ModelRecord(
            identity=self.identity,
            version=self.version,
            artifact_sha256=self.artifact_sha256,
            config_fingerprint=str(self.manifest.get("config_fingerprint", "")),
            manifest=self.manifest,
            plan=self.spec,
            profile=self.profile,
        )

    @cached_property
    def pipeline(self) -> Pipeline:
        """The fitted scikit-learn pipeline, verified and read on first access."""
        return load_verified_pipeline(self.path)


@lru_cache(maxsize=1)
def load_model() -> LoadedModel:
    """Load, verify, compile and cache the installed version's model.

    Raises
    ------
    ModelNotTrainedError
        When no artifact exists for the installed version.
    ArtifactIntegrityError
        When the artifact or its plan does not match the manifest.
    ModelCompatibilityError
        When it was trained under another minor release of scikit-learn or
        feature-engine.

    Examples
    --------
    >>> from regression_model.model import load_model
    >>> load_model().version == __import__("regression_model").__version__
    True
    """
    config = get_config()
    path = TRAINED_MODEL_DIR / artifact_name(config)
    manifest = verify_artifact(path)
    plan_name = plan_path_for(path).name
    pipeline = None
    if plan_name in manifest.get("files", {}):
        spec = json.loads(read_verified_text(plan_name, manifest))
    else:  # an artifact without a plan file: derive the plan now
        from regression_model.scoring.compiler import compile_spec

        pipeline = load_verified_pipeline(path)
        spec = json.loads(json.dumps(compile_spec(pipeline)))
    profile_name = profile_path_for(path).name
    profile = None
    if profile_name in manifest.get("files", {}):
        profile = json.loads(read_verified_text(profile_name, manifest))
    model = LoadedModel(
        path=path, manifest=manifest, spec=spec, plan=ScoringPlan.from_spec(spec), profile=profile
    )
    if pipeline is not None:
        model.pipeline = pipeline
    if model.plan.fallback_steps:
        model.plan.attach_pipeline(model.pipeline)
        _log_fallback(model)
    return model


def _log_fallback(model: LoadedModel) -> None:
    """Warn, once per process and model file, that part of scoring runs through
    the pipeline (slower, and scikit-learn loaded), naming the steps and why."""
    with _fallbacks_lock:
        if model.path in _fallbacks_logged:
            return
        _fallbacks_logged.add(model.path)
    logger.warning(
        "the scoring plan of model %s %s; those steps price through scikit-learn, "
        "more slowly than the numpy plan",
        model.version,
        model.plan.fallback_summary,
    )
