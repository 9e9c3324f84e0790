"""``selection_frequency_`` of the CV estimators: the share of folds whose path keeps each
feature at the chosen (l1_ratio, alpha), checked against fits done by hand on each fold's
training rows (scikit-learn's where it has the same objective, ours elsewhere)."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import ElasticNet as SkElasticNet
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.model_selection import KFold, PredefinedSplit, StratifiedKFold

from shrinkage import (ElasticNetCV, HuberRegressor, HuberRegressorCV, LassoCV,
                       LogisticRegression, LogisticRegressionCV, PoissonRegressor,
                       PoissonRegressorCV, RidgeCV)
from shrinkage import model_selection as ms
from shrinkage.supports import path_support, stack_support, support_bits

#: a fitted coefficient is "clearly" in or out of the support: zero, or beyond this
CLEAR = 1e-4


def _regression(n=60, p=10, seed=3):
    """Three strong features, one weak (in some folds, out of others), six noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[:4] = [3.0, -2.0, 1.5, 0.35]
    return X, X @ beta + rng.standard_normal(n)


def _share_kept(fold_coefs):
    """The share of folds with a non-zero coefficient, after checking that every
    coefficient is clearly zero or clearly not (so that the share is well defined)."""
    coefs = np.abs(np.array(fold_coefs))
    assert np.all((coefs == 0) | (coefs > CLEAR)), "a support is not clear-cut"
    return (coefs > 0).mean(axis=0)


@pytest.mark.parametrize("l1_ratio", [1.0, [0.6, 1.0]])
def test_squared_loss_frequencies_equal_scikit_learns_fold_fits(l1_ratio):
    X, y = _regression()
    cv = KFold(4, shuffle=True, random_state=0)
    model = ElasticNetCV(l1_ratio=l1_ratio, alphas=np.geomspace(2.0, 0.05, 12), cv=cv,
                         tol=1e-12).fit(X, y)
    # our alpha and l1_ratio are scikit-learn's for the squared loss
    by_hand = [SkElasticNet(alpha=model.alpha_, l1_ratio=model.l1_ratio_, tol=1e-14,
                            max_iter=100_000).fit(X[train], y[train]).coef_
               for train, _ in cv.split(X)]
    expected = _share_kept(by_hand)
    assert 0 < expected.min() < 1  # some feature in some folds only: not all 0 or 1
    np.testing.assert_array_equal(model.selection_frequency_, expected)


def test_lasso_cv_frequencies_are_the_folds_supports_at_alpha_():
    X, y = _regression(seed=5)
    cv = KFold(3, shuffle=True, random_state=1)
    model = LassoCV(alphas=10, cv=cv, tol=1e-12).fit(X, y)
    by_hand = [SkElasticNet(alpha=model.alpha_, l1_ratio=1.0, tol=1e-14,
                            max_iter=100_000).fit(X[train], y[train]).coef_
               for train, _ in cv.split(X)]
    np.testing.assert_array_equal(model.selection_frequency_, _share_kept(by_hand))
    assert model.selection_frequency_.shape == (X.shape[1],)


def test_logistic_frequencies_equal_scikit_learns_fold_fits():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 9))
    y = (X[:, 0] - 1.5 * X[:, 1] + 0.4 * X[:, 2] + rng.logistic(size=80) > 0).astype(int)
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    model = LogisticRegressionCV(alphas=np.geomspace(0.2, 0.002, 8), cv=cv,
                                 tol=1e-12).fit(X, y)
    by_hand = []
    for train, _ in cv.split(X, y):
        # scikit-learn's C on our scale: C = 1 / (n_train * alpha)
        sk = SkLogisticRegression(l1_ratio=1.0, solver="saga", tol=1e-12, max_iter=200_000,
                                  C=1.0 / (len(train) * model.alpha_))
        by_hand.append(sk.fit(X[train], y[train]).coef_[0])
    expected = _share_kept(by_hand)
    assert 0 < expected.min() < 1
    np.testing.assert_array_equal(model.selection_frequency_, expected)


def test_multinomial_frequency_counts_a_feature_kept_by_any_class():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((90, 7))
    y = np.argmax(X[:, :3] * [2.0, 1.5, 0.5] + rng.gumbel(size=(90, 3)), axis=1)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    model = LogisticRegressionCV(alphas=np.geomspace(0.2, 0.02, 6), cv=cv,
                                 tol=1e-12).fit(X, y)
    by_hand = [LogisticRegression(alpha=model.alpha_, tol=1e-12).fit(X[tr], y[tr]).coef_
               for tr, _ in cv.split(X, y)]
    # a feature is in a fold's model when any class's coefficient is non-zero
    largest = [np.abs(c).max(axis=0) for c in by_hand]
    np.testing.assert_array_equal(model.selection_frequency_, _share_kept(largest))


