"""The fitted pipeline's skops file: the types it may hold are named in code, and a
file naming any other type builds and imports nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline

from regression_model._pipeline_file import TRUSTED_TYPES, dump_pipeline
from regression_model.errors import ArtifactIntegrityError
from regression_model.model import load_model

# A module whose import leaves a file behind (when MARKER is set): proof that
# loading imported it.
PAYLOAD_MODULE = """
import os
if os.environ.get("MARKER"):
    open(os.environ["MARKER"], "w").close()

class Payload:
    def __init__(self):
        self.command = "touch pwned"
"""

WRITE = """
import os, skops.io as sio
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from payload import Payload
open("object.skops", "wb").write(sio.dumps(Payload()))
step = FunctionTransformer(func=os.system)
open("system.skops", "wb").write(sio.dumps(Pipeline([("run", step)])))
"""

READ = """
import sys
from regression_model._pipeline_file import load_pipeline_bytes
for name in sys.argv[1:]:
    try:
        load_pipeline_bytes(open(name, "rb").read(), name)
        print("LOADED")
    except Exception as error:
        print(type(error).__name__, error)
"""


class _Unlisted(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """A transformer no one named as trusted."""

    def fit(self, X: object, y: object = None) -> _Unlisted:
        return self

    def transform(self, X: object) -> object:
        return X


def test_the_trusted_types_are_exactly_what_the_model_needs() -> None:
    """The shipped pipeline's file names every type of TRUSTED_TYPES and no other
    beyond skops' defaults: the list trusts nothing the model does not use."""
    import skops.io as sio

    data = load_model().path.read_bytes()
    assert sorted(sio.get_untrusted_types(data=data)) == sorted(TRUSTED_TYPES)


def test_a_pipeline_holding_an_unlisted_type_is_not_written() -> None:
    """Training refuses to write a pipeline the loader would refuse, naming the type
    and where to list it."""
    with pytest.raises(ArtifactIntegrityError, match=r"_Unlisted\).*TRUSTED_TYPES"):
        dump_pipeline(Pipeline([("unlisted", _Unlisted())]))


@pytest.mark.slow
def test_a_file_naming_untrusted_types_builds_and_imports_nothing(tmp_path: Path) -> None:
    """A skops file holding an object of a module that is not trusted, and one holding
    a pipeline whose step calls os.system, are refused with ArtifactIntegrityError
    naming the types; the module is never imported (its marker file never appears)."""
    (tmp_path / "payload.py").write_text(PAYLOAD_MODULE)
    env = {"PATH": "/usr/bin", "REGRESSION_MODEL_DB_URL": "none"}
    subprocess.run([sys.executable, "-c", WRITE], cwd=tmp_path, env=env, check=True)
    marker = tmp_path / "imported"
    done = subprocess.run(
        [sys.executable, "-c", READ, "object.skops", "system.skops"],
        cwd=tmp_path,
        env={**env, "MARKER": str(marker)},
        capture_output=True,
        text=True,
        check=True,
    )
    payload, system = done.stdout.strip().splitlines()
    assert payload.startswith("ArtifactIntegrityError") and "payload.Payload" in payload
    assert system.startswith("ArtifactIntegrityError") and "system" in system
    assert "nothing of it was built" in payload
    assert not marker.exists()
