"""Reading the charts back out of a report.html, and drawing them with the report's own
vendored Vega in Node (headless: Vega's SVG renderer needs no browser)."""

import json
import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import pytest

SPEC = re.compile(r'<script type="application/json" class="chart-spec" '
                  r'data-chart="([^"]+)">(.*?)</script>', re.S)
#: what Vega says of the zoom's wheel and drag events where there is no window
NO_WINDOW = "Can not resolve event source: window"


def chart_specs(html):
    """Chart id -> its Vega-Lite spec, as the page's script reads them."""
    return {key: json.loads(text) for key, text in SPEC.findall(html)}


def draw_charts(specs, tmp_path):
    """Chart id -> {"svg", "warnings"} (or {"error"}), drawn by Node; skipped where
    there is no Node."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the charts cannot be drawn headless")
    vendor = resources.files("shrinkage.report") / "vendor"
    specs_file = Path(tmp_path) / "specs.json"
    specs_file.write_text(json.dumps(specs))
    script = Path(__file__).with_name("render_charts.js")
    done = subprocess.run([node, str(script), str(vendor), str(specs_file)],
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def assert_drawn(drawn, min_marks=1):
    """Each chart drew without an error or a warning (the zoom's missing window aside),
    with at least ``min_marks`` marks."""
    for key, outcome in drawn.items():
        assert "error" not in outcome, (key, outcome.get("error"))
        assert [w for w in outcome["warnings"] if NO_WINDOW not in w] == [], key
        marks = outcome["svg"].count("<path") + outcome["svg"].count("<line") + \
            outcome["svg"].count("<text")
        assert marks >= min_marks, (key, marks)
