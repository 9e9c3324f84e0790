"""Multinomial logistic regression against scikit-learn, the KKT conditions written out,
and a proximal-gradient reference for the grouped penalty."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk
from scipy.special import logsumexp, softmax
from sklearn.datasets import load_wine, make_classification
from sklearn.preprocessing import StandardScaler

from shrinkage import LogisticRegression, SeparationWarning


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def overlapping():
    X, y = make_classification(300, 6, n_informative=4, n_redundant=0, n_classes=4,
                               n_clusters_per_class=1, flip_y=0.2, random_state=0)
    return X, y


def objective(X, y, coef, intercept, alpha, l1_ratio, grouped=False, sw=None):
    """The documented objective, computed here from scratch."""
    codes = np.searchsorted(np.unique(y), y)
    Z = X @ coef.T + intercept
    sw = np.ones(len(y)) if sw is None else sw * len(y) / sw.sum()
    loss = sw @ (logsumexp(Z, axis=1) - Z[np.arange(len(y)), codes]) / len(y)
    l1 = np.linalg.norm(coef, axis=0).sum() if grouped else np.abs(coef).sum()
    return loss + alpha * (l1_ratio * l1 + (1 - l1_ratio) / 2 * (coef**2).sum())


def minus_gradient(X, y, coef, intercept):
    codes = np.searchsorted(np.unique(y), y)
    P = softmax(X @ coef.T + intercept, axis=1)
    P[np.arange(len(y)), codes] -= 1.0
    return -(P.T @ X) / len(y), -P.sum(axis=0) / len(y)  # (K, p), (K,)


def test_l2_equals_lbfgs(wine):
    X, y = wine
    alpha = 0.01
    ours = LogisticRegression(alpha=alpha, l1_ratio=0.0, tol=1e-12).fit(X, y)
    ref = sk.LogisticRegression(C=1 / (len(y) * alpha), tol=1e-12, max_iter=10_000).fit(X, y)
    assert ours.coef_.shape == (3, 13) and ours.intercept_.shape == (3,)
    # a relative gap of 1e-12 with strong convexity alpha bounds the distance to the
    # optimum by sqrt(2e-12 null / alpha), about 1e-5
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=2e-5)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_l1_and_elastic_net_no_worse_than_saga(wine, l1_ratio):
    X, y = wine
    alpha = 0.02
    ours = LogisticRegression(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sk.LogisticRegression(C=1 / (len(y) * alpha), solver="saga",
                                    l1_ratio=l1_ratio, tol=1e-12, max_iter=100_000).fit(X, y)
    ours_value = objective(X, y, ours.coef_, ours.intercept_, alpha, l1_ratio)
    assert ours_value <= objective(X, y, ref.coef_, ref.intercept_, alpha, l1_ratio) + 1e-10
    assert ours.dual_gap_ <= 1e-12
    assert np.count_nonzero(ours.coef_) < ours.coef_.size  # the L1 part makes zeros


def test_kkt_conditions_ungrouped(overlapping):
    X, y = overlapping
    alpha, l1_ratio = 0.02, 0.7
    model = LogisticRegression(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12).fit(X, y)
    U, u0 = minus_gradient(X, y, model.coef_, model.intercept_)
    l1, l2 = alpha * l1_ratio, alpha * (1 - l1_ratio)
    W = model.coef_
    np.testing.assert_allclose(u0, 0.0, atol=1e-7)  # intercepts: gradient zero
    active = W != 0
    np.testing.assert_allclose(U[active], l1 * np.sign(W[active]) + l2 * W[active],
                               atol=1e-6)
    assert np.all(np.abs(U[~active]) <= l1 + 1e-6)
    assert 0 < active.sum() < W.size


def test_kkt_conditions_grouped(overlapping):
    X, y = overlapping
    alpha, l1_ratio = 0.05, 0.9
    model = LogisticRegression(alpha=alpha, l1_ratio=l1_ratio, multinomial="grouped",
                               tol=1e-12).fit(X, y)
    U, u0 = minus_gradient(X, y, model.coef_, model.intercept_)
    l1, l2 = alpha * l1_ratio, alpha * (1 - l1_ratio)
    np.testing.assert_allclose(u0, 0.0, atol=1e-7)
    norms = np.linalg.norm(model.coef_, axis=0)
    for j in range(X.shape[1]):
        w, u = model.coef_[:, j], U[:, j]
        if norms[j] > 0:
            np.testing.assert_allclose(u, l1 * w / norms[j] + l2 * w, atol=1e-6)
        else:
            assert np.linalg.norm(u) <= l1 + 1e-6
    assert 0 < np.sum(norms > 0) < X.shape[1]  # whole features in or out


def proximal_gradient_grouped(X, y, alpha, l1_ratio, steps=20_000):
    """FISTA with block soft-thresholding: the generic reference for the group penalty."""
    n, p = X.shape
    K = len(np.unique(y))
    A = np.hstack([X, np.ones((n, 1))])
    lipschitz = np.linalg.norm(A, 2) ** 2 / n  # the Hessian's bound: (1/n) A'A (x) I/2 <
    theta = np.zeros((p + 1, K))
    momentum, t = theta.copy(), 1.0
    codes = np.searchsorted(np.unique(y), y)
    Y = np.eye(K)[codes]
    l1, l2 = alpha * l1_ratio, alpha * (1 - l1_ratio)
    for _ in range(steps):
        grad = A.T @ (softmax(A @ momentum, axis=1) - Y) / n
        v = momentum - grad / lipschitz
        new = v.copy()
        rows = v[:p]
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        shrink = np.maximum(0.0, 1 - (l1 / lipschitz) / np.maximum(norms, 1e-300))
        new[:p] = rows * shrink / (1 + l2 / lipschitz)
        t_next = (1 + np.sqrt(1 + 4 * t * t)) / 2
        momentum = new + (t - 1) / t_next * (new - theta)
        theta, t = new, t_next
    return theta[:p].T, theta[p]


def test_grouped_equals_a_proximal_gradient_reference(wine):
    X, y = wine
    alpha, l1_ratio = 0.05, 0.8
    ours = LogisticRegression(alpha=alpha, l1_ratio=l1_ratio, multinomial="grouped",
                              tol=1e-12).fit(X, y)
    coef, intercept = proximal_gradient_grouped(X, y, alpha, l1_ratio)
    assert objective(X, y, ours.coef_, ours.intercept_, alpha, l1_ratio, True) <= \
        objective(X, y, coef, intercept, alpha, l1_ratio, True) + 1e-10
    np.testing.assert_allclose(ours.coef_ - ours.coef_.mean(axis=0),
                               coef - coef.mean(axis=0), atol=1e-4)
    np.testing.assert_array_equal(np.linalg.norm(ours.coef_, axis=0) > 0,
                                  np.linalg.norm(coef, axis=0) > 1e-6)


@pytest.mark.parametrize("multinomial", ["ungrouped", "grouped"])
def test_sparse_equals_dense_and_weights_equal_repeats(overlapping, multinomial):
    X, y = overlapping
    kw = dict(alpha=0.01, l1_ratio=0.5, tol=1e-12, multinomial=multinomial)
    grouped = multinomial == "grouped"
    dense = LogisticRegression(**kw).fit(X, y)
    sparse = LogisticRegression(**kw).fit(sp.csr_matrix(X), y)
    # both certified to a relative gap of 1e-12 (the objective) and, by the L2 part's
    # strong convexity, to about 1e-5 in the coefficients
    value = objective(X, y, dense.coef_, dense.intercept_, 0.01, 0.5, grouped)
    assert objective(X, y, sparse.coef_, sparse.intercept_, 0.01, 0.5, grouped) == \
        pytest.approx(value, abs=1e-11)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=2e-5)
    reps = np.random.default_rng(0).integers(1, 4, len(y))
    weighted = LogisticRegression(**kw).fit(X, y, sample_weight=reps)
    repeated = LogisticRegression(**kw).fit(np.repeat(X, reps, axis=0), np.repeat(y, reps))
    assert objective(X, y, weighted.coef_, weighted.intercept_, 0.01, 0.5, grouped,
                     sw=reps.astype(float)) == pytest.approx(
        objective(X, y, repeated.coef_, repeated.intercept_, 0.01, 0.5, grouped,
                  sw=reps.astype(float)), abs=1e-11)
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=2e-5)


def test_penalty_factor_zero_leaves_a_feature_free(overlapping):
    X, y = overlapping
    factor = np.ones(X.shape[1])
    factor[0] = 0.0
    model = LogisticRegression(alpha=1.0, penalty_factor=factor, tol=1e-12).fit(X, y)
    U, _ = minus_gradient(X, y, model.coef_, model.intercept_)
    np.testing.assert_allclose(U[:, 0], 0.0, atol=1e-7)  # fitted freely
    assert np.all(model.coef_[:, 1:] == 0) and np.any(model.coef_[:, 0] != 0)


def test_unpenalized_equals_scikit_learn(overlapping):
    X, y = overlapping
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = LogisticRegression(alpha=0.0, tol=1e-12).fit(X, y)
    ref = sk.LogisticRegression(C=np.inf, tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-6)
    assert ours.dual_gap_ <= 1e-12


def test_unpenalized_separable_class_is_warned(wine):
    X, y = wine
    names = [f"f{j}" for j in range(X.shape[1])]
    import pandas as pd

    with pytest.warns(SeparationWarning, match=r"class 0 and the other classes are "
                                               r"completely separated .* f\d"):
        LogisticRegression(alpha=0.0).fit(pd.DataFrame(X, columns=names), y)


def test_prediction_api_and_labels(wine):
    X, y = wine
    labels = np.array(["barolo", "grignolino", "barbera"])[y]
    model = LogisticRegression(alpha=0.01).fit(X, labels)
    assert list(model.classes_) == ["barbera", "barolo", "grignolino"]
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), proba, rtol=1e-12)
    assert model.decision_function(X).shape == (len(y), 3)
    np.testing.assert_array_equal(model.predict(X), model.classes_[proba.argmax(axis=1)])
    assert model.score(X, labels) > 0.95


def test_warm_start_and_bad_parameters(wine):
    X, y = wine
    model = LogisticRegression(alpha=0.01, warm_start=True, tol=1e-10).fit(X, y)
    first = model.n_iter_
    model.fit(X, y)
    assert model.n_iter_ < first
    with pytest.raises(ValueError, match="multinomial must be 'ungrouped' or 'grouped'"):
        LogisticRegression(multinomial="yes").fit(X, y)
    with pytest.raises(ValueError, match="bounds .* two classes only"):
        LogisticRegression(positive=True).fit(X, y)
