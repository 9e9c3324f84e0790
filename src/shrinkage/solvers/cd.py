"""Working-set coordinate descent with gap-safe screening, stopped on a duality gap.

The outer loop (here, in Python, a few dozen iterations at most) computes the full
gradient with one BLAS / sparse product, a feasible dual point, the duality gap, the
gap-safe screening test and the next working set; the iterates (``iterates.py``) then
solve the problem restricted to the working set (numba kernels, with Anderson
extrapolation) to a KKT tolerance tied to the current violation.

The reported gap is relative: (primal - dual) / (primal at w = 0, intercept fitted).
The problem is built by ``problem.make_problem``; certificates of a given solution are
in ``certificates.py``.
"""

from dataclasses import dataclass

import numpy as np

from . import options as _options
from .backtracking import ROUNDING
from .convergence import warn_short_of_tol
from .certificates import duality_gap, minus_gradient, unpenalized_slack, warn_gap
from .gram import GramState, use_gram
from .group_iterates import block_iterate
from .iterates import NewtonIterate, SquaredIterate
from .newton import find_separation, newton_unpenalized, warn_not_converged
from .problem import Problem, ProblemCache, make_problem
from .zero_alpha import certificate

__all__ = ["Problem", "ProblemCache", "Solution", "duality_gap", "make_problem",
           "minus_gradient", "solve", "unpenalized_slack", "warn_gap"]


@dataclass(frozen=True)
class Solution:
    """Result of one solve: coefficients, intercept, relative gap reached, epochs run,
    and the features that gap-safe screening certified to be zero."""

    coef: np.ndarray
    intercept: float
    gap: float
    n_iter: int
    converged: bool
    screened: np.ndarray
    state: object = None  # the iterate, to continue from along a path
    #: for an unpenalized logistic fit of separable classes: ``(direction, complete)``
    separation: tuple = None


def solve(problem, penalty, coef_init=None, intercept_init=None, *, tol=1e-4,
          max_iter=1000, ws_start=10, screening=True, anderson_k=5, warn=True, state=None,
          newton=False, options=None):
    """Minimise datafit + penalty by working-set coordinate descent.

    Parameters
    ----------
    problem : Problem
    penalty : ElasticNetPenalty
    coef_init, intercept_init : warm start (copied, never modified)
    tol : float
        Target relative duality gap.
    max_iter : int
        Budget of coordinate-descent epochs (passes over the working set).
    ws_start : int
        Size of the first working set; it then follows twice the support, and grows
        fourfold whenever the support fills it.
    screening : bool
        Gap-safe screening: drop features certified to be 0 at the optimum.
    anderson_k : int
        Iterates combined by Anderson extrapolation (0 disables it).
    warn : bool
        Emit a ``ConvergenceWarning`` when the gap is not reached.
    newton : bool
        Orthant Newton steps between chunks of epochs (squared loss). Off by default:
        measured side by side (benchmarks/results/*-ablation.md), coordinate descent on
        working sets of violators with Anderson extrapolation was as fast or faster on
        every benchmark problem, and the cached Gram entries cost memory. For
        ill-conditioned problems where coordinate descent stalls. Off, they still join
        in on a working set of at most 2500 features that 20 epochs did not solve.
    state : iterate of an earlier solve of the same problem, optional
        Continue from it (a path's warm start): its residuals and last full gradient are
        reused instead of recomputed. ``coef_init`` and ``intercept_init`` are then ignored.
    options : SolverOptions, optional
        The working-set rules (``options.DEFAULT`` when None).

    Returns
    -------
    Solution
    """
    options = _options.DEFAULT if options is None else options
    is_glm = not problem.datafit.quadratic
    if is_glm and np.all(penalty.unpenalized):
        return _solve_unpenalized(problem, penalty, coef_init, intercept_init, state,
                                  tol=tol, max_iter=max_iter, warn=warn)
    continuing = state is not None
    it = state if continuing else _start(problem, penalty, coef_init, intercept_init)
    unpenalized = penalty.unpenalized & (problem.lips > 0)
    # Screening certifies zeros of the full problem; for the Newton datafits with
    # unpenalized features the gap is that of a restricted problem, so it cannot certify
    # anything; nor can it where the dual is not strongly concave (Poisson).
    radius_factor = problem.datafit.dual_radius_factor
    screening = screening and radius_factor is not None and \
        not (is_glm and np.any(unpenalized))
    sets = _WorkingSets(problem, ws_start)
    # continuing a path, the first working set is the last support plus the features
    # the step in alpha made violators: settled, unlike a cold start's first sets
    last_ws = _WARM if options.warm_settled and continuing and it.w.any() else None
    epochs, stalls = 0, _Stalls(it, penalty)
    while True:
        u_grad, gap, u_dual = it.gradient_and_gap(penalty, unpenalized)
        rel_gap = _relative_gap(problem, penalty, it, u_grad, gap, unpenalized, is_glm, tol)
        if rel_gap <= tol or epochs >= max_iter or stalls.too_many(rel_gap):
            break
        radius = np.sqrt(radius_factor * gap) if screening and np.isfinite(gap) else -1.0
        ws, all_in, worst = sets.next(it, penalty, u_grad, u_dual, radius)
        if ws is None:  # KKT hold to the last bit: the gap is rounding
            break
        # every violator has a place (and none is new): solve the set to the gap the
        # whole problem needs (its features outside are optimal at 0 so far)
        settled_gap = None
        if all_in and _worth_settling(problem, ws, last_ws, is_glm, options):
            settled_gap = tol * problem.null_objective
        last_ws = ws
        ran = it.solve_working_set(ws, penalty, max_iter - epochs, 0.3 * worst,
                                   anderson_k, newton, settled_gap, options)
        if it.epochs_read_x:
            problem.touch(ws, ran)
        epochs += ran
        stalls.after_round()
        sets.grow_if_filled(it, ws)
    return _solution(problem, it, rel_gap, epochs, tol, warn, sets.screened)


