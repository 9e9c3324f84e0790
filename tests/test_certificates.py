"""The reported gap bounds the true suboptimality at every edge (issue 28, part 1).

Over a sweep of column offsets (up to 1e9), target scales (up to 1e15) and alphas
(1e-300 to 1e300), for every estimator on dense and sparse X: the objective is
recomputed by hand in extended precision on the user's columns, the optimum comes from
an independent L-BFGS-B solve (``reference.reference_solution``) on the centred columns,
and ``dual_gap_`` must bound the difference, relative to the objective at w = 0. A fit
that reports convergence must also agree with the fit on the centred columns.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from reference import reference_solution
from shrinkage import (ElasticNet, HuberRegressor, Lasso, LassoCV, LogisticRegression,
                       PoissonRegressor, Ridge, RidgeCV, regularization_path)

OFFSETS = [0.0, 1e3, 1e6, 1e9]
#: what the reference's own rounding and the extended-precision recomputation leave
SLACK = 1e-8


def _data(seed=0, n=120, p=6):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    signal = X[:, 0] - 2 * X[:, 1] + 0.5 * X[:, 2]
    return rng, X, signal


def _objective(X, y, coef, intercept, alpha, l1_ratio, loss, delta=None):
    """The documented objective, in extended precision on the user's (offset) columns."""
    X = (X.toarray() if sp.issparse(X) else X).astype(np.longdouble)
    y = np.asarray(y, dtype=np.longdouble)
    coef = np.asarray(coef, dtype=np.longdouble)
    z = X @ coef + np.longdouble(intercept)
    if loss == "squared":
        fit = np.mean((y - z) ** 2) / 2
    elif loss == "logistic":
        fit = np.mean(np.logaddexp(np.longdouble(0), -y * z))
    elif loss == "poisson":
        fit = np.mean(np.exp(z) - y * z)
    else:
        r = np.abs(y - z)
        fit = np.mean(np.where(r <= delta, r * r / 2, delta * r - delta * delta / 2))
    if alpha == 0:
        return fit
    pen = l1_ratio * np.sum(np.abs(coef)) + (1 - l1_ratio) / 2 * np.sum(coef * coef)
    return fit + np.longdouble(alpha) * pen if pen > 0 else fit


def _null(y, loss, delta=None):
    """``(value, scale)``: the objective at w = 0 with the intercept fitted, by hand, and
    that minus the datafit's infimum (the relative gap's denominator)."""
    from scipy.optimize import minimize_scalar

    y = np.asarray(y, dtype=float)
    zeros = np.zeros((len(y), 1))
    if loss == "squared":
        b = y.mean()
    elif loss == "logistic":
        b = np.log(np.mean(y > 0) / np.mean(y < 0))
    elif loss == "poisson":
        b = np.log(y.mean())
    else:
        b = minimize_scalar(lambda t: float(_objective(zeros, y, [0.0], t, 0.0, 1.0,
                                                       "huber", delta))).x
    value = float(_objective(zeros, y, [0.0], b, 0.0, 1.0, loss, delta))
    floor = float(np.mean(y - y * np.log(np.where(y > 0, y, 1.0)))) if loss == "poisson" \
        else 0.0
    return value, value - floor


