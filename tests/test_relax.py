"""The relaxed lasso: the support's unpenalized refit (against scikit-learn), the blend,
and the relaxed cross-validation."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LinearRegression
from sklearn.linear_model import LogisticRegression as SkLogistic

from shrinkage import regularization_path
from shrinkage.losses import get_loss
from shrinkage.relax import (
    blend, check_gammas, choose_relaxed, refit_path, refit_support)


def _regression(n=40, p=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) + 3.0  # far from zero: the intercept matters
    y = X[:, 0] * 2.0 - X[:, 1] + rng.normal(size=n)
    return X, y


def _classes(n=60, p=6, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = (X[:, 0] - 0.5 * X[:, 1] + rng.normal(size=n) > 0).astype(int)
    return X, y


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_squared_refit_is_least_squares_on_the_support(weighted, fit_intercept):
    X, y = _regression()
    sw = np.random.default_rng(3).uniform(0.5, 2.0, len(y)) if weighted else None
    support = np.array([0, 2, 5])
    coef, intercept, separated = refit_support(X, y, sw, support, loss=get_loss("squared"),
                                               fit_intercept=fit_intercept)
    ref = LinearRegression(fit_intercept=fit_intercept).fit(X[:, support], y,
                                                           sample_weight=sw)
    np.testing.assert_allclose(coef[support], ref.coef_, rtol=0, atol=1e-8)
    assert not separated and np.all(np.delete(coef, support) == 0)
    assert intercept == pytest.approx(ref.intercept_, abs=1e-8)


def test_squared_refit_is_minimum_norm_on_a_rank_deficient_support():
    X, y = _regression()
    X = np.column_stack([X, X[:, 0]])  # column 8 repeats column 0
    support = np.array([0, 1, 8])
    coef, intercept, _ = refit_support(sp.csc_matrix(X), y, None, support,
                                       loss=get_loss("squared"), fit_intercept=True)
    ref = LinearRegression().fit(X[:, support], y)
    np.testing.assert_allclose(coef[support], ref.coef_, atol=1e-8)
    # the minimum-norm solution splits the repeated column's weight equally
    assert coef[0] == pytest.approx(coef[8], abs=1e-10)
    assert intercept == pytest.approx(ref.intercept_, abs=1e-8)


def test_squared_refit_of_the_empty_support_is_the_mean():
    X, y = _regression()
    coef, intercept, _ = refit_support(X, y, None, np.array([], dtype=int),
                                       loss=get_loss("squared"), fit_intercept=True)
    assert not coef.any() and intercept == pytest.approx(y.mean(), abs=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_logistic_refit_is_the_unpenalized_fit_on_the_support(weighted):
    X, y = _classes()
    sw = np.random.default_rng(4).uniform(0.5, 2.0, len(y)) if weighted else None
    support = np.array([0, 1, 3])
    labels = np.where(y == 1, 1.0, -1.0)
    coef, intercept, separated = refit_support(X, labels, sw, support,
                                               loss=get_loss("logistic"),
                                               fit_intercept=True)
    ref = SkLogistic(C=np.inf, tol=1e-12, max_iter=10_000).fit(
        X[:, support], y, sample_weight=sw)
    np.testing.assert_allclose(coef[support], ref.coef_[0], atol=1e-8)
    assert intercept == pytest.approx(ref.intercept_[0], abs=1e-8)
    assert not separated


def test_logistic_refit_on_separable_classes_keeps_the_lasso():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(30, 3))
    y = np.where(X[:, 0] > 0, 1, 0)  # column 0 separates the classes
    labels = np.where(y == 1, 1.0, -1.0)
    path = regularization_path(X, y, loss="logistic", alphas=8)
    refits = refit_path(path, X, labels, None, loss=get_loss("logistic"),
                        fit_intercept=True)
    on_zero = np.array([path.coefs[k, 0] != 0 for k in range(8)])
    assert np.array_equal(refits.separated, on_zero) and on_zero.any()
    np.testing.assert_array_equal(refits.coefs[on_zero], path.coefs[on_zero])
    np.testing.assert_array_equal(refits.intercepts[on_zero], path.intercepts[on_zero])


def test_refit_path_refits_each_alpha_on_its_own_support():
    X, y = _regression()
    path = regularization_path(X, y, alphas=10)
    refits = refit_path(path, X, y, None, loss=get_loss("squared"), fit_intercept=True)
    for coef, refit, intercept in zip(path.coefs, refits.coefs, refits.intercepts):
        support = np.flatnonzero(coef)
        assert np.array_equal(np.flatnonzero(refit), support)
        if support.size:
            ref = LinearRegression().fit(X[:, support], y)
            np.testing.assert_allclose(refit[support], ref.coef_, atol=1e-8)
            assert intercept == pytest.approx(ref.intercept_, abs=1e-8)


def test_blend_at_gamma_one_is_the_lasso_bit_for_bit():
    lasso, refit = np.array([0.1, 0.2, 1 / 3]), np.array([7.0, -3.0, 1e10])
    out = blend([0.0, 0.5, 1.0], lasso, refit)
    assert np.array_equal(out[2], lasso) and np.array_equal(out[0], refit)
    np.testing.assert_allclose(out[1], (lasso + refit) / 2)


@pytest.mark.parametrize("bad", [[], [0.5, 1.5], [-0.1], "x", [True]])
def test_check_gammas_names_the_option(bad):
    with pytest.raises(ValueError, match="gammas"):
        check_gammas(bad)


def test_choose_relaxed_min_and_1se_by_hand():
    alphas = np.array([[4.0, 2.0, 1.0]])
    gammas = np.array([0.0, 0.5, 1.0])
    mean = np.array([[[5.0, 1.0, 3.0],     # gamma 0: the best at alpha 2
                      [5.0, 1.5, 3.0],     # gamma 0.5: within 1 SE at alpha 2
                      [1.9, 4.0, 4.0]]])   # gamma 1: within 1 SE at alpha 4 (largest)
    se = np.full_like(mean, 1.0)
    ratio, best, simplest = choose_relaxed(mean, se, alphas, gammas)
    assert (ratio, best, simplest) == (0, (0, 1), (2, 0))
    se = np.full_like(mean, 0.6)  # gamma 1 at alpha 4 now out: alpha 2, largest gamma
    assert choose_relaxed(mean, se, alphas, gammas)[2] == (1, 1)
    assert choose_relaxed(-mean, se, alphas, gammas, greater_is_better=True)[1] == (0, 1)


# -- the relaxed cross-validation ---------------------------------------------------------

from sklearn.model_selection import KFold  # noqa: E402

from shrinkage import ElasticNetCV, LassoCV  # noqa: E402

GRID = np.geomspace(3.0, 0.01, 8)


def _cv_data():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(48, 10))
    y = X[:, 0] * 3.0 - 2.0 * X[:, 1] + X[:, 2] + rng.normal(size=48)
    return X, y


@pytest.mark.parametrize("alpha_rule", ["min", "1se"])
def test_gamma_one_is_exactly_the_lasso_curve_and_choice(alpha_rule):
    X, y = _cv_data()
    lasso = LassoCV(alphas=GRID, cv=3, alpha_rule=alpha_rule).fit(X, y)
    relaxed = LassoCV(alphas=GRID, cv=3, alpha_rule=alpha_rule, relax=True).fit(X, y)
    assert relaxed.gammas_[-1] == 1.0
    np.testing.assert_array_equal(relaxed.relaxed_cv_mean_[:, -1], lasso.cv_mean_)
    np.testing.assert_array_equal(relaxed.cv_mean_, lasso.cv_mean_)
    only_lasso = LassoCV(alphas=GRID, cv=3, alpha_rule=alpha_rule, relax=True,
                         gammas=[1.0]).fit(X, y)
    assert (only_lasso.alpha_, only_lasso.gamma_) == (lasso.alpha_, 1.0)
    np.testing.assert_array_equal(only_lasso.coef_, lasso.coef_)


def test_relaxed_cv_scores_against_folds_refitted_by_hand():
    X, y = _cv_data()
    folds = list(KFold(3).split(X))
    model = LassoCV(alphas=GRID, cv=folds, relax=True, tol=1e-12,
                    max_iter=100_000).fit(X, y)
    expected = np.zeros((len(folds), 5, len(GRID)))
    for f, (train, test) in enumerate(folds):
        path = regularization_path(X[train], y[train], alphas=GRID, tol=1e-12,
                                   max_iter=100_000)
        for k, coef in enumerate(path.coefs):
            support = np.flatnonzero(coef)
            z_lasso = X[test] @ coef + path.intercepts[k]
            z_refit = np.full(len(test), y[train].mean()) if support.size == 0 else \
                LinearRegression().fit(X[train][:, support], y[train]).predict(
                    X[test][:, support])
            for g, gamma in enumerate(model.gammas_):
                z = gamma * z_lasso + (1 - gamma) * z_refit
                expected[f, g, k] = np.mean((y[test] - z) ** 2)
    np.testing.assert_allclose(model.relaxed_cv_mean_[0], expected.mean(axis=0), rtol=1e-7)
    se = expected.std(axis=0, ddof=1) / np.sqrt(len(folds))
    np.testing.assert_allclose(model.relaxed_cv_se_[0], se, rtol=1e-6)
    # the chosen model: the blend on all rows, its refit by scikit-learn
    k = int(np.flatnonzero(GRID == model.alpha_)[0])
    support = np.flatnonzero(model.coef_path_[0, k])
    ref = LinearRegression().fit(X[:, support], y)
    gamma = model.gamma_
    np.testing.assert_allclose(
        model.coef_[support], gamma * model.coef_path_[0, k, support]
        + (1 - gamma) * ref.coef_, atol=1e-8)
    assert model.intercept_ == pytest.approx(
        gamma * model.intercept_path_[0, k] + (1 - gamma) * ref.intercept_, abs=1e-8)
    best = np.unravel_index(np.argmin(expected.mean(axis=0)), expected.shape[1:])
    assert (model.gamma_, model.alpha_) == (model.gammas_[best[0]], GRID[best[1]])


def test_relaxed_1se_is_within_one_se_and_no_more_complex_than_the_best():
    X, y = _cv_data()
    model = ElasticNetCV(l1_ratio=[0.5, 1.0], alphas=8, cv=3, relax=True,
                         alpha_rule="1se").fit(X, y)
    ratio = model.l1_ratios_.index(model.l1_ratio_)
    mean, se = model.relaxed_cv_mean_[ratio], model.relaxed_cv_se_[ratio]
    g_min = list(model.gammas_).index(model.gamma_min_)
    i_min = list(model.alphas_[ratio]).index(model.alpha_min_)
    g, i = list(model.gammas_).index(model.gamma_), list(model.alphas_[ratio]).index(
        model.alpha_)
    assert mean[g, i] <= mean[g_min, i_min] + se[g_min, i_min]
    assert model.alpha_ >= model.alpha_min_
    assert np.all(mean[:, :i] > mean[g_min, i_min] + se[g_min, i_min])  # no larger alpha
    assert (model.gamma_, model.alpha_) == (model.gamma_1se_, model.alpha_1se_)
    assert mean[g_min, i_min] == mean.min()
    assert model.relaxed_cv_mean_.shape == (2, 5, 8)
    assert model.refit_coef_path_.shape == (2, 8, X.shape[1])


def test_relax_refuses_bounds_and_bad_options_with_their_names():
    X, y = _cv_data()
    with pytest.raises(ValueError, match="relax=True refits each support without penalty "
                                         "and without bounds"):
        LassoCV(alphas=5, cv=2, relax=True, positive=True).fit(X, y)
    with pytest.raises(TypeError, match="relax must be True or False, got 'yes'"):
        LassoCV(alphas=5, cv=2, relax="yes").fit(X, y)
    with pytest.raises(ValueError, match=r"gammas must lie in \[0, 1\]"):
        LassoCV(alphas=5, cv=2, relax=True, gammas=[0.5, 2]).fit(X, y)


def test_relax_on_dask_data_is_refused_by_the_engine():
    da = pytest.importorskip("dask.array")
    X, y = _cv_data()
    with pytest.raises(ValueError, match="relax=True is not available on dask data yet"):
        LassoCV(alphas=5, cv=2, relax=True).fit(da.from_array(X, chunks=24),
                                                da.from_array(y, chunks=24))


def test_logistic_relaxed_cv_gamma_one_and_refits_against_sklearn():
    from shrinkage import LogisticRegressionCV

    X, y = _classes(n=80)
    grid = np.geomspace(0.2, 0.01, 6)
    lasso = LogisticRegressionCV(alphas=grid, cv=3).fit(X, y)
    relaxed = LogisticRegressionCV(alphas=grid, cv=3, relax=True).fit(X, y)
    np.testing.assert_array_equal(relaxed.relaxed_cv_mean_[:, -1], lasso.cv_mean_)
    assert relaxed.coef_.shape == (1, X.shape[1]) and relaxed.intercept_.shape == (1,)
    for k in range(len(grid)):
        support = np.flatnonzero(relaxed.coef_path_[0, k])
        if support.size:
            ref = SkLogistic(C=np.inf, tol=1e-12, max_iter=10_000).fit(X[:, support], y)
            np.testing.assert_allclose(relaxed.refit_coef_path_[0, k, support],
                                       ref.coef_[0], atol=1e-8)
    decision = relaxed.decision_function(X)
    k = int(np.flatnonzero(grid == relaxed.alpha_)[0])
    gamma = relaxed.gamma_
    blended = (gamma * relaxed.coef_path_[0, k]
               + (1 - gamma) * relaxed.refit_coef_path_[0, k])
    np.testing.assert_allclose(decision, X @ blended + gamma * relaxed.intercept_path_[0, k]
                               + (1 - gamma) * relaxed.refit_intercept_path_[0, k],
                               atol=1e-10)


def test_relax_refuses_more_than_two_classes():
    from shrinkage import LogisticRegressionCV

    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(45, 4)), np.repeat([0, 1, 2], 15)
    with pytest.raises(ValueError, match="relax is offered for one coefficient per "):
        LogisticRegressionCV(alphas=4, cv=3, relax=True).fit(X, y)


@pytest.mark.parametrize("weighted", [False, True])
def test_path_refit_of_a_rank_deficient_support_is_minimum_norm(weighted):
    from shrinkage.path import Path

    X, y = _regression()
    X = np.column_stack([X, X[:, 0] + X[:, 1]])  # column 8 = column 0 + column 1
    sw = np.random.default_rng(6).uniform(0.5, 2.0, len(y)) if weighted else None
    coefs = np.zeros((3, 9))
    coefs[0, [0, 3]] = 1.0
    coefs[1, [0, 1, 3]] = 1.0
    coefs[2, [0, 1, 3, 8]] = 1.0  # singular on its support: least squares on the rows
    path = Path(alphas=np.array([3.0, 2.0, 1.0]), coefs=coefs, intercepts=np.zeros(3),
                gaps=np.zeros(3), n_iter=np.zeros(3, dtype=int), n_nonzero=np.zeros(3),
                l1_ratio=1.0, loss="squared")
    refits = refit_path(path, X, y, sw, loss=get_loss("squared"), fit_intercept=True)
    for k in range(3):
        support = np.flatnonzero(coefs[k])
        ref = LinearRegression().fit(X[:, support], y, sample_weight=sw)
        np.testing.assert_allclose(refits.coefs[k, support], ref.coef_, atol=1e-8)
        assert refits.intercepts[k] == pytest.approx(ref.intercept_, abs=1e-8)
    assert np.linalg.norm(refits.coefs[2]) < np.linalg.norm(refits.coefs[1])


@pytest.mark.parametrize("polish", [True, False])
def test_logistic_refit_path_each_support_against_sklearn(polish):
    """Along a path (each refit started from the previous support's, separability settled
    by one linear program on the union of the supports) every refit is scikit-learn's
    unpenalized fit on its support: to 1e-8 polished, 1e-5 when only scored."""
    X, y = _classes(n=200, p=8, seed=4)
    labels = np.where(y == 1, 1.0, -1.0)
    path = regularization_path(X, y, loss="logistic", alphas=15)
    refits = refit_path(path, X, labels, None, loss=get_loss("logistic"),
                        fit_intercept=True, polish=polish)
    assert not refits.separated.any()
    atol = 1e-8 if polish else 1e-5
    checked = 0
    for coef, refit, intercept in zip(path.coefs, refits.coefs, refits.intercepts):
        support = np.flatnonzero(coef)
        if not support.size:
            continue
        ref = SkLogistic(C=np.inf, tol=1e-12, max_iter=10_000).fit(X[:, support], y)
        np.testing.assert_allclose(refit[support], ref.coef_[0], atol=atol)
        assert intercept == pytest.approx(ref.intercept_[0], abs=atol)
        checked += 1
    assert checked >= 5


def _glm_refit_reference(X, y, support, value_and_gradient):
    """The unpenalized fit on ``support`` (with intercept) by scipy's BFGS."""
    from scipy.optimize import minimize

    A = np.c_[X[:, support], np.ones(len(y))]

    def fun(theta):
        value, grad_z = value_and_gradient(A @ theta)
        return value, A.T @ grad_z

    return minimize(fun, np.zeros(A.shape[1]), jac=True, method="BFGS",
                    options={"gtol": 1e-10, "maxiter": 10_000}).x


