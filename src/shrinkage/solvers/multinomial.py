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
with the intercepts fitted. It is summed as its Fenchel-Young terms, none negative, so
that no two large values cancel: ``(1/n) sum_i s_i KL(q_i(kappa) || p_i)`` (``p_i``: the
iterate's probabilities) and, per row of W, ``h_j(W_j) + h_j*(kappa U_j) - kappa U_j.W_j``
(``U = X' theta``); the difference above equals their sum once ``sum_i theta_i = 0``.

Cost. On small tables a path is thousands of solves of a few rounds each, and Python,
not arithmetic, was the cost: what the driver and the Newton steps read at an iterate
(value, probabilities, gradient, the dual point) is computed once per version of it, by
numba kernels that make one pass over the samples (``multinomial_kernels``).
"""

from dataclasses import dataclass

import numpy as np

from ..penalty_kernels import class_rows_violation
from ._iterate import Iterate, warm_rows_path
from ._multinomial_kernels import model_blocks, multinomial_model_cd
from .backtracking import ROUNDING, backtracking_step
from .cd import solve
from .newton import (find_class_separation, newton_unpenalized_multinomial,
                     warn_not_converged)

_MAX_NEWTON_STEPS = 50
_MIN_CURVATURE = 1e-10
_INNER_FRACTION = 0.3
_NO_ROWS = np.empty((0, 0))


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
    loss: ``W`` (p, K), ``b`` (K,) and ``XW = X W``, a row of W per feature (the
    working sets hold rows), solved by proximal Newton steps on the working set.

    What the driver and the Newton steps read at one iterate is computed once for its
    version: the datafit's value, probabilities and gradient (``pointwise``; a line
    search's accepted step leaves them computed) and the products with X of the gap
    (``products``: the next alpha of a path starts from them)."""

    ws_growth = 2
    stops_when_stalled = True
    method = "Multinomial proximal Newton"
    advice = "increase max_iter or tol"

    def __init__(self, problem, W, b):
        self.problem = problem
        self.W = np.ascontiguousarray(W, dtype=np.float64)
        self.b = np.asarray(b, dtype=np.float64).copy()
        self.XW = np.ascontiguousarray(problem.design.matrix @ self.W, dtype=np.float64)
        self._point = (None, None, None, None)  # (version, value, P, G)
        self._support = self._gradient = (None, None)

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
        # (read several times per outer iteration: computed once per version)
        if self._support[0] != self.version:
            self._support = (self.version, np.any(self.W != 0, axis=1))
        return self._support[1]

    def solution_arrays(self):
        coef = self.W.T.copy()
        return coef, self.problem.user_intercept(self.b, coef)

    def pointwise(self):
        """``(value, P, G)`` at the iterate: the datafit's value, the probabilities and
        the gradient in Z (computed once per version; not to be modified)."""
        version, value, P, G = self._point
        if version != self.version or G is None:
            P, G = np.empty_like(self.XW), np.empty_like(self.XW)
            value = self.problem.datafit.evaluate(self.XW, self.b, P, G)
            self._point = (self.version, value, P, G)
        return value, P, G

    def moved(self, value, P=None, G=None):
        """Mark a step taken whose datafit value (and probabilities and gradient, when
        known) the line search computed."""
        self.changed()
        self._point = (self.version, value, P, G)

    def datafit_value(self):
        version, value, _, _ = self._point
        return value if version == self.version else self.pointwise()[0]

    def objective(self, penalty):
        return self.datafit_value() + penalty.value(self.W)

    def gradient_and_gap(self, penalty, unpenalized):
        """Minus the gradient ``U`` (p, K), the absolute duality gap (module docstring,
        summed as non-negative Fenchel-Young terms: the datafit's per sample, the
        penalty's per row) and ``U`` again (no screening uses a dual-side gradient)."""
        U, U_dual, Q = self.products(unpenalized)
        # unpenalized features: the gap of the problem with them held at their values
        U_dual = U_dual.copy()
        U_dual[penalty.unpenalized | (self.problem.lips == 0)] = 0.0
        kappa, penalty_part = penalty.gap(U_dual, self.W)
        return U, self.problem.datafit.kl_gap(self.XW, self.b, Q, kappa) + penalty_part, U

    def minus_gradient(self):
        """``U = -X' G`` (p, K) at the iterate (once per version; not to be modified)."""
        if self._gradient[0] != self.version:
            G = self.pointwise()[2]
            self._gradient = (self.version, -np.asarray(self.problem.design.rmatvec(G)))
        return self._gradient[1]

    def _compute_products(self, unpenalized):
        """``(U, X' theta, Q)``: minus the gradient, the dual point's product and its
        probabilities (at the intercepts optimal for the current W)."""
        problem, df = self.problem, self.problem.datafit
        U, (value, P, _) = self.minus_gradient(), self.pointwise()
        if not problem.fit_intercept:
            return U, U, P
        Q = np.empty_like(P)
        df.optimal_intercepts(self.XW, self.b, Q, start=(value, P))
        weight = df.sw / problem.n_samples
        theta = Q * -weight[:, None]  # (Y - Q) s / n
        theta[np.arange(P.shape[0]), df.y] += weight
        return U, np.asarray(problem.design.rmatvec(theta)), Q

    def set_coordinate_zero(self, j):
        self.XW -= np.outer(np.asarray(self.problem.design.column(j)), self.W[j])
        self.W[j] = 0.0
        self.changed()

    def solve_working_set(self, ws, penalty, max_epochs, eps, anderson_k, newton=False,
                          settled_gap=None, options=None):
        """Proximal Newton steps on the rows ``ws`` until their KKT violation <= eps."""
        return _newton_on_working_set(self.problem, penalty, self, ws, max_epochs, eps)


def duality_gap(problem, penalty, state):
    """Duality gap of the iterate ``state`` (module docstring; absolute: the driver
    scales it)."""
    unpenalized = penalty.unpenalized & (problem.lips > 0)
    return state.gradient_and_gap(penalty, unpenalized)[1]


def minus_gradient(problem, Z):
    """``U = -X' G`` (p, K) and ``G`` at the linear predictors ``Z``."""
    G = problem.datafit.gradient_z(Z)
    return -np.asarray(problem.design.matrix.T @ G), G


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
    if np.any(state.W[problem.lips == 0]):
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


def _ws_violation(problem, penalty, state, ws, X_ws, G):
    """The largest KKT violation of the rows ``ws`` and of the intercepts."""
    # every row in the set: the full gradient, which the driver reads next, serves
    whole = ws.size == problem.n_features
    U = state.minus_gradient() if whole else -np.asarray(X_ws.T @ G)
    return class_rows_violation(state.W, np.ascontiguousarray(U), ws, penalty.l1,
                                penalty.l2, penalty.grouped, G, problem.fit_intercept)


def _newton_on_working_set(problem, penalty, state, ws, max_epochs, eps):
    """Proximal Newton steps on the rows ``ws`` until their KKT violation <= eps."""
    df, design = problem.datafit, problem.design
    X_ws = design.matrix if ws.size == problem.n_features else design.matrix[:, ws]
    epochs, previous, fraction = 0, None, _INNER_FRACTION
    sub = penalty.subset(ws)
    weights = df.sw / problem.n_samples
    K = df.n_classes
    mu, blocks = np.zeros((problem.n_features, K)), np.empty((ws.size, K, K))
    for _ in range(_MAX_NEWTON_STEPS):
        value, P, G = state.pointwise()
        violation = _ws_violation(problem, penalty, state, ws, X_ws, G)
        if violation <= eps or epochs >= max_epochs:
            break
        if previous is not None:
            fraction = min(_INNER_FRACTION, (violation / previous) ** 2)
        previous = violation
        P_by_class = np.ascontiguousarray(P.T)  # (the kernels' layout: K, n)
        model_blocks(ws, *design.kernel_args, P_by_class, weights, problem.fit_intercept,
                     _MIN_CURVATURE, mu, blocks)
        # (contiguous, as the ungrouped zeros are: one compiled signature, not two)
        bounds = (np.ascontiguousarray(np.linalg.eigvalsh(blocks)[:, -1])
                  if penalty.grouped else np.zeros(ws.size))
        W_new, b_new = state.W.copy(), state.b.copy()
        epochs += multinomial_model_cd(
            ws, W_new, b_new, np.ascontiguousarray(G.T), P_by_class, weights, mu, blocks,
            bounds,
            *design.kernel_args, penalty.l1, penalty.l2, penalty.grouped,
            problem.fit_intercept, max_epochs - epochs, fraction * max(eps, violation))
        if not _line_search(problem, sub, state, ws, X_ws, W_new, b_new, value):
            break
    return epochs


def _line_search(problem, sub, state, ws, X_ws, W_new, b_new, value):
    """Backtrack along the Newton direction until the objective does not increase; the
    full step's probabilities and gradient are kept for the iterate."""
    df = problem.datafit
    W_ws, W_ws_new = state.W[ws], W_new[ws]
    dW, db = W_ws_new - W_ws, b_new - state.b
    dZ = np.ascontiguousarray(X_ws @ dW)
    before = value + sub.value(W_ws)
    # the full step first, its probabilities and gradient kept (it is nearly always
    # taken); backtracking_step halves from there
    P, G = np.empty_like(dZ), np.empty_like(dZ)
    fit = df.evaluate(state.XW, state.b, P, G, dZ, db, 1.0)
    step = 1.0
    if fit + sub.value(W_ws_new) > before + ROUNDING * abs(before):
        P = G = None

        def objective_at(step):
            fit = df.evaluate(state.XW, state.b, _NO_ROWS, _NO_ROWS, dZ, db, step)
            return fit + sub.value(W_ws + step * dW), fit

        found = backtracking_step(objective_at, before)
        if found is None:
            return False
        step, fit = found
    state.W[ws] = W_ws + step * dW
    state.XW += step * dZ
    state.b += step * db
    state.moved(fit, P, G)
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

    def solve_at(alpha, state):
        penalty = ClassPenalty.from_params(alpha, l1_ratio, factor, grouped)
        return solve_multinomial(problem, penalty, tol=tol, max_iter=max_iter, state=state)

    return warm_rows_path(alphas, (problem.datafit.n_classes, problem.n_features),
                          solve_at)


#: what ``path.row_solver`` calls
row_alpha_max, row_path = multinomial_alpha_max, multinomial_path