def _fit_quietly(model, X, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    return [w for w in caught if issubclass(w.category, ConvergenceWarning)]


def _check(model, X, y, alpha, l1_ratio, loss, reference, null, delta=None,
           labels=None):
    """``dual_gap_`` bounds the recomputed suboptimality; no warning where it converged."""
    fitted_y = labels if labels is not None else y
    warned = _fit_quietly(model, X, fitted_y)
    gap = float(np.max(model.dual_gap_))
    assert np.isfinite(gap) and gap >= 0
    value = _objective(X, y, np.ravel(model.coef_), np.ravel(model.intercept_)[0], alpha,
                       l1_ratio, loss, delta)
    at_zero, scale = null
    # the optimum is at most the better of the reference's and the null model's values
    excess = float(value - np.longdouble(min(reference, at_zero))) / scale
    assert excess <= gap + SLACK, (excess, gap)
    assert (gap > model.tol) == bool(warned), (gap, warned)
    return model


SQUARED = [("lasso", lambda a, tol: Lasso(alpha=a, tol=tol), 1.0),
           ("enet", lambda a, tol: ElasticNet(alpha=a, l1_ratio=0.5, tol=tol), 0.5),
           ("ridge", lambda a, tol: Ridge(alpha=a, tol=tol), 0.0)]


@pytest.mark.parametrize("name,make,l1_ratio", SQUARED, ids=[s[0] for s in SQUARED])
@pytest.mark.parametrize("y_scale", [1.0, 1e15])
@pytest.mark.parametrize("alpha", [1e-300, 1e-20, 0.05, 1e300])
def test_squared_gap_bounds_suboptimality_over_offsets(name, make, l1_ratio, y_scale,
                                                       alpha, storage):
    rng, X, signal = _data()
    y = (signal + 0.5 * rng.standard_normal(len(signal))) * y_scale
    a = alpha * y_scale if alpha == 0.05 else alpha  # the middle alpha follows y's scale
    centred = X - X.mean(axis=0)
    reference = reference_solution(centred, y, a, l1_ratio)
    null = _null(y, "squared")
    base = make(a, 1e-10).fit(centred, y)
    for offset in OFFSETS:
        Xo = X + offset
        Xo = sp.csc_matrix(Xo) if storage == "sparse" else Xo
        model = _check(make(a, 1e-10), Xo, y, a, l1_ratio, "squared", reference,
                       null)
        scale = max(1.0, float(np.abs(base.coef_).max()))
        np.testing.assert_allclose(model.coef_, base.coef_, atol=1e-5 * scale, rtol=0)


def test_lasso_far_from_zero_matches_scikit_learn():
    """The issue's example: X + 1e7 gave zeros with a gap of 0."""
    from sklearn.linear_model import Lasso as SkLasso

    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 10))
    y = X[:, 0] - 2 * X[:, 1] + 0.5 * X[:, 2] + 0.5 * rng.standard_normal(200)
    expected = SkLasso(alpha=0.05, tol=1e-12, max_iter=100_000).fit(X, y).coef_
    for offset in (1e5, 1e6, 1e7, 1e9):
        for Xo in (X + offset, sp.csr_matrix(X + offset)):
            model = Lasso(alpha=0.05, tol=1e-10).fit(Xo, y)
            np.testing.assert_allclose(model.coef_, expected, atol=1e-6)


def test_cv_far_from_zero_picks_the_same_alpha():
    """LassoCV on X + 1e7 picked alpha 1.94 instead of 0.024; RidgeCV (leave-one-out)
    and its k-fold twin alike."""
    rng, X, signal = _data(n=150, p=8)
    y = signal + rng.standard_normal(150)
    for make in (lambda: LassoCV(cv=4), lambda: RidgeCV(), lambda: RidgeCV(cv=4)):
        base = make().fit(X, y)
        for Xo in (X + 1e7, sp.csr_matrix(X + 1e7)):
            model = make().fit(Xo, y)
            assert model.alpha_ == pytest.approx(base.alpha_, rel=1e-6)
            np.testing.assert_allclose(model.coef_, base.coef_, atol=1e-5)
            np.testing.assert_allclose(model.intercept_ + 1e7 * model.coef_.sum(),
                                       base.intercept_, atol=1e-3)


def _glm_cases():
    rng, X, signal = _data(seed=1)
    labels = (signal + rng.logistic(size=len(signal)) > 0).astype(int)
    counts = rng.poisson(np.exp(0.4 * signal)).astype(float)
    noisy = signal + rng.standard_normal(len(signal))
    return X, [
        ("logistic", lambda a: LogisticRegression(alpha=a, l1_ratio=0.0, tol=1e-10),
         np.where(labels == 1, 1.0, -1.0), labels, None),
        ("poisson", lambda a: PoissonRegressor(alpha=a, l1_ratio=0.0, tol=1e-10), counts,
         None, None),
        ("huber", lambda a: HuberRegressor(alpha=a, l1_ratio=0.5, delta=1.0, tol=1e-10),
         noisy, None, 1.0),
    ]


@pytest.mark.parametrize("alpha", [1e-300, 0.01, 1e300])
@pytest.mark.parametrize("case", [0, 1, 2], ids=["logistic", "poisson", "huber"])
def test_glm_gap_bounds_suboptimality_over_offsets(case, alpha, storage):
    X, cases = _glm_cases()
    loss, make, y, labels, delta = cases[case]
    l1_ratio = make(alpha).l1_ratio
    centred = X - X.mean(axis=0)
    reference = reference_solution(centred, y, alpha, l1_ratio, loss, delta=delta)
    null = _null(y, loss, delta)
    base = make(alpha).fit(centred, labels if labels is not None else y)
    for offset in (0.0, 1e3, 1e6):
        Xo = X + offset
        Xo = sp.csc_matrix(Xo) if storage == "sparse" else Xo
        model = _check(make(alpha), Xo, y, alpha, l1_ratio, loss, reference, null,
                       delta, labels)
        np.testing.assert_allclose(np.ravel(model.coef_), np.ravel(base.coef_), atol=1e-5)


