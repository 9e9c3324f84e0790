"""Regularization paths: the alpha grid, warm-started solves, and the Path result."""

from dataclasses import dataclass

import numpy as np
from sklearn.utils import check_X_y

from . import _validation as v
from .penalties import L1_RATIO_FLOOR, ElasticNetPenalty, alpha_max
from .solvers.cd import duality_gap, make_problem, minus_gradient, solve
from .solvers.gram import closed_form_gaps, gram_path, gram_suits
from .solvers.ridge import gram_ridge_path, ridge_path


@dataclass(frozen=True)
class Path:
    """A regularization path, one row per alpha (largest alpha first when generated).

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_alphas, n_features)
    intercepts : ndarray of shape (n_alphas,)
    gaps : ndarray of shape (n_alphas,)
        Relative duality gap reached at each alpha.
    n_iter : ndarray of shape (n_alphas,)
        Coordinate-descent epochs spent at each alpha (0 for closed forms).
    n_nonzero : ndarray of shape (n_alphas,)
    l1_ratio : float
    loss : str
    """

    alphas: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    gaps: np.ndarray
    n_iter: np.ndarray
    n_nonzero: np.ndarray
    l1_ratio: float
    loss: str


def problem_alpha_max(problem, l1_ratio, factor, lower, upper):
    """Exact smallest alpha with every penalized coefficient zero.

    The intercept and the unpenalized features are fitted first: with the penalized
    features boxed at 0, the solver fits the rest.
    """
    unpenalized = (factor == 0) & (problem.lips > 0)
    coef = np.zeros(problem.n_features)
    intercept = None
    if np.any(unpenalized):
        boxed = np.where(unpenalized, -np.inf, 0.0), np.where(unpenalized, np.inf, 0.0)
        free = ElasticNetPenalty(np.zeros_like(factor), np.zeros_like(factor), *boxed)
        sol = solve(problem, free, tol=1e-12, max_iter=10_000, warn=False)
        coef, intercept = sol.coef, sol.intercept
    u0 = minus_gradient(problem, coef, intercept)
    return alpha_max(u0, l1_ratio, factor, lower, upper)


def alpha_grid(amax, n_alphas, eps):
    """``n_alphas`` log-spaced values from ``amax`` down to ``eps * amax``."""
    if not amax > np.finfo(float).resolution:
        # nothing to shrink (a constant target): a flat grid at the resolution
        return np.full(n_alphas, np.finfo(float).resolution)
    return np.geomspace(amax, amax * eps, n_alphas)


def regularization_path(X, y, *, loss="squared", l1_ratio=1.0, alphas=100, eps=None,
                        sample_weight=None, fit_intercept=True, penalty_factor=None,
                        positive=False, lower_bounds=None, upper_bounds=None, tol=1e-4,
                        max_iter=1000, screening=True):
    """Solutions of the penalized problem over a grid of alphas, with warm starts.

    Minimises, for each alpha::

        datafit(y, X w + b) + alpha * sum_j f_j (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2)

    where the datafit is ``(1/2n) sum s_i (y_i - z_i)^2`` (``loss="squared"``) or the
    weighted mean log-loss (``loss="logistic"``, binary y).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    loss : {"squared", "logistic"}
    l1_ratio : float in [0, 1]
        1 is the lasso, 0 ridge (solved by closed forms for the squared loss).
    alphas : int or array-like
        An array is used as given, in its order. An int builds that many log-spaced
        values from the exact ``alpha_max`` down to ``eps * alpha_max``.
    eps : float, optional
        Ratio of the smallest to the largest alpha: 1e-3, or 1e-2 when n < p (glmnet).
        For ridge (``l1_ratio < 1e-3``), whose alpha_max is infinite, the grid starts at
        that of ``l1_ratio = 1e-3`` and ends at ``eps`` times the lasso's alpha_max.
    sample_weight, fit_intercept, penalty_factor, positive, lower_bounds, upper_bounds
        As in the estimators.
    tol : float
        Relative duality gap to reach at every alpha.
    max_iter : int
        Epoch budget per alpha.
    screening : bool
        Gap-safe screening.

    Returns
    -------
    Path
    """
    if loss not in ("squared", "logistic"):
        raise ValueError(f"loss must be 'squared' or 'logistic', got {loss!r}")
    v.check_lengths(X, y)
    v.check_y(y, numeric=loss == "squared")
    X, y = v.name_x_errors(check_X_y, X, y, accept_sparse=("csc", "csr"),
                           dtype=np.float64, order="F", y_numeric=loss == "squared")
    n, p = X.shape
    v.check_min_samples(n, "regularization_path")
    l1_ratio = v.check_l1_ratio(l1_ratio)
    tol = v.check_scalar_param(tol, "tol", low=0.0, low_open=True)
    max_iter = v.check_scalar_param(max_iter, "max_iter", low=1, integer=True)
    sw = v.check_sample_weight(sample_weight, X)
    if loss == "logistic":
        y, _ = v.binary_labels(y, sw)
    factor = v.check_penalty_factor(penalty_factor, p)
    lower, upper = v.check_bounds(positive, lower_bounds, upper_bounds, p)
    problem = make_problem(X, y, loss, sw, fit_intercept)
    alphas = resolve_alphas(alphas, eps, problem, l1_ratio, factor, lower, upper)
    return compute_path(problem, alphas, l1_ratio, factor, lower, upper, tol=tol,
                        max_iter=max_iter, screening=screening, X=X, sample_weight=sw)


