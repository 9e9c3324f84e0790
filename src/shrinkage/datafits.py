"""Datafits: weighted squared, binary and multinomial logistic, Poisson and Huber losses.

Sample weights ``s_i`` are rescaled to sum to ``n``, so that every datafit is a weighted
mean and ``alpha`` keeps one scale whatever the weights. Each datafit knows its primal
value, the dual value of a dual point, the constant that bounds the distance to the dual
optimum (for gap-safe screening) and its value at ``w = 0`` with the intercept fitted
(the scale of the relative duality gap).

The binary logistic, Poisson and Huber datafits are solved by proximal Newton steps
(``solvers/prox_newton.py``) and share one interface for it: ``value``, ``irls`` (the
quadratic model at the linear predictor), ``dual_point`` and ``dual_objective`` (the
certificate), ``null_intercept`` and ``floor_value`` (the gap's scale), ``gradient_z``
and ``hessian_z`` (Newton's method at alpha = 0). The Poisson and Huber datafits live in
``datafits_glm.py``.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, log1p, softmax

from . import logistic_kernels as lk
from . import multinomial_kernels as mk

_NO_STEP = np.zeros(0)
_NO_ROWS = np.empty((0, 0))
#: floor on the IRLS curvatures (p (1 - p) for the logistic loss): confident samples
#: keep a usable weight
MIN_CURVATURE = 1e-10


@dataclass(frozen=True)
class DualBlend:
    """A dual point given as ``weight * v_grad + (1 - weight) * fixed``, ``fixed`` the
    same at every iterate: its product with X is taken once per problem."""

    weight: float
    fixed: np.ndarray


@dataclass(frozen=True)
class Squared:
    """``(1 / 2n) sum_i s_i (y_i - z_i)^2``.

    Parameters
    ----------
    y : ndarray of shape (n,)
    sw : ndarray of shape (n,), sample weights summing to n
    has_sw : bool, False when every weight is 1 (the kernels then skip the products)
    """

    y: np.ndarray
    sw: np.ndarray
    has_sw: bool

    name = "squared"
    #: a quadratic in z: residual iterates with implicit centring, ridge's closed forms,
    #: covariance (Gram) mode and the least-squares floor serve it
    quadratic = True
    #: the linear predictor's columns (a row of coefficients each)
    width = 1
    #: no row solver: the working-set driver's iterates solve it
    row_solver = None
    #: an unpenalized fit can diverge on separable data (the separation test applies)
    can_separate = False
    #: the rows are there (not only their sufficient statistics)
    has_rows = True
    #: the dual is 1-strongly concave in the norm sqrt(sum_i s_i d_i^2 / n): a gap g
    #: bounds the distance to the dual optimum by sqrt(2 g)
    dual_radius_factor = 2.0

    def floor_value(self):
        """Infimum of the datafit over every prediction: 0, at ``z = y``."""
        return 0.0

    def curvature_weights(self, fit_intercept):
        """Per-sample curvatures of the loss (the weights) and whether the columns'
        curvatures are taken about their means (with an intercept)."""
        return self.sw, fit_intercept

    def centre(self, fit_intercept):
        """Weighted mean of y when an intercept is fitted, else 0."""
        return float(self.sw @ self.y) / self.y.shape[0] if fit_intercept else 0.0

    def value_from_residual(self, r):
        """Primal value for the residual ``r = y - z``."""
        return float(self.sw @ (r * r)) / (2.0 * r.shape[0])

    def dual_value(self, rho, y_centred):
        """``(1/n) sum_i s_i (rho_i y_i - rho_i^2 / 2)`` for the dual point ``rho``."""
        return float(self.sw @ (rho * (y_centred - 0.5 * rho))) / rho.shape[0]

    def null_value(self, fit_intercept):
        """Primal value at ``w = 0``, the intercept (if any) fitted."""
        return self.value_from_residual(self.y - self.centre(fit_intercept))


@dataclass(frozen=True)
class SquaredStatistics(Squared):
    """The squared loss of rows known only by their sufficient statistics (the Gram
    terms in the problem's cache: ``X'X``, ``X'y``, ``y'y`` summed on Dask workers).
    ``y`` and ``sw`` are empty: the solvers take the covariance mode, the certificates
    the Gram terms."""

    has_rows = False


@dataclass(frozen=True)
class Logistic:
    """``(1 / n) sum_i s_i log(1 + exp(-y_i z_i))`` with ``y_i`` in {-1, +1}."""

    y: np.ndarray
    sw: np.ndarray
    has_sw: bool

    name = "logistic"
    quadratic = False
    width = 1
    #: no row solver: the working-set driver's iterates solve it
    row_solver = None
    can_separate = True
    has_rows = True
    #: the dual (an entropy) is 4-strongly concave: a gap g bounds the distance by sqrt(g/2)
    dual_radius_factor = 0.5

    def value(self, z, direction=None, step=0.0):
        """Primal value at the linear predictor ``z`` (or at ``z + step * direction``)."""
        return lk.logistic_value(z, _NO_STEP if direction is None else direction,
                                 float(step), self.y, self.sw)

    def irls(self, z, grad, curvature, response):
        """The quadratic model at ``z`` into the three arrays (``lk.irls_terms``); returns
        the sum of the curvatures."""
        return lk.irls_terms(z, self.y, self.sw, MIN_CURVATURE, grad, curvature, response)

    def floor_value(self):
        """Infimum of the datafit over every linear predictor (0: y z can grow)."""
        return 0.0

    def curvature_weights(self, fit_intercept):
        """The bound ``s / 4`` on the curvatures ``s p (1 - p)``, about 0 (the columns'
        curvatures bound those of every iterate)."""
        return self.sw / 4.0, False

    def dual_point(self, z, fit_intercept):
        """``(v_grad, v_dual, t)``: minus n times the gradient in z, a dual point
        (times the weights) orthogonal to the intercept's column when one is fitted, and
        its argument for ``dual_objective``.

        With ``t = sigmoid(-y z)``, ``v_grad = s y t``. The dual needs
        ``sum_i s_i y_i t_i = 0``: the heavier class's ``t`` is shrunk to balance.
        """
        n = z.shape[0]
        v_grad, t = np.empty(n), np.empty(n)
        v_dual = np.empty(n) if fit_intercept else v_grad
        lk.dual_terms(z, self.y, self.sw, fit_intercept, v_grad, v_dual, t)
        return v_grad, v_dual, t

    def dual_objective(self, t, kappa):
        """Dual value at ``kappa`` times the dual point of argument ``t``."""
        return self.dual_value(kappa * t)

    def dual_value(self, t):
        """Dual value of ``rho = y * t`` with ``t`` in [0, 1]: a weighted mean entropy."""
        return lk.entropy_value(t, self.sw)

    def null_intercept(self, fit_intercept):
        """Optimal intercept at ``w = 0``: the log-odds of the weighted class balance."""
        if not fit_intercept:
            return 0.0
        p = float(self.sw @ (self.y > 0)) / self.y.shape[0]
        return float(np.log(p) - log1p(-p))

    def null_value(self, fit_intercept):
        """Primal value at ``w = 0``, the intercept (if any) fitted."""
        return self.value(np.full(self.y.shape[0], self.null_intercept(fit_intercept)))

    def gradient_z(self, z):
        """Gradient of ``value`` in the linear predictor: ``-s_i y_i sigmoid(-y_i z_i) / n``."""
        return -self.sw * self.y * expit(-self.y * z) / z.shape[0]

    def hessian_z(self, z):
        """Diagonal Hessian in the linear predictor: ``s_i p_i (1 - p_i) / n``."""
        p = expit(z)
        return self.sw * p * (1.0 - p) / z.shape[0]


@dataclass(frozen=True)
class Multinomial:
    """``(1 / n) sum_i s_i (log sum_k exp(z_ik) - z_{i, y_i})`` over K classes.

    Parameters
    ----------
    y : ndarray of int of shape (n,), class codes 0 .. K - 1
    sw : ndarray of shape (n,), sample weights summing to n
    has_sw : bool
    n_classes : int
    """

    y: np.ndarray
    sw: np.ndarray
    has_sw: bool
    n_classes: int

    name = "multinomial"
    #: the module of ``solvers`` that solves a datafit of several columns
    row_solver = "multinomial"
    #: no gap-safe screening for the class rows (the dual's strong concavity in the
    #: class scores is not used yet)
    dual_radius_factor = None
    quadratic = False
    can_separate = False
    has_rows = True

    @property
    def width(self):
        return self.n_classes

    def class_mass(self):
        """``m_k = sum_{i: y_i = k} s_i`` (they sum to n)."""
        return np.bincount(self.y, weights=self.sw, minlength=self.n_classes)

    def value(self, Z):
        """Primal value at the (n, K) linear predictors ``Z``."""
        Z = np.ascontiguousarray(Z, dtype=np.float64)
        return self.evaluate(Z, np.zeros(self.n_classes))

    def evaluate(self, XW, b, P=_NO_ROWS, G=_NO_ROWS, dZ=_NO_ROWS, db=None, step=0.0):
        """Primal value at ``Z = XW + b`` (C-contiguous (n, K) and (K,)), or along
        ``(dZ, db)`` by ``step``; the probabilities into ``P`` and the gradient in Z
        into ``G`` when given (``multinomial_kernels.evaluate``: one pass)."""
        return mk.evaluate(XW, b, dZ, b if db is None else db, float(step), self.y,
                           self.sw, P, G)

    def kl_gap(self, XW, b, Q, kappa):
        """The datafit's part of the duality gap at ``Z = XW + b`` for the dual
        probabilities ``(1 - kappa) Y + kappa Q`` (``multinomial_kernels.kl_gap``)."""
        return mk.kl_gap(XW, b, Q, self.y, self.sw, float(kappa))

    @staticmethod
    def probabilities(Z):
        """Row-wise softmax of ``Z``."""
        return softmax(Z, axis=1)

    def gradient_z(self, Z):
        """Gradient of ``value`` in ``Z``: ``s_i (p_ik - [y_i = k]) / n``."""
        G = self.probabilities(Z)
        G[np.arange(Z.shape[0]), self.y] -= 1.0
        return G * (self.sw / Z.shape[0])[:, None]

    def floor_value(self):
        """Infimum of the datafit over every linear predictor (0: the scores can grow)."""
        return 0.0

    def curvature_weights(self, fit_intercept):
        """The bound ``s / 4``, about 0, as for the binary logistic loss."""
        return self.sw / 4.0, False

    def null_intercepts(self, fit_intercept):
        """Optimal intercepts at ``W = 0``: the log class shares, centred to sum 0."""
        if not fit_intercept:
            return np.zeros(self.n_classes)
        logs = np.log(self.class_mass() / self.y.shape[0])
        return logs - logs.mean()

    def null_value(self, fit_intercept):
        """Primal value at ``W = 0``, the intercepts (if any) fitted."""
        b = self.null_intercepts(fit_intercept)
        return self.value(np.broadcast_to(b, (self.y.shape[0], self.n_classes)))

    def optimal_intercepts(self, Z0, b, Q=None, start=None):
        """Intercepts minimising ``value(Z0 + b)`` for fixed ``Z0 = X W`` (Newton in K
        dimensions from ``b``, centred to sum 0: adding a constant changes nothing); the
        probabilities there into ``Q`` when given. ``start``: ``(value, probabilities)``
        at ``b`` when known."""
        Z0 = np.ascontiguousarray(Z0, dtype=np.float64)
        Q = np.empty_like(Z0) if Q is None else Q
        value = np.nan
        if start is not None:
            value, Q[:] = start
        return mk.optimal_intercepts(Z0, np.asarray(b, dtype=np.float64), self.y,
                                     self.sw, self.class_mass(), Q, float(value))
