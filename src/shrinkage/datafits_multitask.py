"""The multi-task squared datafit: T outputs fitted jointly, a row of coefficients per
feature (``solvers/multitask.py`` solves it by block coordinate descent)."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SquaredMultiTask:
    """``(1 / 2n) sum_i s_i ||y_i - z_i||_2^2`` over the T columns of ``Y``.

    Parameters
    ----------
    y : ndarray of shape (n, T)
    sw : ndarray of shape (n,), sample weights summing to n
    has_sw : bool, False when every weight is 1
    """

    y: np.ndarray
    sw: np.ndarray
    has_sw: bool

    name = "multitask"
    #: a quadratic in Z: the columns are centred implicitly (the intercepts), and the
    #: least-squares floor certifies alphas near zero
    quadratic = True
    can_separate = False
    has_rows = True
    #: the dual is 1-strongly concave in sqrt(sum_i s_i ||d_i||^2 / n): a gap g bounds
    #: the distance to the dual optimum by sqrt(2 g) (gap-safe screening of rows)
    dual_radius_factor = 2.0
    #: the module of ``solvers`` that solves a datafit of several columns
    #: (``row_alpha_max``, ``row_path``)
    row_solver = "multitask"

    @property
    def width(self):
        return self.y.shape[1]

    def floor_value(self):
        """Infimum of the datafit over every prediction: 0, at ``Z = Y``."""
        return 0.0

    def curvature_weights(self, fit_intercept):
        """Per-sample curvatures (the weights), about the columns' means with an
        intercept."""
        return self.sw, fit_intercept

    def centre(self, fit_intercept):
        """Weighted means of the columns of Y (T,) when an intercept is fitted, else 0."""
        if not fit_intercept:
            return np.zeros(self.y.shape[1])
        return (self.sw @ self.y) / self.y.shape[0]

    def value_from_residual(self, r):
        """Primal value for the residuals ``r = Y - Z`` (n, T)."""
        squares = r * r
        if squares.ndim == 2:
            squares = squares.sum(axis=1)
        return float(self.sw @ squares) / (2.0 * r.shape[0])

    def null_value(self, fit_intercept):
        """Primal value at ``W = 0``, the intercepts (if any) fitted."""
        return self.value_from_residual(self.y - self.centre(fit_intercept))
