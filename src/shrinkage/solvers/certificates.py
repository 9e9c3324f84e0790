"""Certificates of a given solution: its relative duality gap, the gradient, and the
ConvergenceWarning of a solution whose gap stayed above the target."""

import numpy as np

from ..penalties import ElasticNetPenalty
from .convergence import warn_short_of_tol
from .gram import GramState
from .iterates import NewtonIterate, SquaredIterate
from .zero_alpha import certificate


def unpenalized_slack(problem, u_grad, unpenalized):
    """The decrease still open to the unpenalized features, relative to the objective
    at w = 0: ``sum_j |u_j|^2 / (2 L_j)`` with ``L_j`` the coordinate's curvature bound.

    A gap computed with those features held at their values certifies the problem only
    once they are optimal; this is the estimate of how far they are from it (a row of
    ``u_grad`` per feature for the multinomial loss)."""
    rows = np.flatnonzero(unpenalized & (problem.lips > 0))
    if rows.size == 0:
        return 0.0
    squares = np.square(u_grad[rows]).reshape(rows.size, -1).sum(axis=1)
    return float(np.sum(squares / (2.0 * problem.lips[rows]))) / problem.null_objective


def duality_gap(problem, penalty, coef, intercept, tol=None):
    """Relative duality gap of ``(coef, intercept)``, computed as the solver does.

    For the squared loss the intercept is taken as its optimal value given ``coef``
    (the centring), for the other losses as given. Given ``tol``, a gap above it is
    replaced by the near-zero-alpha bound where that is smaller (``zero_alpha``), as the
    solver's certificate is.
    """
    it = iterate_at(problem, coef, intercept)
    unpenalized = penalty.unpenalized & (problem.lips > 0)
    u_grad, gap, _ = it.gradient_and_gap(penalty, unpenalized)
    return certificate(gap / problem.null_objective, problem, penalty, it.w,
                       it.datafit_value, u_grad, tol)


def warn_gap(gap, tol, what="The closed form", stacklevel=3):
    """The ConvergenceWarning of a solution whose certified gap stayed above ``tol``."""
    if gap > tol:
        warn_short_of_tol(f"{what} reached", gap, tol, stacklevel=stacklevel)


def minus_gradient(problem, coef, intercept):
    """Minus the datafit gradient in w at ``(coef, intercept)`` (squared: intercept optimal)."""
    it = iterate_at(problem, coef, intercept)
    no_penalty = ElasticNetPenalty(*(np.zeros(problem.n_features) for _ in range(2)),
                                   np.full(problem.n_features, -np.inf),
                                   np.full(problem.n_features, np.inf))
    u_grad, _, _ = it.gradient_and_gap(no_penalty, np.zeros(problem.n_features, bool))
    return u_grad


def iterate_at(problem, coef, intercept):
    """The iterate of the problem's loss at ``(coef, intercept)`` (the user's intercept;
    covariance mode for a problem known by its statistics only)."""
    w = np.array(coef, dtype=np.float64)
    intercept = problem.internal_intercept(intercept, w)
    if not problem.datafit.has_rows:
        return GramState(problem, w, intercept)
    return (SquaredIterate if problem.datafit.quadratic else NewtonIterate)(
        problem, w, intercept)
