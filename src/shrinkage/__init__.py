"""shrinkage: fast, certified L1 / L2 / elastic-net regularized linear models."""

from .linear_model import ElasticNet, Lasso, LogisticRegression, Ridge
from .path import Path, regularization_path

__all__ = [
    "ElasticNet",
    "Lasso",
    "LogisticRegression",
    "Path",
    "Ridge",
    "regularization_path",
]
__version__ = "0.1.0"
