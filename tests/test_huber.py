"""Huber regression against scikit-learn's Lasso (delta -> infinity), skglm's Huber
datafit, a split-variable L-BFGS-B reference and the KKT conditions."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import ElasticNet as SklearnElasticNet

from shrinkage import HuberRegressor, regularization_path

from reference import kkt_violation, objective, reference_solution


def _outliers(n=200, p=10, seed=0, n_out=15):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    w[:3] = [2.0, -1.5, 1.0]
    y = X @ w + 0.5 * rng.standard_normal(n) + 3.0
    y[:n_out] += rng.choice([-1, 1], n_out) * 40.0
    return X, y


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_reaches_the_reference_objective_and_kkt(l1_ratio, weighted):
    X, y = _outliers()
    sw = np.random.default_rng(1).uniform(0.5, 2.0, y.size) if weighted else None
    alpha, delta = 0.05, 1.0
    model = HuberRegressor(alpha=alpha, l1_ratio=l1_ratio, delta=delta, tol=1e-10).fit(
        X, y, sample_weight=sw)
    ours = objective(X, y, model.coef_, model.intercept_, alpha, l1_ratio, "huber", sw,
                     delta=delta)
    ref = reference_solution(X, y, alpha, l1_ratio, "huber", sw, delta=delta)
    assert ours <= ref + 1e-9
    assert kkt_violation(X, y, model.coef_, model.intercept_, alpha, l1_ratio, "huber",
                         sw, delta=delta) < 1e-5


def test_a_large_delta_is_the_squared_loss():
    """No residual beyond delta: the Huber loss is least squares (scikit-learn's scale)."""
    X, y = _outliers(n_out=0)
    ours = HuberRegressor(alpha=0.1, l1_ratio=0.7, delta=1e6, tol=1e-12).fit(X, y)
    ref = SklearnElasticNet(alpha=0.1, l1_ratio=0.7, tol=1e-14, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-8)
    assert abs(ours.intercept_ - ref.intercept_) < 1e-8


def test_equals_skglm_huber_lasso():
    skglm = pytest.importorskip("skglm")
    from skglm.datafits import Huber
    from skglm.penalties import L1
    from skglm.solvers import AndersonCD

    X, y = _outliers()
    delta, alpha = 1.0, 0.05
    ref = skglm.GeneralizedLinearEstimator(
        Huber(delta), L1(alpha), AndersonCD(tol=1e-12, max_iter=10_000,
                                            fit_intercept=True)).fit(X, y)
    ours = HuberRegressor(alpha=alpha, l1_ratio=1.0, delta=delta, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    assert abs(ours.intercept_ - ref.intercept_) < 1e-6


def test_resists_outliers_that_move_least_squares():
    X, y = _outliers(n_out=20)
    huber = HuberRegressor(alpha=0.01, l1_ratio=1.0).fit(X, y)
    squared = SklearnElasticNet(alpha=0.01, l1_ratio=1.0).fit(X, y)
    truth = np.r_[2.0, -1.5, 1.0, np.zeros(7)]
    assert np.abs(huber.coef_ - truth).max() < 0.5 * np.abs(squared.coef_ - truth).max()


def _robust_delta(values):
    return 1.35 * 1.4826 * np.median(np.abs(values - np.median(values)))


def test_delta_none_is_1_35_robust_sds_of_y():
    X, y = _outliers()
    model = HuberRegressor(delta=None).fit(X, y)
    assert np.isclose(model.delta_, _robust_delta(y), rtol=0.02)
    assert HuberRegressor(delta=2.5).fit(X, y).delta_ == 2.5


def test_default_delta_is_1_35_robust_sds_of_a_pilot_fits_residuals():
    X, y = _outliers()
    pilot = HuberRegressor(alpha=0.05, delta=_robust_delta(y)).fit(X, y)
    model = HuberRegressor(alpha=0.05).fit(X, y)
    assert np.isclose(model.delta_, _robust_delta(y - pilot.predict(X)), rtol=0.02)
    # the noise's scale (0.5), not y's, which holds the signal too
    assert model.delta_ < 0.5 * _robust_delta(y)
    assert 0.4 < model.delta_ < 1.2


def test_default_delta_of_a_mostly_constant_target_uses_the_sd():
    X, y = _outliers()
    y = np.where(np.arange(y.size) < 150, 1.0, y)
    assert np.isclose(HuberRegressor(delta=None).fit(X, y).delta_, 1.35 * y.std(),
                      rtol=1e-10)


def test_alpha_max_is_exact_and_screening_is_safe():
    X, y = _outliers(p=40)
    path = regularization_path(X, y, loss="huber", delta=1.0, alphas=30, tol=1e-10)
    assert not np.any(path.coefs[0]) and np.any(path.coefs[1])
    unscreened = regularization_path(X, y, loss="huber", delta=1.0, alphas=path.alphas,
                                     tol=1e-10, screening=False)
    np.testing.assert_allclose(path.coefs, unscreened.coefs, atol=1e-7)
    for a, c, b in zip(path.alphas[::6], path.coefs[::6], path.intercepts[::6]):
        assert kkt_violation(X, y, c, b, a, 1.0, "huber", delta=1.0) < 1e-5


def test_unpenalized_reaches_the_reference():
    X, y = _outliers()
    model = HuberRegressor(alpha=0.0, delta=1.0, tol=1e-12).fit(X, y)
    ours = objective(X, y, model.coef_, model.intercept_, 0.0, 1.0, "huber", delta=1.0)
    assert ours <= reference_solution(X, y, 0.0, 1.0, "huber", delta=1.0) + 1e-10


def test_dense_equals_sparse_and_weights_equal_repeats():
    X, y = _outliers(n=90)
    X[np.abs(X) < 0.7] = 0.0
    dense = HuberRegressor(alpha=0.02, delta=1.0, tol=1e-12).fit(X, y)
    sparse = HuberRegressor(alpha=0.02, delta=1.0, tol=1e-12).fit(sp.csc_matrix(X), y)
    np.testing.assert_allclose(dense.coef_, sparse.coef_, atol=1e-9)
    reps = np.random.default_rng(4).integers(0, 4, y.size)
    weighted = HuberRegressor(alpha=0.02, delta=1.0, tol=1e-12).fit(X, y, reps)
    repeated = HuberRegressor(alpha=0.02, delta=1.0, tol=1e-12).fit(
        np.repeat(X, reps, axis=0), np.repeat(y, reps))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-8)


def test_bad_delta_is_a_clear_error():
    X, y = _outliers()
    with pytest.raises(ValueError, match="delta must be > 0"):
        HuberRegressor(delta=0.0).fit(X, y)
    with pytest.raises(ValueError, match="delta must be a float > 0, None or 'residuals'"):
        HuberRegressor(delta="1").fit(X, y)
    with pytest.raises(TypeError, match="delta must be a real number"):
        HuberRegressor(delta=[1.0]).fit(X, y)
    with pytest.raises(ValueError, match="delta is for loss='huber'"):
        regularization_path(X, y, delta=1.0)


def test_constant_column_one_feature_and_no_intercept():
    X, y = _outliers()
    X[:, 4] = -2.0
    model = HuberRegressor(alpha=0.05, delta=1.0, tol=1e-12).fit(X, y)
    assert model.coef_[4] == 0.0
    alpha = 0.05
    bare = HuberRegressor(alpha=alpha, l1_ratio=1.0, delta=1.0, fit_intercept=False,
                          tol=1e-10).fit(X[:, :1], y)
    ours = objective(X[:, :1], y, bare.coef_, 0.0, alpha, 1.0, "huber", delta=1.0)
    assert ours <= reference_solution(X[:, :1], y, alpha, 1.0, "huber", delta=1.0,
                                      fit_intercept=False) + 1e-10


def test_cv_default_grid_reaches_the_best_alpha():
    from shrinkage import HuberRegressorCV

    X, y = _outliers(n=300, p=30)
    model = HuberRegressorCV(l1_ratio=1.0).fit(X, y)
    assert model.alpha_at_edge_ is None
    assert 0 < model.alpha_min_ < model.alphas_[0, 0]
