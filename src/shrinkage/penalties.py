"""One separable penalty family: L1, L2 and elastic net with factors and bounds.

Per feature ``j`` the penalty is::

    alpha * f_j * (l1_ratio * |w_j| + (1 - l1_ratio) / 2 * w_j**2),  lo_j <= w_j <= hi_j

with ``f_j >= 0`` the penalty factor (0 leaves the feature unpenalized) and bounds that
contain 0 (as glmnet requires), so that ``w = 0`` is always feasible.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ElasticNetPenalty:
    """Elastic-net penalty as per-feature arrays.

    Parameters
    ----------
    l1 : ndarray of shape (p,)
        ``alpha * l1_ratio * f_j``.
    l2 : ndarray of shape (p,)
        ``alpha * (1 - l1_ratio) * f_j``.
    lower, upper : ndarray of shape (p,)
        Box bounds, ``lower <= 0 <= upper``; infinite when unbounded.
    """

    l1: np.ndarray
    l2: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    @classmethod
    def from_params(cls, alpha, l1_ratio, penalty_factor, lower, upper):
        """Build the arrays from the user-facing parameters (already validated)."""
        factor = np.asarray(penalty_factor, dtype=np.float64)
        return cls(
            l1=alpha * l1_ratio * factor,
            l2=alpha * (1.0 - l1_ratio) * factor,
            lower=np.asarray(lower, dtype=np.float64),
            upper=np.asarray(upper, dtype=np.float64),
        )

    def subset(self, features):
        """The penalty of ``features`` only."""
        return ElasticNetPenalty(self.l1[features], self.l2[features],
                                 self.lower[features], self.upper[features])

    @property
    def unpenalized(self):
        """Mask of features with no penalty at all (``f_j = 0``)."""
        return (self.l1 == 0.0) & (self.l2 == 0.0)

    def value(self, w):
        """Penalty value at ``w`` (``inf`` outside the bounds)."""
        if np.any(w < self.lower) or np.any(w > self.upper):
            return np.inf
        return float(np.sum(self.l1 * np.abs(w) + 0.5 * self.l2 * w * w))

    def prox(self, v, step):
        """Proximal operator of ``step * penalty`` at ``v``, feature-wise."""
        l1, l2 = step * self.l1, step * self.l2
        shrunk = np.sign(v) * np.maximum(np.abs(v) - l1, 0.0) / (1.0 + l2)
        return np.clip(shrunk, self.lower, self.upper)

    def subdiff_distance(self, w, u):
        """Distance of ``u`` (minus the datafit gradient) to the subdifferential at ``w``.

        Zero for every feature exactly when ``w`` satisfies the KKT conditions.
        """
        v = u - self.l2 * w
        low = np.where(self.lower < 0, -self.l1, -np.inf)
        high = np.where(self.upper > 0, self.l1, np.inf)
        at_zero = np.maximum(np.maximum(low - v, v - high), 0.0)
        pos = np.where(w >= self.upper, np.maximum(self.l1 - v, 0.0), np.abs(v - self.l1))
        neg = np.where(w <= self.lower, np.maximum(v + self.l1, 0.0), np.abs(v + self.l1))
        return np.where(w == 0, at_zero, np.where(w > 0, pos, neg))

    def conjugate(self, u):
        """Sum over features of the Fenchel conjugate ``h_j*(u_j)`` (may be ``inf``)."""
        l1, l2, lo, hi = self.l1, self.l2, self.lower, self.upper
        excess_pos = np.maximum(u - l1, 0.0)
        excess_neg = np.maximum(-u - l1, 0.0)
        smooth = l2 > 0
        total = 0.0
        if np.any(smooth):
            w = np.clip((excess_pos - excess_neg)[smooth] / l2[smooth], lo[smooth], hi[smooth])
            total += np.sum(u[smooth] * w - l1[smooth] * np.abs(w) - 0.5 * l2[smooth] * w * w)
        flat = ~smooth
        with np.errstate(invalid="ignore"):  # 0 * inf where the bound is infinite
            pos = np.where(excess_pos[flat] > 0, hi[flat] * excess_pos[flat], 0.0)
            neg = np.where(excess_neg[flat] > 0, -lo[flat] * excess_neg[flat], 0.0)
        return float(total + np.sum(pos) + np.sum(neg))

    def dual_scaling(self, u):
        """Largest ``kappa`` in ``[0, 1]`` making ``conjugate(kappa * u)`` finite.

        Only features with no L2 term and an infinite bound restrict ``kappa``; those with
        no penalty at all must be handled by the caller (their ``u_j`` must be 0).
        """
        flat = (self.l2 == 0) & (self.l1 > 0)
        kappa = 1.0
        up = flat & np.isinf(self.upper) & (u > self.l1)
        if np.any(up):
            kappa = min(kappa, float(np.min(self.l1[up] / u[up])))
        down = flat & np.isinf(self.lower) & (-u > self.l1)
        if np.any(down):
            kappa = min(kappa, float(np.min(self.l1[down] / -u[down])))
        return kappa

    def zero_is_optimal_margin(self, u):
        """How far ``u_j`` sits inside the interval where ``w_j = 0`` is optimal.

        Positive where ``w_j* = 0`` is certified once ``|u_j* - u_j|`` is below it
        (gap-safe screening); ``-inf`` for unpenalized features, which are never screened.
        """
        low = np.where(self.lower < 0, -self.l1, -np.inf)
        high = np.where(self.upper > 0, self.l1, np.inf)
        margin = np.minimum(u - low, high - u)
        return np.where(self.l1 > 0, margin, -np.inf)


def alpha_max(u0, l1_ratio, penalty_factor, lower, upper):
    """Smallest alpha at which ``w = 0`` is optimal.

    Parameters
    ----------
    u0 : ndarray of shape (p,)
        Minus the datafit gradient at ``w = 0`` (intercept and unpenalized features fitted).
    l1_ratio : float
        Below 1e-3 the ratio is taken as 1e-3, as glmnet does, since with no L1 term no
        finite alpha makes every coefficient zero.
    """
    ratio = max(l1_ratio, 1e-3)
    factor = np.asarray(penalty_factor, dtype=np.float64)
    up = np.where(np.asarray(upper) > 0, np.maximum(u0, 0.0), 0.0)
    down = np.where(np.asarray(lower) < 0, np.maximum(-u0, 0.0), 0.0)
    reach = np.maximum(up, down)
    penalized = factor > 0
    if not np.any(penalized):
        return 0.0
    return float(np.max(reach[penalized] / factor[penalized]) / ratio)
