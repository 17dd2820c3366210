"""The model fingerprint: what must not change without a VERSION bump.

It hashes the validated config, the code that builds and fits the pipeline
and prepares its input, and the training data's recorded sha256. A committed
record (``model_fingerprints.json``) maps each released VERSION to its
fingerprint, and a test fails when the current fingerprint differs from the
one recorded for the current VERSION.

Run ``python -m regression_model.versioning`` to print the fingerprint, and
``python -m regression_model.versioning --record`` after bumping VERSION.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
from pathlib import Path

import regression_model
from regression_model.config.core import PACKAGE_ROOT, Config, get_config

# The modules whose code decides what the model computes. Their syntax tree is
# hashed, so comments and formatting do not count; logic does.
MODEL_CODE = (
    "pipeline.py",
    "train_pipeline.py",
    "processing/features.py",
    "processing/schema.py",
    "processing/batch.py",
    "processing/validation.py",
    "processing/plan.py",
    "processing/plan_compiler.py",
    "processing/regressors.py",
    "processing/data_manager.py",
    "processing/range_checks.py",
    "processing/_frames.py",
    "processing/range_messages.py",
    "scoring/intervals.py",
    "scoring/signals.py",
    "training/evaluation.py",
    "training/intervals.py",
)
FINGERPRINT_RECORD = PACKAGE_ROOT / "model_fingerprints.json"


def _code_digest(relative: str) -> str:
    source = (PACKAGE_ROOT / relative).read_text(encoding="utf-8")
    return hashlib.sha256(ast.dump(ast.parse(source)).encode("utf-8")).hexdigest()


def model_fingerprint(config: Config | None = None) -> str:
    """sha256 over config, model code and training-data hash.

    Examples
    --------
    >>> from regression_model.versioning import model_fingerprint
    >>> len(model_fingerprint())
    64
    """
    cfg = config or get_config()
    parts = {
        "config": cfg.fingerprint(),
        "training_data_sha256": cfg.app_config.training_data_sha256,
        "code": {name: _code_digest(name) for name in MODEL_CODE},
    }
    blob = json.dumps(parts, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def recorded_fingerprints(path: Path = FINGERPRINT_RECORD) -> dict[str, str]:
    """The committed ``{version: fingerprint}`` record."""
    if not path.is_file():
        return {}
    record: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return record


def record_fingerprint(path: Path = FINGERPRINT_RECORD) -> str:
    """Record the current fingerprint for the current VERSION.

    Refuses to overwrite a version recorded with another fingerprint: a
    changed model needs a new VERSION.
    """
    record = recorded_fingerprints(path)
    version = regression_model.__version__
    current = model_fingerprint()
    if record.get(version, current) != current:
        raise SystemExit(
            f"VERSION {version} is already recorded with another fingerprint; the model "
            "changed, so bump regression_model/VERSION first"
        )
    record[version] = current
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return current


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="record it for the current VERSION")
    args = parser.parse_args(argv)
    print(record_fingerprint() if args.record else model_fingerprint())


if __name__ == "__main__":
    main()
