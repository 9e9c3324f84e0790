"""The Poisson (log link) and Huber datafits, for the proximal Newton solver.

Both follow the interface described in ``datafits.py``. Their duals, with
``rho_i = -f_i'(z_i)`` at the optimum and ``m_i = y_i - rho_i``:

- Poisson, ``f_i(z) = exp(z + o_i) - y_i (z + o_i)`` (``o``: the offset, log exposure):
  ``-f_i^*(-rho) = m - m log m - rho o_i`` for ``m >= 0`` (``0 log 0 = 0``; the conjugate
  is infinite for ``m < 0``). A dual point ``y - c mu`` with ``mu = exp(z + o) > 0`` and
  ``c > 0`` keeps every ``m`` positive, and so does any scaling of it by a factor in
  [0, 1] (``m = (1 - kappa) y + kappa c mu``, ``y >= 0``): the dual is finite wherever
  the certificate evaluates it, including at ``y_i = 0``. The dual is not strongly
  concave on its whole domain (its curvature ``1 / m`` vanishes as ``m`` grows), so
  gap-safe screening is not offered for it.
- Huber, ``f_i(z) = h(y_i - z)``: ``-f_i^*(-rho) = rho y_i - rho^2 / 2`` on the box
  ``|rho| <= delta``. The clipped residuals ``psi(r)`` lie in the box; the dual is
  1-strongly concave, as for the squared loss, so gap-safe screening applies.

With an intercept the dual point must also be orthogonal to the column of ones: the
Poisson point is scaled (``c = sum s y / sum s mu``), the Huber residuals are shifted
before clipping (``huber_shift``); both are the gradient at another intercept, so
they stay in the dual's domain.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import xlogy

from . import glm_kernels as gk
from .datafits import DualBlend

_NO_STEP = np.zeros(0)
#: floor on the Poisson curvature exp(eta): samples predicted near 0 keep a weight
_POISSON_MIN_CURVATURE = 1e-10
#: curvature given to the samples on the linear part of the Huber loss (relative to
#: their weight): small enough that the model barely resists moving them, large enough
#: that the working response stays finite
HUBER_MIN_CURVATURE = 1e-3
#: default delta: this many robust standard deviations of y (scikit-learn's epsilon,
#: 95% efficiency at the normal)
HUBER_DEFAULT_EPSILON = 1.35
#: the median absolute deviation of a normal sample, in standard deviations
MAD_TO_SD = 1.4826


@dataclass(frozen=True)
class Poisson:
    """``(1 / n) sum_i s_i (exp(eta_i) - y_i eta_i)`` with ``eta = z + offset``.

    Parameters
    ----------
    y : ndarray of shape (n,), counts (any values >= 0)
    sw : ndarray of shape (n,), sample weights summing to n
    has_sw : bool
    offset : ndarray of shape (n,) or (0,), the log exposure (empty: none)
    """

    y: np.ndarray
    sw: np.ndarray
    has_sw: bool
    offset: np.ndarray

    name = "poisson"
    quadratic = False
    width = 1
    #: no row solver: the working-set driver's iterates solve it
    row_solver = None
    can_separate = False
    has_rows = True
    #: no gap-safe screening: the dual is not strongly concave everywhere
    dual_radius_factor = None

    def mean(self, z):
        """The predicted mean ``exp(z + offset)``."""
        return np.exp(z + self.offset) if self.offset.size else np.exp(z)

    def value(self, z, direction=None, step=0.0):
        """Primal value at ``z`` (or at ``z + step * direction``)."""
        return gk.poisson_value(z, _NO_STEP if direction is None else direction,
                                float(step), self.y, self.sw, self.offset)

    def irls(self, z, grad, curvature, response):
        """The quadratic model at ``z`` (``gk.poisson_irls``)."""
        return gk.poisson_irls(z, self.y, self.sw, self.offset, _POISSON_MIN_CURVATURE,
                               grad, curvature, response)

    def floor_value(self):
        """Infimum over every linear predictor: ``(1/n) sum s (y - y log y)`` at
        ``eta = log y``, so that the value minus it is half the mean Poisson deviance."""
        return float(self.sw @ (self.y - xlogy(self.y, self.y))) / self.y.shape[0]

    def curvature_weights(self, fit_intercept):
        """The curvatures ``s mu`` at the null model, about the means when an intercept
        is fitted (a scale for the columns, not a bound: the loss has none)."""
        mu = self.mean(np.full(self.y.shape[0], self.null_intercept(fit_intercept)))
        return self.sw * mu, fit_intercept

    def null_intercept(self, fit_intercept):
        """Optimal intercept at ``w = 0``: ``log(sum s y / sum s exp(offset))``."""
        if not fit_intercept:
            return 0.0
        exposure = self.sw @ np.exp(self.offset) if self.offset.size else self.sw.sum()
        return float(np.log(float(self.sw @ self.y) / float(exposure)))

    def null_value(self, fit_intercept):
        """Primal value at ``w = 0``, the intercept (if any) fitted."""
        return self.value(np.full(self.y.shape[0], self.null_intercept(fit_intercept)))

    def dual_point(self, z, fit_intercept):
        """``(v_grad, v_dual, m)``: ``v_grad = s (y - mu)``, the dual point ``s (y - m)``
        with ``m = c mu`` (``c`` balancing it against the intercept), and ``m``.

        ``v_dual = c v_grad + (1 - c) s y`` is returned as that blend (``DualBlend``):
        the product of ``s y`` with X is the same at every iterate, so the certificate
        costs one product with X instead of two.
        """
        mu = self.mean(z)
        v_grad = self.sw * (self.y - mu)
        if not fit_intercept:
            return v_grad, v_grad, mu
        mass = float(self.sw @ mu)
        c = float(self.sw @ self.y) / mass if mass > 0 else 1.0
        return v_grad, DualBlend(c, self.sw * self.y), mu * c

    def dual_objective(self, m, kappa):
        """Dual value at ``kappa`` times the dual point ``y - m``."""
        return gk.poisson_dual(m, float(kappa), self.y, self.sw, self.offset)

    def gradient_z(self, z):
        """Gradient of ``value`` in the linear predictor: ``s (mu - y) / n``."""
        return self.sw * (self.mean(z) - self.y) / z.shape[0]

    def hessian_z(self, z):
        """Diagonal Hessian in the linear predictor: ``s mu / n``."""
        return self.sw * self.mean(z) / z.shape[0]


@dataclass(frozen=True)
class Huber:
    """``(1 / n) sum_i s_i h(y_i - z_i)`` with ``h(r) = r^2 / 2`` for ``|r| <= delta``
    and ``delta |r| - delta^2 / 2`` beyond.

    Parameters
    ----------
    y : ndarray of shape (n,)
    sw : ndarray of shape (n,), sample weights summing to n
    has_sw : bool
    delta : float, > 0
    """

    y: np.ndarray
    sw: np.ndarray
    has_sw: bool
    delta: float

    name = "huber"
    quadratic = False
    width = 1
    #: no row solver: the working-set driver's iterates solve it
    row_solver = None
    can_separate = False
    has_rows = True
    #: the dual is 1-strongly concave, as the squared loss's: a gap g bounds the
    #: distance to the dual optimum by sqrt(2 g)
    dual_radius_factor = 2.0

    def value(self, z, direction=None, step=0.0):
        """Primal value at ``z`` (or at ``z + step * direction``)."""
        return gk.huber_value(z, _NO_STEP if direction is None else direction,
                              float(step), self.y, self.sw, self.delta)

    def irls(self, z, grad, curvature, response):
        """The generalised Newton model at ``z`` (``gk.huber_irls``)."""
        return gk.huber_irls(z, self.y, self.sw, self.delta, HUBER_MIN_CURVATURE, grad,
                             curvature, response)

    def floor_value(self):
        """Infimum over every linear predictor: 0, at ``z = y``."""
        return 0.0

    def curvature_weights(self, fit_intercept):
        """The bound ``s`` on the curvatures, about the means with an intercept."""
        return self.sw, fit_intercept

    def null_intercept(self, fit_intercept):
        """Optimal intercept at ``w = 0``: the weighted Huber location of y."""
        return gk.huber_shift(self.y, self.sw, self.delta) if fit_intercept else 0.0

    def null_value(self, fit_intercept):
        """Primal value at ``w = 0``, the intercept (if any) fitted."""
        return self.value(np.full(self.y.shape[0], self.null_intercept(fit_intercept)))

    def dual_point(self, z, fit_intercept):
        """``(v_grad, v_dual, rho)``: ``v_grad = s psi(y - z)``, the dual point
        ``s psi(y - z - c)`` (``c`` balancing it against the intercept) and ``rho``."""
        r = self.y - z
        psi = np.clip(r, -self.delta, self.delta)
        v_grad = self.sw * psi
        if not fit_intercept:
            return v_grad, v_grad, psi
        rho = np.clip(r - gk.huber_shift(r, self.sw, self.delta), -self.delta, self.delta)
        return v_grad, self.sw * rho, rho

    def dual_objective(self, rho, kappa):
        """Dual value at ``kappa rho``: ``(1/n) sum s (rho y - rho^2 / 2)``."""
        rho = kappa * rho
        return float(self.sw @ (rho * (self.y - 0.5 * rho))) / self.y.shape[0]

    def gradient_z(self, z):
        """Gradient of ``value`` in the linear predictor: ``-s psi(y - z) / n``."""
        return -self.sw * np.clip(self.y - z, -self.delta, self.delta) / z.shape[0]

    def hessian_z(self, z):
        """Generalised Hessian in the linear predictor: ``s [|y - z| <= delta] / n``."""
        return self.sw * (np.abs(self.y - z) <= self.delta) / z.shape[0]


def default_huber_delta(y, sample_weight=None, fallback=1.0):
    """``HUBER_DEFAULT_EPSILON`` times a robust scale of y: the normal-consistent median
    absolute deviation from the median (weighted when weights are given); the standard
    deviation when more than half of y is one value, ``fallback`` when y is constant."""
    y = np.asarray(y, dtype=np.float64)
    sw = np.ones_like(y) if sample_weight is None else np.asarray(sample_weight, float)
    centre = _weighted_median(y, sw)
    scale = MAD_TO_SD * _weighted_median(np.abs(y - centre), sw)
    if not scale > 0:
        mean = float(sw @ y) / sw.sum()
        scale = float(np.sqrt(sw @ (y - mean) ** 2 / sw.sum()))
    if not scale > 0:
        return float(fallback)
    return HUBER_DEFAULT_EPSILON * scale


def _weighted_median(values, weights):
    """The smallest value with at least half the weight at or below it."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, 0.5 * cumulative[-1])])
