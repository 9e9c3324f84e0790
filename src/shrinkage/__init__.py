"""shrinkage: fast, certified L1 / L2 / elastic-net regularized linear models."""

from .linear_model import ElasticNet, Lasso, Ridge
from .logistic import LogisticRegression
from .glm import HuberRegressor, PoissonRegressor
from .glm_cv import HuberRegressorCV, PoissonRegressorCV
from .linear_model_cv import ElasticNetCV, LassoCV, LogisticRegressionCV, RidgeCV
from .model_selection import GridEdgeWarning
from .path import Path, regularization_path
from .plotting import CoefficientPathDisplay, CVCurveDisplay, SparsityDisplay
from .solvers.newton import SeparationWarning

__all__ = [
    "CVCurveDisplay",
    "CoefficientPathDisplay",
    "ElasticNet",
    "ElasticNetCV",
    "GridEdgeWarning",
    "HuberRegressor",
    "HuberRegressorCV",
    "Lasso",
    "LassoCV",
    "LogisticRegression",
    "LogisticRegressionCV",
    "Path",
    "PoissonRegressor",
    "PoissonRegressorCV",
    "Ridge",
    "RidgeCV",
    "SeparationWarning",
    "SparsityDisplay",
    "regularization_path",
]
__version__ = "0.1.0"
