"""The report's charts of the chosen models: the largest coefficients side by side, the
coefficients by class, ROC curves, confusion matrices and (synthetic demos) the true
against the recovered coefficients. Each returns a Vega-Lite spec (a dict)."""

import numpy as np

from ..compare.engine import decision_values
from ..compare.narrative import chosen_choice
from .charts_paths import PENALIZED
from .vega import number, numbers, row_of_panels, single

ALL = ("none",) + PENALIZED


def _chosen(comparison, penalties=ALL):
    """Each penalty's chosen entry (``narrative.chosen_choice``)."""
    return {p: chosen_choice(comparison.results, p) for p in penalties}


def _largest(sizes, names, limit):
    """The ``limit`` names of largest size, largest first (ties in column order)."""
    order = np.argsort(-np.asarray(sizes, dtype=float), kind="stable")[:limit]
    return [names[j] for j in order]


def _bar_series(results):
    """(label, choice) of each series of bars: every penalty's competing choice, and the
    relaxed lasso's after the lasso's where it was fitted."""
    penalties = results["penalties"]
    series = [(penalties[p]["label"], chosen_choice(results, p)) for p in ALL]
    relaxed = penalties["l1"]["choices"].get("relaxed")
    if relaxed is not None:
        series.insert(ALL.index("l1") + 1,
                      (f"{penalties['l1']['label']}, relaxed (gamma {relaxed['gamma']:g})",
                       relaxed))
    return series


def _shown_features(comparison, limit):
    """The ``limit`` features largest under any penalty's chosen model, largest first
    (the rows of the coefficient and selection-frequency charts)."""
    chosen = _chosen(comparison)
    names = list(comparison.feature_names)
    size = [max(abs(chosen[p]["coefficients"][n]) for p in PENALIZED) for n in names]
    return _largest(size, names, limit)


def top_coefficients(comparison, limit=15):
    """The largest coefficients of the chosen models as grouped bars (the features
    largest under any penalty; a multinomial model's norm over the classes); the
    relaxed lasso's beside the lasso's, where it was fitted."""
    series = _bar_series(comparison.results)
    shown = _shown_features(comparison, limit)
    labels = [label for label, _ in series]
    rows = [{"feature": str(n), "penalty": label, "coef": number(choice["coefficients"][n])}
            for n in shown for label, choice in series]
    classes = comparison.results["data"]["classes"]
    title = ("coefficient norm over the classes (standardized features)"
             if classes is not None and len(classes) > 2
             else "coefficient (standardized features)")
    return single({
        "data": {"values": rows}, "width": 560, "height": {"step": 9},
        "mark": "bar",
        "encoding": {
            "y": {"field": "feature", "type": "nominal", "sort": [str(n) for n in shown],
                  "title": None, "axis": {"labelLimit": 220}},
            "yOffset": {"field": "penalty", "sort": labels},
            "x": {"field": "coef", "type": "quantitative", "title": title},
            "color": {"field": "penalty", "type": "nominal", "sort": labels,
                      "title": "penalty"},
            "tooltip": [{"field": "feature"}, {"field": "penalty"},
                        {"field": "coef", "format": ".4g"}]}})


def selection_frequencies(comparison, limit=15):
    """How often the model of each cross-validation fold kept each feature at the chosen
    alpha, for the lasso and the elastic net: the rows of ``top_coefficients``, in its
    order (a kept feature with a low share is one the data barely decide on; "(out)"
    marks a feature the chosen model, fitted on all training rows, left out)."""
    results = comparison.results
    penalties = results["penalties"]
    shown = _shown_features(comparison, limit)
    keys = [p for p in ("l1", "elasticnet") if penalties[p].get("selection_frequency")]
    chosen = _chosen(comparison, keys)
    rows = []
    for n in shown:
        for p in keys:
            share = penalties[p]["selection_frequency"][n]
            kept = chosen[p]["coefficients"][n] != 0
            rows.append({"feature": str(n), "penalty": penalties[p]["label"],
                         "share": number(share), "kept": bool(kept),
                         # the whole-data model may drop a feature most folds kept
                         "label": f"{share:.0%}" + ("" if kept else " (out)")})
    encoding = {
        "y": {"field": "feature", "type": "nominal", "sort": [str(n) for n in shown],
              "title": None, "axis": {"labelLimit": 220}},
        "x": {"field": "penalty", "type": "nominal", "title": None,
              "sort": [penalties[p]["label"] for p in keys],
              "axis": {"orient": "top", "labelAngle": 0}}}
    return single({
        "data": {"values": rows}, "width": {"step": 110}, "height": {"step": 18},
        "encoding": encoding,
        "layer": [
            {"mark": "rect", "encoding": {
                "color": {"field": "share", "type": "quantitative",
                          "scale": {"domain": [0, 1], "scheme": "blues"},
                          "title": "share of folds"},
                "tooltip": [{"field": "feature"}, {"field": "penalty"},
                            {"field": "share", "format": ".0%", "title": "share of folds"},
                            {"field": "kept", "title": "kept by the chosen model"}]}},
            {"mark": {"type": "text", "fontSize": 10}, "encoding": {
                "text": {"field": "label"},
                "color": {"condition": {"test": "datum.share > 0.6", "value": "white"},
                          "value": "black"}}}]})


