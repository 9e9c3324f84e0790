"""The estimators on dask data.

``fit_squared`` serves Lasso, ElasticNet and Ridge (one pass for the statistics, the rest
on the client); ``cross_validate_squared`` serves LassoCV, ElasticNetCV and RidgeCV with
k folds, every fold's statistics from the same pass (a row's fold is a seeded hash of its
position) and every score computed from them; ``fit_logistic`` serves a binary
LogisticRegression by distributed proximal Newton (``logistic.py``).
"""

import warnings

import numpy as np
from joblib import Parallel, delayed
from sklearn.exceptions import ConvergenceWarning

from .. import _validation as v
from .. import model_selection as _cv
from ..path import compute_path, resolve_alphas
from ..solvers.cd import solve
from ..solvers.gram import closed_form_gaps, gram_terms
from ..solvers.ridge import gram_ridge_path
from .squared import check_width, held_out_mse, sums_problem
from .statistics import as_dask_matrix, gram_sums

#: the seed of the row hash that assigns folds (a fixed one: the same folds every fit)
FOLD_SEED = 0


def _prepare(estimator, X, y, sample_weight):
    """The dask matrix with its fitted-attribute bookkeeping, and the checked inputs."""
    names = getattr(X, "columns", None)
    X = as_dask_matrix(X)
    n, p = X.shape
    if getattr(y, "ndim", 1) > 1 and y.shape[1] != 1:
        raise ValueError(f"y must be 1-d for dask input (one target), got shape {y.shape}")
    v.check_min_samples(n, type(estimator).__name__)
    check_width(p)
    if hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_
    estimator.n_features_in_ = p
    if names is not None and all(isinstance(c, str) for c in names):
        estimator.feature_names_in_ = np.asarray(list(names), dtype=object)
    return X


def _checked(sums):
    if not all(np.all(np.isfinite(a)) for a in sums._fields()):
        raise ValueError("X, y or sample_weight contains NaN or infinity (found in the "
                         "statistics of the dask chunks)")
    return sums


def _no_unpenalized(problem, factor):
    if np.any((factor == 0) & (problem.lips > 0)):
        raise ValueError("penalty_factor with zeros (unpenalized features) is not offered "
                         "for dask input: the covariance mode needs every feature "
                         "penalized; give them a small factor (1e-6, say)")


def fit_squared(estimator, X, y, sample_weight):
    """Fit a Lasso, ElasticNet or Ridge on dask data; returns the estimator."""
    X = _prepare(estimator, X, y, sample_weight)
    return fit_squared_sums(estimator, _checked(gram_sums(X, y, sample_weight)))


def fit_squared_sums(estimator, sums):
    """Fit a Lasso, ElasticNet or Ridge from the ``Sums`` of its rows (one row)."""
    problem = sums_problem(sums, estimator.fit_intercept)
    p = problem.design.shape[1]
    estimator.n_features_in_ = p
    penalty, alpha, factor = estimator._validate_penalty(p)
    tol = v.check_scalar_param(estimator.tol, "tol", low=0.0, low_open=True)
    max_iter = v.check_scalar_param(estimator.max_iter, "max_iter", low=1, integer=True)
    bounded = np.any(np.isfinite(penalty.lower)) or np.any(np.isfinite(penalty.upper))
    if np.all(penalty.l1 == 0) and not bounded:
        # ridge (or least squares): the closed form from the Gram terms
        gram, c, _, ymean = gram_terms(problem)
        coef = gram_ridge_path(gram, c, [alpha], factor)[0]
        gap, n_iter = float(closed_form_gaps(problem, [penalty], [coef])[0]), 1
    else:
        _no_unpenalized(problem, factor)
        sol = solve(problem, penalty, tol=tol, max_iter=max_iter)
        coef, gap, n_iter = sol.coef, sol.gap, sol.n_iter
        ymean = gram_terms(problem)[3]
    estimator.coef_ = coef
    estimator.intercept_ = float(ymean - problem.xmean @ coef) if estimator.fit_intercept \
        else 0.0
    estimator.dual_gap_, estimator.n_iter_ = gap, n_iter
    return estimator


def check_folds(cv):
    """The number of folds of a CV estimator fitted on dask data (an int >= 2)."""
    if not isinstance(cv, (int, np.integer)) or isinstance(cv, bool) or cv < 2:
        raise ValueError(f"cv must be an int >= 2 for dask input (got {cv!r}): each row's "
                         "fold is a seeded hash of its position, computed on the workers")
    return int(cv)


