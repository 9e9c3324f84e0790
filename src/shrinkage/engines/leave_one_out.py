"""RidgeCV's exact leave-one-out, in memory: every alpha's errors from one
eigendecomposition, no refit (the residual of sample ``i`` divided by ``1 - H_ii``)."""

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot

from .. import model_selection as ms
from ..losses import SQUARED
from ..path import Path, resolve_alphas
from ..penalties import ElasticNetPenalty
from ..solvers.cd import duality_gap, make_problem
from ..solvers.ridge import ridge_loo_path
from ..specs import CVResult


def leave_one_out(spec, X, y, sw, features):
    """The ``CVResult`` of a ridge ``CVSpec`` with ``cv=None`` on validated data; the
    gap is certified for the chosen alpha only (``CVResult.certify``)."""
    fit = spec.fit
    alpha_rule = spec.checked_alpha_rule()
    factor, _, _ = fit.penalty_arrays(X.shape[1])
    if not np.all(factor == 1.0):
        raise ValueError("penalty_factor needs k-fold cross-validation: leave-one-out "
                         "(cv=None) supports equal factors only; give cv=5, say")
    constant = y[0] if np.ptp(y) == 0 else None
    problem = make_problem(X, y, SQUARED, sw, fit.fit_intercept)
    n, p = X.shape
    bounds = np.ones(p), np.full(p, -np.inf), np.full(p, np.inf)
    grid = resolve_alphas(spec.alphas, spec.eps, problem, 0.0, *bounds)
    grid = np.sort(grid)[::-1]
    errors, coefs, intercepts = ridge_loo_path(problem.design.matrix, y, grid, sw,
                                               fit.fit_intercept)
    intercepts = problem.user_intercept(intercepts, coefs)
    # errors: (n, n_alphas) weighted squared leave-one-out errors s_i e_i^2
    residual = y[:, None] - safe_sparse_dot(X, coefs.T) - intercepts
    weights = np.ones(n) if sw is None else sw
    path = Path(alphas=grid, coefs=coefs, intercepts=intercepts,
                gaps=np.full(len(grid), np.nan), n_iter=np.zeros(len(grid), dtype=int),
                n_nonzero=np.count_nonzero(coefs, axis=1), l1_ratio=0.0, loss=SQUARED.name)
    paths = ms.CVPaths(alphas=grid[None, :], test_scores=errors.T[None, :, :],
                       train_scores=(weights @ residual**2 / weights.sum())[None, :],
                       paths=[path])

    def certify(alpha, coef, intercept):
        penalty = ElasticNetPenalty.from_params(alpha, 0.0, *bounds)
        return duality_gap(problem, penalty, coef, intercept, tol=fit.tol)

    return CVResult(paths, [0.0], alpha_rule, ms.get_scorer("mse"), features, n_iter=1,
                    certify=certify, constant_target=constant,
                    mean=errors.mean(axis=0)[None, :],
                    se=(errors.std(axis=0, ddof=1) / np.sqrt(n))[None, :],
                    keeps_every_feature=True)
