"""The lab's data designs and sweeps: one factor changed alone, the deciding regimes built
as the literature defines them, and the tuned models compared on equal terms."""

import numpy as np
import pytest
from sklearn.linear_model import Lasso as SkLasso
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from shrinkage import ElasticNetCV
from shrinkage.lab.simulate import (EN_RATIOS, Regime, _folds, draw, draw_nested,
                                    excess_risk, fit, fit_family, irrepresentable_index)
from shrinkage.lab.sweep import draw_levels, sweep


def test_outlier_and_scale_doses_keep_the_features_truth_and_noise():
    base = Regime(80, 6, k=3, rho=0.4, snr=3.0)
    clean, dirty, more = draw_levels(base, "outliers", (0.0, 0.1, 0.25), seed=[3, 1])
    np.testing.assert_array_equal(clean.X, dirty.X)
    np.testing.assert_array_equal(clean.clean_y, more.clean_y)
    np.testing.assert_array_equal(clean.y, clean.clean_y)
    hit_dirty = np.flatnonzero(dirty.y != dirty.clean_y)
    hit_more = np.flatnonzero(more.y != more.clean_y)
    assert hit_dirty.size == 8 and hit_more.size == 20
    assert set(hit_dirty) <= set(hit_more)  # a smaller share's rows are among a larger's
    np.testing.assert_allclose(np.abs(dirty.y - dirty.clean_y)[hit_dirty],
                               10 * dirty.noise_sd)
    raw, spread = draw_levels(base, "scale_decades", (0.0, 3.0), seed=[3, 1])
    scales = spread.X[0] / raw.X[0]
    assert np.ptp(np.log10(scales)) > 1.0
    np.testing.assert_allclose(spread.X, raw.X * scales)
    np.testing.assert_allclose(spread.X @ spread.w, raw.X @ raw.w)  # the same signal
    np.testing.assert_allclose(spread.y, raw.y)


def test_least_squares_does_not_see_the_feature_scales():
    """Least squares is scale-equivariant (p < n): over a scale sweep on the same draws
    its excess risk must not move, which only holds if the truth is rescaled with X."""
    out = sweep(Regime(60, 5, k=None, snr=2.0), "scale_decades", (0.0, 2.0, 4.0),
                ("none",), reps=3, seed=7)
    risk = out["none"]["risk"]
    np.testing.assert_allclose(risk, np.broadcast_to(risk[0], risk.shape), rtol=1e-6)


def test_a_decoy_breaks_the_irrepresentable_condition_by_the_declared_amount():
    regime = Regime(20000, 12, k=4, snr=3.0, decoy=1.6)
    data = draw(regime, np.random.default_rng(0))
    # the index by its definition, from the sample covariance of a large draw
    support, null = np.flatnonzero(data.w), np.flatnonzero(data.w == 0)
    S = np.cov(data.X, rowvar=False)
    direction = np.linalg.solve(S[np.ix_(support, support)], np.sign(data.w[support]))
    sample_index = np.max(np.abs(S[np.ix_(null, support)] @ direction))
    assert abs(sample_index - 1.6) < 0.05
    assert abs(irrepresentable_index(data.sigma, data.w) - 1.6) < 1e-12
    np.testing.assert_allclose(np.diag(S), 1.0, atol=0.05)
    plain = draw(regime.but(decoy=0.0), np.random.default_rng(0))
    assert irrepresentable_index(plain.sigma, plain.w) == 0.0
    with pytest.raises(ValueError, match="decoy"):
        Regime(100, 10, k=4, rho=0.5, decoy=1.5)


