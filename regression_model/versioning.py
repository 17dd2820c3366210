"""The model fingerprint: what must not change without a VERSION bump.

It hashes the validated config, the code that builds, fits and scores the
model (definition by definition, so moving code does not count), and the
training data's recorded sha256. A committed
record (``model_fingerprints.json``) maps each released VERSION to its
fingerprint, and a test fails when the current fingerprint differs from the
one recorded for the current VERSION.

Run ``python -m regression_model.versioning`` to print the fingerprint, and
``python -m regression_model.versioning --record`` after bumping VERSION.
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import regression_model
from regression_model.config.core import PACKAGE_ROOT, Config, get_config

__all__ = [
    "FINGERPRINT_RECORD",
    "MODEL_CODE",
    "code_digests",
    "model_fingerprint",
    "model_identity",
    "record_fingerprint",
    "recorded_fingerprints",
]

# What builds the model, as package paths (folders count with every module in
# them). Their code is hashed definition by definition: each top-level
# function, class and constant, without docstrings, comments or imports. So a
# module moved or renamed, or a definition moved between them, keeps the
# fingerprint; a change of logic does not.
MODEL_CODE = (
    "pipeline.py",
    "registry.py",
    "messages.py",
    "mahalanobis.py",
    "data.py",
    "processing",
    "scoring",
    "training/training_rows.py",
    "training/evaluation.py",
    "training/range_calibration.py",
    "training/run.py",
)
FINGERPRINT_RECORD = PACKAGE_ROOT / "model_fingerprints.json"


def _model_modules(root: Path) -> list[Path]:
    found: list[Path] = []
    for name in MODEL_CODE:
        path = root / name
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def _without_docstrings(node: ast.AST) -> ast.AST:
    """A copy of ``node`` with every docstring removed (they explain, not compute)."""
    node = copy.deepcopy(node)
    for inner in ast.walk(node):
        body = getattr(inner, "body", None)
        if (
            isinstance(inner, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            inner.body = body[1:] or [ast.Pass()]
    return node


def _counts(node: ast.stmt) -> bool:
    """Imports and ``__all__`` say where code lives, not what it computes."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return False
    targets = node.targets if isinstance(node, ast.Assign) else []
    return not any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)


def code_digests(root: Path = PACKAGE_ROOT) -> list[str]:
    """The sorted sha256 of every top-level definition of the model code (of the
    package at ``root``)."""
    digests = []
    for path in _model_modules(root):
        tree = _without_docstrings(ast.parse(path.read_text(encoding="utf-8")))
        assert isinstance(tree, ast.Module)
        for node in tree.body:
            if _counts(node):
                text = ast.dump(node, include_attributes=False)
                digests.append(hashlib.sha256(text.encode("utf-8")).hexdigest())
    return sorted(digests)


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
        "code": code_digests(),
    }
    blob = json.dumps(parts, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def model_identity(fingerprint: str, spec: dict[str, Any], artifact_sha256: str) -> str:
    """What determines a model's answers, as one sha256: the scoring plan it
    serves (weights, tables, checks, ranges) and its fingerprint (config, the
    code that validates and scores, data).

    Unlike the artifact's sha256, it is the same for two trainings of one
    commit: the artifact also holds fitting diagnostics (Lasso's ``dual_gap_``)
    whose last bits differ between runs. A plan whose later steps run through
    the stored pipeline (``fallback_steps``) depends on the artifact itself, so
    its sha256 joins the identity.

    Examples
    --------
    >>> from regression_model.versioning import model_identity
    >>> spec = {"operations": [], "head": {"intercept": 12.0}, "fallback_steps": []}
    >>> one = model_identity("f" * 64, spec, artifact_sha256="a" * 64)
    >>> one == model_identity("f" * 64, spec, artifact_sha256="b" * 64)
    True
    >>> one == model_identity("f" * 64, {**spec, "head": {"intercept": 12.5}}, "a" * 64)
    False
    """
    parts: dict[str, Any] = {"fingerprint": fingerprint, "plan": spec}
    if spec.get("fallback_steps"):
        parts["artifact_sha256"] = artifact_sha256
    blob = json.dumps(parts, sort_keys=True, allow_nan=False).encode("utf-8")
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
