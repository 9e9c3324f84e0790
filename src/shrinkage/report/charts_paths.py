"""The report's charts along alpha: coefficient paths, cross-validation curves, the
elastic net's l1_ratio x alpha map, training / CV / test error and sparsity. Each
returns a Vega-Lite spec (a dict) built from the fitted cross-validated estimators and
results.json's numbers."""

import numpy as np

from ..plotting.cv_curve import log_edges
from .vega import (PANEL, alpha_x, choice_rules, number, numbers, panel_title,
                   row_of_panels, single, zoom)

PENALIZED = ("l1", "l2", "elasticnet")
#: above this many features the paths' legend would be taller than the chart: the
#: names show on hover instead
LEGEND_FEATURES = 20


def chosen_row(estimator):
    """Row of the estimator's per-l1_ratio arrays that holds its chosen l1_ratio."""
    return int(np.flatnonzero(np.isclose(estimator.l1_ratios_, estimator.l1_ratio_))[0])


def _labels(comparison):
    return {p: comparison.results["penalties"][p]["label"] for p in PENALIZED}


def _coefficient_rows(estimator, names):
    """One row per (alpha, feature) of the chosen row's whole-data path; a multinomial
    path gives each feature's norm over the classes."""
    row = chosen_row(estimator)
    coefs = np.asarray(estimator.coef_path_[row], dtype=float)
    if coefs.ndim == 3:
        coefs = np.linalg.norm(coefs, axis=1)
    nonzero = np.count_nonzero(coefs, axis=1)
    alphas = numbers(estimator.alphas_[row])
    return [{"alpha": alphas[i], "feature": str(name), "coef": number(coefs[i, j]),
             "nonzero": int(nonzero[i])}
            for j, name in enumerate(names) for i in range(len(alphas))]


def coefficient_paths(comparison):
    """Each penalty's whole-data coefficient path; click a name in the legend to pick
    its line out, hover for values, wheel to zoom."""
    multiclass = np.asarray(comparison.models["l1"].coef_path_[0]).ndim == 3
    ytitle = "coefficient norm over the classes" if multiclass else "coefficient"
    names = list(comparison.feature_names)
    legend = ({"title": "feature", "symbolLimit": LEGEND_FEATURES, "columns": 1}
              if len(names) <= LEGEND_FEATURES else None)
    panels = []
    for k, (p, label) in enumerate(_labels(comparison).items()):
        model = comparison.models[p]
        encoding = {
            "x": alpha_x(), "y": {"field": "coef", "type": "quantitative", "title": ytitle},
            "color": {"field": "feature", "type": "nominal", "legend": legend,
                      "sort": names},
            # strokeOpacity, not opacity: the hover points' opacity 0 must hold
            "strokeOpacity": {"condition": {"param": "pick", "value": 1}, "value": 0.12},
            "tooltip": [{"field": "feature"}, {"field": "alpha", "format": ".4g"},
                        {"field": "coef", "format": ".4g"},
                        {"field": "nonzero", "title": "non-zeros"}]}
        lines = {"data": {"values": _coefficient_rows(model, names)},
                 # the points are there to be hovered, not seen
                 "mark": {"type": "line", "strokeWidth": 1.3,
                          "point": {"size": 40, "opacity": 0}},
                 "encoding": encoding, "params": [zoom(f"zoom_{p}")]}
        if k == 0:  # one legend for the three panels: its selection serves them all
            lines["params"].append({"name": "pick", "bind": "legend",
                                    "select": {"type": "point", "fields": ["feature"]}})
        choices = (model.alpha_min_, model.alpha_1se_)
        panels.append({"title": panel_title(label, *choices), **PANEL,
                       "layer": [lines, choice_rules(*choices)]})
    return row_of_panels(panels, resolve={"scale": {"color": "shared"},
                                          "legend": {"color": "shared"}})


def _cv_rows(estimator):
    """One row per (l1_ratio, alpha): the mean CV score and its one-SE band."""
    chosen = chosen_row(estimator)
    rows = []
    for r, ratio in enumerate(estimator.l1_ratios_):
        nonzero = estimator.n_nonzero_path_[r]
        for a, m, s, n in zip(estimator.alphas_[r], estimator.cv_mean_[r],
                              estimator.cv_se_[r], nonzero):
            rows.append({"alpha": number(a), "l1_ratio": f"{ratio:g}", "mean": number(m),
                         "low": number(m - s), "high": number(m + s), "se": number(s),
                         "nonzero": int(n), "chosen": r == chosen})
    return rows


