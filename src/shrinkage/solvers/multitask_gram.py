"""The multi-task squared loss in covariance mode (n >> p): block coordinate descent on
``U = C - G W`` with ``G = Xc' S Xc / n`` (p, p) and ``C = Xc' S Yc / n`` (p, T) computed
once per problem (``gram.gram_terms``), so that an epoch and the duality gap cost
nothing per sample::

    F(W) = (1/2n) sum_i s_i ||r_i||^2 = (yy - <C, W> - <U, W>) / 2

(``yy = (1/n) sum_i s_i ||yc_i||^2``); the gap is ``multitask.py``'s."""

import numpy as np

from ._multitask_kernels import multitask_gram_ws_solve
from .gram import MAX_FEATURES, RATIO, gram_terms
from .multitask import MultiTaskIterate


def suits(problem, penalty):
    """Whether covariance mode serves this problem: n >= RATIO p, p <= MAX_FEATURES,
    and no feature left unpenalized (their projected gap needs the rows)."""
    n, p = problem.design.shape
    return n >= RATIO * p and p <= MAX_FEATURES and \
        not np.any(penalty.unpenalized & (problem.lips > 0))


class MultiTaskGramIterate(MultiTaskIterate):
    """``W`` (p, T) with ``U = C - G W`` for every row."""

    epochs_read_x = False

    def __init__(self, problem, W, intercept=None):
        self.problem = problem
        self.W = np.ascontiguousarray(W, dtype=np.float64)
        self.G, self.C, self.yy, self.ymean = gram_terms(problem)
        self.U = np.ascontiguousarray(self.C - self.G @ self.W)

    @property
    def intercept(self):
        if not self.problem.fit_intercept:
            return np.zeros_like(self.ymean)
        return self.ymean - self.problem.xmean @ self.W

    def set_coordinate_zero(self, j):
        self.U += np.outer(self.G[:, j], self.W[j])
        self.W[j] = 0.0
        self.changed()

    def datafit_value(self):
        return 0.5 * (self.yy - float(np.sum((self.C + self.U) * self.W)))

    def _compute_products(self, unpenalized):
        """``(datafit value, U)``: no pass over X."""
        return max(self.datafit_value(), 0.0), self.U.copy()

    def solve_working_set(self, ws, penalty, max_epochs, eps, anderson_k, newton=False,
                          settled_gap=None, options=None):
        """Block coordinate descent on the rows ``ws`` until their KKT violation <= eps."""
        self.changed()
        return multitask_gram_ws_solve(ws, self.W, self.U, self.G, self.problem.lips,
                                       penalty.l1, penalty.l2, max_epochs, eps)
