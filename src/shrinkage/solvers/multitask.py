"""The multi-task squared loss: block coordinate descent on working sets of rows of W,
stopped on a certified duality gap, with gap-safe screening of rows.

The outer loop is the shared working-set driver (``cd.solve``): this module's iterate
gives it minus the gradient ``U = Xc' S r / n`` (p, T) in one product (``Xc``: the
columns centred, ``r``: the centred residuals) and the duality gap; the penalty
(``ClassPenalty``, grouped: ``l1_j ||W_j||_2 + l2_j / 2 ||W_j||^2``) ranks the rows by
their KKT violation and screens them; the kernel (``_multitask_kernels``) solves the
working set by exact block updates.

The duality gap. The dual point is ``kappa r`` with ``kappa`` in (0, 1] the largest
scale that keeps ``kappa U`` in the penalty conjugate's domain (``max_j ||U_j|| / l1_j``,
the dual norm, where a row has no L2 term; 1 for ridge). With ``D(kappa r)`` the dual
value, ``P(W) - D`` is exactly::

    (1 - kappa)^2 F(W) + sum_j [h_j(W_j) + h_j*(kappa U_j) - kappa U_j.W_j]

(``F``: the datafit), a sum of non-negative terms computed without cancellation
(``ClassPenalty.gap`` the rows' part). With features left unpenalized (a penalty factor
of 0) the dual point must be orthogonal to their columns: the residuals are projected
(least squares on those columns) and the gap is the primal minus the dual value.

Covariance mode (n >> p, every feature penalized, ``MultiTaskGramIterate``): block
coordinate descent on ``U = C - G W`` with ``G = Xc' S Xc / n`` (p, p) and ``C = Xc' S
Yc / n`` (p, T) computed once per problem (``gram.gram_terms``), so that an epoch and the
gap cost nothing per sample: ``F(W) = (yy - <C, W> - <U, W>) / 2`` with ``yy = (1/n)
sum_i s_i ||yc_i||^2``. That ``F`` is a difference of large numbers: on a problem fitted
nearly to interpolation its rounding (about 1e-16 of ``yy``) can exceed the gap itself,
which the sample-wise mode does not suffer.
"""

from dataclasses import dataclass

import numpy as np

from ..penalties import ClassPenalty
from ._iterate import Iterate, warm_rows_path
from ._multitask_kernels import multitask_gram_ws_solve, multitask_ws_solve
from .cd import solve
from .gram import MAX_FEATURES, RATIO, gram_terms


@dataclass(frozen=True)
class MultiTaskSolution:
    """Coefficients (T, p), intercepts (T,), relative gap, epochs, convergence."""

    coef: np.ndarray
    intercept: np.ndarray
    gap: float
    n_iter: int
    converged: bool


class MultiTaskIterate(Iterate):
    """``W`` (p, T) with ``R = Y - X W`` (n, T) and the centring offset ``o`` (T,): the
    centred residuals are ``R + o`` and the intercepts ``-o``."""

    #: a target gap below rounding stops after rounds that lower nothing (no row's KKT
    #: violation reaches zero exactly: the driver's other exit)
    stops_when_stalled = True

    def __init__(self, problem, W, intercept=None):
        self.problem = problem
        df = problem.datafit
        self.W = np.ascontiguousarray(W, dtype=np.float64)
        self.ymean = df.centre(problem.fit_intercept)
        # (a copy, in Fortran order: the kernels write into its transpose, (T, n))
        self.R = np.array(df.y - problem.design.matvec(self.W) if np.any(self.W)
                          else df.y, order="F")
        self.o = problem.xmean @ self.W - self.ymean

    @property
    def w(self):
        return self.W

    @property
    def intercept(self):
        return -self.o if self.problem.fit_intercept else np.zeros_like(self.o)

    def support(self):
        return np.any(self.W != 0, axis=1)

    def solution_arrays(self):
        coef = self.W.T.copy()
        return coef, np.asarray(self.problem.user_intercept(self.intercept, coef))

    def set_coordinate_zero(self, j):
        design = self.problem.design
        self.R += np.outer(np.asarray(design.column(j)), self.W[j])
        self.o -= self.problem.xmean[j] * self.W[j]
        self.W[j] = 0.0
        self.changed()

    def datafit_value(self):
        return self.problem.datafit.value_from_residual(self.R + self.o)

    def objective(self, penalty):
        return self.datafit_value() + penalty.value(self.W)

    def _compute_products(self, unpenalized):
        """``(datafit value, U)`` at the iterate (one pass over X)."""
        problem, df = self.problem, self.problem.datafit
        problem.touch()
        r = self.R + self.o
        weighted = r * df.sw[:, None] if df.has_sw else r
        n = problem.n_samples
        U = np.asarray(problem.design.rmatvec(weighted)) / n
        U -= np.outer(problem.xmean, weighted.sum(axis=0) / n)
        return df.value_from_residual(r), U

    def gradient_and_gap(self, penalty, unpenalized):
        """Minus the gradient ``U`` (p, T), the absolute duality gap (module docstring)
        and the dual point's product ``kappa U`` (gap-safe screening)."""
        problem = self.problem
        fit, U = self.products(unpenalized)
        held = unpenalized & (problem.lips > 0)
        if np.any(held):
            return U, *self._projected_gap(penalty, held)
        U_dual = U.copy()
        U_dual[problem.lips == 0] = 0.0
        kappa, rows_part = penalty.gap(U_dual, self.W)
        return U, max((1.0 - kappa) ** 2 * fit + rows_part, 0.0), kappa * U_dual

    def _projected_gap(self, penalty, held):
        """``(gap, kappa U_dual)`` with unpenalized features: the dual point is the
        residual with their centred columns projected out (it must be orthogonal to
        them), so the gap is the difference of the primal and dual values."""
        problem, df = self.problem, self.problem.datafit
        n, root, r = problem.n_samples, np.sqrt(df.sw), self.R + self.o
        columns = np.column_stack([np.asarray(problem.design.column(j)) - problem.xmean[j]
                                   for j in np.flatnonzero(held)])
        coef = np.linalg.lstsq(columns * root[:, None], r * root[:, None], rcond=None)[0]
        rho = r - columns @ coef
        weighted = rho * df.sw[:, None]
        U_dual = np.asarray(problem.design.rmatvec(weighted)) / n
        U_dual -= np.outer(problem.xmean, weighted.sum(axis=0) / n)
        U_dual[held | (problem.lips == 0)] = 0.0
        kappa, conjugate, value = penalty.gap_terms(U_dual, self.W)
        y_centred = df.y - self.ymean
        dual = float(df.sw @ np.sum(kappa * rho * (y_centred - 0.5 * kappa * rho), axis=1)) / n
        primal = df.value_from_residual(r) + value
        return max(primal - dual + conjugate, 0.0), kappa * U_dual

    def solve_working_set(self, ws, penalty, max_epochs, eps, anderson_k, newton=False,
                          settled_gap=None, options=None):
        """Block coordinate descent on the rows ``ws`` until their KKT violation <= eps."""
        problem, df = self.problem, self.problem.datafit
        self.changed()
        return multitask_ws_solve(ws, self.W, self.R.T, self.o,
                                  *problem.design.kernel_args,
                                  df.sw, df.has_sw, problem.xmean, problem.lips,
                                  penalty.l1, penalty.l2, float(problem.n_samples),
                                  max_epochs, eps, anderson_k)


