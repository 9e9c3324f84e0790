"""Covariance (Gram) updates for the squared loss when n >> p.

With ``G = (X - xmean)' S (X - xmean) / n`` and ``c = (X - xmean)' S (y - ymean) / n``
computed once per problem, minus the gradient is ``c - G w``: coordinate descent then
costs O(p) per update and nothing per sample, and the duality gap needs no pass over X::

    (1/n) sum_i s_i r_i^2    = yy - w.c - w.grad
    (1/n) sum_i s_i r_i y~_i = yy - w.c

(``yy = (y - ymean)' S (y - ymean) / n``). glmnet calls this the covariance mode.
"""


import numpy as np
import scipy.sparse as sp

from ..penalties import ElasticNetPenalty

from . import kernels_gram
from ._design import shift_columns
from ._iterate import Iterate
from .convergence import warn_short_of_tol
from .kernels_common import LATE_CHECK
from .orthant_newton import newton_chunks
from .zero_alpha import certificate

#: covariance mode when n >= RATIO * p and p <= MAX_FEATURES (the Gram matrix is p x p)
RATIO = 2
MAX_FEATURES = 1024


def use_gram(problem, penalty):
    """Whether the covariance mode serves this squared-loss problem."""
    return gram_suits(problem, penalty.unpenalized)


def gram_suits(problem, unpenalized):
    """The same question from the mask of unpenalized features."""
    n, p = problem.design.shape
    if not problem.datafit.has_rows:
        return True  # no rows to read: the covariance mode is the only mode
    # (one output: a row solver's datafit, the multi-task loss, has its own path)
    return (problem.datafit.quadratic and problem.datafit.row_solver is None
            and p <= MAX_FEATURES and n >= RATIO * p
            and not np.any(unpenalized & (problem.lips > 0)))


def gram_terms(problem):
    """``(G, c, yy, ymean)`` of the problem, computed once and cached on it: the
    centred Gram matrix and products of the module docstring, and the weighted mean of
    y they are centred by (0 without an intercept)."""
    if problem.cache.covariance is None:
        design, df, n = problem.design, problem.datafit, problem.n_samples
        X = design.matrix
        ymean = df.centre(problem.fit_intercept)
        weighted = X.multiply(df.sw[:, None]).tocsc() if sp.issparse(X) else (
            X * df.sw[:, None] if df.has_sw else X)
        gram = np.asarray((X.T @ weighted).todense() if sp.issparse(X)
                          else X.T @ weighted) / n
        gram -= np.outer(problem.xmean, problem.xmean)
        gram = np.asfortranarray(gram)
        yc = df.y - ymean
        # (y of several outputs, (n, T): c is (p, T), yy the sum over the outputs)
        weighted = (df.sw * yc.T).T
        c = design.rmatvec(weighted) / n - np.multiply.outer(problem.xmean,
                                                             weighted.sum(axis=0) / n)
        yy = float(np.sum(weighted * yc)) / n
        problem.touch(times=2)  # X'WX and X'W(y - ymean)
        problem.cache.covariance = (gram, c, yy, ymean)
    return problem.cache.covariance


def _raw_sums(X, y):
    """Unweighted, uncentred sums ``(X'X, X'1, X'y, y'y, 1'y, n)`` of a dense or sparse X."""
    xtx = X.T @ X
    xtx = np.asarray(xtx.todense() if sp.issparse(xtx) else xtx)
    return (xtx, np.asarray(X.sum(axis=0)).ravel(), np.asarray(X.T @ y).ravel(),
            float(y @ y), float(y.sum()), X.shape[0])


def _raw_sums_of(problem):
    """The raw sums of an unweighted problem: undone from its cached centred Gram terms
    when it has them (no second pass over X), computed otherwise."""
    if problem.cache.covariance is not None and problem.fit_intercept:
        gram, c, yy, ymean = problem.cache.covariance
        n, xmean = problem.n_samples, problem.xmean
        return (n * (gram + np.outer(xmean, xmean)), n * xmean, n * (c + xmean * ymean),
                n * (yy + ymean**2), n * ymean, n)
    return _raw_sums(problem.design.matrix, problem.datafit.y)


