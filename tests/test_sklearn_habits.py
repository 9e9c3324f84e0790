"""Habits a scikit-learn user brings: multi-output y, scorer names, class weights,
float32 predictions, scikit-learn's checks of ``alphas``, a constant target."""

import warnings

import numpy as np
import pytest
import sklearn.linear_model as sk
from sklearn.datasets import load_breast_cancer, make_regression
from sklearn.metrics import balanced_accuracy_score, f1_score, log_loss, make_scorer
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from shrinkage import (
    ElasticNet,
    ElasticNetCV,
    Lasso,
    LassoCV,
    LogisticRegression,
    LogisticRegressionCV,
    Ridge,
    RidgeCV,
)


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X)[:, :10], y


@pytest.mark.parametrize("ours, theirs", [
    (Lasso(alpha=0.5, tol=1e-12), sk.Lasso(alpha=0.5, tol=1e-14, max_iter=100_000)),
    (ElasticNet(alpha=0.5, l1_ratio=0.3, tol=1e-12),
     sk.ElasticNet(alpha=0.5, l1_ratio=0.3, tol=1e-14, max_iter=100_000)),
    (Ridge(alpha=0.5), sk.Ridge(alpha=0.5 * 80)),
])
def test_multi_output_equals_scikit_learn(ours, theirs):
    X, Y = make_regression(80, 12, n_targets=3, noise=2.0, random_state=0)
    Y[:, 1] *= 100  # columns on different scales are fitted independently
    ours.fit(X, Y)
    theirs.fit(X, Y)
    assert ours.coef_.shape == (3, 12) and ours.intercept_.shape == (3,)
    scale = np.abs(theirs.coef_).max(axis=1, keepdims=True)
    np.testing.assert_allclose(ours.coef_ / scale, theirs.coef_ / scale, atol=1e-7)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-6, atol=1e-6)
    assert ours.predict(X).shape == (80, 3)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-6, atol=1e-5)
    assert ours.dual_gap_.shape == (3,) and ours.n_iter_.shape == (3,)
    # one column in a 2-d y stays 2-d, as in scikit-learn
    assert ours.fit(X, Y[:, :1]).coef_.shape == (1, 12)


def test_multi_output_is_refused_where_one_target_is_chosen():
    X, Y = make_regression(60, 5, n_targets=2, random_state=0)
    with pytest.raises(ValueError, match="y must be 1-d .* one target at a time"):
        LassoCV(cv=3).fit(X, Y)


@pytest.mark.parametrize("scoring, metric, greater", [
    ("neg_log_loss", lambda y, p, z: -log_loss(y, p), True),
    ("f1", lambda y, p, z: f1_score(y, (z > 0).astype(int)), True),
    ("balanced_accuracy", lambda y, p, z: balanced_accuracy_score(y, (z > 0).astype(int)),
     True),
    (make_scorer(f1_score), lambda y, p, z: f1_score(y, (z > 0).astype(int)), True),
])
def test_scikit_learn_scorers_score_each_fold_and_alpha(cancer, scoring, metric, greater):
    X, y = cancer
    folds = list(StratifiedKFold(3).split(X, y))
    model = LogisticRegressionCV(alphas=6, cv=folds, scoring=scoring, tol=1e-8).fit(X, y)
    for k, (train, test) in enumerate(folds):
        for j in (0, 3, 5):
            fit = LogisticRegression(alpha=model.alphas_[0, j], tol=1e-8).fit(
                X[train], y[train])
            z = fit.decision_function(X[test])
            expected = metric(y[test], fit.predict_proba(X[test]), z)
            assert model.cv_scores_[0, k, j] == pytest.approx(expected, abs=2e-3)
    best = np.argmax(model.cv_mean_[0])
    assert model.alpha_min_ == model.alphas_[0, best]
    with pytest.raises(ValueError, match="scoring"):
        LogisticRegressionCV(scoring="no_such_scorer").fit(X, y)


@pytest.mark.parametrize("class_weight", ["balanced", {0: 3.0, 1: 1.0}])
def test_class_weight_equals_scikit_learn(cancer, class_weight):
    X, y = cancer
    n, alpha = len(y), 0.01
    ours = LogisticRegression(alpha=alpha, l1_ratio=0.0, tol=1e-12,
                              class_weight=class_weight).fit(X, y)
    # scikit-learn's C multiplies the sum of the weighted losses; ours is their mean
    weights = np.where(y == 0, *(
        [n / (2 * np.sum(y == 0)), n / (2 * np.sum(y == 1))] if class_weight == "balanced"
        else [3.0, 1.0]))
    ref = sk.LogisticRegression(C=1.0 / (alpha * weights.sum()), class_weight=class_weight,
                                tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-6)
    unweighted = LogisticRegression(alpha=alpha, l1_ratio=0.0).fit(X, y)
    assert not np.allclose(unweighted.coef_, ours.coef_, atol=1e-3)
    cv = LogisticRegressionCV(alphas=4, cv=3, class_weight=class_weight).fit(X, y)
    assert np.isfinite(cv.cv_mean_).all()
    with pytest.raises(ValueError, match="class_weight"):
        LogisticRegression(class_weight={5: 1.0}).fit(X, y)


def test_predict_keeps_float32():
    X, y = make_regression(50, 4, random_state=0)
    model = Lasso(alpha=0.1).fit(X, y)
    out32 = model.predict(X.astype(np.float32))
    assert out32.dtype == np.float32 and model.predict(X).dtype == np.float64
    np.testing.assert_allclose(out32, model.predict(X), rtol=1e-5)
    clf = LogisticRegression().fit(X, y > 0)
    assert clf.decision_function(X.astype(np.float32)).dtype == np.float32
    assert model.predict(X.astype(int)).dtype == np.float64


@pytest.mark.parametrize("alphas", [0.5, True, np.float64(2.0), [True, False]])
def test_alphas_must_be_an_int_or_an_array_of_numbers(alphas):
    X, y = make_regression(40, 3, random_state=0)
    with pytest.raises(TypeError, match="alphas"):
        LassoCV(alphas=alphas, cv=3).fit(X, y)


@pytest.mark.parametrize("make", [lambda: LassoCV(cv=3), lambda: RidgeCV(),
                                  lambda: ElasticNetCV(cv=3)])
def test_constant_target_says_what_it_did(make):
    X = np.random.default_rng(0).standard_normal((30, 3))
    y = np.full(30, 2.5)
    with pytest.warns(UserWarning, match=r"y is constant \(2.5\).*alpha_ is the largest"):
        model = make().fit(X, y)
    assert model.alpha_ == model.alphas_[0, 0] and model.alpha_ >= 1e-3
    np.testing.assert_array_equal(model.coef_, 0.0)
    assert model.intercept_ == pytest.approx(2.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LassoCV(cv=3).fit(X, y + 1e-3 * X[:, 0])  # not constant: no warning
