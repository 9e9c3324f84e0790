"""The report's figures, drawn with the package's Display objects and returned as SVG."""

import io

import numpy as np

from ..compare.engine import decision_values
from ..plotting import CoefficientPathDisplay, CVCurveDisplay, SparsityDisplay

PENALIZED = ("l1", "l2", "elasticnet")


def svg_text(fig):
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog: the SVG goes inline


def literal(labels):
    """Column names and class labels as matplotlib shows them literally: a pair of "$"
    would start TeX ("$x_1$", or "$\\frac{a}{$" that fails to parse), so each "$" is
    escaped. (Turning TeX off for the whole figure would also show the log axes' tick
    labels, which matplotlib writes in TeX, as source.)"""
    return [str(label).replace("$", r"\$") for label in labels]


def _row_of_axes(n, width=5.0, height=3.8):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, n, figsize=(width * n, height), squeeze=False)
    return fig, axes[0]


def coefficient_paths(comparison):
    fig, axes = _row_of_axes(3)
    for ax, p in zip(axes, PENALIZED):
        CoefficientPathDisplay.from_estimator(comparison.models[p], ax=ax,
                                              feature_names=comparison.feature_names)
        ax.set_title(comparison.results["penalties"][p]["label"], pad=28)
    return svg_text(fig)


def cv_curves(comparison):
    fig, axes = _row_of_axes(3)
    for ax, p in zip(axes, PENALIZED):
        CVCurveDisplay.from_estimator(comparison.models[p], ax=ax)
        ax.set_title(comparison.results["penalties"][p]["label"], pad=28)
    return svg_text(fig)


def elastic_net_map(comparison):
    """The elastic net's mean CV error over l1_ratio x alpha."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.6))
    CVCurveDisplay.from_estimator(comparison.models["elasticnet"], kind="heatmap", ax=ax)
    return svg_text(fig)


def train_test_error(comparison):
    """Training, cross-validated and held-out error along each path."""
    fig, axes = _row_of_axes(3)
    metric = comparison.results["metric"]["cv"]
    for ax, p in zip(axes, PENALIZED):
        path = comparison.results["penalties"][p]["path"]
        alphas = np.array(path["alphas"])
        ax.plot(alphas, path["train"], label="training", color="tab:blue")
        ax.plot(alphas, path["cv_mean"], label="cross-validated", color="tab:orange")
        ax.plot(alphas, path["test"], label="held-out test", color="tab:green")
        choice = comparison.results["penalties"][p]["choices"]["min"]["alpha"]
        ax.axvline(choice, linestyle="--", color="black", linewidth=1, label="alpha_min")
        ax.set_xscale("log")
        ax.invert_xaxis()
        ax.set_xlabel("alpha (penalty strength, log scale)")
        ax.set_ylabel(metric)
        ax.set_title(comparison.results["penalties"][p]["label"])
        ax.legend(fontsize=8)
    return svg_text(fig)


def sparsity(comparison):
    fig, axes = _row_of_axes(3)
    for ax, p in zip(axes, PENALIZED):
        SparsityDisplay.from_estimator(comparison.models[p], ax=ax)
        ax.set_title(comparison.results["penalties"][p]["label"])
    fig.tight_layout()
    return svg_text(fig)


def top_coefficients(comparison, limit=15):
    """The largest coefficients of the chosen models, side by side."""
    import matplotlib.pyplot as plt

    penalties = comparison.results["penalties"]
    selection = comparison.results["settings"]["selection"]
    order = ("none",) + PENALIZED
    coefs = {p: penalties[p]["choices"]["fit" if p == "none" else selection]["coefficients"]
             for p in order}
    names = comparison.feature_names
    size = {n: max(abs(coefs[p][n]) for p in PENALIZED) for n in names}
    shown = sorted(names, key=lambda n: -size[n])[:limit][::-1]
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(shown) + 1.5))
    height = 0.8 / len(order)
    y = np.arange(len(shown))
    for k, p in enumerate(order):
        ax.barh(y + (k - 1.5) * height, [coefs[p][n] for n in shown], height=height,
                label=penalties[p]["label"])
    ax.set_yticks(y)
    ax.set_yticklabels(literal(shown), fontsize=8)
    ax.axvline(0.0, color="gray", linewidth=0.8)
    classes = comparison.results["data"]["classes"]
    ax.set_xlabel("coefficient norm over the classes (standardized features)"
                  if classes is not None and len(classes) > 2
                  else "coefficient (standardized features)")
    ax.legend(fontsize=8)
    return svg_text(fig)


def roc_curves(comparison):
    """ROC curve of each penalty's chosen model on the test split."""
    import matplotlib.pyplot as plt
    from sklearn.metrics import RocCurveDisplay

    fig, ax = plt.subplots(figsize=(5.5, 5))
    extras = comparison.extras
    for p in ("none",) + PENALIZED:
        model, name = comparison.models[p], comparison.results["penalties"][p]["label"]
        if "roc" in extras:  # summed where the rows are (a Dask cluster)
            fpr, tpr = extras["roc"][p]
            area = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))  # trapezoids
            RocCurveDisplay(fpr=fpr, tpr=tpr, roc_auc=area, name=name).plot(ax=ax)
            continue
        z = decision_values(extras["X_test"], model.coef_, model.intercept_)
        RocCurveDisplay.from_predictions(extras["y_test"], z, pos_label=1.0, ax=ax,
                                         name=name)
    ax.plot([0, 1], [0, 1], linestyle=":", color="gray")
    return svg_text(fig)


