"""Plots of regularization paths and cross-validation curves (scikit-learn's Display
pattern: ``from_estimator(...)`` builds and draws, ``plot(ax=...)`` draws again).

The alpha axis is logarithmic and runs from the strongest penalty on the left to the
weakest on the right, the order in which a path is computed; a top axis gives the number
of non-zero coefficients at some of the alphas. matplotlib is imported only when drawing.
"""

from .coefficient_path import CoefficientPathDisplay
from .cv_curve import CVCurveDisplay
from .sparsity import SparsityDisplay

__all__ = ["CVCurveDisplay", "CoefficientPathDisplay", "SparsityDisplay"]