def share_covariance(full, fold, X_out, y_out):
    """Give ``fold`` (the problem on the rows of ``full`` minus ``X_out``) its Gram terms by
    downdating those of ``full``: one ``X'X`` of the left-out rows instead of one of the
    fold's rows (cross-validation: 1/k of the work). Unweighted problems only; returns
    False (and does nothing) otherwise.
    """
    if full.datafit.has_sw or fold.datafit.has_sw or fold.fit_intercept != full.fit_intercept \
            or not _same_shift(full.shift, fold.shift):
        return False
    X_out = shift_columns(X_out, full.shift)
    if full.cache.raw_sums is None:
        full.cache.raw_sums = _raw_sums_of(full)
    out = _raw_sums(X_out, np.asarray(y_out, dtype=np.float64))
    xtx, sx, sxy, syy, sy, n = (a - b for a, b in zip(full.cache.raw_sums, out))
    gram, c, yy = xtx / n, sxy / n, syy / n
    xmean, ymean = (sx / n, sy / n) if fold.fit_intercept else (np.zeros_like(sx), 0.0)
    gram = np.asfortranarray(gram - np.outer(xmean, xmean))
    fold.cache.covariance = (gram, c - xmean * ymean, yy - ymean**2, ymean)
    return True


def _same_shift(a, b):
    if a is None or b is None:
        return a is None and b is None
    return bool(np.array_equal(a, b))


class GramState(Iterate):
    """Iterate in covariance mode: ``w`` and ``grad = c - G w`` for every feature."""

    epochs_read_x = False

    def __init__(self, problem, w, intercept):
        self.problem = problem
        self.gram, self.c, self.yy, self.ymean = gram_terms(problem)
        self.w = w
        self.grad = self.c - self.gram @ w if np.any(w) else self.c.copy()
        self.state = np.zeros(2)

    @property
    def intercept(self):
        p = self.problem
        return self.ymean - p.xmean @ self.w if p.fit_intercept else 0.0

    def set_coordinate_zero(self, j):
        self.grad += self.w[j] * self.gram[:, j]
        self.w[j] = 0.0
        self.changed()

    def _compute_products(self, unpenalized):
        return self.grad

    def gradient_and_gap(self, penalty, unpenalized):
        """Minus the gradient, the absolute gap and the dual-side gradient for screening."""
        u = self.products(unpenalized).copy()
        u[self.problem.lips == 0] = 0.0
        # unpenalized features: the gap of the problem with them held at their values
        # (their conjugate is finite only at u = 0 exactly, which rounding never gives)
        held = float(u[unpenalized] @ self.w[unpenalized])
        u[unpenalized] = 0.0
        kappa, conjugate, pen = penalty.gap_terms(u, self.w)
        wc, wg = float(self.w @ self.c), float(self.w @ self.grad)
        primal = 0.5 * (self.yy - wc - wg) + pen
        dual = kappa * (self.yy - wc) - 0.5 * kappa**2 * (self.yy - wc - wg) - conjugate \
            - kappa * held
        return self.grad, max(primal - dual, 0.0), kappa * u

    def datafit_value(self):
        """The datafit at the current iterate (its intercept optimal)."""
        return 0.5 * (self.yy - float(self.w @ self.c) - float(self.w @ self.grad))

    def objective(self, penalty):
        """Primal objective at the current iterate."""
        return self.datafit_value() + penalty.value(self.w)

    def move(self, features, delta):
        """``w[features] += delta``, keeping the gradient in step."""
        self.w[features] += delta
        self.grad -= self.gram[:, features] @ delta
        self.changed()

    def hessian_block(self, features):
        """``G_FF``: the datafit Hessian on ``features``."""
        return self.gram[np.ix_(features, features)]

    def gradient_block(self, features):
        """Minus the datafit gradient on ``features``."""
        return self.grad[features]

    def solve_working_set(self, ws, penalty, max_epochs, eps, anderson_k, newton=False,
                          settled_gap=None, options=None):
        # (no gap rule in covariance mode yet: settled_gap is not used, nor the options)
        self.changed()
        p = self.problem

        def run_epochs(budget):
            return kernels_gram.gram_ws_solve(ws, self.w, self.grad, self.gram, p.lips,
                                              penalty.l1, penalty.l2, penalty.lower,
                                              penalty.upper, budget, eps, anderson_k,
                                              self.state, LATE_CHECK)

        return newton_chunks(self, ws, penalty, max_epochs, run_epochs, newton)