def resolve_alphas(alphas, eps, problem, l1_ratio, factor, lower, upper):
    """An explicit grid (checked) or a generated one from the exact alpha_max."""
    if isinstance(alphas, (int, np.integer)) and not isinstance(alphas, bool):
        n_alphas = v.check_scalar_param(alphas, "alphas", low=1, integer=True)
        n, p = problem.design.shape
        if eps is None:
            eps = 1e-2 if n < p else 1e-3
        eps = v.check_scalar_param(eps, "eps", low=0.0, low_open=True, high=1.0)
        amax = problem_alpha_max(problem, l1_ratio, factor, lower, upper)
        if l1_ratio < L1_RATIO_FLOOR:
            # ridge: the top is glmnet's (that of l1_ratio = 1e-3, 1000 times the lasso's)
            # and the grid goes down to eps times the lasso's alpha_max, where little
            # shrinkage is left; eps alone would stop 1000 times too high
            eps = eps * L1_RATIO_FLOOR
        return alpha_grid(amax, n_alphas, eps)
    try:
        grid = np.asarray(alphas, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"alphas must be an int or an array of numbers, got {alphas!r}") \
            from None
    if grid.size == 0:
        raise ValueError("alphas is empty; give at least one value or an int")
    if not np.all(np.isfinite(grid)) or np.any(grid < 0):
        raise ValueError("alphas must be finite and >= 0")
    return grid


def compute_path(problem, alphas, l1_ratio, factor, lower, upper, *, tol, max_iter,
                 screening=True, coef_init=None, intercept_init=None, X=None,
                 sample_weight=None):
    """Solve along ``alphas`` with warm starts (inputs already validated)."""
    n_alphas, p = len(alphas), problem.n_features
    is_ridge = (l1_ratio == 0.0 and problem.datafit.name == "squared" and X is not None
                and np.all(np.isinf(lower)) and np.all(np.isinf(upper)))
    if is_ridge:
        penalties = [ElasticNetPenalty.from_params(a, 0.0, factor, lower, upper)
                     for a in alphas]
        if "covariance" in problem.cache:
            # the Gram matrix is already there (a CV fold's, downdated from the full data):
            # solve and certify from it, without a pass over X
            gram, c, _, ymean = problem.cache["covariance"]
            coefs = gram_ridge_path(gram, c, alphas, factor)
            intercepts = (ymean - coefs @ problem.xmean if problem.fit_intercept
                          else np.zeros(n_alphas))
            gaps = closed_form_gaps(problem, penalties, coefs)
        else:
            coefs, intercepts, _ = ridge_path(X, problem.datafit.y, alphas, sample_weight,
                                              problem.fit_intercept, factor)
            gaps = np.array([duality_gap(problem, pen, c, b)
                             for pen, c, b in zip(penalties, coefs, intercepts)])
        n_iter = np.zeros(n_alphas, dtype=int)
    elif coef_init is None and screening and gram_suits(problem, factor == 0):
        # n >> p: the whole path runs in one compiled loop on the Gram matrix
        coefs, intercepts, gaps, n_iter = gram_path(problem, alphas, l1_ratio, factor,
                                                    lower, upper, tol=tol,
                                                    max_iter=max_iter)
    else:
        coefs, intercepts = np.zeros((n_alphas, p)), np.zeros(n_alphas)
        gaps, n_iter = np.zeros(n_alphas), np.zeros(n_alphas, dtype=int)
        state = None
        for k, alpha in enumerate(alphas):
            penalty = ElasticNetPenalty.from_params(alpha, l1_ratio, factor, lower, upper)
            sol = solve(problem, penalty, coef_init, intercept_init, tol=tol,
                        max_iter=max_iter, screening=screening, state=state)
            state = sol.state
            coefs[k], intercepts[k] = sol.coef, sol.intercept
            gaps[k], n_iter[k] = sol.gap, sol.n_iter
    return Path(alphas=np.asarray(alphas, dtype=np.float64), coefs=coefs,
                intercepts=intercepts, gaps=gaps, n_iter=n_iter,
                n_nonzero=np.count_nonzero(coefs, axis=1), l1_ratio=l1_ratio,
                loss=problem.datafit.name)
