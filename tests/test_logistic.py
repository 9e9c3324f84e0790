"""Binary logistic regression against scikit-learn and the KKT conditions."""

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk

from shrinkage import LogisticRegression
from conftest import as_storage, make_classification_problem
from reference import kkt_violation, objective


def _signed(y, classes):
    return np.where(y == classes[1], 1.0, -1.0)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_objective_no_worse_than_sklearn(storage, l1_ratio):
    X, y = make_classification_problem(density=0.4 if storage == "sparse" else 1.0)
    X = as_storage(X, storage)
    n, alpha = X.shape[0], 0.01
    ours = LogisticRegression(alpha=alpha, l1_ratio=l1_ratio, tol=1e-10).fit(X, y)
    # scikit-learn's C is 1 / (n alpha) on the same objective
    ref = sk.LogisticRegression(C=1 / (n * alpha), l1_ratio=l1_ratio, solver="saga",
                                tol=1e-10, max_iter=200_000).fit(X, y)
    ys = _signed(y, ours.classes_)
    p_ours = objective(X, ys, ours.coef_[0], ours.intercept_[0], alpha, l1_ratio, "logistic")
    p_ref = objective(X, ys, ref.coef_[0], ref.intercept_[0], alpha, l1_ratio, "logistic")
    assert p_ours <= p_ref + 1e-9
    assert kkt_violation(X, ys, ours.coef_[0], ours.intercept_[0], alpha, l1_ratio,
                         "logistic") < 1e-5
    assert np.array_equal(ours.classes_, ["no", "yes"])


def test_l2_matches_lbfgs():
    X, y = make_classification_problem(n=100, p=20, seed=3)
    n, alpha = X.shape[0], 0.05
    ours = LogisticRegression(alpha=alpha, l1_ratio=0.0, tol=1e-14).fit(X, y)
    ref = sk.LogisticRegression(C=1 / (n * alpha), tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    np.testing.assert_allclose(ours.predict_log_proba(X), ref.predict_log_proba(X),
                               atol=1e-6)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_large_intercept_converges_quickly():
    """Features far from zero couple w with b; the solver must still reach the gap."""
    X, y = make_classification_problem(n=100, p=5, seed=4)
    X = X * 10 + 50
    est = LogisticRegression(alpha=0.001, tol=1e-8).fit(X, y)
    assert est.dual_gap_ <= 1e-8
    ys = _signed(y, est.classes_)
    assert kkt_violation(X, ys, est.coef_[0], est.intercept_[0], 0.001, 1.0,
                         "logistic") < 1e-4


def test_integer_weights_equal_repeated_rows(storage):
    X, y = make_classification_problem(n=50, p=15, seed=6)
    w = np.random.default_rng(2).integers(0, 3, size=len(y))
    kw = dict(alpha=0.01, l1_ratio=0.7, tol=1e-12)
    a = LogisticRegression(**kw).fit(as_storage(X, storage), y, sample_weight=w)
    b = LogisticRegression(**kw).fit(as_storage(np.repeat(X, w, 0), storage), np.repeat(y, w))
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-7)
    np.testing.assert_allclose(a.intercept_, b.intercept_, atol=1e-7)


def test_dense_sparse_agree_and_zero_factor():
    X, y = make_classification_problem(n=80, p=30, density=0.5, seed=7)
    factor = np.ones(30)
    factor[2] = 0
    kw = dict(alpha=0.02, tol=1e-12, penalty_factor=factor)
    a = LogisticRegression(**kw).fit(X, y)
    b = LogisticRegression(**kw).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-7)
    ys = _signed(y, a.classes_)
    assert kkt_violation(X, ys, a.coef_[0], a.intercept_[0], 0.02, 1.0, "logistic",
                         penalty_factor=factor) < 1e-5
    assert a.coef_[0, 2] != 0


def test_positive():
    X, y = make_classification_problem(n=80, p=30, seed=8)
    est = LogisticRegression(alpha=0.005, positive=True, tol=1e-10).fit(X, y)
    assert np.all(est.coef_ >= 0) and np.any(est.coef_ > 0)
    ys = _signed(y, est.classes_)
    assert kkt_violation(X, ys, est.coef_[0], est.intercept_[0], 0.005, 1.0, "logistic",
                         lower=np.zeros(30)) < 1e-5


@pytest.mark.parametrize("bad_y, match", [
    (np.linspace(0, 1, 30), "y must hold class labels"),
    (np.zeros(30), "single class"),
])
def test_non_binary_target_is_rejected(bad_y, match):
    X = np.random.default_rng(0).standard_normal((30, 3))
    with pytest.raises(ValueError, match=match):
        LogisticRegression().fit(X, bad_y)


