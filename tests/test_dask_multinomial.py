"""Multinomial logistic regression on dask data (a real LocalCluster): the in-memory
fits, scikit-learn's, and the dual point's class factors checked against their
definition."""

import numpy as np
import pytest
from scipy.special import log_softmax
from sklearn.base import clone
from sklearn.model_selection import PredefinedSplit

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

from shrinkage import LogisticRegression, LogisticRegressionCV, regularization_path  # noqa: E402
from shrinkage.scale.fit import FOLD_SEED  # noqa: E402
from shrinkage.scale.statistics import fold_of  # noqa: E402
from shrinkage.scale.terms_multinomial import class_factors  # noqa: E402


def _three_classes(n=3000, p=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 0.5
    scores = X[:, :3] @ np.array([[1.5, -1.0, 0.0], [0.0, 1.0, -1.0], [0.5, 0.5, 1.0]])
    scores += [0.3, -0.2, 0.0]
    draw = rng.uniform(size=n)[:, None] > np.cumsum(np.exp(log_softmax(scores, 1)), 1)
    y = np.array(["ant", "bee", "cat"])[draw.sum(axis=1)]
    return X, y, rng.uniform(0.5, 2.0, n)


def _on_cluster(X, y, w, rows=700):
    return (da.from_array(X, chunks=(rows, X.shape[1])), da.from_array(y, chunks=rows),
            None if w is None else da.from_array(w, chunks=rows))


def _objective(model, X, y, w, alpha, l1_ratio):
    """The multinomial objective, written out here from its definition."""
    codes = np.searchsorted(model.classes_, y)
    w = np.ones(len(y)) if w is None else w * len(y) / w.sum()
    log_p = log_softmax(X @ model.coef_.T + model.intercept_, axis=1)
    W = model.coef_
    return (-np.mean(w * log_p[np.arange(len(y)), codes])
            + alpha * (l1_ratio * np.abs(W).sum() + 0.5 * (1 - l1_ratio) * (W ** 2).sum()))


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_multinomial_equals_the_in_memory_fit(client, l1_ratio, weighted):
    X, y, w = _three_classes()
    w = w if weighted else None
    alpha = 0.01
    on_cluster = LogisticRegression(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12).fit(
        *_on_cluster(X, y, w)[:2], sample_weight=_on_cluster(X, y, w)[2])
    in_memory = LogisticRegression(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12).fit(
        X, y, sample_weight=w)
    assert list(on_cluster.classes_) == ["ant", "bee", "cat"]
    assert on_cluster.coef_.shape == (3, 8) and on_cluster.intercept_.shape == (3,)
    assert on_cluster.dual_gap_ <= 1e-12 and on_cluster.n_iter_ <= 20
    # both optimal within their certified gaps (relative to a null objective < 1.1)
    mine, theirs = (_objective(m, X, y, w, alpha, l1_ratio) for m in (on_cluster, in_memory))
    assert abs(mine - theirs) <= 3e-12
    np.testing.assert_allclose(on_cluster.predict_proba(X), in_memory.predict_proba(X),
                               atol=1e-6)
    if l1_ratio < 1:
        # strong convexity alpha (1 - l1_ratio): |dW|^2 <= 2 (gap + gap) / that
        bound = np.sqrt(2 * 2 * 1.1e-12 / (alpha * (1 - l1_ratio)))
        assert np.linalg.norm(on_cluster.coef_ - in_memory.coef_) <= bound
    else:
        np.testing.assert_allclose(on_cluster.coef_, in_memory.coef_, atol=1e-5)
    # the sparsity pattern too: the same features out of the model
    np.testing.assert_array_equal(on_cluster.coef_ == 0, in_memory.coef_ == 0)


def test_ridge_and_unpenalized_multinomial_equal_scikit_learn(client):
    """Independent references: scikit-learn's multinomial LogisticRegression, with C =
    1 / (n alpha) for the L2 penalty and C = inf for alpha = 0."""
    from sklearn.linear_model import LogisticRegression as SkLogistic

    X, y, w = _three_classes(n=2400)
    for alpha in (0.02, 0.0):
        ours = LogisticRegression(alpha=alpha, l1_ratio=0.0, tol=1e-12).fit(
            *_on_cluster(X, y, w)[:2], sample_weight=_on_cluster(X, y, w)[2])
        C = np.inf if alpha == 0 else 1.0 / (len(y) * alpha)
        # scikit-learn sums the weighted losses: weights summing to n, as ours are scaled
        theirs = SkLogistic(C=C, tol=1e-12, max_iter=10_000).fit(
            X, y, sample_weight=w * len(y) / w.sum())
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X),
                                   atol=1e-6)
        # the softmax ignores a shift of every class's coefficients: compare centred
        np.testing.assert_allclose(ours.coef_ - ours.coef_.mean(0),
                                   theirs.coef_ - theirs.coef_.mean(0), atol=1e-5)
    assert ours.n_iter_ <= 30  # alpha = 0: damped Newton, a pass per step


