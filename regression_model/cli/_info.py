"""``regression-model info``: what model this is, how good, where predictions go."""

from __future__ import annotations

import argparse
import json
from typing import Any

from regression_model.cli._exits import EXIT_OK


def info(args: argparse.Namespace) -> int:
    import importlib.metadata

    from regression_model import audit
    from regression_model.predict import load_model
    from regression_model.store.urls import masked_url

    model = load_model()
    manifest = model.manifest
    # The store's settings are checked as any call checks them (a refused URL,
    # timeout or durability exits 2), without opening the store.
    audit.get_store()
    url = masked_url(audit.resolve_url())
    facts = {
        "version": model.version,
        "artifact": str(model.path),
        "model_identity": model.identity,
        "artifact_sha256": model.artifact_sha256,
        "training_data_sha256": manifest.get("training_data_sha256"),
        "trained_at": manifest.get("trained_at"),
        "metrics": manifest.get("metrics"),
        "libraries_at_training": manifest.get("libraries"),
        "libraries_installed": {
            name: importlib.metadata.version(name) for name in manifest.get("libraries", {})
        },
        "scoring_plan": model.plan.fallback_summary,
        "scoring_plan_fallback_steps": model.plan.fallback_steps,
        "prediction_store": url,
    }
    if args.json:
        print(json.dumps(facts, indent=2))
        return EXIT_OK
    print("\n".join(f"{label:<16} {describe(facts)}" for label, describe in _INFO_LINES))
    return EXIT_OK


def _accuracy(facts: dict[str, Any]) -> str:
    cv = facts["metrics"]["cv"]
    every, without = cv["all_rows"], cv["without_flagged"]
    return (
        f"repeated {cv['folds']}-fold CV RMSLE over all {every['rows']} rows "
        f"{every['pooled_mean']:.4f} (std {every['pooled_std']:.4f}, {len(cv['seeds'])} seeds); "
        f"without the flagged sales {without['pooled_mean']:.4f}"
    )


def _ranges(facts: dict[str, Any]) -> str:
    intervals = facts["metrics"]["intervals"]
    return (
        f"{intervals['nominal']:.0%} nominal: {intervals['coverage']:.1%} of true prices "
        f"inside in CV, median width {intervals['median_width']:.1%} of the price"
    )


def _beyond(facts: dict[str, Any]) -> str:
    beyond = facts["metrics"]["out_of_range"]
    return (
        f"{beyond['rows']:.1f} training rows per CV seed, RMSLE {beyond['rmsle_beyond']:.4f} "
        f"(the others {beyond['rmsle_within']:.4f})"
    )


def _libraries(facts: dict[str, Any]) -> str:
    installed = facts["libraries_installed"]
    return ", ".join(
        f"{name} {version}"
        + ("" if version == installed[name] else f" (installed {installed[name]})")
        for name, version in (facts["libraries_at_training"] or {}).items()
    )


def _reference(facts: dict[str, Any]) -> str:
    from regression_model.training.model_card import reference_summary

    return reference_summary(facts["metrics"].get("reference_cv") or {})


# What `regression-model info` prints, line by line.
_INFO_LINES: list[tuple[str, Any]] = [
    ("regression_model", lambda f: f"{f['version']}, trained {f['trained_at']}"),
    ("artifact:", lambda f: f["artifact"]),
    ("model identity:", lambda f: f["model_identity"]),
    ("artifact sha256:", lambda f: f["artifact_sha256"]),
    ("training data:", lambda f: f"sha256 {f['training_data_sha256']}"),
    ("accuracy:", _accuracy),
    ("compared with:", _reference),
    ("price ranges:", _ranges),
    ("beyond training:", _beyond),
    ("libraries:", _libraries),
    ("scoring plan:", lambda f: f["scoring_plan"]),
    ("predictions go:", lambda f: f["prediction_store"]),
]
