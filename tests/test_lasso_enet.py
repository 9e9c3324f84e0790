"""Lasso and elastic net against scikit-learn, closed forms and the KKT conditions."""

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk

from shrinkage import ElasticNet, Lasso
from conftest import as_storage, make_regression_problem
from reference import kkt_violation, objective


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.1])
@pytest.mark.parametrize("alpha_frac", [0.3, 0.02])
def test_objective_no_worse_than_sklearn(storage, l1_ratio, alpha_frac):
    X, y = make_regression_problem(density=0.3 if storage == "sparse" else 1.0)
    X = as_storage(X, storage)
    n = X.shape[0]
    Xc = X.toarray() if sp.issparse(X) else X
    alpha_max = np.max(np.abs((Xc - Xc.mean(0)).T @ (y - y.mean()))) / (n * l1_ratio)
    alpha = alpha_frac * alpha_max
    ours = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-10, max_iter=100_000).fit(X, y)
    ref = sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=1_000_000)
    ref.fit(X, y)
    p_ours = objective(X, y, ours.coef_, ours.intercept_, alpha, l1_ratio)
    p_ref = objective(X, y, ref.coef_, ref.intercept_, alpha, l1_ratio)
    assert p_ours <= p_ref + 1e-9 * abs(p_ref)
    assert ours.dual_gap_ <= 1e-10
    assert kkt_violation(X, y, ours.coef_, ours.intercept_, alpha, l1_ratio) < 1e-5


def test_orthonormal_design_closed_forms():
    rng = np.random.default_rng(3)
    n, p = 50, 8
    Q, _ = np.linalg.qr(rng.standard_normal((n, p)))
    X = Q * np.sqrt(n)  # X'X / n = I
    y = rng.standard_normal(n) * 3
    z = X.T @ y / n
    alpha = 0.4
    lasso = Lasso(alpha=alpha, fit_intercept=False, tol=1e-12).fit(X, y)
    soft = np.sign(z) * np.maximum(np.abs(z) - alpha, 0)
    np.testing.assert_allclose(lasso.coef_, soft, atol=1e-9)
    enet = ElasticNet(alpha=alpha, l1_ratio=0.3, fit_intercept=False, tol=1e-12).fit(X, y)
    expected = np.sign(z) * np.maximum(np.abs(z) - 0.3 * alpha, 0) / (1 + 0.7 * alpha)
    np.testing.assert_allclose(enet.coef_, expected, atol=1e-9)
    assert np.sum(soft == 0) > 0  # the threshold really bites on this draw


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_dense_and_sparse_agree(l1_ratio):
    X, y = make_regression_problem(density=0.3, seed=5)
    kw = dict(alpha=0.05, l1_ratio=l1_ratio, tol=1e-12, max_iter=100_000)
    dense = ElasticNet(**kw).fit(X, y)
    csc = ElasticNet(**kw).fit(sp.csc_matrix(X), y)
    csr = ElasticNet(**kw).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(dense.coef_, csc.coef_, atol=1e-8)
    np.testing.assert_allclose(dense.coef_, csr.coef_, atol=1e-8)
    assert abs(dense.intercept_ - csc.intercept_) < 1e-8


def test_integer_sample_weights_equal_repeated_rows(storage):
    X, y = make_regression_problem(n=40, p=30, seed=7)
    rng = np.random.default_rng(0)
    weights = rng.integers(0, 4, size=len(y))
    X_rep, y_rep = np.repeat(X, weights, axis=0), np.repeat(y, weights)
    kw = dict(alpha=0.05, l1_ratio=0.7, tol=1e-12, max_iter=100_000)
    weighted = ElasticNet(**kw).fit(as_storage(X, storage), y, sample_weight=weights)
    repeated = ElasticNet(**kw).fit(as_storage(X_rep, storage), y_rep)
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-8)
    assert abs(weighted.intercept_ - repeated.intercept_) < 1e-8


def test_zero_penalty_factor_leaves_feature_unpenalized(storage):
    X, y = make_regression_problem(n=60, p=20, seed=2)
    X = as_storage(X, storage)
    factor = np.ones(20)
    factor[[3, 11]] = 0.0
    # so large an alpha zeroes every penalized coefficient
    est = Lasso(alpha=1e3, penalty_factor=factor, tol=1e-12).fit(X, y)
    assert np.all(est.coef_[factor > 0] == 0)
    # the unpenalized pair is then the least-squares fit of y on those two columns
    Xd = X.toarray() if sp.issparse(X) else X
    ols = sk.LinearRegression().fit(Xd[:, [3, 11]], y)
    np.testing.assert_allclose(est.coef_[[3, 11]], ols.coef_, atol=1e-8)
    assert abs(est.intercept_ - ols.intercept_) < 1e-7
    assert est.dual_gap_ <= 1e-12


