"""The multinomial (softmax) loss's part of a distributed proximal-Newton pass.

The coefficients are a (p, K) matrix, flattened row by row (feature j, class k at
``j K + k``) so that the client's Newton model is the Gram coordinate-descent kernel's
problem in ``p K`` variables and the penalty an elastic net on each coefficient (the
``"ungrouped"`` multinomial penalty). The curvature of a sample is the K x K matrix
``s (diag(p) - p p')``: a pass returns its ``K (K + 1) / 2`` distinct entries' weighted
Grams ``X' diag(s (delta_km p_k - p_k p_m)) X``.

The dual point. With intercepts the dual ``theta_i = s_i (y_i - q_i)`` must sum to 0
over the samples in each class column. In memory the probabilities at the optimal
intercepts for the current W do it (a Newton solve over the rows); here each true
class c moves its samples' points toward their one-hot rows by its own factor,
``q_i' = y_i + a_c (q_i - y_i)``, which stays in the simplex. The sums
``R_c = sum_{i in c} s_i (y_i - q_i)`` must then balance, ``sum_c a_c R_c = 0``: the
matrix with columns ``R_c`` has non-positive off-diagonal entries and columns summing
to 0 (a Markov chain's rate matrix, transposed), so a non-negative ``a`` exists (its
stationary distribution), scaled to ``max a = 1``. At the optimum every ``a_c`` is 1.
The entropies at ``q_i'`` (scaled again by the penalty's kappa) come from the next
pass, as the binary loss's do.
"""

import math
from dataclasses import dataclass

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _log_sum_exp(z):
    top = z.max()
    total = 0.0
    for k in range(z.shape[0]):
        total += math.exp(z[k] - top)
    return top + math.log(total)


