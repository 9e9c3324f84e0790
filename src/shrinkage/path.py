"""Regularization paths: the alpha grid, warm-started solves, and the Path result.

The engines compute paths with ``resolve_alphas`` and ``compute_path``; the user's
``regularization_path`` is ``regularization.py``'s, above the engines.
"""

import importlib
import numbers
from dataclasses import dataclass

import numpy as np

from . import validation as v
from .penalties import L1_RATIO_FLOOR, ElasticNetPenalty, alpha_max
from .solvers.cd import duality_gap, minus_gradient, solve, warn_gap
from .solvers.newton import newton_unpenalized
from .solvers.gram import closed_form_gaps, gram_path, gram_suits
from .solvers.ridge import gram_ridge_path, penalized_spectrum, ridge_path


@dataclass(frozen=True)
class Path:
    """A regularization path: the solutions along a grid of alphas.

    One row per alpha, largest alpha first when the grid was generated; the fields are
    read-only arrays.

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,)
        The grid.
    coefs : ndarray of shape (n_alphas, n_features) or (n_alphas, n_classes, n_features)
        Coefficients at each alpha (a row per class for the multinomial loss).
    intercepts : ndarray of shape (n_alphas,) or (n_alphas, n_classes)
        Intercepts at each alpha.
    gaps : ndarray of shape (n_alphas,)
        Relative duality gap reached at each alpha.
    n_iter : ndarray of shape (n_alphas,)
        Coordinate-descent epochs spent at each alpha (0 for closed forms; for the
        logistic loss on dask data, the passes over the data).
    n_nonzero : ndarray of shape (n_alphas,)
        Features with a non-zero coefficient (in any class) at each alpha.
    l1_ratio : float
        The mix of L1 and L2 of the path.
    loss : str
        The datafit, ``"squared"``, ``"logistic"``, ``"multinomial"``, ``"poisson"``
        or ``"huber"``.
    passes : float
        Passes over X spent to compute the path, setup included (entries read over
        entries stored): one for the column statistics, one for a generated grid's
        alpha_max, then every coordinate-descent epoch reads its working set's columns,
        every certificate all of X, a covariance-mode path X twice (its Gram terms) and
        nothing after; nan where not counted (multinomial, dask data).

    See Also
    --------
    regularization_path : What computes it.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from shrinkage import regularization_path
    >>> X, y = load_diabetes(return_X_y=True)
    >>> path = regularization_path(X, y, alphas=20)
    >>> path.coefs.shape, int(path.n_nonzero[0])
    ((20, 10), 0)
    """

    alphas: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    gaps: np.ndarray
    n_iter: np.ndarray
    n_nonzero: np.ndarray
    l1_ratio: float
    loss: str
    passes: float = float("nan")


def row_solver(problem):
    """The solver module of a datafit with a row of coefficients per feature (several
    columns: the multinomial's classes, the multi-task outputs), as the datafit names it
    (``row_solver``; its ``row_alpha_max`` and ``row_path``), or None. Imported here,
    with the first such fit: its kernels load only when needed."""
    name = problem.datafit.row_solver
    return None if name is None else importlib.import_module(f".solvers.{name}", __package__)


def problem_alpha_max(problem, l1_ratio, factor, lower, upper, grouped=False,
                      blocks=None):
    """Exact smallest alpha with every penalized coefficient zero.

    The intercept and the unpenalized features are fitted first: with the penalized
    features boxed at 0, the solver fits the rest. ``blocks`` (a
    ``penalties_group.GroupStructure``): every penalized group zero.
    """
    if blocks is not None:
        factor = blocks.factor
    rows = row_solver(problem)
    if rows is not None:
        return rows.row_alpha_max(problem, l1_ratio, factor, grouped)
    unpenalized = (factor == 0) & (problem.lips > 0)
    coef = np.zeros(problem.n_features)
    intercept = None
    if np.any(unpenalized) and not problem.datafit.quadratic:
        # Newton's method on the unpenalized columns alone (a zero penalty boxing the
        # others is an unpenalized problem with bounds, which has no certificate)
        fit = newton_unpenalized(problem, coef, problem.datafit.null_intercept(
            problem.fit_intercept), tol=1e-12, max_iter=200,
            columns=np.flatnonzero(unpenalized))
        coef = fit.coef
        intercept = problem.user_intercept(fit.intercept, coef)
    elif np.any(unpenalized):
        boxed = np.where(unpenalized, -np.inf, 0.0), np.where(unpenalized, np.inf, 0.0)
        free = ElasticNetPenalty(np.zeros_like(factor), np.zeros_like(factor), *boxed)
        sol = solve(problem, free, tol=1e-12, max_iter=10_000, warn=False)
        coef, intercept = sol.coef, sol.intercept
    u0 = minus_gradient(problem, coef, intercept)
    if blocks is not None:
        return blocks.alpha_max(u0, l1_ratio)
    return alpha_max(u0, l1_ratio, factor, lower, upper)


