"""What each loss contributes to a distributed proximal-Newton pass.

A loss here is a small frozen object with two sides:

- on the workers, ``sample_terms(z0, dz, y, sw, factors, steps, moving)``: per sample,
  at the new linear predictor ``z0 + dz``, the curvature and the columns whose products
  with X the client needs (``columns``), the loss there and at each step size along
  ``dz`` from ``z0``, a few sums (``scalars``), and the previous iterate's dual terms at
  the scaling ``factors`` the client fixed after the previous pass (``lagged``);
- on the client, from the reduced ``PassSums``: the gradient, the null model's
  intercept, the loss's floor, and the certificate's parts (the dual point's scaling,
  the dual value without the lagged terms, the primal value, the KKT violation).

The duals are those of ``datafits.py`` / ``datafits_glm.py``, written as sums over the
samples so that a pass can evaluate them.
"""

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from ..logistic_kernels import log1pexp
from ..datafits_glm import HUBER_MIN_CURVATURE

_MIN_CURVATURE = 1e-10


class _OneOutput:
    """What the losses with one linear predictor per sample share: one coefficient per
    feature, a scalar intercept, and the Newton curvature read off the pass as it is."""

    width = 1

    def widen(self, values):
        return np.asarray(values, dtype=np.float64)

    def coef_matrix(self, flat):
        return flat

    def zero_intercept(self):
        return 0.0

    def curvature(self, sums):
        """The summed curvature: in w ``(p, p)``, between w and the intercept ``(p, 1)``,
        in the intercept ``(1, 1)``."""
        return sums.xtwx, sums.xtw1[:, None], sums.sumw.reshape(1, 1)



@njit(cache=True, nogil=True)
def _logistic_terms(z0, dz, y, sw, factors, steps, moving):
    m = z0.shape[0]
    losses = np.zeros(steps.shape[0])
    columns = np.zeros((m, 2))
    curv = np.empty(m)
    loss, lagged, mass_pos, mass_neg = 0.0, 0.0, 0.0, 0.0
    for i in range(m):
        zi = z0[i]
        if moving:
            for k in range(1, steps.shape[0]):  # steps[0] = 1: the new point's, below
                losses[k] += sw[i] * log1pexp(-y[i] * (zi + steps[k] * dz[i]))
            if factors[0] >= 0.0:
                # the previous point's entropy, at its now-known scaling
                t0 = 1.0 / (1.0 + math.exp(y[i] * zi))
                a = t0 * (factors[0] if y[i] > 0 else factors[1])
                if a > 0.0:
                    lagged -= sw[i] * a * math.log(a)
                if a < 1.0:
                    lagged -= sw[i] * (1.0 - a) * math.log(1.0 - a)
            zi = zi + dz[i]
        # one exponential for the loss and t = 1 / (1 + exp(y z)) at the new point
        margin = y[i] * zi
        e = math.exp(-abs(margin))
        li = (max(-margin, 0.0) + math.log1p(e)) * sw[i]
        loss += li
        if moving:
            losses[0] += li
        ti = e / (1.0 + e) if margin > 0.0 else 1.0 / (1.0 + e)
        curv[i] = sw[i] * max(ti * (1.0 - ti), _MIN_CURVATURE)
        if y[i] > 0:
            columns[i, 0] = sw[i] * ti
            mass_pos += sw[i] * ti
        else:
            columns[i, 1] = -sw[i] * ti
            mass_neg += sw[i] * ti
    return losses, columns, curv, loss, lagged, np.array([mass_pos, mass_neg])