def test_multinomial_path_on_dask_equals_the_in_memory_one(client):
    X, y, w = _three_classes()
    Xd, yd, wd = _on_cluster(X, y, w)
    on_cluster = regularization_path(Xd, yd, loss="multinomial", l1_ratio=0.7, alphas=12,
                                     sample_weight=wd, tol=1e-12)
    in_memory = regularization_path(X, y, loss="multinomial", l1_ratio=0.7, alphas=12,
                                    sample_weight=w, tol=1e-12)
    np.testing.assert_allclose(on_cluster.alphas, in_memory.alphas, rtol=1e-8)  # alpha_max
    assert on_cluster.coefs.shape == (12, 3, 8) and on_cluster.loss == "multinomial"
    assert on_cluster.gaps.max() <= 1e-12
    np.testing.assert_allclose(on_cluster.coefs, in_memory.coefs, atol=2e-6)
    np.testing.assert_array_equal(on_cluster.n_nonzero, in_memory.n_nonzero)
    assert on_cluster.n_nonzero[0] == 0 and on_cluster.n_nonzero[-1] > 0
    assert on_cluster.n_iter.mean() <= 8


def test_multinomial_cross_validation_equals_the_in_memory_one_on_the_same_folds(client):
    X, y, w = _three_classes()
    model = LogisticRegressionCV(l1_ratio=[1.0, 0.3], alphas=10, cv=4, tol=1e-12)
    on_cluster = clone(model).fit(*_on_cluster(X, y, w)[:2],
                                  sample_weight=_on_cluster(X, y, w)[2])
    folds = PredefinedSplit(fold_of(np.arange(len(y)), 4, FOLD_SEED))
    in_memory = clone(model).set_params(cv=folds).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(on_cluster.alphas_, in_memory.alphas_, rtol=1e-8)
    np.testing.assert_allclose(on_cluster.cv_scores_, in_memory.cv_scores_, rtol=1e-6)
    assert on_cluster.alpha_ == pytest.approx(in_memory.alpha_, rel=1e-10)
    assert on_cluster.l1_ratio_ == in_memory.l1_ratio_
    assert on_cluster.coef_.shape == (3, 8) and on_cluster.coef_path_.shape == (2, 10, 3, 8)
    np.testing.assert_allclose(on_cluster.coef_, in_memory.coef_, atol=1e-5)
    assert on_cluster.n_passes_ <= 2 + 10 * 10  # 10 models sharing their passes


def test_multinomial_on_dask_says_what_it_cannot_do(client):
    X, y, _ = _three_classes(n=300)
    Xd, yd, _ = _on_cluster(X, y, None, rows=100)
    with pytest.raises(ValueError, match="multinomial='grouped' is not offered"):
        LogisticRegression(multinomial="grouped").fit(Xd, yd)
    with pytest.raises(ValueError, match="two classes only"):
        LogisticRegression(positive=True).fit(Xd, yd)
    with pytest.raises(ValueError, match="single class"):
        LogisticRegression().fit(Xd, da.from_array(np.repeat("ant", 300), chunks=100))
    with pytest.raises(ValueError, match="use loss='multinomial'"):
        regularization_path(Xd, yd, loss="logistic")


def test_class_factors_balance_the_dual_point():
    """``sum_c a_c R_c = 0`` with ``0 <= a <= 1`` and ``max a = 1`` (the intercepts'
    condition on the dual point), and ``a = 1`` where the sums already balance."""
    rng = np.random.default_rng(3)
    for K in (2, 3, 5):
        codes = rng.integers(0, K, 500)
        probs = rng.dirichlet(np.ones(K), 500)
        onehot = np.eye(K)[codes]
        balance = np.array([(onehot - probs)[codes == c].sum(axis=0) for c in range(K)])
        a = class_factors(balance)
        assert a.min() >= 0 and a.max() == pytest.approx(1.0)
        np.testing.assert_allclose(a @ balance, 0.0, atol=1e-10)
        # sums that already balance (probabilities at optimal intercepts) keep a = 1
        balanced = balance - balance.sum(axis=0) / K
        balanced -= balanced.sum(axis=1, keepdims=True) / K
        np.testing.assert_allclose(class_factors(balanced), 1.0, atol=1e-10)
