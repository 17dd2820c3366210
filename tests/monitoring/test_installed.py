"""``monitor`` and ``outcomes add`` from the built wheel in fresh venvs: the core
install alone (no matplotlib), and with the ``report`` extra for the HTML page."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.venvs import fresh_venv, run_checked

EXAMPLE = r"""
import json, subprocess, sys
from pathlib import Path
import pandas as pd
from regression_model.data import load_dataset
from regression_model.predict import make_prediction

command = str(Path(sys.executable).with_name("regression-model"))
houses = load_dataset(file_name="train.csv")
result = make_prediction(input_data=houses)
sales = pd.DataFrame({"prediction_id": result["prediction_ids"], "sale_price": houses["SalePrice"]})
sales.to_csv("sales.csv", index=False)
added = subprocess.run([command, "outcomes", "add", "sales.csv"], capture_output=True, text=True)
monitored = subprocess.run([command, "monitor", "--format", "json"], capture_output=True, text=True)
page = subprocess.run([command, "monitor", "--report", "page.html"], capture_output=True, text=True)
plain = subprocess.run(
    [sys.executable, "-c", "import sys; from regression_model.monitoring import monitor; "
     "monitor(record=False); print('matplotlib' in sys.modules)"],
    capture_output=True, text=True, check=True,
)
found = json.loads(monitored.stdout)
print(json.dumps({
    "added": [added.returncode, added.stderr.strip()],
    "monitor": [monitored.returncode, found["verdict"], found["records"], found["sales"]],
    "page": [page.returncode, page.stderr.strip(), Path("page.html").is_file()],
    "matplotlib_loaded": plain.stdout.strip(),
}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("extra", [None, "report"], ids=["core", "report"])
def test_monitor_and_outcomes_work_from_a_fresh_install(
    extra: str | None, wheel: Path, tmp_path: Path
) -> None:
    """From the wheel alone: ``outcomes add`` records train.csv's sales (exit 0) and
    ``monitor`` judges those houses ok (exit 0) without loading matplotlib; ``--report``
    says it needs the report extra (exit 2, writing nothing), and with that extra
    writes the page."""
    python = fresh_venv(tmp_path / "venv", f"{wheel}[{extra}]" if extra else str(wheel))
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "example.py").write_text(EXAMPLE)
    env = {**os.environ, "REGRESSION_MODEL_DB_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}"}
    env.pop("PYTHONPATH", None)
    done = run_checked([str(python), "example.py"], cwd=outside, env=env, timeout=900)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["added"] == [
        0,
        "recorded 1460 of 1460 sales; 0 were already recorded; rejected 0",
    ]
    assert result["monitor"] == [0, "ok", 1460, 1460]
    assert result["matplotlib_loaded"] == "False"
    if extra is None:
        code, message, written = result["page"]
        assert (code, written) == (2, False)
        assert message == (
            "regression-model monitor: MonitoringError: the HTML report needs matplotlib: "
            "pip install 'ames-price-model[report]'"
        )
    else:
        assert result["page"] == [0, "", True]