def test_zou_hastie_groups_are_nearly_identical_columns_carrying_the_signal():
    data = draw(Regime(20000, 30, k=15, snr=2.0, groups=3), np.random.default_rng(1))
    corr = np.corrcoef(data.X, rowvar=False)
    assert np.all(corr[:5, :5] > 0.98) and np.all(corr[10:15, 10:15] > 0.98)
    assert np.abs(corr[0, 5]) < 0.05 and np.abs(corr[0, 20]) < 0.05
    np.testing.assert_array_equal(np.flatnonzero(data.w), np.arange(15))
    np.testing.assert_allclose(corr, data.sigma, atol=0.04)
    with pytest.raises(ValueError, match="groups"):
        Regime(50, 40, k=5, groups=3)


def test_nested_dimensions_add_columns_and_nothing_else():
    regime = Regime(50, 10, k=3, rho=0.5, snr=2.0)
    narrow, wide = draw_nested(regime, (10, 40), np.random.default_rng(2))
    np.testing.assert_array_equal(wide.X[:, :10], narrow.X)
    np.testing.assert_array_equal(wide.w[:10], narrow.w)
    assert np.all(wide.w[10:] == 0)  # the sparse truth's features are among the first
    np.testing.assert_allclose(wide.y, narrow.y)  # the same signal, the same noise
    dense_narrow, dense_wide = draw_nested(regime.but(k=None), (10, 40),
                                           np.random.default_rng(2))
    for d in (dense_narrow, dense_wide):  # the signal-to-noise ratio is kept at each p
        assert abs(np.sqrt(d.w @ d.sigma @ d.w) / d.noise_sd - 2.0) < 1e-12
    assert np.all(dense_wide.w[10:] != 0)


def test_the_family_comes_from_one_cv_fit_with_the_ends_of_l1_ratio():
    data = draw(Regime(120, 15, k=4, rho=0.5, snr=3.0), np.random.default_rng(4))
    fam = fit_family(data.X, data.y, seed=0)
    assert 0.0 in EN_RATIOS and 1.0 in EN_RATIOS
    # the elastic net chooses over a grid holding both components: its CV error can
    # never be above theirs
    assert fam["elasticnet"].cv_error <= min(fam["l1"].cv_error, fam["l2"].cv_error)
    assert fam["component"] is min(fam["l1"], fam["l2"], key=lambda f: f.cv_error)
    # the lasso row at its alpha is scikit-learn's lasso at that alpha
    row = EN_RATIOS.index(1.0)
    folds = _folds(data.X, 0)
    cv = ElasticNetCV(l1_ratio=list(EN_RATIOS), alphas=30, cv=folds).fit(data.X, data.y)
    alpha = cv.alphas_[row, np.argmin(cv.cv_mean_[row])]
    reference = SkLasso(alpha=alpha, tol=1e-12, max_iter=100000).fit(data.X, data.y)

    def objective(coef, intercept):
        r = data.y - data.X @ coef - intercept
        return r @ r / (2 * r.size) + alpha * np.abs(coef).sum()

    # within the CV fits' certified relative gap (tol 1e-4) of scikit-learn's optimum
    null = np.var(data.y) / 2
    excess = objective(fam["l1"].coef, fam["l1"].intercept) - objective(
        reference.coef_, reference.intercept_)
    assert -1e-12 <= excess <= 1e-4 * null
    assert fam["l2"].l1_ratio == 0.0 and np.all(fam["l2"].coef != 0)


def test_a_standardized_fit_is_the_scaler_pipeline_brought_back_to_raw_units():
    data = draw(Regime(100, 8, k=None, snr=3.0, scale_decades=3.0), np.random.default_rng(5))
    fitted = fit("l2_standardized", data.X, data.y, seed=1)
    folds = _folds(data.X, 1)
    pipe = make_pipeline(StandardScaler(), ElasticNetCV(l1_ratio=0.0, alphas=30, cv=folds))
    pipe.fit(data.X, data.y)
    np.testing.assert_allclose(data.X @ fitted.coef + fitted.intercept,
                               pipe.predict(data.X), rtol=1e-7, atol=1e-9)
    assert excess_risk(data, fitted.coef, fitted.intercept) >= 0