def confusion_matrices(comparison):
    """Confusion matrix of each penalty's chosen model on the test split (rows: true
    classes, columns: predicted; counts)."""
    from sklearn.metrics import ConfusionMatrixDisplay

    classes = comparison.results["data"]["classes"]
    extras = comparison.extras
    fig, axes = _row_of_axes(4, width=4.2, height=4.2)
    for ax, p in zip(axes, ("none",) + PENALIZED):
        model = comparison.models[p]
        if "confusion" in extras:  # counted where the rows are (a Dask cluster)
            ConfusionMatrixDisplay(extras["confusion"][p].astype(int),
                                   display_labels=literal(classes)).plot(
                ax=ax, colorbar=False, xticks_rotation=45)
        else:
            z = decision_values(extras["X_test"], model.coef_, model.intercept_)
            ConfusionMatrixDisplay.from_predictions(
                extras["y_test"], np.argmax(z, axis=1), labels=np.arange(len(classes)),
                display_labels=literal(classes), ax=ax, colorbar=False,
                xticks_rotation=45)
        ax.set_title(comparison.results["penalties"][p]["label"], fontsize=10)
    fig.tight_layout()
    return svg_text(fig)


def class_coefficients(comparison, limit=15):
    """Each penalty's chosen coefficients by class (the features largest over all)."""
    penalties = comparison.results["penalties"]
    selection = comparison.results["settings"]["selection"]
    classes = comparison.results["data"]["classes"]
    names = comparison.feature_names
    chosen = {p: penalties[p]["choices"]["fit" if p == "none" else selection]
              for p in ("none",) + PENALIZED}
    matrices = {p: np.array(c["coefficients_by_class"]) for p, c in chosen.items()}
    size = np.max([np.linalg.norm(m, axis=0) for p, m in matrices.items() if p != "none"],
                  axis=0)
    shown = np.argsort(-size, kind="stable")[:limit]
    scale = max(float(np.abs(matrices[p][:, shown]).max()) for p in PENALIZED) or 1.0
    fig, axes = _row_of_axes(3, width=4.6, height=0.3 * len(shown) + 1.8)
    for k, (ax, p) in enumerate(zip(axes, PENALIZED)):
        image = ax.imshow(matrices[p][:, shown].T, cmap="RdBu_r", vmin=-scale, vmax=scale,
                          aspect="auto")
        ax.set_xticks(np.arange(len(classes)))
        ax.set_xticklabels(literal(classes), rotation=45, fontsize=8)
        ax.set_yticks(np.arange(len(shown)))
        # the features' names once, on the left: the panels share their rows
        ax.set_yticklabels(literal(names[j] for j in shown) if k == 0 else [], fontsize=8)
        ax.set_title(penalties[p]["label"], fontsize=10)
    fig.colorbar(image, ax=list(axes), label="coefficient (standardized features)")
    return svg_text(fig)


def truth_recovery(comparison):
    """Estimated against true coefficients (synthetic demos)."""
    recovery = comparison.results["recovery"]
    fig, axes = _row_of_axes(3, width=4.2, height=4)
    true = recovery["true_standardized"]
    columns = list(true)
    t = np.array([true[c] for c in columns])
    for ax, p in zip(axes, PENALIZED):
        est = np.array([recovery[p]["estimated_standardized"][c] for c in columns])
        ax.scatter(t, est, s=14, color=np.where(t != 0, "tab:red", "tab:gray"))
        lim = 1.1 * max(np.abs(t).max(), np.abs(est).max())
        ax.plot([-lim, lim], [-lim, lim], linestyle=":", color="black", linewidth=1)
        ax.set_xlabel("true coefficient")
        ax.set_ylabel("estimated coefficient")
        ax.set_title(f"{comparison.results['penalties'][p]['label']}: "
                     f"{recovery[p]['true_positives']} found, "
                     f"{recovery[p]['false_positives']} false", fontsize=9)
    fig.tight_layout()
    return svg_text(fig)


def all_figures(comparison):
    """Figure id -> (title, SVG text), in the report's order."""
    figures = {
        "coefficient-paths": ("Coefficient paths", coefficient_paths),
        "cv-curves": ("Cross-validation curves", cv_curves),
        "elasticnet-map": ("Elastic net: cross-validated error over l1_ratio and alpha",
                           elastic_net_map),
        "train-test": ("Training, cross-validated and test error against alpha",
                       train_test_error),
        "sparsity": ("Sparsity against alpha", sparsity),
        "top-coefficients": ("The largest coefficients, side by side", top_coefficients),
    }
    classes = comparison.results["data"]["classes"]
    if classes is not None and len(classes) > 2:
        figures["top-coefficients"] = ("The largest coefficients (norm over the classes), "
                                       "side by side", top_coefficients)
        figures["class-coefficients"] = ("Coefficients by class", class_coefficients)
        figures["confusion"] = ("Confusion matrices on the test split", confusion_matrices)
    elif classes is not None:
        figures["roc"] = ("ROC curves on the test split", roc_curves)
    if "recovery" in comparison.results:
        figures["truth"] = ("True against recovered coefficients", truth_recovery)
    return {key: (title, draw(comparison)) for key, (title, draw) in figures.items()}