def class_coefficients(comparison, limit=15):
    """Each penalty's chosen coefficients by class, for the features largest over all
    (a shared, symmetric colour scale: red positive, blue negative)."""
    penalties = comparison.results["penalties"]
    chosen = _chosen(comparison)
    classes = [str(c) for c in comparison.results["data"]["classes"]]
    names = list(comparison.feature_names)
    matrices = {p: np.array(c["coefficients_by_class"]) for p, c in chosen.items()}
    size = np.max([np.linalg.norm(matrices[p], axis=0) for p in PENALIZED], axis=0)
    shown = _largest(size, names, limit)
    columns = [names.index(n) for n in shown]
    scale = max(float(np.abs(matrices[p][:, columns]).max()) for p in PENALIZED) or 1.0
    panels = []
    for p in PENALIZED:
        rows = [{"class": c, "feature": str(n), "coef": number(matrices[p][k, j])}
                for k, c in enumerate(classes) for n, j in zip(shown, columns)]
        panels.append({
            "title": penalties[p]["label"], "data": {"values": rows},
            "width": {"step": 36}, "height": {"step": 18}, "mark": "rect",
            "encoding": {
                "x": {"field": "class", "type": "nominal", "sort": classes,
                      "axis": {"labelAngle": -45}},
                "y": {"field": "feature", "type": "nominal", "sort": [str(n) for n in shown],
                      "title": None, "axis": {"labelLimit": 200}},
                "color": {"field": "coef", "type": "quantitative",
                          "title": "coefficient (standardized features)",
                          "scale": {"scheme": "redblue", "reverse": True,
                                    "domain": [-scale, scale]}},
                "tooltip": [{"field": "feature"}, {"field": "class"},
                            {"field": "coef", "format": ".4g"}]}})
    return row_of_panels(panels, resolve={"scale": {"color": "shared"},
                                          "legend": {"color": "shared"}})


def _roc_points(comparison, p):
    """(fpr, tpr) of penalty ``p`` on the test split: summed where the rows are (Dask),
    or from the test rows' decision values."""
    from sklearn.metrics import roc_curve

    extras = comparison.extras
    if "roc" in extras:
        return (np.asarray(v, dtype=float) for v in extras["roc"][p])
    model = comparison.models[p]
    z = decision_values(extras["X_test"], model.coef_, model.intercept_)
    fpr, tpr, _ = roc_curve(extras["y_test"], z, pos_label=1.0)
    return fpr, tpr


def _corners(fpr, tpr):
    """The points where an ROC curve turns, as (fpr, tpr) columns: a repeated point (an
    empty score bin of the Dask engine's histogram: thousands of them) or one inside a
    straight run adds nothing to the line drawn through them."""
    points = np.column_stack([fpr, tpr])
    moved = np.r_[True, np.any(np.diff(points, axis=0) != 0, axis=1)]
    points = points[moved]
    if len(points) < 3:
        return points
    steps = np.diff(points, axis=0)
    turns = steps[:-1, 0] * steps[1:, 1] - steps[:-1, 1] * steps[1:, 0]
    return points[np.r_[True, np.abs(turns) > 1e-12, True]]


def roc_curves(comparison):
    """The ROC curve of each penalty's chosen model on the test split, its area in the
    legend."""
    rows, names = [], []
    for p in ALL:
        fpr, tpr = _roc_points(comparison, p)
        area = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))  # trapezoids
        name = f"{comparison.results['penalties'][p]['label']} (AUC = {area:.3f})"
        names.append(name)
        corners = _corners(fpr, tpr)
        rows += [{"penalty": name, "fpr": f, "tpr": t, "order": i} for i, (f, t) in
                 enumerate(zip(numbers(corners[:, 0], 4), numbers(corners[:, 1], 4)))]
    axis = {"type": "quantitative", "scale": {"domain": [0, 1]}}
    return single({"width": 380, "height": 340, "layer": [
        {"data": {"values": [{"fpr": 0, "tpr": 0}, {"fpr": 1, "tpr": 1}]},
         "mark": {"type": "line", "strokeDash": [2, 3], "color": "gray"},
         "encoding": {"x": {"field": "fpr", **axis}, "y": {"field": "tpr", **axis}}},
        # straight lines between the points, as the area in the legend sums them: a
        # tie of scores (a model with no non-zero coefficient) is a diagonal, not a step
        {"data": {"values": rows}, "mark": {"type": "line"},
         "encoding": {
             "x": {"field": "fpr", **axis, "title": "false positive rate"},
             "y": {"field": "tpr", **axis, "title": "true positive rate"},
             "order": {"field": "order", "type": "quantitative"},
             "color": {"field": "penalty", "type": "nominal", "title": None, "sort": names,
                       "legend": {"orient": "bottom-right", "labelLimit": 260}},
             "tooltip": [{"field": "penalty"}, {"field": "fpr"}, {"field": "tpr"}]}}]})