def cv_curves(comparison):
    """Mean CV score with its one-standard-error band (the chosen l1_ratio) against
    alpha; the elastic net's other l1_ratios as thin lines, picked out from the
    legend."""
    panels = []
    for p, label in _labels(comparison).items():
        model = comparison.models[p]
        rows = _cv_rows(model)
        ratio = {"field": "l1_ratio", "type": "nominal", "title": "l1_ratio",
                 "legend": ({"orient": "bottom", "direction": "horizontal"}
                            if len(model.l1_ratios_) > 1 else None)}
        ytitle = f"cross-validated {model.scoring_} (mean, 1 SE band)"
        x, y = alpha_x(), {"field": "mean", "type": "quantitative", "scale": {"zero": False},
                           "title": ytitle}
        tooltip = [{"field": "l1_ratio"}, {"field": "alpha", "format": ".4g"},
                   {"field": "mean", "format": ".5g"}, {"field": "se", "format": ".3g"},
                   {"field": "nonzero", "title": "non-zeros (whole-data fit)"}]
        pick = f"ratio_{p}"
        band = {"transform": [{"filter": "datum.chosen"}], "mark": {"type": "errorband"},
                "encoding": {"x": x, "y": {"field": "low", "type": "quantitative",
                                           "title": ytitle},
                             "y2": {"field": "high"}, "color": ratio}}
        lines = {"mark": {"type": "line", "point": {"size": 40, "opacity": 0}},
                 "params": [zoom(f"zoom_cv_{p}"),
                            {"name": pick, "bind": "legend",
                             "select": {"type": "point", "fields": ["l1_ratio"]}}],
                 "encoding": {"x": x, "y": y, "color": ratio, "tooltip": tooltip,
                              "strokeWidth": {"condition": {"test": "datum.chosen",
                                                            "value": 2}, "value": 0.8},
                              "strokeOpacity": {"condition": {"param": pick, "value": 1},
                                                "value": 0.15}}}
        choices = (model.alpha_min_, model.alpha_1se_)
        panels.append({"title": panel_title(label, *choices), **PANEL,
                       "data": {"values": rows},
                       "layer": [band, lines, choice_rules(*choices)]})
    return row_of_panels(panels)


def elastic_net_map(comparison):
    """The elastic net's mean CV score over l1_ratio x alpha (each row over its own
    alphas), the choice starred."""
    model = comparison.models["elasticnet"]
    rows = []
    for ratio, alphas, means in zip(model.l1_ratios_, model.alphas_, model.cv_mean_):
        edges = log_edges(np.asarray(alphas, dtype=float))
        rows += [{"l1_ratio": f"{ratio:g}", "alpha": number(a), "left": number(edges[i]),
                  "right": number(edges[i + 1]), "mean": number(m)}
                 for i, (a, m) in enumerate(zip(alphas, means))]
    row = chosen_row(model)
    chosen = model.alpha_1se_ if model.alpha_rule == "1se" else model.alpha_min_
    star = [{"alpha": number(chosen), "l1_ratio": f"{model.l1_ratios_[row]:g}",
             "label": f"alpha_{model.alpha_rule} = {chosen:.3g}, "
                      f"l1_ratio = {model.l1_ratios_[row]:g}"}]
    order = [f"{r:g}" for r in model.l1_ratios_]
    y = {"field": "l1_ratio", "type": "ordinal", "sort": order, "title": "l1_ratio"}
    x = alpha_x()
    return single({
        "title": {"text": f"\u2605 {star[0]['label']}", "fontSize": 12},
        "width": 640, "height": 28 * len(order) + 20,
        "layer": [
            {"data": {"values": rows}, "mark": "rect",
             "encoding": {"x": {**x, "field": "left"}, "x2": {"field": "right"}, "y": y,
                          "color": {"field": "mean", "type": "quantitative",
                                    "title": f"CV {model.scoring_}",
                                    "scale": {"scheme": "viridis", "reverse": True}},
                          "tooltip": [{"field": "l1_ratio"},
                                      {"field": "alpha", "format": ".4g"},
                                      {"field": "mean", "format": ".5g"}]}},
            {"data": {"values": star},
             "mark": {"type": "text", "text": "\u2605", "fontSize": 18, "color": "red"},
             "encoding": {"x": {"field": "alpha", "type": "quantitative"}, "y": y,
                          "tooltip": [{"field": "label", "title": "chosen"}]}}]})