def closed_form_gaps(problem, penalties, coefs, tol=None):
    """Relative duality gaps of given solutions from the cached Gram terms: O(p^2) each,
    no pass over X. A penalty of zero (least squares) gets its exact excess objective
    ``g' G^+ g / 2`` with ``g = c - G w``, since there is no dual scaling to take; given
    ``tol``, a gap above it is replaced by the near-zero-alpha bound where smaller."""
    gram, c, _, _ = gram_terms(problem)
    gaps = np.empty(len(coefs))
    for k, (penalty, w) in enumerate(zip(penalties, coefs)):
        if np.all(penalty.l1 == 0) and np.all(penalty.l2 == 0):
            g = c - gram @ w
            gaps[k] = max(float(0.5 * g @ np.linalg.lstsq(gram, g, rcond=None)[0]), 0.0) \
                / problem.null_objective
        else:
            gaps[k] = _gram_gap(problem, penalty, w, tol)
    return gaps


def _gram_gap(problem, penalty, w, tol):
    """The certificate of ``w`` from the Gram terms: the gap, or where it exceeds
    ``tol`` the smaller near-zero-alpha bound."""
    state = GramState(problem, np.array(w, dtype=np.float64), None)
    unpenalized = penalty.unpenalized & (problem.lips > 0)
    grad, excess, _ = state.gradient_and_gap(penalty, unpenalized)
    gap = max(float(excess), 0.0) / problem.null_objective
    if np.any(unpenalized):  # ... and the decrease still open to them (they must be
        # optimal for that gap to certify the whole problem): sum g_j^2 / (2 G_jj)
        rows = np.flatnonzero(unpenalized)
        gap = max(gap, float(np.sum(grad[rows] ** 2 / (2.0 * problem.lips[rows])))
                  / problem.null_objective)
    return certificate(gap, problem, penalty, state.w, state.datafit_value, grad, tol)


#: whether the compiled path's inner solves check their KKT target after every epoch
#: (stopping as soon as it is met) or once per extrapolation cycle of 6 epochs
PATH_EARLY_CHECK = True


def gram_path(problem, alphas, l1_ratio, factor, lower, upper, *, tol, max_iter):
    """Warm-started path in covariance mode, the whole loop in one numba call.

    Returns ``(coefs, intercepts, gaps, n_iter)``; warns when an alpha misses ``tol``.
    """
    gram, c, yy, ymean = gram_terms(problem)
    alphas = np.asarray(alphas, dtype=np.float64)
    n_alphas, p = alphas.size, problem.n_features
    l1s = np.outer(alphas, l1_ratio * factor)
    l2s = np.outer(alphas, (1.0 - l1_ratio) * factor)
    coefs, gaps = np.zeros((n_alphas, p)), np.zeros(n_alphas)
    n_iter = np.zeros(n_alphas, dtype=np.int64)
    kernels_gram.gram_path(gram, c, yy, problem.lips, l1s, l2s, np.asarray(lower, float),
                           np.asarray(upper, float), problem.null_objective, tol, max_iter,
                           5, coefs, gaps, n_iter, PATH_EARLY_CHECK)
    intercepts = (problem.user_intercept(ymean - coefs @ problem.xmean, coefs)
                  if problem.fit_intercept else np.zeros(n_alphas))
    for k in np.flatnonzero(gaps > tol):  # alphas near 0: the floor may certify them
        penalty = ElasticNetPenalty(l1s[k], l2s[k], np.asarray(lower, float),
                                    np.asarray(upper, float))
        gaps[k] = _gram_gap(problem, penalty, coefs[k], tol)
    missed = np.flatnonzero(gaps > tol)
    if missed.size:
        warn_short_of_tol("Coordinate descent stopped with", float(gaps.max()), tol,
                          where=f" at {missed.size} of {n_alphas} alphas", stacklevel=3)
    return coefs, intercepts, gaps, n_iter