def _confusion(comparison, p, n_classes):
    """Counts of (true, predicted) class codes of penalty ``p`` on the test split."""
    extras = comparison.extras
    if "confusion" in extras:  # counted where the rows are (a Dask cluster)
        return np.asarray(extras["confusion"][p]).astype(int)
    model = comparison.models[p]
    predicted = np.argmax(decision_values(extras["X_test"], model.coef_, model.intercept_),
                          axis=1)
    counts = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(counts, (np.asarray(extras["y_test"], dtype=int), predicted), 1)
    return counts


def confusion_matrices(comparison):
    """The confusion matrix of each penalty's chosen model on the test split (rows:
    true classes, columns: predicted; counts)."""
    classes = [str(c) for c in comparison.results["data"]["classes"]]
    panels = []
    for p in ALL:
        counts = _confusion(comparison, p, len(classes))
        rows = [{"true": t, "predicted": q, "count": int(counts[i, j])}
                for i, t in enumerate(classes) for j, q in enumerate(classes)]
        axis = {"type": "nominal", "sort": classes}
        panels.append({
            "title": comparison.results["penalties"][p]["label"], "data": {"values": rows},
            "width": {"step": 34}, "height": {"step": 26},
            "encoding": {"x": {"field": "predicted", **axis, "axis": {"labelAngle": -45}},
                         "y": {"field": "true", **axis, "title": "true class"}},
            "layer": [
                {"mark": "rect", "encoding": {
                    "color": {"field": "count", "type": "quantitative", "legend": None,
                              "scale": {"scheme": "blues"}},
                    "tooltip": [{"field": "true"}, {"field": "predicted"},
                                {"field": "count"}]}},
                {"mark": {"type": "text", "fontSize": 11},
                 "encoding": {"text": {"field": "count", "type": "quantitative"},
                              # white on the darker half of the scale
                              "color": {"condition": {
                                  "test": f"datum.count > {counts.max() / 2:g}",
                                  "value": "white"}, "value": "black"}}}]})
    return row_of_panels(panels)


def truth_recovery(comparison):
    """Estimated against true standardized coefficients (synthetic demos): the true
    non-zeros red, the dotted line where estimate equals truth."""
    recovery = comparison.results["recovery"]
    true = recovery["true_standardized"]
    columns = list(true)
    panels = []
    for p in PENALIZED:
        found = recovery[p]
        rows = [{"feature": c, "true": number(true[c]),
                 "estimated": number(found["estimated_standardized"][c]),
                 "kind": "true non-zero" if true[c] != 0 else "true zero"}
                for c in columns]
        reach = 1.1 * max(max(abs(r["true"]), abs(r["estimated"])) for r in rows) or 1.0
        label = comparison.results["penalties"][p]["label"]
        panels.append({
            "title": f"{label}: {found['true_positives']} found, "
                     f"{found['false_positives']} false",
            "width": 260, "height": 240, "layer": [
                {"data": {"values": [{"true": -reach, "estimated": -reach},
                                     {"true": reach, "estimated": reach}]},
                 "mark": {"type": "line", "strokeDash": [2, 3], "color": "black"},
                 "encoding": {"x": {"field": "true", "type": "quantitative"},
                              "y": {"field": "estimated", "type": "quantitative"}}},
                {"data": {"values": rows}, "mark": {"type": "point", "filled": True},
                 "encoding": {
                     "x": {"field": "true", "type": "quantitative",
                           "title": "true coefficient"},
                     "y": {"field": "estimated", "type": "quantitative",
                           "title": "estimated coefficient"},
                     "color": {"field": "kind", "type": "nominal", "title": None,
                               "scale": {"domain": ["true non-zero", "true zero"],
                                         "range": ["#d62728", "#7f7f7f"]}},
                     "tooltip": [{"field": "feature"}, {"field": "true", "format": ".4g"},
                                 {"field": "estimated", "format": ".4g"}]}}]})
    return row_of_panels(panels, resolve={"scale": {"color": "shared"},
                                          "legend": {"color": "shared"}})
