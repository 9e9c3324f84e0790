"""The report's charts, in its order: id -> (title, Vega-Lite spec)."""

from .charts_models import (class_coefficients, confusion_matrices, roc_curves,
                            selection_frequencies, top_coefficients, truth_recovery)
from .charts_survival import survival_by_risk
from .charts_paths import (coefficient_paths, cv_curves, elastic_net_map, sparsity,
                           train_test_error)


def all_charts(comparison):
    """Chart id -> (title, spec), in the report's order; which charts depend on the task
    (ROC for two classes; confusion matrices and coefficients by class for more) and on
    a known truth (synthetic demos)."""
    charts = {
        "coefficient-paths": ("Coefficient paths", coefficient_paths),
        "cv-curves": ("Cross-validation curves", cv_curves),
        "elasticnet-map": ("Elastic net: cross-validated error over l1_ratio and alpha",
                           elastic_net_map),
        "train-test": ("Training, cross-validated and test error against alpha",
                       train_test_error),
        "sparsity": ("Sparsity against alpha", sparsity),
        "top-coefficients": ("The largest coefficients, side by side", top_coefficients),
        "selection-frequency": ("How often each fold's model kept those features, at the "
                                "chosen alpha", selection_frequencies),
    }
    classes = comparison.results["data"]["classes"]
    if classes is not None and len(classes) > 2:
        charts["top-coefficients"] = ("The largest coefficients (norm over the classes), "
                                      "side by side", top_coefficients)
        charts["class-coefficients"] = ("Coefficients by class", class_coefficients)
        charts["confusion"] = ("Confusion matrices on the test split", confusion_matrices)
    elif classes is not None:
        charts["roc"] = ("ROC curves on the test split", roc_curves)
    if comparison.results["data"]["task"] == "survival":
        charts["risk-groups"] = ("Survival of the held-out rows in each model's risk "
                                 "tertiles", survival_by_risk)
    if "recovery" in comparison.results:
        charts["truth"] = ("True against recovered coefficients", truth_recovery)
    return {key: (title, draw(comparison)) for key, (title, draw) in charts.items()}