def cross_validate_squared(estimator, X, y, sample_weight):
    """LassoCV / ElasticNetCV / RidgeCV(cv=k) on dask data; returns the estimator."""
    n_folds = check_folds(estimator.cv)
    X = _prepare(estimator, X, y, sample_weight)
    sums = _checked(gram_sums(X, y, sample_weight, n_folds=n_folds, seed=FOLD_SEED))
    return cross_validate_sums(estimator, sums)


def cross_validate_sums(estimator, sums):
    """LassoCV / ElasticNetCV / RidgeCV from per-fold ``Sums`` (a row per fold): each
    fold's path from the total minus its part, scored on its part; the final path on the
    total. Returns the estimator."""
    n_folds = sums.n.shape[0]
    p = sums.xtx.shape[1]
    estimator.n_features_in_ = p
    l1_ratios = estimator._l1_ratios()
    alpha_rule = _cv.check_alpha_rule(estimator.alpha_rule)
    factor, lower, upper = estimator._penalty_arrays(p)
    tol = v.check_scalar_param(estimator.tol, "tol", low=0.0, low_open=True)
    max_iter = v.check_scalar_param(estimator.max_iter, "max_iter", low=1, integer=True)
    if np.any(sums.n == 0):
        raise ValueError(f"cv={n_folds} folds but X has only {int(sums.n.sum())} rows")
    full = sums_problem(sums.total(), estimator.fit_intercept)
    if any(r > 0 for r in l1_ratios):
        _no_unpenalized(full, factor)
    grids = np.array([np.sort(resolve_alphas(estimator.alphas, estimator.eps, full, r,
                                             factor, lower, upper))[::-1]
                      for r in l1_ratios])

    def paths_of(problem):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a fold's miss is the whole path's to say
            return [compute_path(problem, grid, r, factor, lower, upper, tol=tol,
                                 max_iter=max_iter)
                    for r, grid in zip(l1_ratios, grids)]

    def fold_scores(k):
        paths = paths_of(sums_problem(sums.without(k), estimator.fit_intercept))
        return [held_out_mse(sums.fold(k), p.coefs, p.intercepts) for p in paths]

    tasks = [delayed(fold_scores)(k) for k in range(n_folds)]
    tasks.append(delayed(lambda: [compute_path(full, grid, r, factor, lower, upper,
                                               tol=tol, max_iter=max_iter)
                                  for r, grid in zip(l1_ratios, grids)])())
    *fold_results, full_paths = Parallel(n_jobs=estimator.n_jobs, prefer="threads")(tasks)
    total = sums.total()
    result = _cv.CVPaths(
        alphas=grids, test_scores=np.array(fold_results).transpose(1, 0, 2),
        train_scores=np.array([held_out_mse(total, p.coefs, p.intercepts)
                               for p in full_paths]),
        paths=full_paths)
    scoring = _cv.get_scorer("mse")
    coef, intercept = estimator._store_cv(result, l1_ratios, alpha_rule, scoring)
    estimator.coef_, estimator.intercept_ = coef, float(intercept)
    return estimator


def _path_arguments(X, l1_ratio, tol, max_iter, penalty_factor, positive, lower_bounds,
                    upper_bounds):
    """The dask matrix and the checked arguments of a path."""
    X = as_dask_matrix(X)
    n, p = X.shape
    v.check_min_samples(n, "regularization_path")
    check_width(p)
    factor = v.check_penalty_factor(penalty_factor, p)
    lower, upper = v.check_bounds(positive, lower_bounds, upper_bounds, p)
    return (X, v.check_l1_ratio(l1_ratio),
            v.check_scalar_param(tol, "tol", low=0.0, low_open=True),
            v.check_scalar_param(max_iter, "max_iter", low=1, integer=True),
            factor, lower, upper)


def path_squared(X, y, *, l1_ratio, alphas, eps, sample_weight, fit_intercept,
                 penalty_factor, positive, lower_bounds, upper_bounds, tol, max_iter):
    """``regularization_path`` of the squared loss on dask data: one pass, then the path
    on the client (arguments as ``regularization_path`` takes them)."""
    X, l1_ratio, tol, max_iter, factor, lower, upper = _path_arguments(
        X, l1_ratio, tol, max_iter, penalty_factor, positive, lower_bounds, upper_bounds)
    problem = sums_problem(_checked(gram_sums(X, y, sample_weight)), fit_intercept)
    if l1_ratio > 0:
        _no_unpenalized(problem, factor)
    grid = resolve_alphas(alphas, eps, problem, l1_ratio, factor, lower, upper)
    return compute_path(problem, grid, l1_ratio, factor, lower, upper, tol=tol,
                        max_iter=max_iter)


