"""The multi-task lasso and elastic net: scikit-learn's MultiTask* on their scale, the
KKT conditions written out, the gap's bound, CV on the same folds, bad input."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sk
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold

from shrinkage import (ElasticNet, Lasso, MultiTaskElasticNet, MultiTaskElasticNetCV,
                       MultiTaskLasso, MultiTaskLassoCV, regularization_path)


def make_tasks(n=40, p=25, T=3, seed=0):
    """Correlated columns away from zero, five features shared by every output."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[:, 1:] += 0.5 * X[:, :-1]
    X += 2.0 * rng.random(p)
    W = np.zeros((p, T))
    W[:5] = rng.standard_normal((5, T)) * 2
    Y = X @ W + rng.standard_normal((n, T)) + np.arange(T)
    return X, Y


def sklearn_fit(alpha, l1_ratio, fit_intercept, X, Y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return sk.MultiTaskElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-15,
                                      max_iter=200_000, fit_intercept=fit_intercept).fit(X, Y)


def alpha_max_closed_form(X, Y, l1_ratio, fit_intercept=True):
    """``max_j ||X_j'(Y - Ybar)||_2 / (n l1_ratio)``."""
    Yc = Y - Y.mean(axis=0) if fit_intercept else Y
    return np.linalg.norm(X.T @ Yc, axis=1).max() / (X.shape[0] * l1_ratio)


def objective(X, Y, coef, intercept, alpha, l1_ratio):
    """scikit-learn's objective written out."""
    R = Y - X @ coef.T - intercept
    rows = np.linalg.norm(coef, axis=0)
    return (0.5 * np.sum(R ** 2) / X.shape[0] + alpha * l1_ratio * rows.sum()
            + 0.5 * alpha * (1 - l1_ratio) * np.sum(coef ** 2))


def kkt_violation(X, Y, coef, intercept, alpha, l1_ratio):
    """The largest violation of: U_j = l1 W_j/|W_j| + l2 W_j (W_j != 0), |U_j| <= l1
    (W_j = 0), U = X'R/n, and the residuals' column sums zero (the intercepts)."""
    R = Y - X @ coef.T - intercept
    U = X.T @ R / X.shape[0]
    l1, l2 = alpha * l1_ratio, alpha * (1 - l1_ratio)
    worst = np.abs(R.mean(axis=0)).max()
    for j, w in enumerate(coef.T):
        norm = np.linalg.norm(w)
        if norm == 0:
            worst = max(worst, np.linalg.norm(U[j]) - l1)
        else:
            worst = max(worst, np.linalg.norm(U[j] - l1 * w / norm - l2 * w))
    return worst


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.7, 0.2])
def test_equals_scikit_learn(fit_intercept, l1_ratio):
    X, Y = make_tasks()
    top = alpha_max_closed_form(X, Y, l1_ratio, fit_intercept)
    for alpha in (0.5 * top, 0.1 * top, 0.01 * top):
        ours = MultiTaskElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-14,
                                   max_iter=100_000, fit_intercept=fit_intercept).fit(X, Y)
        theirs = sklearn_fit(alpha, l1_ratio, fit_intercept, X, Y)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-6)
        np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-6)
        assert ours.coef_.shape == (3, 25) and ours.intercept_.shape == (3,)
        # the same rows in or out for every output
        assert np.all((ours.coef_ != 0).any(axis=0) == (ours.coef_ != 0).all(axis=0))


def test_multitask_lasso_is_l1_ratio_one():
    X, Y = make_tasks(seed=1)
    ours = MultiTaskLasso(alpha=0.3, tol=1e-14, max_iter=100_000).fit(X, Y)
    theirs = sk.MultiTaskLasso(alpha=0.3, tol=1e-15, max_iter=200_000).fit(X, Y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-8)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), atol=1e-8)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_one_task_equals_lasso_and_elastic_net(l1_ratio):
    X, Y = make_tasks(T=1, seed=2)
    ours = MultiTaskElasticNet(alpha=0.2, l1_ratio=l1_ratio, tol=1e-14,
                               max_iter=100_000).fit(X, Y)
    single = (Lasso(alpha=0.2, tol=1e-14, max_iter=100_000) if l1_ratio == 1.0 else
              ElasticNet(alpha=0.2, l1_ratio=l1_ratio, tol=1e-14, max_iter=100_000))
    single.fit(X, Y[:, 0])
    # (a gap g leaves the elastic net's coefficients within sqrt(2 g / l2))
    np.testing.assert_allclose(ours.coef_[0], single.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_[0], single.intercept_, atol=1e-6)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.6, 0.0])
def test_kkt_conditions(l1_ratio):
    X, Y = make_tasks(seed=3)
    model = MultiTaskElasticNet(alpha=0.2, l1_ratio=l1_ratio, tol=1e-14,
                                max_iter=100_000).fit(X, Y)
    assert kkt_violation(X, Y, model.coef_, model.intercept_, 0.2, l1_ratio) < 1e-6