def gram_suits(problem, penalty):
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


def solve_multitask(problem, penalty, W_init=None, b_init=None, *, tol=1e-4,
                    max_iter=1000, ws_start=10, warn=True, state=None):
    """Minimise the multi-task squared datafit plus ``penalty`` (a grouped
    ``ClassPenalty``).

    Parameters
    ----------
    problem : Problem with a ``SquaredMultiTask`` datafit
    penalty : ClassPenalty, grouped
    W_init : ndarray of shape (p, T), optional
        Warm start (its intercepts are the optimal ones: the centring).
    b_init : ignored
        (The intercepts follow from W: accepted for the solvers' common signature.)
    tol : float
        Target relative duality gap.
    max_iter : int
        Budget of block coordinate-descent epochs.
    ws_start : int
        Size of the first working set.
    warn : bool
        Emit a ``ConvergenceWarning`` when the gap is not reached.
    state : MultiTaskIterate, optional
        Continue from it (a path's warm start).

    Returns
    -------
    MultiTaskSolution, and the state to continue from
    """
    if state is None:
        T = problem.datafit.width
        W = np.zeros((problem.n_features, T)) if W_init is None else \
            np.array(W_init, dtype=np.float64)
        W[problem.lips == 0] = 0.0
        state = _iterate_class(problem, penalty)(problem, W)
    sol = solve(problem, penalty, tol=tol, max_iter=max_iter, ws_start=ws_start,
                warn=warn, state=state)
    return MultiTaskSolution(coef=sol.coef, intercept=sol.intercept, gap=sol.gap,
                             n_iter=sol.n_iter, converged=sol.converged), state


def _iterate_class(problem, penalty):
    """Covariance mode where it suits (``gram_suits``), else the residuals' iterate."""
    return MultiTaskGramIterate if gram_suits(problem, penalty) else MultiTaskIterate


def row_alpha_max(problem, l1_ratio, factor, grouped=True):
    """Smallest alpha with every penalized row of W zero: ``max_j ||X_j'(Y - Ybar)|| /
    (n l1_ratio f_j)``, the unpenalized features and the intercepts fitted first."""
    factor = np.asarray(factor, dtype=np.float64)
    free = (factor == 0) & (problem.lips > 0)
    T = problem.datafit.width
    if np.any(free):
        held_at_zero = ClassPenalty(np.where(free, 0.0, 1e300), np.zeros_like(factor), True)
        _, state = solve_multitask(problem, held_at_zero, tol=1e-12, max_iter=10_000,
                                   warn=False)
    else:
        state = MultiTaskIterate(problem, np.zeros((problem.n_features, T)))
    U = state.products(np.zeros(problem.n_features, dtype=bool))[1]
    return ClassPenalty.from_params(1.0, l1_ratio, factor, True).alpha_max(
        U, l1_ratio, factor)


def row_path(problem, alphas, l1_ratio, factor, grouped=True, *, tol, max_iter):
    """Warm-started solves along ``alphas``: ``(coefs (n_alphas, T, p), intercepts
    (n_alphas, T), gaps, n_iter)``. The rows are always grouped (``grouped`` is the
    multinomial's option, accepted for the common signature)."""
    def solve_at(alpha, state):
        penalty = ClassPenalty.from_params(alpha, l1_ratio, factor, True)
        return solve_multitask(problem, penalty, tol=tol, max_iter=max_iter, state=state)

    return warm_rows_path(alphas, (problem.datafit.width, problem.n_features), solve_at)


def certified_gap(problem, penalty, coef):
    """The relative duality gap of ``coef`` (T, p) as the solver certifies its own
    iterates (module docstring), the intercepts optimal: any solver's answer can be
    certified by it (benchmarks, tests)."""
    it = MultiTaskIterate(problem, np.asarray(coef, dtype=np.float64).T)
    unpenalized = penalty.unpenalized & (problem.lips > 0)
    return it.gradient_and_gap(penalty, unpenalized)[1] / problem.null_objective