def binary_labels(y, sample_weight):
    """The two classes of a dask target (computed: a handful of values) and the labels
    in {-1, +1}, lazily on the workers."""
    import dask.array as da
    import dask.dataframe as dd

    if isinstance(y, (dd.Series, dd.DataFrame)):
        y = y.to_dask_array(lengths=True)
    if not isinstance(y, da.Array):
        y = da.from_array(np.asarray(y))
    classes = np.unique(da.unique(y.ravel()).compute())
    if len(classes) != 2:
        raise ValueError(f"y has {len(classes)} classes; on dask data LogisticRegression "
                         "fits two classes so far (the multinomial loss needs X in memory)")
    return da.where(y.ravel() == classes[1], 1.0, -1.0), classes


def fit_logistic(estimator, X, y, sample_weight):
    """Fit a binary LogisticRegression on dask data by distributed proximal Newton (one
    pass per step, the gap certified by the pass that follows); returns the estimator."""
    from .terms import LogisticTerms

    if estimator.class_weight is not None:
        raise ValueError("class_weight is not offered for dask input; give sample_weight")
    X = _prepare(estimator, X, y, sample_weight)
    labels, estimator.classes_ = binary_labels(y, sample_weight)
    coef, intercept = _fit_glm(estimator, X, labels, sample_weight, LogisticTerms())
    estimator.coef_, estimator.intercept_ = coef[None, :], np.array([intercept])
    return estimator


def _fit_glm(estimator, X, y, sample_weight, terms):
    """One alpha by distributed proximal Newton; sets ``dual_gap_`` and ``n_iter_`` (the
    passes) and returns ``(coef, intercept)``."""
    from .newton import DaskGLM, glm_path, null_start

    penalty, alpha, factor = estimator._validate_penalty(X.shape[1])
    if alpha == 0 or np.any(factor == 0):
        raise ValueError(f"dask input needs alpha > 0 and every penalty_factor > 0: the "
                         f"unpenalized {terms.name} fit is not distributed yet")
    tol = v.check_scalar_param(estimator.tol, "tol", low=0.0, low_open=True)
    max_iter = v.check_scalar_param(estimator.max_iter, "max_iter", low=1, integer=True)
    data = DaskGLM(X, y, sample_weight, estimator.fit_intercept, terms)
    l1_ratio = float(v.check_l1_ratio(estimator.l1_ratio))
    # Newton's method straight from the null model: measured on 50,000 x 50, 6-9 passes
    # in all at alpha = 0.05 .. 0.001, against 15-21 through a 5-alpha warm-start grid
    coefs, intercepts, gaps, _ = glm_path(
        data, [alpha], l1_ratio, factor, penalty.lower, penalty.upper, tol=tol,
        max_passes=max_iter, start=null_start(data))
    if gaps[-1] > tol:
        warnings.warn(f"distributed proximal Newton stopped with relative duality gap "
                      f"{gaps[-1]:.3e} > tol={tol:.1e}; increase max_iter",
                      ConvergenceWarning, stacklevel=4)
    estimator.dual_gap_, estimator.n_iter_ = float(gaps[-1]), int(data.passes)
    return coefs[-1], float(intercepts[-1])


def fit_poisson(estimator, X, y, sample_weight, offset):
    """Fit a PoissonRegressor on dask data by distributed proximal Newton; returns the
    estimator."""
    import dask.array as da

    from .terms import PoissonTerms

    if offset is not None:
        raise ValueError("offset is not offered for dask input yet: fit the rates with "
                         "sample_weight = exposure and y = counts / exposure instead")
    X = _prepare(estimator, X, y, sample_weight)
    y = _aligned_target(y)
    low, high = (float(a) for a in da.compute(y.min(), y.max()))
    if low < 0:
        raise ValueError(f"y must be >= 0 for the Poisson loss (counts); its minimum is "
                         f"{low:g}")
    if high <= 0:
        raise ValueError("y is 0 on every row: the Poisson fit has nothing to fit")
    estimator.coef_, estimator.intercept_ = _fit_glm(estimator, X, y, sample_weight,
                                                     PoissonTerms())
    return estimator