def _start(problem, penalty, coef_init, intercept_init):
    """The iterate of a cold or warm start (``coef_init`` clipped to the bounds)."""
    if coef_init is not None:
        intercept_init = problem.internal_intercept(intercept_init, coef_init)
    w = np.zeros(problem.n_features) if coef_init is None else \
        np.array(coef_init, dtype=float)
    w = np.clip(w, penalty.lower, penalty.upper)
    w[problem.lips == 0] = 0.0
    if getattr(penalty, "blocks", None) is not None:
        # a penalty on groups of features: iterates that move whole groups
        return block_iterate(problem, w, intercept_init)
    if not problem.datafit.quadratic:
        return NewtonIterate(problem, w, intercept_init)
    return (GramState if use_gram(problem, penalty) else SquaredIterate)(
        problem, w, intercept_init)


def _relative_gap(problem, penalty, it, u_grad, gap, unpenalized, is_glm, tol):
    """The certified relative gap of the iterate."""
    rel_gap = gap / problem.null_objective
    if is_glm:
        # the Newton datafits' gap is that of the problem with the unpenalized features
        # held at their values: they must be optimal too before it certifies anything
        rel_gap = max(rel_gap, unpenalized_slack(problem, u_grad, unpenalized))
    if np.isnan(rel_gap):
        raise ValueError(_OUT_OF_RANGE)
    # near alpha = 0 the gap is rounding over alpha: the floor's bound instead
    return certificate(rel_gap, problem, penalty, it.w, it.datafit_value, u_grad, tol)


class _WorkingSets:
    """The choice of working sets: gap-safe screening, the violators ranked by their
    scores, and the set's size (it follows twice the support, grows fourfold whenever
    the support fills it)."""

    def __init__(self, problem, ws_start):
        p = problem.n_features
        self.problem, self.ws_start, self.size = problem, ws_start, ws_start
        self.screened = problem.lips == 0
        self.newly, self.scores = np.zeros(p, dtype=bool), np.empty(p)

    def next(self, it, penalty, u_grad, u_dual, radius):
        """``(features, every violator is in, worst violation)``; features None when no
        coordinate violates the KKT conditions."""
        screened, scores = self.screened, self.scores
        penalty.violation_scores(it.w, u_grad, u_dual, self.problem.col_norm, radius,
                                 screened, self.newly, scores)
        for j in np.flatnonzero(self.newly & it.support()):
            it.set_coordinate_zero(j)
            scores[j] = -1.0
        worst = float(scores.max()) if scores.size else 0.0
        if not worst > 0.0:
            return None, False, worst
        support = it.support() & ~screened
        scores[support] = np.inf
        self.n_candidates = int(np.sum(~screened))
        self.size = min(self.n_candidates,
                        max(self.ws_start, 2 * int(support.sum()), self.size))
        # only violators and the support need a place: the rest already satisfy KKT
        violators = np.flatnonzero(scores > 0)
        all_in = violators.size <= self.size
        if not all_in:
            top = np.argpartition(scores[violators], -self.size)[-self.size:]
            violators = np.sort(violators[top])
        return violators.astype(np.int64), all_in, worst

    def grow_if_filled(self, it, ws):
        """The support filled the working set: it is far from the final one, so grow it
        (fourfold: doubling from ws_start cost a full gradient per doubling, 9 instead
        of 6 outer iterations on a cold 50,000-feature lasso, A/B 0.72)."""
        if int(np.sum(it.support()[ws])) >= self.size:
            self.size = min(self.n_candidates, it.ws_growth * self.size)