def test_sparse_ridge_reaches_the_tol_it_is_given():
    """Its conjugate gradients stopped at a fixed residual, whatever tol asked."""
    rng = np.random.default_rng(1)
    X = sp.random(100, 50, density=0.1, format="csr", random_state=1)
    y = rng.standard_normal(100)
    for tol in (1e-4, 1e-8, 1e-12):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            model = Ridge(alpha=1e-12, tol=tol).fit(X, y)
        assert model.dual_gap_ <= tol
        dense = Ridge(alpha=1e-12, tol=tol).fit(X.toarray(), y)
        np.testing.assert_allclose(model.coef_, dense.coef_, atol=1e-6)


def test_sparse_ridge_warns_when_its_iterations_run_out():
    rng = np.random.default_rng(2)
    X = sp.random(200, 80, density=0.2, format="csr", random_state=2)
    y = rng.standard_normal(200)
    with pytest.warns(ConvergenceWarning, match="Ridge reached relative duality gap"):
        model = Ridge(alpha=1e-6, tol=1e-12, max_iter=2).fit(X, y)
    assert model.dual_gap_ > 1e-12


@pytest.mark.parametrize("make", [lambda: Ridge(tol=0), lambda: Ridge(max_iter=0),
                                  lambda: Ridge(tol=-1.0), lambda: Ridge(max_iter=1.5)])
def test_ridge_checks_tol_and_max_iter(make):
    X, y = np.eye(3), np.arange(3.0)
    with pytest.raises((ValueError, TypeError), match="tol|max_iter"):
        make().fit(X, y)


@pytest.mark.parametrize("make", [Lasso, ElasticNet, Ridge, PoissonRegressor,
                                  HuberRegressor])
def test_values_near_the_largest_float_are_refused(make):
    """scikit-learn's test_enet_nonfinite_params: a ValueError, not NaN or zeros."""
    rng = np.random.RandomState(0)
    X = np.finfo(np.float64).max * rng.uniform(size=(10, 2))
    y = rng.randint(0, 2, size=10).astype(float)
    with pytest.raises(ValueError, match="too large"):
        make().fit(X, y)


def test_targets_near_the_largest_float_are_refused():
    X = np.random.default_rng(0).standard_normal((20, 2))
    with pytest.raises(ValueError, match="y holds values too large"):
        Lasso().fit(X, np.full(20, 1e300) * np.arange(1, 21))
    with pytest.raises(ValueError, match="float64"):
        PoissonRegressor(alpha=0.1).fit(X, np.full(20, 1e300))


def test_warm_start_with_a_hand_set_coef_and_no_intercept():
    rng, X, signal = _data()
    y = signal + rng.standard_normal(len(signal))
    model = Lasso(alpha=0.05, warm_start=True)
    model.coef_ = np.ones(X.shape[1])
    model.fit(X, y)
    np.testing.assert_allclose(model.coef_, Lasso(alpha=0.05).fit(X, y).coef_, atol=1e-4)
    labels = np.digitize(signal, [-1, 1])
    clf = LogisticRegression(alpha=0.01, warm_start=True).fit(X, labels)
    del clf.intercept_
    clf.fit(X, labels)
    assert clf.intercept_.shape == (3,)


def _softmax_objective(X, codes, coef, intercept, alpha):
    """Mean multinomial log-loss plus alpha/2 |W|^2, in extended precision."""
    X = (X.toarray() if sp.issparse(X) else X).astype(np.longdouble)
    Z = X @ np.asarray(coef, dtype=np.longdouble).T + np.asarray(intercept, np.longdouble)
    top = Z.max(axis=1, keepdims=True)
    logsum = np.log(np.exp(Z - top).sum(axis=1)) + top[:, 0]
    fit = np.mean(logsum - Z[np.arange(len(codes)), codes])
    return fit + np.longdouble(alpha) / 2 * np.sum(np.asarray(coef, np.longdouble) ** 2)


