"""Multinomial logistic regression: proximal Newton on working sets of features,
stopped on a certified duality gap.

The outer loop is the shared working-set driver (``cd.solve``) with a width K: this
module's iterate gives it minus the gradient ``U = -X' G`` (p, K) in one product and the
duality gap; the penalty (``ClassPenalty``, grouped or not) the KKT violation of each
feature (a row of W); the driver picks the next working set (the support and the worst
violators). Inner loop: Newton steps restricted to the working set, each
model (cross-class curvature included) solved by the coordinate-descent kernel of
``_multinomial_kernels`` and followed by a backtracking line search on the true
objective.

The duality gap. For a dual point the rows ``q_i`` of a simplex give ``theta_i = s_i
(y_i - q_i) / n``; the intercepts require ``sum_i theta_i = 0``, which the probabilities
at the intercepts that are optimal for the current W satisfy (found by Newton in K
dimensions). Scaled by ``kappa`` into the penalty conjugate's domain, ``q_i(kappa) =
(1 - kappa) y_i + kappa q_i`` stays in the simplex, and::

    gap = P(W, b) - [(1/n) sum_i s_i H(q_i(kappa)) - h*(kappa X' theta)]

(``H``: entropy, ``h*``: the penalty's conjugate), relative to the objective at W = 0
with the intercepts fitted.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._iterate import Iterate
from ._multinomial_kernels import multinomial_model_cd
from .backtracking import backtracking_step
from .cd import solve
from .newton import (find_class_separation, newton_unpenalized_multinomial,
                     warn_not_converged)

_MAX_NEWTON_STEPS = 50
_MIN_CURVATURE = 1e-10
_INNER_FRACTION = 0.3


@dataclass(frozen=True)
class MultinomialSolution:
    """Coefficients (K, p), intercepts (K,), relative gap, epochs, convergence."""

    coef: np.ndarray
    intercept: np.ndarray
    gap: float
    n_iter: int
    converged: bool
    #: unpenalized fits of separable classes: ``(class_a, class_b or None, separation)``
    separation: tuple = None


class MultinomialIterate(Iterate):
    """The iterate of the shared working-set driver (``cd.solve``) for the multinomial
    loss: ``W`` (p, K), ``b`` (K,) and ``Z = X W + b``, a row of W per feature (the
    working sets hold rows), solved by proximal Newton steps on the working set."""

    ws_growth = 2
    stops_when_stalled = True
    method = "Multinomial proximal Newton"
    advice = "increase max_iter or tol"

    def __init__(self, problem, W, b):
        self.problem = problem
        self.W = np.ascontiguousarray(W, dtype=np.float64)
        self.b = np.asarray(b, dtype=np.float64).copy()
        self.XW = np.asarray(problem.design.matrix @ self.W)

    @property
    def w(self):
        return self.W

    @property
    def intercept(self):
        return self.b

    @property
    def Z(self):
        return self.XW + self.b

    def support(self):
        return np.any(self.W != 0, axis=1)

    def solution_arrays(self):
        coef = self.W.T.copy()
        return coef, self.problem.user_intercept(self.b, coef)

    def datafit_value(self):
        return self.problem.datafit.value(self.Z)

    def objective(self, penalty):
        return self.datafit_value() + penalty.value(self.W)

    def gradient_and_gap(self, penalty, unpenalized):
        """Minus the gradient ``U`` (p, K), the absolute duality gap (module docstring)
        and ``U`` again (no screening uses a dual-side gradient here)."""
        U, _ = minus_gradient(self.problem, self.Z)
        return U, duality_gap(self.problem, penalty, self), U

    def set_coordinate_zero(self, j):
        self.XW -= np.outer(np.asarray(self.problem.design.column(j)), self.W[j])
        self.W[j] = 0.0
        self.changed()

    def solve_working_set(self, ws, penalty, max_epochs, eps, anderson_k, newton=False,
                          settled_gap=None, options=None):
        """Proximal Newton steps on the rows ``ws`` until their KKT violation <= eps."""
        ran = _newton_on_working_set(self.problem, penalty, self, ws, max_epochs, eps)
        self.changed()
        return ran


def minus_gradient(problem, Z):
    """``U = -X' G`` (p, K) and ``G`` at the linear predictors ``Z``."""
    G = problem.datafit.gradient_z(Z)
    return -np.asarray(problem.design.matrix.T @ G), G


def duality_gap(problem, penalty, state):
    """Duality gap of the iterate (module docstring; absolute: the driver scales it)."""
    df = problem.datafit
    b_dual = (df.optimal_intercepts(state.XW, state.b) if problem.fit_intercept
              else state.b)
    Q = df.probabilities(state.XW + b_dual)
    Y = df.onehot()
    theta = (Y - Q) * (df.sw / problem.n_samples)[:, None]
    U = np.asarray(problem.design.matrix.T @ theta)
    unpenalized = penalty.unpenalized
    # unpenalized features: the gap of the problem with them held at their values
    held = float(np.sum(U[unpenalized] * state.W[unpenalized]))
    U[unpenalized] = 0.0
    U[problem.lips == 0] = 0.0
    kappa, conjugate, pen = penalty.gap_terms(U, state.W)
    primal = df.value(state.Z) + pen
    dual = df.dual_value((1.0 - kappa) * Y + kappa * Q) - conjugate - kappa * held
    return max(primal - dual, 0.0)