class _Stalls:
    """Rounds that lowered neither the objective (beyond rounding) nor the gap (by
    ``GAP_PROGRESS``), counted for the iterates that stop on them."""

    LIMIT = 3
    GAP_PROGRESS = 0.9

    def __init__(self, it, penalty):
        self.it, self.penalty = it, penalty
        self.active = it.stops_when_stalled
        self.count, self.stalled, self.gap = 0, False, np.inf
        self.objective = it.objective(penalty) if self.active else None

    def too_many(self, gap):
        """Whether the round that gave ``gap`` is the last one allowed."""
        if not self.active:
            return False
        previous, self.gap = self.gap, gap
        self.count = self.count + 1 if self.stalled and gap > self.GAP_PROGRESS * previous \
            else 0
        return self.count >= self.LIMIT

    def after_round(self):
        if self.active:
            before, self.objective = self.objective, self.it.objective(self.penalty)
            self.stalled = self.objective >= before - ROUNDING * abs(before)


def _solution(problem, it, rel_gap, epochs, tol, warn, screened):
    """The ``Solution`` of the final iterate, warned about when not converged."""
    if not np.all(np.isfinite(it.w)) or not np.isfinite(rel_gap):
        raise ValueError(_OUT_OF_RANGE)
    converged = rel_gap <= tol
    if warn and not converged:
        warn_short_of_tol(f"{it.method} stopped after {epochs} epochs with", rel_gap, tol,
                          advice=it.advice, stacklevel=4)
    coef, intercept = it.solution_arrays()
    return Solution(coef=coef, intercept=intercept,
                    gap=float(rel_gap), n_iter=int(epochs), converged=bool(converged),
                    screened=screened & (problem.lips > 0), state=it)


_OUT_OF_RANGE = ("the fit left float64's range (its objective or coefficients are no "
                 "longer finite numbers): X or y holds values too large for this loss; "
                 "rescale them first (divide by a power of ten, or StandardScaler)")

_WARM = np.zeros(0, dtype=np.int64)  # "the working sets of the previous alpha"


def _worth_settling(problem, ws, last_ws, is_glm, options):
    """Whether a working set that holds every violator should be solved to the final gap
    in one round. The Newton datafits: when ``options.glm_settled_rule`` (their tight
    model solves stop at a pass's worth of epochs). The squared loss: when
    ``options.ws_gap_rule``, a round (a full gradient) costs ``options.ws_gap_min_ratio``
    epochs of the set, and no violator is new since the last set (solving a set to the
    end costs up to hundreds of epochs); ``last_ws`` is ``_WARM`` at a path step's first
    set, None at a cold start's."""
    if is_glm:
        return options.glm_settled_rule
    return options.ws_gap_rule and last_ws is not None and \
        problem.entries() >= options.ws_gap_min_ratio * problem.entries(ws) and \
        (last_ws is _WARM or bool(np.all(np.isin(ws, last_ws))))


def _solve_unpenalized(problem, penalty, coef_init, intercept_init, state, *, tol,
                       max_iter, warn):
    """alpha = 0 for the Newton datafits: Newton's method, certified by its decrement
    (the duality gap is degenerate there), and the test for separation (logistic)."""
    if np.any(np.isfinite(penalty.lower)) or np.any(np.isfinite(penalty.upper)):
        raise ValueError("bounds (positive, lower_bounds, upper_bounds) need alpha > 0 for "
                         f"the {problem.datafit.name} loss: with no penalty the bounded problem has no "
                         "certificate here; give a small alpha (1e-8, say)")
    if state is not None:
        coef_init, intercept_init = state.w, state.intercept
    elif coef_init is not None:
        intercept_init = problem.internal_intercept(intercept_init, coef_init)
    w = np.zeros(problem.n_features) if coef_init is None else np.asarray(coef_init)
    b = problem.datafit.null_intercept(problem.fit_intercept) if intercept_init is None \
        else float(intercept_init)
    result = newton_unpenalized(problem, w, b, tol=tol, max_iter=max_iter)
    separation = find_separation(problem, result) if problem.datafit.can_separate \
        else None
    if warn and not result.converged and separation is None:
        warn_not_converged(result, tol)
    return Solution(coef=result.coef,
                    intercept=float(problem.user_intercept(result.intercept, result.coef)),
                    gap=result.certificate,
                    n_iter=result.n_iter, converged=result.converged,
                    screened=np.zeros(problem.n_features, dtype=bool),
                    state=NewtonIterate(problem, result.coef.copy(), result.intercept),
                    separation=separation)