@pytest.mark.parametrize("alpha", [1e-300, 0.01, 1e300])
def test_multinomial_gap_bounds_suboptimality_over_offsets(alpha, storage):
    """Against scikit-learn's multinomial L2 fit (C = 1 / (n alpha)) on centred columns."""
    from sklearn.linear_model import LogisticRegression as SkLogistic

    rng, X, signal = _data(seed=3)
    codes = np.digitize(signal + 2 * rng.standard_normal(len(signal)), [-1, 1])
    n = len(codes)
    centred = X - X.mean(axis=0)
    shares = np.bincount(codes) / n
    null = float(-np.sum(shares * np.log(shares)))
    candidates = [null]
    if alpha < 1e100:
        sk = SkLogistic(C=1.0 / (n * alpha), tol=1e-12, max_iter=10_000).fit(centred, codes)
        candidates.append(float(_softmax_objective(centred, codes, sk.coef_,
                                                   sk.intercept_, alpha)))
    reference = min(candidates)
    for offset in (0.0, 1e3, 1e6):
        Xo = X + offset
        Xo = sp.csc_matrix(Xo) if storage == "sparse" else Xo
        model = LogisticRegression(alpha=alpha, l1_ratio=0.0, tol=1e-10)
        warned = _fit_quietly(model, Xo, codes)
        value = _softmax_objective(Xo, codes, model.coef_, model.intercept_, alpha)
        excess = float(value - np.longdouble(reference)) / null
        assert np.isfinite(model.dual_gap_) and excess <= model.dual_gap_ + SLACK
        assert not warned and model.dual_gap_ <= 1e-10


@pytest.mark.parametrize("weights", ["one heavy row", "two rows", "one light row"])
@pytest.mark.parametrize("shape", [(100, 5), (30, 60)])
@pytest.mark.parametrize("name,make,l1_ratio", SQUARED, ids=[s[0] for s in SQUARED])
def test_gap_bounds_suboptimality_with_extreme_weights(name, make, l1_ratio, shape, weights,
                                                       storage):
    rng = np.random.default_rng(4)
    n, p = shape
    X = rng.standard_normal((n, p)) + 5.0
    y = X[:, 0] - 2 * X[:, 1] + rng.standard_normal(n)
    sw = np.ones(n)
    if weights == "one heavy row":
        sw[0] = 1e6
    elif weights == "two rows":
        sw[:] = 0.0
        sw[:2] = 1.0
    else:
        sw[0] = 1e-9
    alpha = 0.05
    reference = reference_solution(X, y, alpha, l1_ratio, sample_weight=sw)
    Xi = sp.csr_matrix(X) if storage == "sparse" else X
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = make(alpha, 1e-8).fit(Xi, y, sample_weight=sw)
    norm = sw * n / sw.sum()
    z = X @ model.coef_ + model.intercept_
    pen = l1_ratio * np.abs(model.coef_).sum() + (1 - l1_ratio) / 2 * model.coef_ @ model.coef_
    value = norm @ (y - z) ** 2 / (2 * n) + alpha * pen
    mean = norm @ y / n
    null = norm @ (y - mean) ** 2 / (2 * n)
    assert (value - min(reference, null)) / null <= model.dual_gap_ + SLACK
    assert model.dual_gap_ <= 1e-8 and not [w for w in caught
                                             if issubclass(w.category, ConvergenceWarning)]


def test_dask_fits_far_from_zero_match_the_centred_fit(client):
    """The workers' sums are taken about the first chunk's means: raw sums at an offset
    of 1e8 kept no digit of the centred Gram matrix."""
    da = pytest.importorskip("dask.array")
    rng, X, signal = _data(n=2000)
    y = signal + 0.5 * rng.standard_normal(len(signal))
    for make in (lambda: Lasso(alpha=0.05, tol=1e-10), lambda: Ridge(alpha=0.01),
                 lambda: ElasticNet(alpha=0.05, tol=1e-10)):
        expected = make().fit(X, y)
        for offset, shift_y in ((1e6, 0.0), (1e9, 1e9)):
            model = make().fit(da.from_array(X + offset, chunks=(500, X.shape[1])),
                               da.from_array(y + shift_y, chunks=500))
            np.testing.assert_allclose(model.coef_, expected.coef_, atol=1e-7)
            np.testing.assert_allclose(model.intercept_ + offset * model.coef_.sum()
                                       - shift_y, expected.intercept_, atol=1e-5)
    path = regularization_path(da.from_array(X + 1e9, chunks=(500, X.shape[1])),
                               da.from_array(y, chunks=500), alphas=[0.1, 0.01])
    np.testing.assert_allclose(path.coefs, regularization_path(X, y, alphas=[0.1, 0.01])
                               .coefs, atol=1e-7)