def fit_huber(estimator, X, y, sample_weight):
    """Fit a HuberRegressor on dask data by distributed proximal Newton (``delta`` a
    float: its rules need medians of the rows); returns the estimator."""
    from .terms import HuberTerms

    delta = v.check_delta(estimator.delta, allow_rules=True)
    if delta is None or isinstance(delta, str):
        raise ValueError(f"delta={estimator.delta!r} is a rule on the median of y or of "
                         "residuals, which dask data would need extra passes for; give "
                         "delta as a float (for example the delta_ of a fit on a sample)")
    X = _prepare(estimator, X, y, sample_weight)
    y = _aligned_target(y)
    estimator.delta_ = delta = float(delta)
    null = huber_location(y, sample_weight, delta) if estimator.fit_intercept else 0.0
    estimator.coef_, estimator.intercept_ = _fit_glm(estimator, X, y, sample_weight,
                                                     HuberTerms(delta, null))
    return estimator


def huber_location(y, sample_weight, delta, max_steps=100):
    """The ``c`` with ``sum s psi(y - c) = 0`` (the null model's intercept): Newton's
    method kept in a bracket, each step one pass over y alone."""
    import dask.array as da

    s = da.ones_like(y) if sample_weight is None else \
        _aligned_target(sample_weight).rechunk(y.chunks)
    low, high, centre = (float(a) for a in da.compute(y.min(), y.max(),
                                                       (s * y).sum() / s.sum()))
    low, high = low - delta, high + delta
    c = centre
    for _ in range(max_steps):
        t = y - c
        g, slope, mass = (float(a) for a in da.compute(
            (s * da.clip(t, -delta, delta)).sum(), (s * (abs(t) <= delta)).sum(), s.sum()))
        if abs(g) <= 1e-13 * mass * delta:
            break
        if g > 0:
            low = c
        else:
            high = c
        step = c + g / slope if slope > 0 else 0.5 * (low + high)
        c = step if low < step < high else 0.5 * (low + high)
    return c


def _aligned_target(y):
    """A 1-d dask array of y."""
    import dask.array as da
    import dask.dataframe as dd

    if isinstance(y, (dd.Series, dd.DataFrame)):
        y = y.to_dask_array(lengths=True)
    if not isinstance(y, da.Array):
        y = da.from_array(np.asarray(y, dtype=np.float64))
    return y.ravel().astype(np.float64)


def path_logistic(X, y, *, l1_ratio, alphas, eps, sample_weight, fit_intercept,
                  penalty_factor, positive, lower_bounds, upper_bounds, tol, max_iter):
    """``regularization_path(loss="logistic")`` on dask data: a grid from the exact
    alpha_max (glmnet's ends, or the given alphas), then distributed proximal Newton
    along it. ``max_iter`` bounds the passes per alpha."""
    from ..path import alpha_grid
    from ..penalties import alpha_max
    from .newton import DaskGLM, glm_path, null_start
    from .terms import LogisticTerms

    X, l1_ratio, tol, max_iter, factor, lower, upper = _path_arguments(
        X, l1_ratio, tol, max_iter, penalty_factor, positive, lower_bounds, upper_bounds)
    n, p = X.shape
    if np.any(factor == 0):
        raise ValueError("dask input needs every penalty_factor > 0 for the logistic loss")
    labels, _ = binary_labels(y, sample_weight)
    data = DaskGLM(X, labels, sample_weight, fit_intercept, LogisticTerms())
    start = null_start(data)
    if isinstance(alphas, (int, np.integer)) and not isinstance(alphas, bool):
        u0 = data.terms.gradient(start[1])[0] / start[1].total
        top = alpha_max(u0, l1_ratio, factor, lower, upper)
        ratio = eps if eps is not None else (1e-2 if n < p else 1e-3)
        grid = alpha_grid(top, int(alphas), ratio)
    else:
        grid = np.asarray(alphas, dtype=np.float64).ravel()
        if grid.size == 0 or np.any(grid <= 0) or not np.all(np.isfinite(grid)):
            raise ValueError("alphas must be finite and > 0 for dask input")
    coefs, intercepts, gaps, passes = glm_path(
        data, grid, l1_ratio, factor, lower, upper, tol=tol, max_passes=max_iter,
        start=start)
    from ..path import Path

    return Path(alphas=grid, coefs=coefs, intercepts=intercepts, gaps=gaps, n_iter=passes,
                n_nonzero=np.count_nonzero(coefs, axis=1), l1_ratio=l1_ratio,
                loss="logistic")
