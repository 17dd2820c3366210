"""Fresh venvs made with uv, and the wheel of this tree, for the tests that
install the package as a user would (tests/integration/test_wheel.py, the
replay and publishing tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def run_checked(command: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
    """Run ``command``; fail the test with its output when it fails."""
    done = subprocess.run(command, capture_output=True, text=True, check=False, **options)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}\n{done.stderr}"
    return done


def build_wheel(dist: Path, source: Path = REPO) -> Path:
    """The wheel of ``source``, built into ``dist`` (isolated, with uv: fast); the
    build's output is kept beside it as ``build.log``."""
    command = [sys.executable, "-m", "build", "--wheel", "--installer", "uv"]
    done = run_checked([*command, "--outdir", str(dist), str(source)])
    (dist / "build.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    (built,) = dist.glob("*.whl")
    return built


def fresh_venv(folder: Path, *requirements: str, extra_index: str | None = None) -> Path:
    """A new venv holding ``requirements`` (uv's default index, with ``extra_index``
    searched first when given); its python."""
    from uv import find_uv_bin

    uv = find_uv_bin()
    run_checked([uv, "venv", "--quiet", "--python", sys.executable, str(folder)])
    python = folder / "bin" / "python"
    index = ["--extra-index-url", extra_index] if extra_index else []
    run_checked([uv, "pip", "install", "--quiet", "--python", str(python), *index, *requirements])
    return python