def test_poisson_relaxed_cv_refits_with_the_offset():
    from shrinkage import PoissonRegressorCV

    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 6))
    offset = rng.uniform(-0.5, 0.5, 300)
    y = rng.poisson(np.exp(0.4 * X[:, 0] - 0.3 * X[:, 1] + 1.0 + offset))
    model = PoissonRegressorCV(l1_ratio=1.0, alphas=12, relax=True).fit(X, y,
                                                                         offset=offset)
    assert model.relaxed_cv_mean_.shape == (1, 5, 12)
    for k in (3, 8, 11):
        refit = model.refit_coef_path_[0, k]
        support = np.flatnonzero(model.coef_path_[0, k])
        assert np.array_equal(np.flatnonzero(refit), support)
        theta = _glm_refit_reference(X, y, support, lambda z: (
            np.sum(np.exp(z + offset) - y * (z + offset)), np.exp(z + offset) - y))
        np.testing.assert_allclose(refit[support], theta[:-1], atol=1e-6)
        assert model.refit_intercept_path_[0, k] == pytest.approx(theta[-1], abs=1e-6)
    np.testing.assert_array_equal(model.relaxed_cv_mean_[:, -1], model.cv_mean_)


def test_huber_relaxed_cv_refits_the_huber_loss_at_its_delta():
    from shrinkage import HuberRegressorCV

    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 6))
    y = 2.0 * X[:, 0] - X[:, 2] + rng.standard_normal(200)
    y[:10] += 30.0  # outliers: the refit must be Huber's, not least squares
    model = HuberRegressorCV(l1_ratio=1.0, alphas=10, relax=True).fit(X, y)
    delta = model.delta_

    def huber(z):
        r = y - z
        small = np.abs(r) <= delta
        value = np.where(small, 0.5 * r * r, delta * np.abs(r) - 0.5 * delta ** 2).sum()
        return value, -np.where(small, r, delta * np.sign(r))

    for k in (4, 9):
        refit = model.refit_coef_path_[0, k]
        support = np.flatnonzero(model.coef_path_[0, k])
        theta = _glm_refit_reference(X, y, support, huber)
        np.testing.assert_allclose(refit[support], theta[:-1], atol=1e-6)
        assert model.refit_intercept_path_[0, k] == pytest.approx(theta[-1], abs=1e-6)