@pytest.mark.parametrize("make, refit", [
    (lambda cv: PoissonRegressorCV(l1_ratio=1.0, alphas=np.geomspace(0.3, 0.01, 8),
                                   cv=cv, tol=1e-12),
     lambda alpha: PoissonRegressor(alpha, l1_ratio=1.0, tol=1e-12)),
    (lambda cv: HuberRegressorCV(l1_ratio=1.0, alphas=np.geomspace(0.5, 0.01, 8),
                                 delta=1.0, cv=cv, tol=1e-12),
     lambda alpha: HuberRegressor(alpha, l1_ratio=1.0, delta=1.0, tol=1e-12))])
def test_glm_frequencies_equal_our_own_fold_refits(make, refit):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((70, 8)) * 0.5
    mean = X[:, :3] @ [1.0, -0.8, 0.5] + 0.2 * X[:, 3]
    y = rng.poisson(np.exp(mean)).astype(float)
    cv = KFold(3, shuffle=True, random_state=0)
    model = make(cv).fit(X, y)
    by_hand = [refit(model.alpha_).fit(X[train], y[train]).coef_
               for train, _ in cv.split(X)]
    np.testing.assert_array_equal(model.selection_frequency_, _share_kept(by_hand))


@pytest.mark.parametrize("cv", [None, 3])
def test_ridge_keeps_every_feature(cv):
    X, y = _regression()
    model = RidgeCV(alphas=8, cv=cv).fit(X, y)
    assert model.alpha_ > 0
    np.testing.assert_array_equal(model.selection_frequency_, np.ones(X.shape[1]))


def test_fold_supports_are_packed_bits_and_read_back():
    rng = np.random.default_rng(0)
    # two folds, one l1_ratio, three alphas, 11 features (not a multiple of 8)
    coefs = [[np.where(rng.uniform(size=(3, 11)) < 0.5, 1.0, 0.0)] for _ in range(2)]
    coefs[1][0][1, 4] = -2.0  # a negative coefficient is kept as well
    support = stack_support([support_bits(fold) for fold in coefs])
    assert support.shape == (1, 2, 3, 2) and support.dtype == np.uint8  # 11 bits: 2 bytes
    path = ms.CVPaths(alphas=None, test_scores=None, train_scores=None,
                      paths=[type("P", (), {"coefs": np.zeros((3, 11))})()],
                      fold_support=support)
    for index in range(3):
        expected = np.mean([fold[0][index] != 0 for fold in coefs], axis=0)
        np.testing.assert_array_equal(path.selection_frequency(0, index), expected)
    # (n_alphas, n_classes, n_features): kept where any class is non-zero
    classes = np.zeros((2, 3, 5))
    classes[0, 2, 1] = 0.5
    np.testing.assert_array_equal(path_support(classes)[0], [0, 1, 0, 0, 0])


class TestDask:
    """Dask's folds keep their paths on the client: the same frequencies as in memory
    on the same folds."""

    @pytest.mark.parametrize("model", [
        LassoCV(alphas=np.geomspace(0.5, 0.01, 10), cv=4, tol=1e-12),
        LogisticRegressionCV(alphas=np.geomspace(0.05, 0.002, 6), cv=3, tol=1e-12)])
    def test_dask_frequencies_equal_the_in_memory_ones(self, client, model):
        da = pytest.importorskip("dask.array")
        from shrinkage.scale.fit import FOLD_SEED
        from shrinkage.scale.statistics import fold_of

        rng = np.random.default_rng(0)
        X = rng.standard_normal((1500, 12))
        z = X[:, :3] @ [1.0, -0.6, 0.3] + 0.06 * X[:, 3]
        y = z + rng.standard_normal(1500) if isinstance(model, LassoCV) else \
            (z + rng.logistic(size=1500) > 0).astype(int)
        on_cluster = clone(model).fit(da.from_array(X, chunks=(500, 12)),
                                      da.from_array(y, chunks=500))
        folds = PredefinedSplit(fold_of(np.arange(len(y)), model.cv, FOLD_SEED))
        in_memory = clone(model).set_params(cv=folds).fit(X, y)
        assert on_cluster.alpha_ == pytest.approx(in_memory.alpha_, rel=1e-10)
        np.testing.assert_array_equal(on_cluster.selection_frequency_,
                                      in_memory.selection_frequency_)
        shares = in_memory.selection_frequency_
        assert np.any((shares > 0) & (shares < 1))  # some feature in some folds only