def test_separate_outputs_are_not_joint():
    """Lasso on a 2-d y still fits each output alone: its supports differ by output
    where the multi-task lasso's do not."""
    X, Y = make_tasks(seed=4)
    Y[:, 1] = X[:, 20] * 3 + np.random.default_rng(0).standard_normal(len(Y))
    separate = Lasso(alpha=0.3).fit(X, Y)
    joint = MultiTaskLasso(alpha=0.3).fit(X, Y)
    assert np.any((separate.coef_ != 0).any(axis=0) != (separate.coef_ != 0).all(axis=0))
    assert np.all((joint.coef_ != 0).any(axis=0) == (joint.coef_ != 0).all(axis=0))


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_alpha_max_zeroes_every_row(l1_ratio):
    X, Y = make_tasks(seed=5)
    top = alpha_max_closed_form(X, Y, l1_ratio)
    at = MultiTaskElasticNet(alpha=top, l1_ratio=l1_ratio).fit(X, Y)
    assert not np.any(at.coef_)
    np.testing.assert_allclose(at.intercept_, Y.mean(axis=0))
    below = MultiTaskElasticNet(alpha=0.99 * top, l1_ratio=l1_ratio, tol=1e-12).fit(X, Y)
    assert np.any(below.coef_)
    path = regularization_path(X, Y, loss="multitask", l1_ratio=l1_ratio, alphas=5)
    assert path.alphas[0] == pytest.approx(top, rel=1e-12)
    assert path.coefs.shape == (5, 3, 25) and path.n_nonzero[0] == 0


def test_gap_bounds_the_suboptimality():
    X, Y = make_tasks(n=30, p=60, seed=6)
    alpha, l1_ratio = 0.05, 0.8
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        rough = MultiTaskElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-2,
                                    max_iter=3).fit(X, Y)
    best = sklearn_fit(alpha, l1_ratio, True, X, Y)
    excess = objective(X, Y, rough.coef_, rough.intercept_, alpha, l1_ratio) - \
        objective(X, Y, best.coef_, best.intercept_, alpha, l1_ratio)
    null = 0.5 * np.sum((Y - Y.mean(axis=0)) ** 2) / X.shape[0]  # the gap's scale
    assert excess > 0
    assert excess <= rough.dual_gap_ * null * (1 + 1e-9)


def test_path_equals_single_fits_and_sparse_input():
    X, Y = make_tasks(T=6, seed=7)  # (the kernels take outputs four at a time, then one)
    alphas = [0.5, 0.1, 0.02]
    path = regularization_path(X, Y, loss="multitask", l1_ratio=0.9, alphas=alphas,
                               tol=1e-14, max_iter=100_000)
    sparse = regularization_path(sp.csc_matrix(X), Y, loss="multitask", l1_ratio=0.9,
                                 alphas=alphas, tol=1e-14, max_iter=100_000)
    for k, alpha in enumerate(alphas):
        theirs = sklearn_fit(alpha, 0.9, True, X, Y)
        np.testing.assert_allclose(path.coefs[k], theirs.coef_, atol=1e-6)
        np.testing.assert_allclose(path.intercepts[k], theirs.intercept_, atol=1e-6)
        np.testing.assert_allclose(sparse.coefs[k], theirs.coef_, atol=1e-6)
    assert path.loss == "multitask" and np.all(path.gaps <= 1e-14)


def test_sample_weights_equal_repeated_rows():
    X, Y = make_tasks(seed=8)
    counts = np.random.default_rng(1).integers(0, 3, size=len(Y))
    weighted = MultiTaskElasticNet(alpha=0.1, l1_ratio=0.7, tol=1e-14,
                                   max_iter=100_000).fit(X, Y, sample_weight=counts)
    rows = np.repeat(np.arange(len(Y)), counts)
    repeated = MultiTaskElasticNet(alpha=0.1, l1_ratio=0.7, tol=1e-14,
                                   max_iter=100_000).fit(X[rows], Y[rows])
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-7)
    np.testing.assert_allclose(weighted.intercept_, repeated.intercept_, atol=1e-7)


def test_warm_start_continues():
    X, Y = make_tasks(seed=9)
    model = MultiTaskLasso(alpha=0.2, warm_start=True, tol=1e-10).fit(X, Y)
    first = model.n_iter_
    model.fit(X, Y)
    assert model.n_iter_ < first and model.dual_gap_ <= 1e-10