def test_penalty_factor_kkt():
    X, y = make_regression_problem(n=60, p=40, seed=4)
    factor = np.random.default_rng(1).uniform(0, 3, 40)
    factor[:3] = 0
    est = ElasticNet(alpha=0.1, l1_ratio=0.8, penalty_factor=factor, tol=1e-12).fit(X, y)
    assert kkt_violation(X, y, est.coef_, est.intercept_, 0.1, 0.8,
                         penalty_factor=factor) < 1e-6


def test_positive_matches_sklearn(storage):
    X, y = make_regression_problem(n=60, p=50, seed=8)
    X = as_storage(X, storage)
    ours = Lasso(alpha=0.02, positive=True, tol=1e-12, max_iter=100_000).fit(X, y)
    ref = sk.Lasso(alpha=0.02, positive=True, tol=1e-12, max_iter=1_000_000).fit(X, y)
    assert np.all(ours.coef_ >= 0)
    assert np.any(ours.coef_ > 0)
    p_ours = objective(X, y, ours.coef_, ours.intercept_, 0.02, 1.0)
    p_ref = objective(X, y, ref.coef_, ref.intercept_, 0.02, 1.0)
    assert p_ours <= p_ref + 1e-9 * abs(p_ref)


def test_box_bounds_hold_and_kkt():
    X, y = make_regression_problem(n=60, p=30, seed=9)
    lower, upper = -0.2, 0.5
    est = ElasticNet(alpha=0.01, l1_ratio=0.9, lower_bounds=lower, upper_bounds=upper,
                     tol=1e-12, max_iter=100_000).fit(X, y)
    assert np.all(est.coef_ >= lower) and np.all(est.coef_ <= upper)
    assert np.any(est.coef_ == upper) and np.any(est.coef_ == lower)  # bounds are active
    assert kkt_violation(X, y, est.coef_, est.intercept_, 0.01, 0.9,
                         lower=np.full(30, lower), upper=np.full(30, upper)) < 1e-6


def test_no_intercept_matches_sklearn():
    X, y = make_regression_problem(n=50, p=30, seed=10)
    ours = Lasso(alpha=0.1, fit_intercept=False, tol=1e-12).fit(X, y)
    ref = sk.Lasso(alpha=0.1, fit_intercept=False, tol=1e-12, max_iter=10**6).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    assert ours.intercept_ == 0.0


def test_constant_target_and_zero_column_are_fitted():
    X, _ = make_regression_problem(n=30, p=10, seed=11)
    X[:, 4] = 0.0
    est = Lasso(alpha=0.1).fit(X, np.full(30, 2.5))
    assert np.all(est.coef_ == 0) and est.intercept_ == pytest.approx(2.5)
    _, y = make_regression_problem(n=30, p=10, seed=11)
    est = Lasso(alpha=0.01).fit(X, y)
    assert est.coef_[4] == 0.0


def test_warm_start_reuses_solution():
    X, y = make_regression_problem(seed=12)
    est = Lasso(alpha=0.05, warm_start=True, tol=1e-8, max_iter=10_000).fit(X, y)
    first = est.n_iter_
    est.fit(X, y)
    assert est.n_iter_ < first  # started at the optimum: nothing left to do


def test_convergence_warning_states_gap():
    X, y = make_regression_problem(seed=13)
    with pytest.warns(Warning, match="relative duality gap"):
        Lasso(alpha=1e-4, tol=1e-14, max_iter=2).fit(X, y)


def test_inputs_not_modified(storage):
    X, y = make_regression_problem(seed=14)
    X = as_storage(X, storage)
    X_copy, y_copy = X.copy(), y.copy()
    sw = np.ones(len(y))
    Lasso(alpha=0.05).fit(X, y, sample_weight=sw)
    if sp.issparse(X):
        assert (X != X_copy).nnz == 0
    else:
        np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)
    np.testing.assert_array_equal(sw, np.ones(len(y)))


def test_fortran_input_not_copied():
    from shrinkage.solvers._design import make_design

    X = np.asfortranarray(make_regression_problem()[0])
    assert make_design(X).dense is X
    Xs = sp.csc_matrix(X)
    assert np.shares_memory(make_design(Xs).data, Xs.data)
