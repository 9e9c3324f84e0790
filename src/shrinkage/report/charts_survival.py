"""The report's survival chart: Kaplan-Meier curves of the held-out rows in risk groups
of each penalty's chosen Cox model (a Vega-Lite spec)."""

import numpy as np

from ..compare.engine import decision_values
from .charts_paths import PENALIZED
from .vega import PANEL, numbers, row_of_panels

#: the risk groups, lowest predicted risk first
GROUPS = ("low risk", "middle risk", "high risk")


def kaplan_meier(time, event):
    """The Kaplan-Meier estimate of the survival function: ``(times, survival)`` at 0
    and at each distinct event time (the product of ``1 - d / n`` over the event
    times so far: ``d`` events at that time, ``n`` rows still at risk)."""
    time, event = np.asarray(time, dtype=float), np.asarray(event) > 0
    at = np.unique(time[event])
    at_risk = len(time) - np.searchsorted(np.sort(time), at, side="left")
    deaths = np.array([np.sum(event & (time == t)) for t in at], dtype=float)
    return np.r_[0.0, at], np.r_[1.0, np.cumprod(1.0 - deaths / at_risk)]


def risk_groups(train_risk, test_risk):
    """Each held-out row's group (0 low, 1 middle, 2 high) by the tertiles of the
    training rows' predicted risk: the cut points are fixed before the held-out rows
    are looked at."""
    cuts = np.quantile(train_risk, [1 / 3, 2 / 3])
    return np.searchsorted(cuts, test_risk, side="right")


def survival_by_risk(comparison):
    """One panel per penalty: the Kaplan-Meier curves of the held-out rows in the
    chosen model's low, middle and high risk tertiles (cut on the training rows), each
    group's size in the legend. A model that ranks risk well separates the curves."""
    extras = comparison.extras
    y_test = np.asarray(extras["y_test"], dtype=float)
    panels = []
    for p in PENALIZED:
        model = comparison.models[p]
        groups = risk_groups(decision_values(extras["X_train"], model.coef_, 0.0),
                             decision_values(extras["X_test"], model.coef_, 0.0))
        rows, names = [], []
        for g, label in enumerate(GROUPS):
            inside = groups == g
            if not inside.any():
                continue
            names.append(f"{label} ({int(inside.sum())} rows)")
            times, survival = kaplan_meier(y_test[inside, 0], y_test[inside, 1])
            rows += [{"group": names[-1], "time": t, "survival": s}
                     for t, s in zip(numbers(times), numbers(survival))]
        label = comparison.results["penalties"][p]["label"]
        panels.append({"title": {"text": label, "subtitle": "held-out rows by the "
                                  "tertile of their predicted risk"}, **PANEL, "data": {"values": rows},
                       "mark": {"type": "line", "interpolate": "step-after"},
                       "encoding": {
                           "x": {"field": "time", "type": "quantitative",
                                 "title": f"time ({comparison.results['data']['target']})"},
                           "y": {"field": "survival", "type": "quantitative",
                                 "scale": {"domain": [0, 1]},
                                 "title": "share without the event (Kaplan-Meier)"},
                           "color": {"field": "group", "type": "nominal", "sort": names,
                                     "title": None,
                                     "legend": {"orient": "top-right", "labelLimit": 200},
                                     "scale": {"range": ["#2b83ba", "#fdae61", "#d7191c"]}},
                           "tooltip": [{"field": "group"}, {"field": "time"},
                                       {"field": "survival", "format": ".3f"}]}})
    return row_of_panels(panels)