#: ridge grids start where the effective degrees of freedom are at most this
DF_TOP = 1e-2
#: and end where no direction of the data is shrunk by more than this fraction
RIDGE_SHRINK_FLOOR = 1e-4


def alpha_grid(amax, n_alphas, eps):
    """``n_alphas`` log-spaced values from ``amax`` down to ``eps * amax``."""
    if not amax > np.finfo(float).resolution:
        # nothing to shrink (a constant target): every alpha gives the null model, and
        # alpha has no scale to take from the data; a unit grid says so plainly
        return np.geomspace(1.0, eps, n_alphas)
    return np.geomspace(amax, amax * eps, n_alphas)


def default_grid_ends(problem, l1_ratio, factor, lower, upper, eps=None, grouped=False,
                      blocks=None):
    """Largest and smallest alpha of a generated grid.

    - The lasso and the elastic net start at the exact ``alpha_max``; ridge
      (``l1_ratio < 1e-3``), whose alpha_max is infinite, starts where its effective
      degrees of freedom ``df(alpha) = sum_k e_k / (e_k + alpha)`` are below ``DF_TOP``
      (``e_k``: the eigenvalues of the centred Gram matrix, ``penalized_spectrum``).
    - ``eps`` given: the grid ends at ``eps`` times its top.
    - ``eps=None``: the lasso ends at glmnet's ``1e-3 * alpha_max`` (``1e-2`` when n < p).
      For the squared loss, ridge ends where every direction of the data keeps all but
      ``RIDGE_SHRINK_FLOOR`` of its least-squares coefficient (``alpha = 1e-4 * e_min``):
      the neighbourhood of least squares, however strong the signal. An elastic-net row
      ends at the lower of glmnet's end and the alpha whose L2 part ``alpha (1 - l1_ratio)``
      is that ridge end, so that small l1_ratios reach as low as ridge does.

    Without the spectrum (the logistic loss, or ``min(n, p)`` above
    ``SPECTRUM_MAX_SIZE``), ridge keeps glmnet's top (that of ``l1_ratio = 1e-3``) and
    ends at ``eps`` times the lasso's alpha_max.
    """
    n, p = problem.design.shape
    amax = problem_alpha_max(problem, l1_ratio, factor, lower, upper, grouped, blocks)
    spectrum = None
    # the spectrum (O(min(n, p)^3)) serves ridge's top and the ends without eps only
    if problem.datafit.quadratic and l1_ratio < 1.0 and (
            l1_ratio < L1_RATIO_FLOOR or eps is None):
        spectrum = penalized_spectrum(problem, factor)
        if spectrum is not None and spectrum.size == 0:
            spectrum = None
    if spectrum is None:
        return glmnet_ends(amax, l1_ratio, eps, (n, p))
    if l1_ratio < L1_RATIO_FLOOR:
        top = spectrum.sum() / DF_TOP
        bottom = RIDGE_SHRINK_FLOOR * spectrum[0]
        return top, top * eps if eps is not None else bottom
    if eps is not None:
        return amax, eps * amax
    bottom = min(glmnet_eps(n, p) * amax, RIDGE_SHRINK_FLOOR * spectrum[0] / (1.0 - l1_ratio))
    return amax, bottom


def glmnet_eps(n, p):
    """glmnet's ratio of a grid's ends."""
    return 1e-2 if n < p else 1e-3


def glmnet_ends(amax, l1_ratio, eps, shape):
    """The ends of a grid from ``alpha_max`` alone (no spectrum): ``eps`` times it, or
    glmnet's ratio; ridge (``l1_ratio < L1_RATIO_FLOOR``), whose top is the alpha_max
    of that floor, reaches ``L1_RATIO_FLOOR`` times lower."""
    if eps is not None:
        return amax, eps * amax
    floor = L1_RATIO_FLOOR if l1_ratio < L1_RATIO_FLOOR else 1.0
    return amax, amax * glmnet_eps(*shape) * floor


def resolve_alphas(alphas, eps, problem, l1_ratio, factor, lower, upper, grouped=False,
                   blocks=None):
    """An explicit grid (checked) or a generated one (see ``default_grid_ends``)."""
    if isinstance(alphas, (int, np.integer)) and not isinstance(alphas, bool):
        n_alphas = v.check_scalar_param(alphas, "alphas", low=1, integer=True)
        if eps is not None:
            eps = v.check_scalar_param(eps, "eps", low=0.0, low_open=True, high=1.0)
        top, bottom = default_grid_ends(problem, l1_ratio, factor, lower, upper, eps,
                                        grouped, blocks)
        return alpha_grid(top, n_alphas, bottom / top if top > 0 else 1.0)
    if isinstance(alphas, (bool, np.bool_)) or isinstance(alphas, numbers.Real):
        raise TypeError(f"alphas must be an int (the number of alphas) or an array of "
                        f"alphas, got {alphas!r}")
    try:
        grid = np.asarray(alphas, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"alphas must be an int or an array of numbers, got {alphas!r}") \
            from None
    if grid.size == 0:
        raise ValueError("alphas is empty; give at least one value or an int")
    if np.asarray(alphas).dtype == bool:
        raise TypeError("alphas must be numbers, got booleans")
    if not np.all(np.isfinite(grid)) or np.any(grid < 0):
        raise ValueError("alphas must be finite and >= 0")
    return grid


