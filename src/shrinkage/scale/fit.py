"""The squared loss on dask data: fits described by a ``FitSpec`` or a ``CVSpec``.

``fit_squared`` serves Lasso, ElasticNet and Ridge (one pass for the statistics, the rest
on the client); ``cross_validate_squared`` serves LassoCV, ElasticNetCV and RidgeCV with
k folds, every fold's statistics from the same pass (a row's fold is a seeded hash of its
position) and every score computed from them. The other losses are ``fit_glm.py``'s.
Each returns a ``FitResult`` or a ``CVResult``: none sees an estimator.
"""

import warnings

import numpy as np
from joblib import Parallel, delayed

from .. import validation as v
from .. import model_selection as _cv
from ..path import compute_path, resolve_alphas
from ..specs import CVResult, Features, FitResult
from ..supports import stack_support, support_bits
from ..solvers.cd import solve, warn_gap
from ..solvers.gram import closed_form_gaps, gram_terms
from ..solvers.ridge import gram_ridge_path
from .squared import check_width, held_out_mse, sums_problem
from .statistics import (as_dask_matrix, centred_gram_sums, check_finite, gram_sums,
                         known_rows)

#: the seed of the row hash that assigns folds (a fixed one: the same folds every fit)
FOLD_SEED = 0


def prepare(who, X, y, sample_weight):
    """The checked inputs of ``who`` (an estimator's name), every chunk's row count known
    (``known_rows``): ``(X, y, sample_weight, features)``, ``features`` the columns'
    number and their names (``Features``)."""
    names = getattr(X, "columns", None)
    X, y, sample_weight = known_rows(as_dask_matrix(X, known=False), y, sample_weight)
    n, p = X.shape
    if getattr(y, "ndim", 1) > 1 and y.shape[1] != 1:
        raise ValueError(f"y must be 1-d for dask input (one target), got shape {y.shape}")
    v.check_min_samples(n, who)
    check_width(p)
    if names is None or not all(isinstance(c, str) for c in names):
        return X, y, sample_weight, Features(p)
    return X, y, sample_weight, Features(p, np.asarray(list(names), dtype=object))


def _no_unpenalized(problem, factor):
    if np.any((factor == 0) & (problem.lips > 0)):
        raise ValueError("penalty_factor with zeros (unpenalized features) is not offered "
                         "for dask input: the covariance mode needs every feature "
                         "penalized; give them a small factor (1e-6, say)")


def _sums(X, y, sample_weight, fit_intercept, **folds):
    """The rows' sums, and the centre taken from them first (None without an
    intercept: nothing would absorb it)."""
    if fit_intercept:
        sums, centre = centred_gram_sums(X, y, sample_weight, **folds)
        return check_finite(sums), centre
    return check_finite(gram_sums(X, y, sample_weight, **folds)), None


def fit_squared(spec, X, y, sample_weight):
    """Fit ``spec`` (a ``FitSpec``: Lasso, ElasticNet, Ridge) on dask data; returns a
    ``FitResult``."""
    X, y, sample_weight, features = prepare(spec.name, X, y, sample_weight)
    return fit_squared_sums(spec, *_sums(X, y, sample_weight, spec.fit_intercept is True),
                            features=features)


def fit_squared_sums(spec, sums, centre=None, features=None):
    """Fit ``spec`` from the ``Sums`` of its rows (one row), less ``centre``
    (``sums_problem``); returns a ``FitResult`` (``features``: the columns')."""
    problem = sums_problem(sums, spec.fit_intercept, centre)
    p = problem.design.shape[1]
    penalty, alpha, factor = spec.penalty(p)
    tol, max_iter = spec.checked_tol(), spec.checked_max_iter()
    bounded = np.any(np.isfinite(penalty.lower)) or np.any(np.isfinite(penalty.upper))
    if np.all(penalty.l1 == 0) and not bounded:
        # ridge (or least squares): the closed form from the Gram terms
        gram, c, _, ymean = gram_terms(problem)
        coef = gram_ridge_path(gram, c, [alpha], factor)[0]
        gap, n_iter = float(closed_form_gaps(problem, [penalty], [coef], tol=tol)[0]), 1
        warn_gap(gap, tol, "Ridge", stacklevel=7)  # the caller of the estimator's fit
    else:
        _no_unpenalized(problem, factor)
        sol = solve(problem, penalty, tol=tol, max_iter=max_iter)
        coef, gap, n_iter = sol.coef, sol.gap, sol.n_iter
        ymean = gram_terms(problem)[3]
    intercept = float(problem.user_intercept(ymean - problem.xmean @ coef, coef)) \
        if spec.fit_intercept else 0.0
    return FitResult(coef, intercept, gap, n_iter, features or Features(p))


