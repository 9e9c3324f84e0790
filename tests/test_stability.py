"""Stability selection: the probabilities against a hand loop of scikit-learn fits on
the same subsamples, the true features of a synthetic problem found, the bound written
out, and bad arguments named."""

import numpy as np
import pytest
from sklearn.linear_model import Lasso as SkLasso
from sklearn.utils import check_random_state

from shrinkage import (ElasticNet, Lasso, LassoCV, LogisticRegression, StabilityPath,
                       stability_selection)

GRID = np.array([2.0, 1.0, 0.5, 0.3])


def _five_strong(n=200, p=50, seed=0):
    """5 strong true features (coefficient 2) and 45 noise features."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    return X, X[:, :5] @ np.full(5, 2.0) + rng.standard_normal(n)


def test_true_features_are_stable_and_noise_ones_are_not():
    X, y = _five_strong()
    result = stability_selection(Lasso(tol=1e-10), X, y, n_resamples=40, alphas=GRID,
                                 random_state=0)
    assert isinstance(result, StabilityPath)
    assert result.probabilities.shape == (4, 50) and result.subsamples.shape == (40, 100)
    moderate = list(GRID).index(0.5)
    assert np.all(result.probabilities[moderate, :5] == 1.0)
    assert result.probabilities[moderate, 5:].max() <= 0.1
    np.testing.assert_array_equal(result.selected(0.9), np.arange(5))
    np.testing.assert_array_equal(result.max_probability, result.probabilities.max(axis=0))


def test_probabilities_equal_a_hand_loop_of_fits_on_the_same_subsamples():
    X, y = _five_strong(n=100, seed=1)
    result = stability_selection(Lasso(tol=1e-12), X, y, n_resamples=15, alphas=GRID,
                                 sample_fraction=0.6, random_state=7)
    rng = check_random_state(7)  # the documented draws: permutation(n)[:m], in turn
    kept = np.zeros((15, len(GRID), 50), dtype=bool)
    for r in range(15):
        rows = np.sort(rng.permutation(100)[:60])
        np.testing.assert_array_equal(result.subsamples[r], rows)
        for a, alpha in enumerate(GRID):
            coef = SkLasso(alpha=alpha, tol=1e-14, max_iter=100_000).fit(X[rows],
                                                                          y[rows]).coef_
            assert np.all((coef == 0) | (np.abs(coef) > 1e-4)), "an unclear support"
            kept[r, a] = coef != 0
    np.testing.assert_array_equal(result.probabilities, kept.mean(axis=0))
    shares = result.probabilities
    assert np.any((shares > 0) & (shares < 1))  # some feature in some subsamples only
    # q: the features a subsample keeps at some alpha of the grid
    np.testing.assert_array_equal(result.n_selected, kept.any(axis=1).sum(axis=1))


def test_the_error_bound_is_meinshausen_and_buhlmanns():
    X, y = _five_strong()
    result = stability_selection(ElasticNet(l1_ratio=0.9), X, y, n_resamples=10,
                                 alphas=GRID, random_state=0)
    q = result.n_selected.mean()
    assert result.error_bound(0.9) == pytest.approx(q**2 / (0.8 * 50))
    with pytest.raises(ValueError, match="threshold must be > 0.5"):
        result.error_bound(0.5)


def test_the_default_grid_is_the_estimators_on_the_whole_data():
    from shrinkage import regularization_path

    X, y = _five_strong(n=40, p=10)
    result = stability_selection(Lasso(), X, y, n_resamples=3, alphas=7, random_state=0)
    np.testing.assert_allclose(result.alphas, regularization_path(X, y, alphas=7).alphas)
    # without alphas: the default 100 down to where the whole-data path keeps
    # ceil(sqrt(0.8 p)) = 3 of the 10 features
    full = regularization_path(X, y, alphas=100)
    default = stability_selection(Lasso(), X, y, n_resamples=2).alphas
    k = len(default) - 1
    np.testing.assert_allclose(default, full.alphas[:k + 1])
    assert full.n_nonzero[k] >= 3 and np.all(full.n_nonzero[:k] < 3)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_default_grid_bounds_false_selections_on_pure_noise():
    """No feature matters: on the default grid q stays near sqrt(0.8 p), so the bound at
    0.9 is a few false selections and (as it promises on average) few noise features
    reach 0.9, where the grid down to 1e-3 alpha_max lets nearly all of them in."""
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((100, 50)), rng.standard_normal(100)
    result = stability_selection(Lasso(), X, y, n_resamples=20, random_state=0)
    assert result.error_bound(0.9) < 5
    assert result.selected(0.9).size <= 2
    deep = stability_selection(Lasso(), X, y, n_resamples=20, alphas=100, random_state=0)
    assert deep.n_selected.mean() > 3 * result.n_selected.mean()


def test_a_multiclass_feature_counts_when_any_class_keeps_it():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 6))
    y = np.argmax(X[:, :3] * 3.0 + rng.gumbel(size=(90, 3)), axis=1)
    result = stability_selection(LogisticRegression(), X, y, n_resamples=5,
                                 alphas=[0.05], random_state=0)
    assert np.all(result.probabilities[0, :3] == 1.0)


@pytest.mark.parametrize("arguments, message", [
    ({"sample_fraction": 0.0}, "sample_fraction must be > 0"),
    ({"sample_fraction": 1.5}, "sample_fraction must be <= 1"),
    ({"sample_fraction": 0.004}, "sample_fraction=0.004 keeps 0 of 200 rows"),
    ({"n_resamples": 0}, "n_resamples must be >= 1"),
])
def test_bad_arguments_are_named(arguments, message):
    X, y = _five_strong()
    with pytest.raises(ValueError, match=message):
        stability_selection(Lasso(), X, y, **arguments)


def test_a_cv_estimator_is_refused_with_what_to_give():
    X, y = _five_strong()
    with pytest.raises(ValueError, match="single-alpha estimators .* got LassoCV"):
        stability_selection(LassoCV(), X, y)


def test_the_default_grid_counts_only_the_penalized_features():
    """Five unpenalized controls are in every model: they do not end the default grid,
    which runs until ceil(sqrt(0.8 * 15)) = 4 penalized features are kept, and the two
    true ones are stable there."""
    from shrinkage import regularization_path

    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 20))
    y = 2.0 * X[:, 0] + X[:, 5] + rng.standard_normal(200)
    factor = np.ones(20)
    factor[10:15] = 0.0
    result = stability_selection(Lasso(penalty_factor=factor), X, y, n_resamples=20,
                                 random_state=0)
    full = regularization_path(X, y, alphas=100, penalty_factor=factor)
    penalized = np.count_nonzero(full.coefs[:, factor > 0], axis=1)
    k = len(result.alphas) - 1
    assert penalized[k] >= 4 and np.all(penalized[:k] < 4)
    assert {0, 5} <= set(result.selected(0.9).tolist())