def test_unpenalized_features_through_penalty_factor():
    X, Y = make_tasks(seed=10)
    factor = np.ones(X.shape[1])
    factor[[7, 8]] = 0.0
    path = regularization_path(X, Y, loss="multitask", alphas=[0.5, 0.1],
                               penalty_factor=factor, tol=1e-12, max_iter=100_000)
    for coef, intercept, alpha in zip(path.coefs, path.intercepts, path.alphas):
        R = Y - X @ coef.T - intercept
        U = X.T @ R / X.shape[0]
        np.testing.assert_allclose(U[[7, 8]], 0.0, atol=1e-6)  # unpenalized: optimal
        penalized = factor > 0
        kept = np.linalg.norm(coef, axis=0) > 0
        assert np.all(np.linalg.norm(U[penalized & ~kept], axis=1) <= alpha + 1e-6)


@pytest.mark.parametrize("model, reference", [
    (MultiTaskLassoCV, sk.MultiTaskLassoCV),
    (MultiTaskElasticNetCV, sk.MultiTaskElasticNetCV)])
def test_cv_equals_scikit_learn(model, reference):
    X, Y = make_tasks(n=45, seed=11)
    folds = list(KFold(3).split(X))
    alphas = np.geomspace(1.0, 0.005, 8)
    extra = {} if model is MultiTaskLassoCV else {"l1_ratio": [0.4, 0.9]}
    with warnings.catch_warnings():  # (both stop at rounding, a hair above 1e-14)
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = model(alphas=alphas, cv=folds, tol=1e-14, max_iter=100_000,
                     **extra).fit(X, Y)
        theirs = reference(alphas=alphas, cv=folds, tol=1e-14, max_iter=200_000,
                           **extra).fit(X, Y)
    assert ours.alpha_ == pytest.approx(theirs.alpha_)
    # scikit-learn's mse_path_: (n_l1_ratios,) n_alphas x n_folds, its alphas decreasing
    mse = np.asarray(theirs.mse_path_).reshape(len(extra.get("l1_ratio", [1])), 8, 3)
    # (the small alphas of l1_ratio 0.4 on 30 training rows and 25 correlated columns
    # are ill-conditioned: a gap at rounding leaves the models 1e-7 apart)
    np.testing.assert_allclose(ours.cv_scores_, mse.transpose(0, 2, 1), rtol=1e-6)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-6)
    assert ours.selection_frequency_.shape == (X.shape[1],)


def test_one_dimensional_y_is_refused():
    X, Y = make_tasks()
    for estimator in (MultiTaskLasso(), MultiTaskElasticNetCV(alphas=5, cv=2)):
        with pytest.raises(ValueError, match=r"y must be 2-d \(n_samples, n_tasks\)"):
            estimator.fit(X, Y[:, 0])
    with pytest.raises(ValueError, match="y must be 2-d"):
        regularization_path(X, Y[:, 0], loss="multitask")


def test_mismatched_rows_are_refused():
    X, Y = make_tasks()
    with pytest.raises(ValueError, match="X has 40 samples but y has 39"):
        MultiTaskLasso().fit(X, Y[:-1])


def test_bounds_are_refused_for_the_path():
    X, Y = make_tasks()
    with pytest.raises(ValueError, match="bounds"):
        regularization_path(X, Y, loss="multitask", positive=True)


def test_dask_input_is_refused():
    da = pytest.importorskip("dask.array")
    X, Y = make_tasks()
    with pytest.raises(ValueError, match="loss='multitask' is not available on dask data"):
        MultiTaskLasso().fit(da.from_array(X, chunks=20), da.from_array(Y, chunks=20))
    with pytest.raises(ValueError, match="not available on dask data"):
        regularization_path(da.from_array(X, chunks=20), da.from_array(Y, chunks=20),
                            loss="multitask")


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_covariance_mode_equals_scikit_learn(l1_ratio):
    """n >> p: the covariance mode (no pass over the rows per epoch), weights included
    (as repeated rows)."""
    X, Y = make_tasks(n=120, p=8, T=4, seed=12)
    ours = MultiTaskElasticNet(alpha=0.1, l1_ratio=l1_ratio, tol=1e-14,
                               max_iter=100_000).fit(X, Y)
    theirs = sklearn_fit(0.1, l1_ratio, True, X, Y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-6)
    counts = np.random.default_rng(2).integers(0, 3, size=len(Y))
    rows = np.repeat(np.arange(len(Y)), counts)
    weighted = MultiTaskElasticNet(alpha=0.1, l1_ratio=l1_ratio, tol=1e-14,
                                   max_iter=100_000).fit(X, Y, sample_weight=counts)
    np.testing.assert_allclose(weighted.coef_, sklearn_fit(0.1, l1_ratio, True, X[rows],
                                                           Y[rows]).coef_, atol=1e-6)


def test_constant_outputs_warn_in_cv():
    X, _ = make_tasks()
    with pytest.warns(UserWarning, match=r"y is constant \(2\)"):
        model = MultiTaskLassoCV(alphas=5, cv=3).fit(X, np.full((40, 3), 2.0))
    assert not np.any(model.coef_) and np.all(model.intercept_ == 2.0)
