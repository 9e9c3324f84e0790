"""Bad input gets a ValueError / TypeError that names the argument and the problem."""

import numpy as np
import pytest
import scipy.sparse as sp

from shrinkage import ElasticNet, Lasso, LogisticRegression, Ridge, regularization_path

rng = np.random.default_rng(0)
X = rng.standard_normal((20, 4))
y = rng.standard_normal(20)


def _with(value, i=0, j=0, arr=X):
    out = arr.copy()
    out[(i, j) if out.ndim == 2 else i] = value
    return out


@pytest.mark.parametrize("est", [Lasso(), ElasticNet(), Ridge()])
@pytest.mark.parametrize("X_bad, y_bad, exc, match", [
    (_with(np.nan), y, ValueError, "X contains NaN"),
    (_with(np.inf), y, ValueError, "X contains infinity"),
    (X, _with(np.nan, arr=y), ValueError, "y.*NaN"),
    (np.empty((0, 4)), np.empty(0), ValueError, "0 sample"),
    (X[:1], y[:1], ValueError, "1 sample"),
    (X, y[:-1], ValueError, "X has 20 samples but y has 19"),
    (np.array([["a", "b"]] * 20), y, ValueError, "^X: could not convert string"),
])
def test_bad_data(est, X_bad, y_bad, exc, match):
    with pytest.raises(exc, match=match):
        est.fit(X_bad, y_bad)


@pytest.mark.parametrize("est, exc, match", [
    (Lasso(alpha=-1.0), ValueError, "alpha must be >= 0"),
    (Lasso(alpha="big"), TypeError, "alpha must be a real number"),
    (ElasticNet(l1_ratio=1.5), ValueError, "l1_ratio must be <= 1"),
    (ElasticNet(l1_ratio=-0.1), ValueError, "l1_ratio must be >= 0"),
    (Lasso(tol=0.0), ValueError, "tol must be > 0"),
    (Lasso(max_iter=0), ValueError, "max_iter must be >= 1"),
    (Lasso(penalty_factor=[1, 2]), ValueError, r"penalty_factor must have shape \(4,\)"),
    (Lasso(penalty_factor=[1, -1, 1, 1]), ValueError, "penalty_factor must be >= 0"),
    (Lasso(lower_bounds=1.0), ValueError, "lower_bounds must be <= 0"),
    (Lasso(upper_bounds=[-1, 1, 1, 1]), ValueError, "upper_bounds must be >= 0"),
    (Lasso(positive="yes"), TypeError, "positive must be True or False"),
])
def test_bad_parameters(est, exc, match):
    with pytest.raises(exc, match=match):
        est.fit(X, y)


def test_bad_sample_weight():
    with pytest.raises(ValueError, match="(?i)sample_weight.*negative"):
        Lasso().fit(X, y, sample_weight=-np.ones(20))
    with pytest.raises(ValueError, match="sample_weight"):
        Lasso().fit(X, y, sample_weight=np.ones(19))
    with pytest.raises(ValueError, match="sample_weight.*(non-zero|positive)"):
        Lasso().fit(X, y, sample_weight=np.zeros(20))


def test_logistic_targets():
    # three classes are a multinomial fit
    assert LogisticRegression().fit(X, np.arange(20) % 3).coef_.shape == (3, X.shape[1])
    with pytest.raises(ValueError, match="3 classes"):
        regularization_path(X, np.arange(20) % 3, loss="logistic")
    with pytest.raises(ValueError, match="Unknown label type|continuous"):
        LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="zero total sample_weight"):
        LogisticRegression().fit(X, np.arange(20) % 2,
                                 sample_weight=(np.arange(20) % 2).astype(float))


def test_path_arguments():
    with pytest.raises(ValueError, match="alphas is empty"):
        regularization_path(X, y, alphas=[])
    with pytest.raises(ValueError, match="alphas must be finite and >= 0"):
        regularization_path(X, y, alphas=[1.0, -1.0])
    with pytest.raises(ValueError, match="loss must be"):
        regularization_path(X, y, loss="hinge")
    with pytest.raises(ValueError, match="eps must be"):
        regularization_path(X, y, eps=2.0)
    with pytest.raises(ValueError, match="single class"):
        regularization_path(X, np.ones(20), loss="logistic")


def test_inputs_untouched_on_error():
    Xs = sp.csr_matrix(X)
    data = Xs.data.copy()
    with pytest.raises(ValueError):
        Lasso(alpha=-1).fit(Xs, y)
    np.testing.assert_array_equal(Xs.data, data)