def _series_panel(key, label, rows, choices, ytitle, order):
    """A panel of named curves (``series``, in ``order``) against alpha, with the chosen
    alphas."""
    return {"title": panel_title(label, *choices), **PANEL, "layer": [
        {"data": {"values": rows},
         "mark": {"type": "line", "point": {"size": 40, "opacity": 0}},
         "params": [zoom(f"zoom_error_{key}")],
         "encoding": {"x": alpha_x(), "y": {"field": "value", "type": "quantitative",
                                            "title": ytitle, "scale": {"zero": False}},
                      "color": {"field": "series", "type": "nominal", "title": None,
                                "sort": order,
                                "legend": {"orient": "bottom", "direction": "horizontal"}},
                      "tooltip": [{"field": "series"}, {"field": "alpha", "format": ".4g"},
                                  {"field": "value", "format": ".5g"}]}},
        choice_rules(*choices)]}


def train_test_error(comparison):
    """Training, cross-validated and held-out error along each path."""
    metric = comparison.results["metric"]["cv"]
    series = {"train": "training", "cv_mean": "cross-validated", "test": "held-out test"}
    panels = []
    for p, label in _labels(comparison).items():
        entry = comparison.results["penalties"][p]
        path = entry["path"]
        rows = [{"alpha": number(a), "series": name, "value": number(path[key][i])}
                for key, name in series.items() for i, a in enumerate(path["alphas"])]
        panels.append(_series_panel(p, label, rows, (entry["choices"]["min"]["alpha"], None),
                                    metric, list(series.values())))
    return row_of_panels(panels)


def sparsity(comparison):
    """Non-zero coefficients (left axis) with the training and validation scores (right
    axis) against alpha, the chosen row of each penalty."""
    panels = []
    for p, label in _labels(comparison).items():
        model = comparison.models[p]
        row = chosen_row(model)
        alphas = numbers(model.alphas_[row])
        counts = [{"alpha": a, "nonzero": int(n), "series": "non-zeros"}
                  for a, n in zip(alphas, model.n_nonzero_path_[row])]
        scores = [{"alpha": a, "value": number(v), "series": f"{name} {model.scoring_}"}
                  for name, values in (("training", model.train_mean_[row]),
                                       ("validation", model.cv_mean_[row]))
                  for a, v in zip(alphas, values)]
        color = {"field": "series", "type": "nominal", "title": None,
                 "scale": {"range": ["#7f7f7f", "#1f77b4", "#ff7f0e"]},
                 "sort": ["non-zeros", f"training {model.scoring_}",
                          f"validation {model.scoring_}"],
                 "legend": {"orient": "bottom", "direction": "horizontal"}}
        choices = (model.alpha_min_, model.alpha_1se_)
        panels.append({"title": panel_title(label, *choices), "width": 250,
                       "height": PANEL["height"],
                       "resolve": {"scale": {"y": "independent"}}, "layer": [
            {"data": {"values": counts}, "mark": {"type": "line", "interpolate": "step"},
             "encoding": {"x": alpha_x(), "color": color,
                          "y": {"field": "nonzero", "type": "quantitative",
                                "title": "non-zero coefficients"},
                          "tooltip": [{"field": "alpha", "format": ".4g"},
                                      {"field": "nonzero", "title": "non-zeros"}]}},
            {"data": {"values": scores},
             "mark": {"type": "line", "point": {"size": 40, "opacity": 0}},
             "encoding": {"x": alpha_x(), "color": color,
                          "y": {"field": "value", "type": "quantitative",
                                "title": model.scoring_, "scale": {"zero": False},
                                "axis": {"orient": "right"}},
                          "tooltip": [{"field": "series"},
                                      {"field": "alpha", "format": ".4g"},
                                      {"field": "value", "format": ".5g"}]}},
            choice_rules(*choices)]})
    return row_of_panels(panels)