@dataclass(frozen=True)
class LogisticTerms(_OneOutput):
    """``s log(1 + exp(-y z))``, labels in {-1, +1}. Columns: ``s y t`` over the positive
    and over the negative samples (``t = 1 / (1 + exp(y z))``); scalars: ``sum s t`` of
    each class. ``classes``: the labels behind -1 and +1 (the estimator's ``classes_``)."""

    classes: tuple = None

    name = "logistic"
    scoring = "log_loss"
    no_factors = (-1.0, -1.0)

    def score(self, held_out):
        """The mean log-loss of ``PassSums.held_out`` sums (``[loss, weight, ...]``)."""
        return float(held_out[0] / held_out[1])

    def sample_terms(self, z0, dz, y, sw, factors, steps, moving):
        return _logistic_terms(z0, dz, y, sw, factors, steps, moving)

    def gradient(self, sums):
        """Minus the gradient's sums: in w, and in the intercept."""
        return sums.xtc[:, 0] + sums.xtc[:, 1], float(sums.scalars[0] - sums.scalars[1])

    def null_intercept(self, sums):
        """The optimal intercept at w = 0, from a pass at (0, 0) (t = 1/2)."""
        return float(np.log(sums.scalars[0] / sums.scalars[1]))

    def floor(self, sums):
        return 0.0

    def certificate_parts(self, sums, w, penalty, fit_intercept):
        """The class factors of the dual point (the entropy the next pass evaluates), the
        dual value without that entropy, the primal value and the KKT violation."""
        n = sums.total
        xtv_pos, xtv_neg = sums.xtc[:, 0] / n, sums.xtc[:, 1] / n
        scale_pos = scale_neg = 1.0
        if fit_intercept:
            # the dual must satisfy sum s y t = 0: shrink the heavier class's t
            mass_pos, mass_neg = sums.scalars
            scale_pos = min(1.0, mass_neg / mass_pos) if mass_pos > 0 else 1.0
            scale_neg = min(1.0, mass_pos / mass_neg) if mass_neg > 0 else 1.0
        kappa, conjugate, pen = penalty.gap_terms(scale_pos * xtv_pos + scale_neg * xtv_neg,
                                                  w)
        return ((kappa * scale_pos, kappa * scale_neg), -conjugate,
                float(sums.loss[0]) / n + pen,
                _violation(self, sums, w, penalty, fit_intercept))


@njit(cache=True, nogil=True)
def _poisson_terms(z0, dz, y, sw, factors, steps, moving):
    m = z0.shape[0]
    losses = np.zeros(steps.shape[0])
    columns = np.empty((m, 2))
    curv = np.empty(m)
    loss, lagged, total_y, total_mu, floor = 0.0, 0.0, 0.0, 0.0, 0.0
    for i in range(m):
        zi = z0[i]
        if moving:
            for k in range(steps.shape[0]):
                zk = zi + steps[k] * dz[i]
                losses[k] += sw[i] * (math.exp(zk) - y[i] * zk)
            if factors[0] >= 0.0:
                # the previous point's dual terms m - m log m, m = (1 - kappa) y + kappa c mu
                mi = (1.0 - factors[0]) * y[i] + factors[0] * factors[1] * math.exp(zi)
                lagged += sw[i] * (mi - (mi * math.log(mi) if mi > 0.0 else 0.0))
            zi = zi + dz[i]
        mu = math.exp(zi)
        loss += sw[i] * (mu - y[i] * zi)
        curv[i] = sw[i] * max(mu, _MIN_CURVATURE)
        columns[i, 0] = sw[i] * y[i]
        columns[i, 1] = sw[i] * mu
        total_y += sw[i] * y[i]
        total_mu += sw[i] * mu
        if y[i] > 0.0:
            floor += sw[i] * (y[i] - y[i] * math.log(y[i]))
    return losses, columns, curv, loss, lagged, np.array([total_y, total_mu, floor])


@dataclass(frozen=True)
class PoissonTerms(_OneOutput):
    """``s (exp(z) - y z)``, counts y >= 0 (no offset). Columns: ``s y`` and ``s mu``;
    scalars: their sums and ``sum s (y - y log y)``, the loss's floor."""

    name = "poisson"
    scoring = "poisson_deviance"
    no_factors = (-1.0, -1.0)

    def score(self, held_out):
        """The mean Poisson deviance, ``2 (loss - floor)`` per unit of weight."""
        return float(2.0 * (held_out[0] - held_out[4]) / held_out[1])

    def sample_terms(self, z0, dz, y, sw, factors, steps, moving):
        return _poisson_terms(z0, dz, y, sw, factors, steps, moving)

    def gradient(self, sums):
        return sums.xtc[:, 0] - sums.xtc[:, 1], float(sums.scalars[0] - sums.scalars[1])

    def null_intercept(self, sums):
        """From a pass at (0, 0) (mu = 1): ``log(sum s y / sum s)``."""
        return float(np.log(sums.scalars[0] / sums.scalars[1]))

    def floor(self, sums):
        return float(sums.scalars[2]) / sums.total

    def certificate_parts(self, sums, w, penalty, fit_intercept):
        """The dual point ``s (y - c mu)``, ``c`` balancing it against the intercept;
        factors ``(kappa, c)`` for the next pass's ``m - m log m``."""
        n = sums.total
        c = float(sums.scalars[0] / sums.scalars[1]) if fit_intercept else 1.0
        kappa, conjugate, pen = penalty.gap_terms((sums.xtc[:, 0] - c * sums.xtc[:, 1]) / n,
                                                  w)
        return ((kappa, c), -conjugate, float(sums.loss[0]) / n + pen,
                _violation(self, sums, w, penalty, fit_intercept))


