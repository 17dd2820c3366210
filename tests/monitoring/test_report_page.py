"""The HTML report, rendered in real headless Chromium (Debian's package, which
.ci/run installs): it renders offline, with no console error and every plot
decoded. Skipped, with the reason, where Chromium or matplotlib is missing."""

from __future__ import annotations

import importlib.util
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from regression_model import audit
from regression_model.cli import main
from tests.monitoring.browser import chromium, render
from tests.monitoring.houses import DAY, drawn, plant, record

pytestmark = [
    pytest.mark.skipif(
        chromium() is None, reason="chromium is not installed (.ci/run installs it)"
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("matplotlib") is None,
        reason="matplotlib (the report extra) is not installed",
    ),
]

_PNG = b"\x89PNG\r\n\x1a\n"


def test_report_renders_offline_without_console_errors(store: Any, tmp_path: Path) -> None:
    """Three days of calls (the second with planted drift) and sales for two of them:
    ``monitor --report`` writes one page that loads nothing from elsewhere; Chromium
    renders it with no console error, exception or failed load, every plot decoded
    (the timelines, realized accuracy, and the four fields that moved), and a
    screenshot of the whole page."""
    sales = []
    for day, frame in enumerate((drawn(700, 41), plant(drawn(700, 42), 43), drawn(700, 44))):
        result = record(frame, DAY + timedelta(days=day, hours=10))
        if day != 1:
            sales.append(
                pd.DataFrame(
                    {"prediction_id": result["prediction_ids"], "sale_price": frame["SalePrice"]}
                )
            )
    assert audit.add_outcomes(pd.concat(sales)).added == 1400
    page = tmp_path / "report.html"
    since, until = DAY.isoformat(), (DAY + timedelta(days=3)).isoformat()
    assert main(["monitor", "--since", since, "--until", until, "--report", str(page)]) == 3
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", text)  # nothing fetched
    assert "<script" not in text
    rendered = render(page)
    assert rendered.errors == []
    assert (rendered.images, rendered.broken_images) == (2 + 4, 0)
    assert rendered.title == "Monitoring: model " + __import__("regression_model").__version__
    assert rendered.screenshot.startswith(_PNG) and len(rendered.screenshot) > 50_000


def test_the_browser_check_fails_a_broken_page(tmp_path: Path) -> None:
    """The same check on a page with a script error, a console error and an image that
    does not decode reports each: it can fail."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>broken</title></head><body>"
        '<img src="data:image/png;base64,iVBORw0KGgo=">'
        "<script>console.error('drawn badly'); undefinedFunction();</script></body></html>"
    )
    rendered = render(page)
    assert rendered.broken_images == 1 and rendered.title == "broken"
    assert rendered.errors[0] == "drawn badly"
    assert any("undefinedFunction" in error or "Uncaught" in error for error in rendered.errors)
