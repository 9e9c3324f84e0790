"""Ridge by closed forms against scikit-learn's Ridge(alpha * n)."""

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk

from shrinkage import Ridge, regularization_path
from conftest import as_storage, make_regression_problem
from reference import kkt_violation


@pytest.mark.parametrize("shape", [(80, 30), (30, 80)])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_equals_sklearn_ridge_times_n(storage, shape, fit_intercept):
    X, y = make_regression_problem(*shape, density=0.5 if storage == "sparse" else 1.0)
    X = as_storage(X, storage)
    n, alpha = shape[0], 0.3
    ours = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, y)
    ref = sk.Ridge(alpha=alpha * n, fit_intercept=fit_intercept, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-6, abs=1e-8)
    assert ours.dual_gap_ < 1e-8


def test_sample_weights_scale():
    X, y = make_regression_problem(60, 20)
    sw = np.random.default_rng(0).uniform(0.5, 2.0, 60)
    ours = Ridge(alpha=0.2).fit(X, y, sample_weight=sw)
    # sklearn's objective is sum s_i r_i^2 + a ||w||^2: a = alpha * sum(s)
    ref = sk.Ridge(alpha=0.2 * sw.sum()).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-10)


def test_orthonormal_design_divides_by_one_plus_alpha():
    rng = np.random.default_rng(1)
    Q, _ = np.linalg.qr(rng.standard_normal((40, 6)))
    X = Q * np.sqrt(40)
    y = rng.standard_normal(40)
    est = Ridge(alpha=0.7, fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(est.coef_, (X.T @ y / 40) / 1.7, atol=1e-12)


def test_penalty_factor_and_bounds():
    X, y = make_regression_problem(50, 10, seed=3)
    factor = np.linspace(0, 2, 10)  # the first feature is unpenalized
    est = Ridge(alpha=0.5, penalty_factor=factor).fit(X, y)
    assert kkt_violation(X, y, est.coef_, est.intercept_, 0.5, 0.0,
                         penalty_factor=factor) < 1e-8
    pos = Ridge(alpha=0.5, positive=True, tol=1e-12).fit(X, y)  # coordinate descent
    assert np.all(pos.coef_ >= 0)
    assert kkt_violation(X, y, pos.coef_, pos.intercept_, 0.5, 0.0,
                         lower=np.zeros(10)) < 1e-6


def test_ridge_path_matches_single_fits():
    X, y = make_regression_problem(40, 60, seed=4)
    alphas = [10.0, 1.0, 0.1]
    path = regularization_path(X, y, l1_ratio=0.0, alphas=alphas)
    for a, coef in zip(alphas, path.coefs):
        ref = sk.Ridge(alpha=a * 40).fit(X, y)
        np.testing.assert_allclose(coef, ref.coef_, rtol=1e-6, atol=1e-9)
    assert np.all(path.gaps < 1e-8)
    sparse_path = regularization_path(sp.csr_matrix(X), y, l1_ratio=0.0, alphas=alphas)
    np.testing.assert_allclose(sparse_path.coefs, path.coefs, rtol=1e-6, atol=1e-8)


def test_gram_ridge_path_at_alpha_zero_is_minimum_norm_least_squares():
    """Eigenvalues at rounding level are dropped: alpha = 0 on a rank-deficient Gram gives
    the pseudo-inverse solution, and alpha > 0 the regular one."""
    from shrinkage.solvers.ridge import gram_ridge_path

    rng = np.random.default_rng(4)
    X = rng.standard_normal((50, 8))
    X[:, 7] = X[:, 0] + X[:, 1]  # rank 7
    y = rng.standard_normal(50)
    gram, rhs = X.T @ X / 50, X.T @ y / 50
    coefs = gram_ridge_path(gram, rhs, [0.0, 0.5], np.ones(8))
    np.testing.assert_allclose(coefs[0], np.linalg.pinv(X) @ y, atol=1e-10)
    np.testing.assert_allclose(coefs[1], np.linalg.solve(gram + 0.5 * np.eye(8), rhs),
                               atol=1e-12)