def solve_multinomial(problem, penalty, W_init=None, b_init=None, *, tol=1e-4,
                      max_iter=1000, ws_start=10, warn=True, state=None):
    """Minimise the multinomial datafit plus ``penalty`` (a ``ClassPenalty``).

    Parameters
    ----------
    problem : Problem with a ``Multinomial`` datafit
    penalty : ClassPenalty
    W_init, b_init : warm start, (p, K) and (K,)
    tol : float
        Target relative duality gap.
    max_iter : int
        Budget of coordinate-descent epochs.
    ws_start : int
        Size of the first working set.
    warn : bool
        Emit a ``ConvergenceWarning`` when the gap is not reached.
    state : MultinomialIterate, optional
        Continue from it (a path's warm start).

    Returns
    -------
    MultinomialSolution, and the state to continue from
    """
    df = problem.datafit
    p, K = problem.n_features, df.n_classes
    if np.all(penalty.unpenalized):
        return _solve_unpenalized(problem, W_init, b_init, state, tol=tol,
                                  max_iter=max_iter, warn=warn)
    if state is None:
        W = np.zeros((p, K)) if W_init is None else np.array(W_init, dtype=float)
        b = df.null_intercepts(problem.fit_intercept) if b_init is None else \
            problem.internal_intercept(np.asarray(b_init, dtype=float), W.T)
        state = MultinomialIterate(problem, W, b if problem.fit_intercept else np.zeros(K))
    state.W[problem.lips == 0] = 0.0
    state.changed()
    sol = solve(problem, penalty, tol=tol, max_iter=max_iter, ws_start=ws_start,
                warn=warn, state=state)
    solution = MultinomialSolution(coef=sol.coef, intercept=sol.intercept, gap=sol.gap,
                                   n_iter=sol.n_iter, converged=sol.converged)
    return solution, state


def _solve_unpenalized(problem, W_init, b_init, state, *, tol, max_iter, warn):
    """alpha = 0: Newton's method, certified by its decrement (``newton``)."""
    df = problem.datafit
    K = df.n_classes
    if state is not None:
        W_init, b_init = state.W, state.b
    W = np.zeros((problem.n_features, K)) if W_init is None else W_init
    if b_init is None:
        b = df.null_intercepts(problem.fit_intercept)
    else:
        b = b_init if state is not None else \
            problem.internal_intercept(np.asarray(b_init, dtype=float), np.asarray(W).T)
    result = newton_unpenalized_multinomial(problem, W, b, tol=tol, max_iter=max_iter)
    separation = find_class_separation(problem, result)
    if warn and not result.converged and separation is None:
        warn_not_converged(result, tol)
    solution = MultinomialSolution(coef=result.coef.T.copy(),
                                   intercept=np.asarray(problem.user_intercept(
                                       result.intercept, result.coef.T), dtype=float),
                                   gap=result.certificate, n_iter=result.n_iter,
                                   converged=result.converged, separation=separation)
    return solution, MultinomialIterate(problem, result.coef, result.intercept)


def _ws_violation(problem, penalty, state, ws, G):
    U = -np.asarray(problem.design.matrix[:, ws].T @ G)
    worst = float(penalty.subset(ws).scores(state.W[ws], U).max()) if ws.size else 0.0
    if problem.fit_intercept:
        worst = max(worst, float(np.abs(G.sum(axis=0)).max()))
    return worst


def _newton_on_working_set(problem, penalty, state, ws, max_epochs, eps):
    """Proximal Newton steps on the rows ``ws`` until their KKT violation <= eps."""
    df, design = problem.datafit, problem.design
    X_ws = design.matrix[:, ws]
    epochs, previous, fraction = 0, None, _INNER_FRACTION
    sub = penalty.subset(ws)
    weights = df.sw / problem.n_samples
    mu = np.zeros((problem.n_features, df.n_classes))
    for _ in range(_MAX_NEWTON_STEPS):
        Z = state.Z
        G = df.gradient_z(Z)
        violation = _ws_violation(problem, penalty, state, ws, G)
        if violation <= eps or epochs >= max_epochs:
            break
        if previous is not None:
            fraction = min(_INNER_FRACTION, (violation / previous) ** 2)
        previous = violation
        P = np.ascontiguousarray(df.probabilities(Z))
        blocks, mu[ws] = _model_blocks(X_ws, P, weights, problem.fit_intercept)
        bounds = (np.linalg.eigvalsh(blocks)[:, -1] if penalty.grouped
                  else np.zeros(ws.size))
        W_new, b_new = state.W.copy(), state.b.copy()
        epochs += multinomial_model_cd(
            ws, W_new, b_new, np.ascontiguousarray(G), P, weights, mu, blocks, bounds,
            *design.kernel_args, penalty.l1, penalty.l2, penalty.grouped,
            problem.fit_intercept, max_epochs - epochs, fraction * max(eps, violation))
        if not _line_search(problem, sub, state, ws, X_ws, W_new, b_new):
            break
    return epochs