def test_dask_glm_fits_far_from_zero_match_the_in_memory_fit(client):
    """Distributed Newton on rows less the first chunk's means: at an offset of 1e9 its
    Newton systems were singular to rounding (a logistic fit stopped at a gap of 0.87)."""
    da = pytest.importorskip("dask.array")
    rng, X, signal = _data(seed=5, n=2000, p=4)
    labels = (signal + rng.logistic(size=len(signal)) > 0).astype(int)
    counts = rng.poisson(np.exp(0.3 * signal)).astype(float)
    for make, y in ((lambda: LogisticRegression(alpha=0.01, tol=1e-8), labels),
                    (lambda: PoissonRegressor(alpha=0.01, tol=1e-8), counts),
                    (lambda: LogisticRegression(alpha=0.0, tol=1e-10), labels)):
        expected = make().fit(X, y)
        for offset in (1e6, 1e9):
            with warnings.catch_warnings():
                warnings.simplefilter("error", ConvergenceWarning)
                model = make().fit(da.from_array(X + offset, chunks=(500, X.shape[1])),
                                   da.from_array(y, chunks=500))
            np.testing.assert_allclose(np.ravel(model.coef_), np.ravel(expected.coef_),
                                       atol=2e-4)
            np.testing.assert_allclose(
                np.ravel(model.intercept_) + offset * np.sum(model.coef_),
                np.ravel(expected.intercept_), atol=1e-2)


def test_a_huber_floor_is_taken_only_at_a_stationary_point():
    """Huber's Hessian vanishes on rows beyond delta: Newton's decrement reached zero
    away from the minimum, and that point's value, taken as the floor, certified a fit
    whose true suboptimality was 0.92 (a reviewer's case)."""
    rng = np.random.default_rng(0)
    X = np.zeros((100, 2))
    X[:, 0] = rng.standard_normal(100)
    y = X[:, 0] + 0.1 * rng.standard_normal(100)
    X[0, 1], y[0] = 0.1, y[0] + 500.0  # column 1 lives on one outlying row
    model = HuberRegressor(alpha=1e-2, delta=1.0, warm_start=True).fit(X, y)
    model.set_params(alpha=1e-10).fit(X, y)
    reference = reference_solution(X, y, 1e-10, 0.5, "huber", delta=1.0)
    value = _objective(X, y, model.coef_, model.intercept_, 1e-10, 0.5, "huber", 1.0)
    at_zero, scale = _null(y, "huber", 1.0)
    assert float(value - np.longdouble(min(reference, at_zero))) / scale <= \
        model.dual_gap_ + SLACK
    assert model.coef_[1] == pytest.approx(5000.6, rel=1e-3)


def test_dask_fits_near_alpha_zero_take_the_floor_from_the_gram_terms(client):
    da = pytest.importorskip("dask.array")
    rng, X, signal = _data(n=400, p=5)
    y = signal + rng.standard_normal(len(signal))
    Xd, yd = da.from_array(X, chunks=(100, 5)), da.from_array(y, chunks=100)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        for make in (lambda: Lasso(alpha=1e-6), lambda: Ridge(alpha=1e-300)):
            assert make().fit(Xd, yd).dual_gap_ <= 1e-4
        path = regularization_path(Xd, yd, alphas=[0.1, 1e-300])
    assert np.all(path.gaps <= 1e-4)


def test_ridge_cv_with_an_unpenalized_feature_certifies_its_closed_forms():
    """The covariance-mode gap held the unpenalized feature's conjugate, infinite at
    any rounding of its gradient: 81 of 100 alphas reported inf."""
    rng, X, signal = _data(n=200, p=4)
    y = signal + rng.standard_normal(len(signal))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        for weights in (None, rng.uniform(0.5, 2.0, len(y))):
            model = RidgeCV(cv=5, penalty_factor=[0, 1, 1, 1]).fit(
                X, y, sample_weight=weights)
            assert np.isfinite(model.dual_gap_) and model.dual_gap_ <= 1e-10
