"""PoissonRegressorCV and HuberRegressorCV: fold scores against folds fitted one alpha
at a time and scored by scikit-learn's metrics."""

import numpy as np
import pytest
from sklearn.metrics import mean_absolute_error, mean_poisson_deviance
from sklearn.model_selection import KFold

from shrinkage import (
    CVCurveDisplay,
    HuberRegressor,
    HuberRegressorCV,
    PoissonRegressor,
    PoissonRegressorCV,
)


def _counts(n=240, p=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    exposure = rng.uniform(0.5, 2.0, n)
    y = rng.poisson(exposure * np.exp(0.4 * X[:, 0] - 0.3 * X[:, 1] + 0.5)).astype(float)
    return X, y, exposure


def _per_fold(model_of_alpha, X, y, alphas, score, folds, offset=None):
    out = np.empty((len(folds), len(alphas)))
    for k, (train, test) in enumerate(folds):
        for a, alpha in enumerate(alphas):
            fit_args = {} if offset is None else {"offset": offset[train]}
            model = model_of_alpha(alpha).fit(X[train], y[train], **fit_args)
            z = X[test] @ model.coef_ + model.intercept_
            out[k, a] = score(y[test], z if offset is None else z + offset[test])
    return out


@pytest.mark.parametrize("scoring", ["poisson_deviance", "mae"])
def test_poisson_cv_scores_equal_independent_folds(scoring):
    X, y, exposure = _counts()
    offset = np.log(exposure)
    model = PoissonRegressorCV(l1_ratio=1.0, alphas=8, cv=4, scoring=scoring,
                               tol=1e-10).fit(X, y, offset=offset)
    folds = list(KFold(4).split(X))
    metric = mean_poisson_deviance if scoring == "poisson_deviance" else \
        mean_absolute_error
    expected = _per_fold(lambda a: PoissonRegressor(alpha=a, l1_ratio=1.0, tol=1e-10),
                         X, y, model.alphas_[0], lambda t, z: metric(t, np.exp(z)),
                         folds, offset)
    np.testing.assert_allclose(model.cv_scores_[0], expected, rtol=1e-6)
    best = np.argmin(expected.mean(axis=0))
    assert model.alpha_min_ == model.alphas_[0, best]
    refit = PoissonRegressor(alpha=model.alpha_, l1_ratio=1.0, tol=1e-10).fit(
        X, y, offset=offset)
    np.testing.assert_allclose(model.coef_, refit.coef_, atol=1e-5)


@pytest.mark.parametrize("scoring", ["huber", "mae"])
def test_huber_cv_scores_equal_independent_folds_with_one_delta(scoring):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 6))
    y = X[:, 0] * 2.0 + rng.standard_normal(200)
    y[:12] += 30.0
    model = HuberRegressorCV(l1_ratio=0.5, alphas=6, cv=3, scoring=scoring,
                             tol=1e-10).fit(X, y)
    delta = model.delta_
    # the "residuals" rule: a whole cross-validated pilot with the rule on y
    on_y = 1.35 * 1.4826 * np.median(np.abs(y - np.median(y)))
    pilot = HuberRegressorCV(l1_ratio=0.5, alphas=6, cv=3, scoring=scoring, tol=1e-10,
                             delta=on_y).fit(X, y)
    residuals = y - pilot.predict(X)
    assert np.isclose(delta, 1.35 * 1.4826 * np.median(np.abs(residuals - np.median(
        residuals))), rtol=0.02)

    def huber_loss(t, z):
        a = np.abs(t - z)
        return np.mean(np.where(a <= delta, 0.5 * a**2, delta * a - 0.5 * delta**2))

    metric = huber_loss if scoring == "huber" else mean_absolute_error
    expected = _per_fold(lambda a: HuberRegressor(alpha=a, l1_ratio=0.5, delta=delta,
                                                  tol=1e-10),
                         X, y, model.alphas_[0], metric, list(KFold(3).split(X)))
    # a gap of 1e-10 pins the objective, the coefficients less so (not strongly convex)
    np.testing.assert_allclose(model.cv_scores_[0], expected, rtol=1e-4)


def test_one_standard_error_rule_and_plot():
    X, y, _ = _counts()
    model = PoissonRegressorCV(l1_ratio=[0.5, 1.0], alphas=20, alpha_rule="1se").fit(X, y)
    assert model.alpha_ == model.alpha_1se_ >= model.alpha_min_
    display = CVCurveDisplay.from_estimator(model)
    assert "poisson_deviance" in display.ax_.get_ylabel()


def test_default_grid_reaches_the_best_alpha():
    X, y, _ = _counts(n=400, p=30)
    model = PoissonRegressorCV(l1_ratio=1.0).fit(X, y)
    assert model.alpha_at_edge_ is None
    assert 0 < model.alpha_min_ < model.alphas_[0, 0]


def test_unknown_scoring_names_the_choices():
    X, y, _ = _counts()
    with pytest.raises(ValueError, match="'poisson_deviance', 'mae', 'mse'"):
        PoissonRegressorCV(scoring="log_loss").fit(X, y)
    with pytest.raises(ValueError, match="'huber', 'mae', 'mse'"):
        HuberRegressorCV(scoring="r2").fit(X, y)
