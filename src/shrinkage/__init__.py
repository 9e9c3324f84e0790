"""shrinkage: fast, certified L1 / L2 / elastic-net regularized linear models.

The estimators are imported on first use (PEP 562): the command line starts without
loading numba and the solvers until it needs them, and Ctrl-C while it starts is answered
by the command line rather than by a traceback from inside an import.
"""

import importlib

#: public name -> the module that defines it
_HOMES = {
    "CVCurveDisplay": "plotting",
    "CoxRegressor": "survival",
    "CoxRegressorCV": "survival",
    "CoefficientPathDisplay": "plotting",
    "ElasticNet": "linear_model",
    "ElasticNetCV": "linear_model_cv",
    "GridEdgeWarning": "model_selection",
    "HuberRegressor": "glm",
    "HuberRegressorCV": "glm_cv",
    "Lasso": "linear_model",
    "LassoCV": "linear_model_cv",
    "LogisticRegression": "logistic",
    "LogisticRegressionCV": "linear_model_cv",
    "MultiTaskElasticNet": "linear_model_multitask",
    "MultiTaskElasticNetCV": "linear_model_multitask",
    "MultiTaskLasso": "linear_model_multitask",
    "MultiTaskLassoCV": "linear_model_multitask",
    "Path": "path",
    "PoissonRegressor": "glm",
    "PoissonRegressorCV": "glm_cv",
    "Ridge": "linear_model",
    "RidgeCV": "linear_model_cv",
    "SeparationWarning": "solvers.newton",
    "SparsityDisplay": "plotting",
    "StabilityPath": "stability",
    "regularization_path": "regularization",
    "stability_selection": "stability",
}
__all__ = sorted(_HOMES)
__version__ = "0.1.0"


def __getattr__(name):
    if name not in _HOMES:
        raise AttributeError(f"module 'shrinkage' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_HOMES))
