"""The monitoring report's screenshot in docs/monitoring.md, from a real run.

Builds a store of four weeks of calls (1,500 houses a day drawn from
train.csv, in calls of 500) in which the market moves: from day 18 a fifth of
the houses are in a neighbourhood training never saw (GrnHill) and are larger
(GrLivArea x 1.3); from day 22 the lot area goes missing for 40% of them;
and a third of the houses of the first three weeks sell, those of days 14 to
20 for 10% less than their recorded sale price. Then runs ``regression-model
monitor --every day --report``, renders the page in headless Chromium
(Debian's ``chromium``) and saves the top of it as docs/monitoring-report.png;
prints the verdict, the console errors (none expected) and the plots drawn.

    python benchmarks/monitor_report.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.monitoring.browser import render  # noqa: E402
from tests.monitoring.houses import DAY, drawn, record  # noqa: E402

DAYS, PER_DAY, CALL_ROWS = 28, 1500, 500
SCREENSHOT = REPO / "docs" / "monitoring-report.png"


def day_of_houses(day: int) -> pd.DataFrame:
    """One day's houses, moved as the story goes."""
    houses = drawn(PER_DAY, seed=1000 + day)
    rng = np.random.default_rng(day)
    if day >= 18:
        new = rng.random(len(houses)) < 0.2
        houses.loc[new, "Neighborhood"] = "GrnHill"
        houses["GrLivArea"] = houses["GrLivArea"].astype(float)
        houses.loc[new, "GrLivArea"] = houses.loc[new, "GrLivArea"] * 1.3
    if day >= 22:
        houses["LotArea"] = houses["LotArea"].astype(float)
        houses.loc[rng.random(len(houses)) < 0.4, "LotArea"] = np.nan
    return houses


def build(url: str) -> None:
    os.environ["REGRESSION_MODEL_DB_URL"] = url
    from regression_model import audit

    sales = []
    for day in range(DAYS):
        houses = day_of_houses(day)
        for start in range(0, PER_DAY, CALL_ROWS):
            part = houses.iloc[start : start + CALL_ROWS].reset_index(drop=True)
            at = DAY + timedelta(days=day, hours=8 + start // CALL_ROWS)
            result = record(part.drop(columns="SalePrice"), at)
            if day < 21:
                sold = part.sample(frac=1 / 3, random_state=day * 10 + start)
                price = sold["SalePrice"] * (0.9 if day >= 14 else 1.0)
                ids = [result["prediction_ids"][i] for i in sold.index]
                sales.append(pd.DataFrame({"prediction_id": ids, "sale_price": price}))
    audit.add_outcomes(pd.concat(sales))


def main() -> None:
    folder = REPO / ".bench" / "report"
    folder.mkdir(parents=True, exist_ok=True)
    store = folder / "store.sqlite3"
    store.unlink(missing_ok=True)
    url = f"sqlite:///{store}"
    build(url)
    page = folder / "report.html"
    until = (DAY + timedelta(days=DAYS)).isoformat()
    command = [str(Path(sys.executable).with_name("regression-model")), "monitor"]
    command += ["--every", "day", "--since", DAY.isoformat(), "--until", until]
    done = subprocess.run(
        [*command, "--report", str(page)],
        env={**os.environ, "REGRESSION_MODEL_DB_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    print(done.stdout.splitlines()[-1], f"(exit {done.returncode})")
    rendered = render(page, width=1200, most_height=2600)
    SCREENSHOT.write_bytes(rendered.screenshot)
    print(
        f"console errors: {rendered.errors or 'none'}; plots: {rendered.images}, "
        f"{rendered.broken_images} broken; wrote {SCREENSHOT.relative_to(REPO)} "
        f"({len(rendered.screenshot) / 1024:.0f} KiB)"
    )


if __name__ == "__main__":
    main()