def test_unpenalized_feature_is_fitted_at_a_single_alpha():
    """penalty_factor 0 at an alpha that zeroes the rest: that feature is still fitted
    (its gradient vanishes), which the held-feature gap alone did not see."""
    from scipy.special import expit
    from sklearn.datasets import make_classification

    X, y = make_classification(300, 6, n_informative=4, n_redundant=0, flip_y=0.2,
                               random_state=0)
    factor = np.ones(6)
    factor[0] = 0.0
    model = LogisticRegression(alpha=1.0, penalty_factor=factor, tol=1e-12).fit(X, y)
    labels = np.where(y == 1, 1.0, -1.0)
    z = X @ model.coef_[0] + model.intercept_[0]
    gradient = X.T @ (labels * expit(-labels * z)) / len(y)
    assert abs(gradient[0]) < 1e-8 and model.coef_[0, 0] != 0
    np.testing.assert_array_equal(model.coef_[0, 1:], 0.0)


@pytest.fixture
def gram_model_only(monkeypatch):
    """Every IRLS model solved in the working set's Gram space (no coordinate descent on
    the samples first), as on collinear tables where sample-space epochs crawl."""
    from shrinkage.solvers import prox_newton

    monkeypatch.setattr(prox_newton, "_GRAM_EPOCHS_PER_FEATURE", 0.0)
    monkeypatch.setattr(prox_newton, "_GRAM_MIN_EPOCHS", 0)
    # a few rows at a time: the Gram matrix summed over blocks of rows
    monkeypatch.setattr(prox_newton, "_GRAM_BLOCK_ELEMENTS", 100)


@pytest.mark.parametrize("l1_ratio, positive, fit_intercept, weighted", [
    (1.0, False, True, False), (0.5, True, True, True), (0.0, False, False, True),
    (0.9, False, False, False)])
def test_gram_model_reaches_the_kkt_conditions(gram_model_only, storage, l1_ratio,
                                               positive, fit_intercept, weighted):
    X, y = make_classification_problem(n=150, p=25, seed=11,
                                       density=0.5 if storage == "sparse" else 1.0)
    X[:, 5] = X[:, 4] * 0.999 + 0.001 * X[:, 6]  # a near-duplicate column pair
    sw = np.random.default_rng(3).uniform(0.2, 2.0, len(y)) if weighted else None
    alpha = 0.004
    est = LogisticRegression(alpha=alpha, l1_ratio=l1_ratio, positive=positive,
                             fit_intercept=fit_intercept, tol=1e-10)
    est.fit(as_storage(X, storage), y, sample_weight=sw)
    assert est.dual_gap_ <= 1e-10
    ys = _signed(y, est.classes_)
    assert kkt_violation(X, ys, est.coef_[0], est.intercept_[0], alpha, l1_ratio,
                         "logistic", sample_weight=sw,
                         lower=np.zeros(25) if positive else None,
                         fit_intercept=fit_intercept) < 1e-6
    # the same fit as coordinate descent on the samples (the solver's other mode); the
    # split between the near-duplicates is barely determined, so compare the predictions
    with pytest.MonkeyPatch.context() as undo:
        from shrinkage.solvers import prox_newton

        undo.setattr(prox_newton, "_GRAM_MIN_EPOCHS", 10**9)
        plain = LogisticRegression(alpha=alpha, l1_ratio=l1_ratio, positive=positive,
                                   fit_intercept=fit_intercept, tol=1e-10)
        plain.fit(as_storage(X, storage), y, sample_weight=sw)
    np.testing.assert_allclose(est.decision_function(X), plain.decision_function(X),
                               atol=2e-5)


@pytest.mark.parametrize("alpha", [0.002, 0.0])
def test_warm_start_continues_from_the_last_binary_fit(alpha):
    """warm_start starts from coef_ of shape (1, p): a refit on the same data has nothing
    left to do, and a fit on part of the rows lands where a cold fit does."""
    X, y = make_classification_problem(n=300, p=10, seed=12)
    warm = LogisticRegression(alpha=alpha, warm_start=True, tol=1e-10).fit(X, y)
    first = warm.n_iter_
    warm.fit(X, y)
    assert warm.n_iter_ < first
    warm.fit(X[:250], y[:250])
    cold = LogisticRegression(alpha=alpha, tol=1e-10).fit(X[:250], y[:250])
    np.testing.assert_allclose(warm.decision_function(X), cold.decision_function(X),
                               atol=1e-5)