@njit(cache=True, nogil=True)
def _huber_loss(r, delta):
    a = abs(r)
    return 0.5 * r * r if a <= delta else delta * (a - 0.5 * delta)


@njit(cache=True, nogil=True)
def _huber_terms(z0, dz, y, sw, delta, steps, moving):
    m = z0.shape[0]
    losses = np.zeros(steps.shape[0])
    columns = np.empty((m, 2))
    curv = np.empty(m)
    loss, total_psi, total_w, psi_y, psi_psi, total_y = 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    for i in range(m):
        zi = z0[i]
        if moving:
            for k in range(steps.shape[0]):
                losses[k] += sw[i] * _huber_loss(y[i] - zi - steps[k] * dz[i], delta)
            zi = zi + dz[i]
        r = y[i] - zi
        loss += sw[i] * _huber_loss(r, delta)
        psi = min(max(r, -delta), delta)
        # the linear part keeps a little curvature, as in memory (datafits_glm)
        curv[i] = sw[i] * (1.0 if abs(r) <= delta else HUBER_MIN_CURVATURE)
        columns[i, 0] = sw[i] * psi
        columns[i, 1] = sw[i]
        total_psi += sw[i] * psi
        total_w += sw[i]
        psi_y += sw[i] * psi * y[i]
        psi_psi += sw[i] * psi * psi
        total_y += sw[i] * y[i]
    return (losses, columns, curv, loss, 0.0,
            np.array([total_psi, total_w, psi_y, psi_psi, total_y]))


@dataclass(frozen=True)
class HuberTerms(_OneOutput):
    """``s h(y - z)`` with threshold ``delta``. Columns: ``s psi(y - z)`` and ``s``;
    scalars: ``sum s psi``, ``sum s``, ``sum s psi y``, ``sum s psi^2``, ``sum s y``.

    The dual point is certified in the same pass, with no lag: with an intercept the
    clipped residuals must sum to 0; ``t (psi - a)``, ``a = sum s psi / sum s`` and
    ``t = delta / (delta + |a|)``, sums to 0 and stays in the box ``|rho| <= delta``, and
    the dual ``sum s (rho y - rho^2 / 2)`` at it (and at any scaling of it) expands in
    the pass's sums. At the optimum ``a = 0`` (the intercept's own condition): the point
    tends to the in-memory one.

    Parameters
    ----------
    delta : float
    null : float
        The intercept of the null model (the Huber location of y), found beforehand.
    """

    delta: float
    null: float = 0.0

    name = "huber"
    scoring = "huber"
    no_factors = (-1.0,)

    def score(self, held_out):
        """The mean Huber loss."""
        return float(held_out[0] / held_out[1])

    def sample_terms(self, z0, dz, y, sw, factors, steps, moving):
        return _huber_terms(z0, dz, y, sw, self.delta, steps, moving)

    def gradient(self, sums):
        return sums.xtc[:, 0].copy(), float(sums.scalars[0])

    def null_intercept(self, sums):
        return self.null

    def floor(self, sums):
        return 0.0

    def certificate_parts(self, sums, w, penalty, fit_intercept):
        n = sums.total
        total_psi, total_w, psi_y, psi_psi, total_y = (float(x) for x in sums.scalars)
        a, t = 0.0, 1.0
        if fit_intercept:
            a = total_psi / total_w
            t = self.delta / (self.delta + abs(a))
        kappa, conjugate, pen = penalty.gap_terms(
            t * (sums.xtc[:, 0] - a * sums.xtc[:, 1]) / n, w)
        linear = t * (psi_y - a * total_y)  # sum s rho y
        square = t * t * (psi_psi - 2.0 * a * total_psi + a * a * total_w)  # sum s rho^2
        dual = (kappa * linear - 0.5 * kappa * kappa * square) / n
        return (self.no_factors, dual - conjugate, float(sums.loss[0]) / n + pen,
                _violation(self, sums, w, penalty, fit_intercept))


def _violation(terms, sums, w, penalty, fit_intercept):
    """The largest KKT violation: the penalty's subdifferential distance and, with an
    intercept, its gradient."""
    g, gb = terms.gradient(sums)
    n = sums.total
    violation = float(penalty.subdiff_distance(w, g / n).max(initial=0.0))
    return max(violation, float(np.max(np.abs(gb))) / n) if fit_intercept else violation
