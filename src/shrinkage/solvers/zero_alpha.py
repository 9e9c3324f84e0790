"""The certificate of alphas near zero: the unpenalized problem's minimum as a floor.

The duality gap of a penalty ``alpha h`` divides by alpha somewhere (the conjugate of
``alpha/2 w^2`` is ``u^2 / (2 alpha)``; the L1 dual scaling is ``alpha / max|u|``): as
alpha falls towards 0 the rounding of the gradient, about ``eps |X| |r|``, is blown up
into a gap of any size (``Ridge(alpha=1e-300)`` reported 5e268 with the right
coefficients). Yet a second bound holds at every alpha, and needs no division::

    P_alpha(w) - min P_alpha  <=  P_alpha(w) - min F  =  F(w) - min F + alpha h(w)

since the penalty is never negative (``F``: the datafit, minimised over every ``w`` and
the intercept; bounds only raise ``min P_alpha``). It is small exactly where the gap
fails: alpha so small that the penalized optimum is the unpenalized one to within
``tol``. ``min F`` comes from the alpha = 0 route (least squares for the squared loss,
Newton's method for the others, certified by its decrement as ``newton`` explains), once
per problem; where that is too costly, from the datafit's infimum (0 for the squared
loss: exact where p >= n interpolates). The reported certificate is the smaller of the
two bounds.
"""

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp

from .newton import newton_unpenalized, newton_unpenalized_multinomial

#: the floor is computed by a dense least-squares or Newton solve only when
#: n * p * min(n, p) (its flops) is at most this; the datafit's infimum otherwise
FLOOR_MAX_WORK = 1 << 31
#: rounding allowance of the bound, per sample and relative to the values compared
_ROUNDING = 4.0 * np.finfo(float).eps


def certificate(gap, problem, penalty, coef, datafit_value, minus_grad, tol):
    """The relative ``gap`` where it meets ``tol`` (or no ``tol`` is given), else the
    smaller of it and ``near_zero_gap``'s bound (arguments as there): what every solver
    reports."""
    if tol is None or gap <= tol:
        return gap
    return min(gap, near_zero_gap(problem, penalty, coef, datafit_value, minus_grad, tol))


def near_zero_gap(problem, penalty, coef, datafit_value, minus_grad, tol):
    """The bound of the module docstring, relative to ``problem.null_objective``, or
    ``inf`` where it cannot reach ``tol`` (an alpha that is not near zero).

    Parameters
    ----------
    problem : Problem
    penalty : ElasticNetPenalty
    coef : ndarray of shape (p,) (or (p, K), multinomial), the design's coefficients
    datafit_value : callable, ``F`` at ``coef`` (and its intercept): called only when
        the cheap tests pass (it costs a pass over the rows)
    minus_grad : ndarray of coef's shape, minus the datafit's gradient there
    tol : float, the relative gap asked for
    """
    null = problem.null_objective
    penalty_value = float(penalty.value(coef))
    if not np.any(coef) or penalty_value > 0.5 * tol * null:
        return np.inf
    # F(w) - min F >= |g|^2 / (2 L) with L <= the trace of the Hessian (the sum of the
    # coordinate curvatures): where even that exceeds tol, the floor cannot help
    informative = problem.lips > 0
    curvature = float(problem.lips[informative].sum())
    if curvature > 0 and float(np.sum(np.square(minus_grad[informative]))) > \
            tol * null * curvature:
        return np.inf
    floor = datafit_floor(problem)
    value = datafit_value()
    slack = _ROUNDING * problem.n_samples * (abs(value) + abs(floor) + null)
    return (max(value - floor, 0.0) + penalty_value + slack) / null


def datafit_floor(problem):
    """A lower bound on the datafit's minimum over every ``w`` and intercept (cached)."""
    if problem.cache.datafit_floor is None:
        problem.cache.datafit_floor = _floor(problem)
    return problem.cache.datafit_floor


def _floor(problem):
    df = problem.datafit
    n, p = problem.design.shape
    infimum = df.floor_value()
    if df.quadratic and problem.cache.covariance is not None:
        # the Gram terms are there (covariance mode, or a problem known by its
        # statistics only): min F = (yy - c' w_ls) / 2 with G w_ls = c, O(p^3)
        gram, c, yy, _ = problem.cache.covariance
        w = np.linalg.lstsq(gram, c, rcond=None)[0]
        return max(infimum, 0.5 * (yy - float(np.sum(c * w))))  # (c, w: (p,) or (p, T))
    width = p * df.width  # the Newton system's size
    if n * width * min(n, width) > FLOOR_MAX_WORK or not hasattr(problem.design, "matrix"):
        return infimum
    if df.quadratic:
        return max(infimum, _least_squares_minimum(problem))
    if df.width > 1:
        result = newton_unpenalized_multinomial(
            problem, np.zeros((p, df.n_classes)), df.null_intercepts(problem.fit_intercept),
            tol=1e-13, max_iter=100)
    else:
        result = newton_unpenalized(problem, np.zeros(p),
                                    df.null_intercept(problem.fit_intercept), tol=1e-13,
                                    max_iter=100)
    if not result.converged:
        return infimum  # no finite minimiser (separable classes): the infimum is it
    z = np.asarray(problem.design.matrix @ result.coef) + result.intercept
    if not _stationary(problem, z):
        # a Hessian that vanishes somewhere (Huber's linear pieces) lets Newton's
        # decrement reach zero away from the minimum: that point is no floor
        return infimum
    return max(infimum, df.value(z) - result.certificate * problem.null_objective)


def _stationary(problem, z):
    """Whether the datafit's gradient at the linear predictor ``z`` is at rounding
    level in every coordinate (the intercept's included): no coordinate step, at the
    coordinate's curvature bound, could lower it by more than 1e-12 of the null
    objective."""
    grad_z = np.asarray(problem.datafit.gradient_z(z))
    rows = grad_z.reshape(grad_z.shape[0], -1)
    g = np.asarray(problem.design.matrix.T @ rows)
    lips = problem.lips[:, None]
    informative = problem.lips > 0
    decrease = float(np.sum(np.square(g[informative]) / (2.0 * lips[informative])))
    if problem.fit_intercept:  # its curvature: the mean sample weight (1) at most
        decrease += 0.5 * float(np.sum(np.square(rows.sum(axis=0))))
    return decrease <= 1e-12 * problem.null_objective


def _least_squares_minimum(problem):
    """``min F`` of the squared loss by a dense least-squares solve on centred columns
    (its residual's value: the minimiser's rounding raises it to second order only)."""
    df = problem.datafit
    X = problem.design.matrix
    X = X.toarray() if sp.issparse(X) else np.array(X)
    y = df.y
    if problem.fit_intercept:
        X -= (df.sw @ X) / df.sw.sum()
        y = y - df.centre(True)
    root = np.sqrt(df.sw)
    coef = la.lstsq(X * root[:, None], (root * y.T).T, check_finite=False,
                    lapack_driver="gelsd")[0]
    return df.value_from_residual(y - X @ coef)
