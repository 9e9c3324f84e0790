"""One separable penalty family: L1, L2 and elastic net with factors and bounds.

Per feature ``j`` the penalty is::

    alpha * f_j * (l1_ratio * |w_j| + (1 - l1_ratio) / 2 * w_j**2),  lo_j <= w_j <= hi_j

with ``f_j >= 0`` the penalty factor (0 leaves the feature unpenalized) and bounds that
contain 0 (as glmnet requires), so that ``w = 0`` is always feasible.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import penalty_kernels as pk


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
        return float(pk.penalty_value(w, self.l1, self.l2))

    def prox(self, v, step):
        """Proximal operator of ``step * penalty`` at ``v``, feature-wise."""
        l1, l2 = step * self.l1, step * self.l2
        shrunk = np.sign(v) * np.maximum(np.abs(v) - l1, 0.0) / (1.0 + l2)
        return np.clip(shrunk, self.lower, self.upper)

    def violation_scores(self, w, u_grad, u_dual, col_norm, radius, screened, newly,
                         scores):
        """Each feature's KKT violation into ``scores`` (-1 where screened), with the
        gap-safe screening test of ``u_dual`` at ``radius`` (< 0: none) updating
        ``screened`` and marking ``newly`` (``penalty_kernels.outer_scores``)."""
        pk.outer_scores(w, u_grad, u_dual, self.l1, self.l2, self.lower, self.upper,
                        col_norm, radius, screened, newly, scores)

    def subdiff_distance(self, w, u):
        """Distance of ``u`` (minus the datafit gradient) to the subdifferential at ``w``.

        Zero for every feature exactly when ``w`` satisfies the KKT conditions.
        """
        out = np.empty(w.shape[0])
        pk.subdiff_distances(np.ascontiguousarray(w, dtype=np.float64),
                             np.ascontiguousarray(u, dtype=np.float64), self.l1, self.l2,
                             self.lower, self.upper, out)
        return out

    def conjugate(self, u, scale=1.0):
        """Sum over features of the Fenchel conjugate ``h_j*(scale u_j)`` (may be inf)."""
        return float(pk.conjugate_sum(u, scale, self.l1, self.l2, self.lower, self.upper))

    def gap_terms(self, u, w):
        """``(kappa, conjugate(u, kappa), value(w))`` in one pass (w within the bounds)."""
        return pk.gap_terms(u, w, self.l1, self.l2, self.lower, self.upper)


#: l1_ratio below which alpha_max is taken at this ratio (glmnet's convention for ridge)
L1_RATIO_FLOOR = 1e-3


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
    ratio = max(l1_ratio, L1_RATIO_FLOOR)
    factor = np.asarray(penalty_factor, dtype=np.float64)
    up = np.where(np.asarray(upper) > 0, np.maximum(u0, 0.0), 0.0)
    down = np.where(np.asarray(lower) < 0, np.maximum(-u0, 0.0), 0.0)
    reach = np.maximum(up, down)
    penalized = factor > 0
    if not np.any(penalized):
        return 0.0
    return float(np.max(reach[penalized] / factor[penalized]) / ratio)


@dataclass(frozen=True)
class ClassPenalty:
    """Elastic net on the (n_features, n_classes) coefficients of a multinomial model.

    Per feature ``j`` with class coefficients ``W_j`` (a row)::

        ungrouped: l1_j sum_k |W_jk| + l2_j / 2 sum_k W_jk^2
        grouped:   l1_j ||W_j||_2   + l2_j / 2 ||W_j||_2^2   (in or out for all classes)

    with ``l1 = alpha * l1_ratio * f`` and ``l2 = alpha * (1 - l1_ratio) * f``.
    """

    l1: np.ndarray
    l2: np.ndarray
    grouped: bool

    @classmethod
    def from_params(cls, alpha, l1_ratio, penalty_factor, grouped):
        factor = np.asarray(penalty_factor, dtype=np.float64)
        return cls(alpha * l1_ratio * factor, alpha * (1.0 - l1_ratio) * factor,
                   bool(grouped))

    @cached_property
    def unpenalized(self):
        # (read several times per outer iteration: computed once per penalty)
        return (self.l1 == 0.0) & (self.l2 == 0.0)

    def subset(self, features):
        """The penalty of the rows ``features`` only."""
        return ClassPenalty(self.l1[features], self.l2[features], self.grouped)

    def value(self, W):
        """Penalty value at ``W`` of shape (p, K)."""
        return float(pk.class_value(np.ascontiguousarray(W, dtype=np.float64), self.l1,
                                    self.l2, self.grouped))

    def scores(self, W, U):
        """Per feature, the distance of ``U`` (minus the datafit gradient, (p, K)) to the
        subdifferential at ``W``: all zero exactly at a KKT point."""
        out = np.empty(W.shape[0])
        pk.class_scores(np.ascontiguousarray(W, dtype=np.float64),
                        np.ascontiguousarray(U, dtype=np.float64), self.l1, self.l2,
                        self.grouped, out)
        return out

    def violation_scores(self, W, U, U_dual, col_norm, radius, screened, newly, scores):
        """Each row's KKT violation (``scores``) into ``scores``, -1 where screened. With
        ``radius >= 0`` (a dual whose optimum lies within ``radius`` of the dual point
        whose product is ``U_dual``) and grouped rows, the gap-safe test screens the rows
        with ``||U_dual_j|| + col_norm_j radius < l1_j``: zero at the optimum."""
        newly[:] = False
        if radius >= 0.0 and self.grouped:
            reach = np.linalg.norm(U_dual, axis=1) + col_norm * radius
            newly[:] = ~screened & (reach < self.l1)
            screened |= newly
        scores[:] = self.scores(W, U)
        scores[screened] = -1.0

    def gap_terms(self, U, W):
        """``(kappa, conjugate of kappa U, value(W))``: kappa in (0, 1] scales the dual
        point into the conjugate's domain (needed where l2 = 0). Unpenalized features
        must have been zeroed in ``U`` by the caller."""
        norms = np.linalg.norm(U, axis=1) if self.grouped else np.abs(U).max(axis=1)
        hard = (self.l2 == 0.0) & (norms > self.l1)
        # (a hair inside the domain, so that rounding keeps kappa U within it)
        kappa = float(min(1.0, np.min(self.l1[hard] / norms[hard]) * pk._INSIDE)) \
            if np.any(hard) else 1.0
        scaled = kappa * U
        if self.grouped:
            excess = np.maximum(np.linalg.norm(scaled, axis=1) - self.l1, 0.0) ** 2
        else:
            excess = (np.maximum(np.abs(scaled) - self.l1[:, None], 0.0) ** 2).sum(axis=1)
        soft = self.l2 > 0
        conjugate = float(np.sum(excess[soft] / (2.0 * self.l2[soft])))
        return kappa, conjugate, self.value(W)

    def gap(self, U, W):
        """``(kappa, the penalty's part of the duality gap)``: kappa in (0, 1] scales the
        dual point into the conjugate's domain, and the part is ``h(W) + h*(kappa U) -
        kappa <U, W>`` summed as non-negative terms per row (no cancellation of the
        penalty's value against its conjugate). Unpenalized features must have been
        zeroed in ``U`` by the caller."""
        kappa, part = pk.class_gap(np.ascontiguousarray(U, dtype=np.float64),
                                   np.ascontiguousarray(W, dtype=np.float64), self.l1,
                                   self.l2, self.grouped)
        return float(kappa), float(part)

    def alpha_max(self, U0, l1_ratio, penalty_factor):
        """Smallest alpha with every penalized row of W zero, from minus the gradient
        ``U0`` at ``W = 0`` (intercepts fitted)."""
        factor = np.asarray(penalty_factor, dtype=np.float64)
        reach = np.linalg.norm(U0, axis=1) if self.grouped else np.abs(U0).max(axis=1)
        penalized = factor > 0
        if not np.any(penalized):
            return 0.0
        return float(np.max(reach[penalized] / factor[penalized])
                     / max(l1_ratio, L1_RATIO_FLOOR))
