"""What the report's charts share: the vendored Vega scripts, the JSON that embeds a spec
in the page, and the pieces of a spec every path chart uses (the reversed logarithmic
alpha axis, the dashed chosen alphas, a row of panels).

The charts are Vega-Lite specifications drawn by the reader's browser: building one is
a few dictionaries (milliseconds), where matplotlib spent about a second laying out
each SVG figure; the browser also gives hover values, zoom and a legend that picks a
line. User text (column names, class labels) only ever goes into the data, never into
a Vega expression, so a name cannot become code.
"""

import json
import math
from importlib import resources

import numpy as np

#: the vendored scripts, in load order, with the sha256 each must have (vendor/README.md)
VENDORED = {
    "vega.min.js": "8f6a3587cf8d4f42c7e08120e3eb05d067e746d554e39d2dcf52acc0bd5ba28f",
    "vega-lite.min.js": "83e215e84e308ee8688fa6503ba0f1cf8a3c05c0d61df2841a0b92bf86809e00",
    "vega-embed.min.js": "b1455caba2fb1a72fb46025ba0ba1316e2dbc7f0dd40a3f6040172bf9c08ba91",
}
#: the Vega-Lite schema of the vendored major version
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
#: one panel of a row of three
PANEL = {"width": 280, "height": 230}
#: the dashed lines at the chosen alphas
CHOICE_COLORS = {"alpha_min": "black", "alpha_1se": "gray"}
ALPHA_TITLE = "alpha (penalty strength, log scale; strongest left)"


def vendored_scripts():
    """The vendored scripts' text, in load order."""
    folder = resources.files("shrinkage.report") / "vendor"
    return [(folder / name).read_text(encoding="utf-8") for name in VENDORED]


def number(value, digits=6):
    """A float for the chart's data, rounded to ``digits`` significant digits (the
    exact values are in results.json); None (a gap in a line) where it is not finite."""
    value = float(value)
    if not math.isfinite(value):
        return None
    return float(f"{value:.{digits}g}")


def numbers(values, digits=6):
    """:func:`number` of each value."""
    return [number(v, digits) for v in np.ravel(values)]


def script_json(spec):
    """``spec`` as JSON that is safe inside a ``<script>`` element: every ``<`` is
    written ``\\u003c`` (still the same JSON string), since a ``</script>`` or ``<!--``
    in a column name would otherwise end the element or open a comment."""
    text = json.dumps(spec, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c")


def alpha_x(title=ALPHA_TITLE):
    """The x encoding of a path chart: log alpha, strongest penalty on the left."""
    return {"field": "alpha", "type": "quantitative", "title": title,
            "scale": {"type": "log", "reverse": True, "nice": False},
            "axis": {"format": "~g", "labelOverlap": "greedy", "grid": False}}


def choice_rules(alpha_min, alpha_1se):
    """A layer of vertical lines at the chosen alphas (either may be None): alpha_min
    black and dashed, alpha_1se gray and dotted, as :func:`panel_title` says. Their
    colours bypass the colour scale (``scale: null``) so that they never join the legend
    of the curves they are drawn over."""
    rows = [{"alpha": number(a), "choice": f"{name} = {a:.3g}",
             "rule_color": CHOICE_COLORS[name], "rule": name}
            for a, name in ((alpha_min, "alpha_min"), (alpha_1se, "alpha_1se"))
            if a is not None]
    return {"data": {"values": rows}, "mark": {"type": "rule", "strokeWidth": 1.2},
            "encoding": {
                "x": {"field": "alpha", "type": "quantitative"},
                "color": {"field": "rule_color", "type": "nominal", "scale": None},
                "strokeDash": {"field": "rule", "type": "nominal", "legend": None,
                               "scale": {"domain": list(CHOICE_COLORS),
                                         "range": [[6, 3], [2, 2]]}},
                "tooltip": [{"field": "choice", "title": "chosen"}]}}


def panel_title(label, alpha_min, alpha_1se):
    """A panel's title, with the chosen alphas its dashed lines mark as the subtitle."""
    said = [f"{text} {name} = {a:.3g}" for a, name, text in (
        (alpha_min, "alpha_min", "dashed:"), (alpha_1se, "alpha_1se", "dotted:"))
        if a is not None]
    return {"text": label, "subtitle": ", ".join(said), "subtitleColor": "#555"}


def zoom(name):
    """An interval selection bound to the scales: wheel to zoom, drag to pan, double
    click to reset."""
    return {"name": name, "select": {"type": "interval", "encodings": ["x", "y"]},
            "bind": "scales"}


def row_of_panels(panels, **top):
    """A chart of ``panels`` side by side (each a dict with its own title), their
    colour scales independent unless ``top`` says otherwise."""
    spec = {"$schema": SCHEMA, "hconcat": panels, "spacing": 24,
            "config": {"view": {"stroke": "#ddd"}, "axis": {"labelFontSize": 10},
                       "legend": {"labelLimit": 130}},
            "resolve": {"scale": {"color": "independent"},
                        "legend": {"color": "independent"}}}
    spec.update(top)
    return spec


def single(spec):
    """A one-panel chart: the schema and the shared config added."""
    return {"$schema": SCHEMA, "config": {"view": {"stroke": "#ddd"},
                                          "legend": {"labelLimit": 160}}, **spec}
