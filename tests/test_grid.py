"""The default alpha grids reach the best alpha, and an edge choice is said aloud."""

import warnings

import numpy as np
import pytest
import sklearn.linear_model as sk
from sklearn.datasets import make_regression
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split

from shrinkage import ElasticNetCV, GridEdgeWarning, LassoCV, RidgeCV, regularization_path


def centred_gram_eigenvalues(X):
    Xc = X - X.mean(axis=0)
    small = Xc.T @ Xc if X.shape[0] >= X.shape[1] else Xc @ Xc.T
    evals = np.linalg.eigvalsh(small / X.shape[0])
    return evals[evals > evals.max() * 1e-10]


@pytest.mark.parametrize("shape", [(120, 30), (40, 90)])
def test_ridge_grid_spans_the_degrees_of_freedom(shape):
    """From df <= 0.01 down to where no direction of the data loses more than 1e-4 of
    its least-squares coefficient, computed here from numpy's eigenvalues."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal(shape) @ np.diag(rng.uniform(0.1, 10, shape[1]))
    y = rng.standard_normal(shape[0])
    alphas = RidgeCV().fit(X, y).alphas_[0]
    evals = centred_gram_eigenvalues(X)
    df = np.sum(evals[None, :] / (evals[None, :] + alphas[:, None]), axis=1)
    assert df[0] <= 0.01 + 1e-12 and df[0] == pytest.approx(0.01, rel=0.5)
    shrink = alphas[-1] / (evals + alphas[-1])
    assert shrink.max() <= 1e-4 and shrink.max() == pytest.approx(1e-4, rel=1e-3)
    assert len(evals) - df[-1] < 1e-4 * len(evals)  # nearly the rank
    # an elastic-net row reaches as low in its L2 part; the lasso keeps glmnet's end
    model = ElasticNetCV(l1_ratio=[0.01, 0.5, 1.0], alphas=10, tol=1e-6).fit(X, y)
    glmnet_eps = 1e-3 if shape[0] >= shape[1] else 1e-2
    for row, ratio in enumerate(model.l1_ratios_):
        top, bottom = model.alphas_[row, [0, -1]]
        expected = glmnet_eps * top if ratio == 1.0 else min(
            glmnet_eps * top, alphas[-1] / (1 - ratio))
        assert bottom == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("shape", [(300, 20), (100, 150)])
def test_default_grids_choose_as_well_as_a_wide_oracle_on_a_strong_signal(shape):
    """Strong dense signal: the default RidgeCV and ElasticNetCV are as good on test data
    as a dense wide grid and as scikit-learn's RidgeCV, and no edge warning is due."""
    n, p = shape
    X, y = make_regression(n, p, n_informative=min(p, 90), noise=1.0, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

    def test_mse(model):
        return mean_squared_error(y_test, model.fit(X_train, y_train).predict(X_test))

    oracle = test_mse(RidgeCV(alphas=np.logspace(-12, 4, 400)))
    sklearn_ridge = test_mse(sk.RidgeCV(alphas=np.logspace(-6, 6, 200)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", GridEdgeWarning)
        ridge = test_mse(RidgeCV())
        enet = test_mse(ElasticNetCV())
    assert ridge <= 1.01 * min(oracle, sklearn_ridge)
    enet_oracle = test_mse(ElasticNetCV(alphas=200, eps=1e-9))
    assert enet <= 1.01 * enet_oracle
    # the grid of before (glmnet's top down to 1e-3 times the lasso's alpha_max) was
    # far from it on n > p
    if n > p:
        Xc, yc = X_train - X_train.mean(0), y_train - y_train.mean()
        lasso_top = np.abs(Xc.T @ yc).max() / len(yc)
        old = RidgeCV(alphas=np.geomspace(1e3 * lasso_top, 1e-3 * lasso_top, 100))
        with pytest.warns(GridEdgeWarning):
            assert test_mse(old) > 10 * ridge


def test_edge_warning_fires_on_a_grid_that_ends_too_high_only():
    X, y = make_regression(200, 10, n_informative=10, noise=1.0, random_state=1)
    with pytest.warns(GridEdgeWarning, match="smallest of its grid.*smaller eps") as record:
        model = RidgeCV(alphas=np.logspace(-1, 3, 20)).fit(X, y)
    assert record[0].filename == __file__  # it points at the caller's fit
    assert model.alpha_ == model.alphas_[0, -1] and model.alpha_at_edge_ == "smallest"
    with pytest.warns(GridEdgeWarning, match="LassoCV"):
        LassoCV(alphas=20, eps=0.1, cv=3).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GridEdgeWarning)
        bracketing = RidgeCV(alphas=np.logspace(-9, 3, 60)).fit(X, y)
        # the lasso's alpha_max gives the null model: its top is never a grid problem
        LassoCV(alphas=np.geomspace(1e3, 1e2, 5), cv=3).fit(X, y)
    assert bracketing.alpha_at_edge_ is None
    assert bracketing.alphas_[0, -1] < bracketing.alpha_ < bracketing.alphas_[0, 0]


def test_edge_warning_at_the_top_of_a_grid_that_ends_too_low():
    """Pure noise wants a large ridge alpha; a grid that stops below it is flagged."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((80, 30)), rng.standard_normal(80)
    with pytest.warns(GridEdgeWarning, match="largest of its grid.*reach higher"):
        model = RidgeCV(alphas=np.logspace(-2, 0, 10)).fit(X, y)
    assert model.alpha_at_edge_ == "largest" and model.alpha_ == 1.0
    assert RidgeCV().fit(X, y).alpha_at_edge_ is None


def test_given_eps_sets_the_ridge_grid_ratio():
    X, y = make_regression(60, 8, noise=1.0, random_state=0)
    path = regularization_path(X, y, l1_ratio=0.0, alphas=5, eps=1e-2)
    assert path.alphas[-1] / path.alphas[0] == pytest.approx(1e-2)
