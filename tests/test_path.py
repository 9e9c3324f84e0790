"""Regularization paths: LARS knots, the exact alpha_max, the grid, warm starts."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_diabetes
from sklearn.linear_model import lars_path

from shrinkage import Path, regularization_path
from conftest import make_classification_problem, make_regression_problem
from reference import kkt_violation


def test_lasso_path_equals_lars_at_knots():
    X, y = load_diabetes(return_X_y=True)
    # LARS works on centred data with the same 1/n scaling of alpha
    knots, _, lars_coefs = lars_path(X - X.mean(0), y - y.mean(), method="lasso")
    knots = knots[:-1]  # the last knot is alpha = 0, the unregularized fit
    path = regularization_path(X, y, alphas=knots, tol=1e-13, max_iter=100_000)
    scale = np.abs(lars_coefs).max()
    np.testing.assert_allclose(path.coefs, lars_coefs.T[:-1], atol=1e-6 * scale)
    np.testing.assert_array_equal(path.alphas, knots)


@pytest.mark.parametrize("loss", ["squared", "logistic"])
def test_alpha_max_is_exact(loss):
    maker = make_regression_problem if loss == "squared" else make_classification_problem
    X, y = maker(60, 40, seed=2)
    path = regularization_path(X, y, loss=loss, alphas=5, tol=1e-10)
    amax = path.alphas[0]
    assert path.n_nonzero[0] == 0
    below = regularization_path(X, y, loss=loss, alphas=[amax * (1 - 1e-3)], tol=1e-12)
    assert below.n_nonzero[0] >= 1
    # independent check: the gradient at w = 0 (intercept fitted) reaches alpha_max
    Xd = X - X.mean(0) if loss == "squared" else X
    if loss == "squared":
        g = Xd.T @ (y - y.mean()) / len(y)
    else:
        ys = np.where(y == np.unique(y)[1], 1.0, -1.0)
        p = (ys > 0).mean()
        g = X.T @ ((ys > 0) - p) / len(y)
    assert amax == pytest.approx(np.abs(g).max(), rel=1e-10)


def test_grid_defaults_follow_glmnet():
    X, y = make_regression_problem(50, 20)
    tall = regularization_path(X, y, alphas=10)
    assert tall.alphas[-1] / tall.alphas[0] == pytest.approx(1e-3)
    assert np.allclose(np.diff(np.log(tall.alphas)), np.log(1e-3) / 9)
    X, y = make_regression_problem(20, 50)
    wide = regularization_path(X, y, alphas=10)
    assert wide.alphas[-1] / wide.alphas[0] == pytest.approx(1e-2)
    assert regularization_path(X, y, alphas=4, eps=0.5).alphas[-1] == \
        pytest.approx(0.5 * wide.alphas[0])


def test_path_fields_and_kkt_at_every_alpha():
    X, y = make_regression_problem(60, 80, seed=5)
    # the elastic-net grid reaches down to near-interpolation (p > n): many epochs there
    path = regularization_path(X, y, l1_ratio=0.5, alphas=20, tol=1e-10, max_iter=20_000)
    assert isinstance(path, Path)
    assert path.coefs.shape == (20, 80) and path.intercepts.shape == (20,)
    assert np.all(path.gaps <= 1e-10) and np.all(path.gaps >= 0)
    np.testing.assert_array_equal(path.n_nonzero, np.count_nonzero(path.coefs, axis=1))
    assert path.n_nonzero[-1] > path.n_nonzero[1]
    for a, c, b in zip(path.alphas, path.coefs, path.intercepts):
        assert kkt_violation(X, y, c, b, a, 0.5) < 1e-4 * max(1.0, a)


def test_sparse_logistic_path_matches_dense():
    X, y = make_classification_problem(80, 30, density=0.5, seed=6)
    dense = regularization_path(X, y, loss="logistic", alphas=8, tol=1e-10)
    sparse = regularization_path(sp.csc_matrix(X), y, loss="logistic", alphas=8, tol=1e-10)
    np.testing.assert_allclose(dense.alphas, sparse.alphas, rtol=1e-12)
    np.testing.assert_allclose(dense.coefs, sparse.coefs, atol=1e-6)


def test_given_alphas_used_as_given():
    X, y = make_regression_problem(40, 10)
    alphas = [0.01, 0.5, 0.1]
    path = regularization_path(X, y, alphas=alphas)
    np.testing.assert_array_equal(path.alphas, alphas)
    assert path.n_nonzero[1] <= path.n_nonzero[0]


def test_covariance_path_equals_residual_path(monkeypatch):
    """n >> p runs the whole path in one compiled loop; same answers as the general one."""
    from shrinkage.solvers import gram

    X, y = make_regression_problem(300, 25, seed=8)
    sw = np.random.default_rng(3).uniform(0.5, 2.0, 300)
    kw = dict(l1_ratio=0.6, alphas=15, tol=1e-11, sample_weight=sw, positive=True)
    fast = regularization_path(X, y, **kw)
    monkeypatch.setattr(gram, "MAX_FEATURES", 0)
    plain = regularization_path(X, y, **kw)
    np.testing.assert_allclose(fast.alphas, plain.alphas)
    assert np.all(fast.gaps <= 1e-11) and np.all(plain.gaps <= 1e-11)
    # both within their certified gaps of the one optimum: the objective is mu-strongly
    # convex (mu: the weighted centered covariance's smallest eigenvalue plus the L2
    # part), so each is within sqrt(2 gap null / mu) of it
    w = sw / sw.sum()
    centered = X - w @ X
    cov = centered.T @ (w[:, None] * centered)
    null = 0.5 * w @ (y - w @ y) ** 2
    for k, alpha in enumerate(fast.alphas):
        mu = np.linalg.eigvalsh(cov)[0] + alpha * (1 - 0.6)
        bound = sum(np.sqrt(2 * g * null / mu) for g in (fast.gaps[k], plain.gaps[k]))
        assert np.linalg.norm(fast.coefs[k] - plain.coefs[k]) <= bound + 1e-12
        assert abs(fast.intercepts[k] - plain.intercepts[k]) <= \
            np.linalg.norm(w @ X) * bound + 1e-12
    for a, c, b in zip(fast.alphas, fast.coefs, fast.intercepts):
        assert kkt_violation(X, y, c, b, a, 0.6, sample_weight=sw,
                             lower=np.zeros(25)) < 1e-4


def test_closed_form_gaps_from_the_gram_equal_the_residual_ones():
    """Ridge gaps certified from cached Gram terms agree with those from residuals, at
    alpha > 0 (dual scaling) and at alpha = 0 (excess objective of least squares)."""
    from shrinkage.penalties import ElasticNetPenalty
    from shrinkage.solvers.cd import duality_gap, make_problem
    from shrinkage.solvers.gram import gram_terms, closed_form_gaps

    X, y = make_regression_problem(200, 12, seed=4)
    problem = make_problem(X, y)
    gram_terms(problem)
    inf = np.full(12, np.inf)
    penalties = [ElasticNetPenalty.from_params(a, 0.0, np.ones(12), -inf, inf)
                 for a in (0.5, 0.01, 0.0)]
    rng = np.random.default_rng(0)
    coefs = [rng.standard_normal(12) * 0.1 for _ in penalties]  # far from optimal
    from_gram = closed_form_gaps(problem, penalties, coefs)
    for pen, w, gap in zip(penalties, coefs, from_gram):
        intercept = y.mean() - X.mean(axis=0) @ w
        assert gap == pytest.approx(duality_gap(problem, pen, w, intercept), rel=1e-8)


@pytest.mark.parametrize("loss", ["poisson", "cox", "logistic"])
def test_alpha_max_with_an_unpenalized_feature_for_newton_losses(loss):
    """A penalty factor of 0 (the feature fitted without penalty first, by Newton's
    method on its column alone): the grid's top is exact, all penalized coefficients 0
    just above it and one entering just below, as a tight single fit says."""
    from shrinkage import CoxRegressor, LogisticRegression, PoissonRegressor

    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 5))
    signal = 0.6 * X[:, 0] + 0.4 * X[:, 1]
    y = {"poisson": lambda: rng.poisson(np.exp(signal)),
         "cox": lambda: np.c_[rng.exponential(np.exp(-signal)), rng.integers(0, 2, 120)],
         "logistic": lambda: (signal + rng.logistic(size=120) > 0).astype(int)}[loss]()
    factor = [0, 1, 1, 1, 1]
    top = regularization_path(X, y, loss=loss, penalty_factor=factor, alphas=5).alphas[0]
    model = {"poisson": PoissonRegressor, "cox": CoxRegressor,
             "logistic": LogisticRegression}[loss]
    for scale, entered in ((1.001, False), (0.98, True)):
        coef = model(alpha=scale * top, l1_ratio=1.0, penalty_factor=factor,
                     tol=1e-10).fit(X, y).coef_.ravel()
        assert coef[0] != 0 and bool(np.any(coef[1:] != 0)) == entered