def check_folds(cv, groups=None):
    """The number of folds of a CV estimator fitted on dask data (an int >= 2)."""
    if groups is not None:
        raise ValueError("groups are not offered for dask input: each row's fold is a "
                         "seeded hash of its position")
    if not isinstance(cv, (int, np.integer)) or isinstance(cv, bool) or cv < 2:
        raise ValueError(f"cv must be an int >= 2 for dask input (got {cv!r}): each row's "
                         "fold is a seeded hash of its position, computed on the workers")
    return int(cv)


def cross_validate_squared(spec, X, y, sample_weight, groups=None):
    """Cross-validate ``spec`` (a ``CVSpec``: LassoCV, ElasticNetCV, RidgeCV with k
    folds) on dask data; returns a ``CVResult``."""
    if spec.cv is None and spec.fit.closed_form:
        raise ValueError("cv=None (exact leave-one-out) needs every row on the "
                         "client; for dask input give cv=5 (or another int)")
    n_folds = check_folds(spec.cv, groups)
    X, y, sample_weight, features = prepare(spec.fit.name, X, y, sample_weight)
    return cross_validate_sums(spec, *_sums(
        X, y, sample_weight, spec.fit.fit_intercept is True, n_folds=n_folds,
        seed=FOLD_SEED), features=features)


def cross_validate_sums(spec, sums, centre=None, features=None):
    """Cross-validate ``spec`` (a ``CVSpec``) from per-fold ``Sums`` (a row per fold) of
    the rows less ``centre``: each fold's path from the total minus its part, scored on
    its part; the final path on the total. Returns a ``CVResult``."""
    n_folds = sums.n.shape[0]
    p = sums.xtx.shape[1]
    fit = spec.fit
    l1_ratios = spec.checked_l1_ratios()
    alpha_rule = spec.checked_alpha_rule()
    factor, lower, upper = fit.penalty_arrays(p)
    tol, max_iter = fit.checked_tol(), fit.checked_max_iter()
    if np.any(sums.n == 0):
        raise ValueError(f"cv={n_folds} folds but X has only {int(sums.n.sum())} rows")
    full = sums_problem(sums.total(), fit.fit_intercept, centre)
    if any(r > 0 for r in l1_ratios):
        _no_unpenalized(full, factor)
    grids = np.array([np.sort(resolve_alphas(spec.alphas, spec.eps, full, r,
                                             factor, lower, upper))[::-1]
                      for r in l1_ratios])

    def paths_of(problem):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a fold's miss is the whole path's to say
            return [compute_path(problem, grid, r, factor, lower, upper, tol=tol,
                                 max_iter=max_iter)
                    for r, grid in zip(l1_ratios, grids)]

    def fold_scores(k):
        paths = paths_of(sums_problem(sums.without(k), fit.fit_intercept, centre))
        return ([held_out_mse(sums.fold(k), p.coefs, p.intercepts, centre) for p in paths],
                support_bits([p.coefs for p in paths]))

    tasks = [delayed(fold_scores)(k) for k in range(n_folds)]
    tasks.append(delayed(lambda: [compute_path(full, grid, r, factor, lower, upper,
                                               tol=tol, max_iter=max_iter)
                                  for r, grid in zip(l1_ratios, grids)])())
    *fold_results, full_paths = Parallel(n_jobs=spec.n_jobs, prefer="threads")(tasks)
    total = sums.total()
    result = _cv.CVPaths(
        alphas=grids,
        test_scores=np.array([scores for scores, _ in fold_results]).transpose(1, 0, 2),
        train_scores=np.array([held_out_mse(total, p.coefs, p.intercepts, centre)
                               for p in full_paths]),
        paths=full_paths, fold_support=stack_support([b for _, b in fold_results]))
    return CVResult(result, l1_ratios, alpha_rule, _cv.get_scorer("mse"),
                    features or Features(p))


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
    X, y, sample_weight = known_rows(as_dask_matrix(X, known=False), y, sample_weight)
    X, l1_ratio, tol, max_iter, factor, lower, upper = _path_arguments(
        X, l1_ratio, tol, max_iter, penalty_factor, positive, lower_bounds, upper_bounds)
    sums, centre = _sums(X, y, sample_weight, fit_intercept is True)
    problem = sums_problem(sums, fit_intercept, centre)
    if l1_ratio > 0:
        _no_unpenalized(problem, factor)
    grid = resolve_alphas(alphas, eps, problem, l1_ratio, factor, lower, upper)
    return compute_path(problem, grid, l1_ratio, factor, lower, upper, tol=tol,
                        max_iter=max_iter)