@njit(cache=True, nogil=True)
def _multinomial_terms(z0, dz, y, sw, factors, steps, moving):
    m, K = z0.shape
    losses = np.zeros(steps.shape[0])
    columns = np.zeros((m, K * K))
    curv = np.empty((m, K * (K + 1) // 2))
    balance, mass = np.zeros((K, K)), np.zeros(K)
    loss, lagged = 0.0, 0.0
    z, prob = np.empty(K), np.empty(K)
    for i in range(m):
        c = int(y[i])
        if moving:
            for s in range(steps.shape[0]):
                for k in range(K):
                    z[k] = z0[i, k] + steps[s] * dz[i, k]
                losses[s] += sw[i] * (_log_sum_exp(z) - z[c])
            if factors[0] >= 0.0:
                # the previous point's entropy, at its now-known class factors
                top = _log_sum_exp(z0[i])
                entropy = 0.0
                for k in range(K):
                    a = factors[c] * math.exp(z0[i, k] - top)
                    if k == c:
                        a += 1.0 - factors[c]
                    if a > 0.0:
                        entropy -= a * math.log(a)
                lagged += sw[i] * entropy
            for k in range(K):
                z[k] = z0[i, k] + dz[i, k]
        else:
            for k in range(K):
                z[k] = z0[i, k]
        top = _log_sum_exp(z)
        loss += sw[i] * (top - z[c])
        mass[c] += sw[i]
        for k in range(K):
            prob[k] = math.exp(z[k] - top)
            r = sw[i] * ((1.0 if k == c else 0.0) - prob[k])
            columns[i, c * K + k] = r
            balance[c, k] += r
        block = 0
        for k in range(K):
            for l in range(k, K):
                curv[i, block] = sw[i] * ((prob[k] if k == l else 0.0) - prob[k] * prob[l])
                block += 1
    scalars = np.concatenate((balance.ravel(), mass))
    return losses, columns, curv, loss, lagged, scalars


def class_factors(balance):
    """The non-negative ``a`` with ``sum_c a_c R_c = 0`` and ``max a = 1`` (module
    docstring); ``balance[c]`` is ``R_c``."""
    K = balance.shape[0]
    rates = balance.T.copy()  # column c: R_c
    # the stationary distribution: rates a = 0 with sum a = 1, solved in the least-squares
    # sense (a class with no samples has R_c = 0 and is left at the others' level)
    system = np.vstack([rates, np.ones((1, K))])
    a = np.linalg.lstsq(system, np.eye(K + 1)[-1], rcond=None)[0]
    a = np.maximum(a, 0.0)
    top = a.max()
    return a / top if top > 0 else np.ones(K)


@dataclass(frozen=True)
class MultinomialTerms:
    """``s (log sum_k exp(z_k) - z_y)`` for the class codes ``y`` in ``0 .. K-1``.
    Columns: ``s (y_k - p_k)`` of each (true class, class) pair; scalars: their sums
    ``R`` (K x K) and the class masses."""

    classes: tuple

    name = "multinomial"
    scoring = "log_loss"
    no_factors = (-1.0,)

    @property
    def width(self):
        """Coefficients per feature."""
        return len(self.classes)

    def widen(self, values):
        """A per-feature array repeated for each class (the flattened layout)."""
        return np.repeat(np.asarray(values, dtype=np.float64), self.width)

    def coef_matrix(self, flat):
        """Flattened coefficients (..., p K) as (..., K, p), the estimators' layout."""
        flat = np.asarray(flat)
        K = self.width
        return np.swapaxes(flat.reshape(flat.shape[:-1] + (-1, K)), -1, -2)

    def zero_intercept(self):
        return np.zeros(self.width)

    def score(self, held_out):
        """The mean log-loss of ``PassSums.held_out`` sums (``[loss, weight, ...]``)."""
        return float(held_out[0] / held_out[1])

    def sample_terms(self, z0, dz, y, sw, factors, steps, moving):
        return _multinomial_terms(z0, dz, y, sw, factors, steps, moving)

    def _balance(self, sums):
        K = self.width
        return sums.scalars[:K * K].reshape(K, K)

    def gradient(self, sums):
        """Minus the gradient's sums: in W (flattened) and in the intercepts."""
        K = self.width
        g = sums.xtc.reshape(-1, K, K).sum(axis=1)  # (p, K): summed over true classes
        return g.ravel(), self._balance(sums).sum(axis=0)

    def curvature(self, sums):
        """The Newton model's summed curvature: in W ``(pK, pK)``, between W and the
        intercepts ``(pK, K)``, in the intercepts ``(K, K)``."""
        K = self.width
        p = sums.xtwx.shape[-1]
        blocks, edge, corner = np.empty((K, K, p, p)), np.empty((p, K, K)), np.empty((K, K))
        pair = 0
        for k in range(K):
            for m in range(k, K):
                blocks[k, m] = blocks[m, k] = sums.xtwx[pair]
                edge[:, k, m] = edge[:, m, k] = sums.xtw1[:, pair]
                corner[k, m] = corner[m, k] = sums.sumw[pair]
                pair += 1
        # H[(j, k), (l, m)] = blocks[k, m][j, l]
        return blocks.transpose(2, 0, 3, 1).reshape(p * K, p * K), edge.reshape(p * K, K), \
            corner

    def null_intercept(self, sums):
        """The log class shares (centred to sum 0, as in memory), from a pass at 0."""
        logs = np.log(sums.scalars[-self.width:] / sums.total)
        return logs - logs.mean()

    def floor(self, sums):
        return 0.0

    def certificate_parts(self, sums, w, penalty, fit_intercept):
        """The class factors of the dual point (the entropies the next pass evaluates),
        the dual value without them, the primal value and the KKT violation."""
        from .terms import _violation

        n, K = sums.total, self.width
        a = class_factors(self._balance(sums)) if fit_intercept else np.ones(K)
        per_class = sums.xtc.reshape(-1, K, K)  # (p, true class, class)
        U = np.einsum("c,jck->jk", a, per_class) / n
        kappa, conjugate, pen = penalty.gap_terms(U.ravel(), w)
        return (tuple(kappa * a), -conjugate, float(sums.loss[0]) / n + pen,
                _violation(self, sums, w, penalty, fit_intercept))