def compute_path(problem, alphas, l1_ratio, factor, lower, upper, *, tol, max_iter,
                 screening=True, coef_init=None, intercept_init=None, X=None,
                 sample_weight=None, grouped=False, blocks=None):
    """Solve along ``alphas`` with warm starts (inputs already validated); ``blocks``
    (a ``penalties_group.GroupStructure``): the group penalty instead of the
    elastic net's (block iterates, no closed forms)."""
    n_alphas, p = len(alphas), problem.n_features
    rows = row_solver(problem)
    if rows is not None:
        coefs, intercepts, gaps, n_iter = rows.row_path(
            problem, alphas, l1_ratio, factor, grouped, tol=tol, max_iter=max_iter)
        return Path(alphas=np.asarray(alphas, dtype=np.float64), coefs=coefs,
                    intercepts=intercepts, gaps=gaps, n_iter=n_iter,
                    n_nonzero=np.count_nonzero(np.any(coefs != 0, axis=1), axis=1),
                    l1_ratio=l1_ratio, loss=problem.datafit.name)
    has_rows = X is not None or not problem.datafit.has_rows
    is_ridge = (blocks is None and l1_ratio == 0.0 and problem.datafit.quadratic
                and has_rows and np.all(np.isinf(lower)) and np.all(np.isinf(upper)))
    if is_ridge:
        penalties = [ElasticNetPenalty.from_params(a, 0.0, factor, lower, upper)
                     for a in alphas]
        if problem.cache.covariance is not None:
            # the Gram matrix is already there (a CV fold's, downdated from the full data):
            # solve and certify from it, without a pass over X
            gram, c, _, ymean = problem.cache.covariance
            coefs = gram_ridge_path(gram, c, alphas, factor)
            intercepts = (problem.user_intercept(ymean - coefs @ problem.xmean, coefs)
                          if problem.fit_intercept else np.zeros(n_alphas))
            gaps = closed_form_gaps(problem, penalties, coefs, tol=tol)
        else:
            df = problem.datafit
            coefs, intercepts, _ = ridge_path(problem.design.matrix, df.y, alphas,
                                              df.sw if df.has_sw else None,
                                              problem.fit_intercept, factor, tol=tol,
                                              max_iter=max_iter)
            intercepts = problem.user_intercept(intercepts, coefs)
            problem.touch()  # its Gram (or kernel) matrix
            gaps = np.array([duality_gap(problem, pen, c, b, tol=tol)
                             for pen, c, b in zip(penalties, coefs, intercepts)])
        if gaps.max() > tol:
            warn_gap(float(gaps.max()), tol, f"Ridge at {int(np.sum(gaps > tol))} of "
                     f"{n_alphas} alphas", stacklevel=4)
        n_iter = np.zeros(n_alphas, dtype=int)
    elif blocks is None and coef_init is None and screening and \
            gram_suits(problem, factor == 0):
        # n >> p: the whole path runs in one compiled loop on the Gram matrix
        coefs, intercepts, gaps, n_iter = gram_path(problem, alphas, l1_ratio, factor,
                                                    lower, upper, tol=tol,
                                                    max_iter=max_iter)
    else:
        coefs, intercepts = np.zeros((n_alphas, p)), np.zeros(n_alphas)
        gaps, n_iter = np.zeros(n_alphas), np.zeros(n_alphas, dtype=int)
        state = None
        for k, alpha in enumerate(alphas):
            penalty = blocks.penalty(alpha, l1_ratio) if blocks is not None else \
                ElasticNetPenalty.from_params(alpha, l1_ratio, factor, lower, upper)
            sol = solve(problem, penalty, coef_init, intercept_init, tol=tol,
                        max_iter=max_iter, screening=screening, state=state)
            state = sol.state
            coefs[k], intercepts[k] = sol.coef, sol.intercept
            gaps[k], n_iter[k] = sol.gap, sol.n_iter
    return Path(alphas=np.asarray(alphas, dtype=np.float64), coefs=coefs,
                intercepts=intercepts, gaps=gaps, n_iter=n_iter,
                n_nonzero=np.count_nonzero(coefs, axis=1), l1_ratio=l1_ratio,
                loss=problem.datafit.name, passes=problem.passes)