def _model_blocks(X_ws, P, weights, fit_intercept):
    """The Newton model's K x K curvature in each working-set row of W, and the class
    centres of its columns (``_multinomial_kernels``): ``sum_i w_i (x_ij - mu_jk)
    (x_ij - mu_jm) (delta_km p_ik - p_ik p_im)``, with ``mu_jk`` the mean of column j
    under the weights ``w_i p_ik (1 - p_ik)`` (dense X with an intercept; 0 otherwise)."""
    n_ws, K = X_ws.shape[1], P.shape[1]
    spread = np.maximum(P * (1.0 - P), _MIN_CURVATURE) * weights[:, None]
    if sp.issparse(X_ws) or not fit_intercept:
        mu = np.zeros((n_ws, K))
    else:
        mu = np.asarray(X_ws.T @ spread) / spread.sum(axis=0)
    blocks = np.empty((n_ws, K, K))
    for r in range(n_ws):
        if sp.issparse(X_ws):
            column = X_ws[:, [r]]
            rows = column.indices
            centred = np.repeat(column.data[:, None], K, axis=1)
        else:
            rows = slice(None)
            centred = X_ws[:, r][:, None] - mu[r][None, :]
        Pr, wr = P[rows], weights[rows]
        scaled = centred * Pr  # (x_ij - mu_jk) p_ik
        blocks[r] = np.diag(wr @ (centred * scaled)) - scaled.T @ (scaled * wr[:, None])
    return blocks, mu


def _line_search(problem, sub, state, ws, X_ws, W_new, b_new):
    """Backtrack along the Newton direction until the objective does not increase."""
    df = problem.datafit
    dW = W_new[ws] - state.W[ws]
    db = b_new - state.b
    dZ = np.asarray(X_ws @ dW)
    W_ws = state.W[ws].copy()
    before = df.value(state.Z) + sub.value(W_ws)

    def objective_at(step):
        return df.value(state.Z + step * (dZ + db)) + sub.value(W_ws + step * dW), None

    found = backtracking_step(objective_at, before)
    if found is None:
        return False
    step = found[0]
    state.W[ws] = W_ws + step * dW
    state.XW += step * dZ
    state.b += step * db
    return True


def _penalized_rows_fixed_at_zero(factor, grouped):
    """A penalty that holds every penalized row of W at zero (a prohibitive L1 weight)
    and leaves the unpenalized ones free: their fit is where the path starts."""
    from ..penalties import ClassPenalty

    return ClassPenalty(np.where(factor > 0, 1e300, 0.0), np.zeros_like(factor), grouped)


def multinomial_alpha_max(problem, l1_ratio, factor, grouped):
    """Exact smallest alpha with every penalized row of W zero, the intercepts and the
    unpenalized features fitted."""
    from ..penalties import ClassPenalty

    unpenalized = (factor == 0) & (problem.lips > 0)
    state = None
    if np.any(unpenalized):
        _, state = solve_multinomial(problem, _penalized_rows_fixed_at_zero(factor, grouped),
                                     tol=1e-12, max_iter=10_000, warn=False)
        W = state.W
    else:
        W = np.zeros((problem.n_features, problem.datafit.n_classes))
    df = problem.datafit
    XW = np.asarray(problem.design.matrix @ W)
    b = (df.optimal_intercepts(XW, df.null_intercepts(True)) if problem.fit_intercept
         else np.zeros(df.n_classes))
    U, _ = minus_gradient(problem, XW + b)
    return ClassPenalty.from_params(1.0, l1_ratio, factor, grouped).alpha_max(
        U, l1_ratio, factor)


def multinomial_path(problem, alphas, l1_ratio, factor, grouped, *, tol, max_iter):
    """Warm-started solves along ``alphas``: ``(coefs (n_alphas, K, p), intercepts
    (n_alphas, K), gaps, n_iter)``."""
    from ..penalties import ClassPenalty

    K, p = problem.datafit.n_classes, problem.n_features
    coefs, intercepts = np.zeros((len(alphas), K, p)), np.zeros((len(alphas), K))
    gaps, n_iter = np.zeros(len(alphas)), np.zeros(len(alphas), dtype=int)
    state = None
    for k, alpha in enumerate(alphas):
        penalty = ClassPenalty.from_params(alpha, l1_ratio, factor, grouped)
        solution, state = solve_multinomial(problem, penalty, tol=tol, max_iter=max_iter,
                                            state=state)
        coefs[k], intercepts[k] = solution.coef, solution.intercept
        gaps[k], n_iter[k] = solution.gap, solution.n_iter
    return coefs, intercepts, gaps, n_iter
