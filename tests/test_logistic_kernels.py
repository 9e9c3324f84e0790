"""The fused logistic kernels against NumPy / SciPy written out term by term."""

import numpy as np
from scipy.special import entr, expit

from shrinkage.logistic_kernels import irls_terms
from shrinkage.datafits import Logistic


def _datafit(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.4, 1.0, -1.0)
    sw = rng.uniform(0.1, 3.0, n)
    return Logistic(y=y, sw=sw * n / sw.sum(), has_sw=True), rng


def test_value_and_value_along_a_direction_match_logaddexp():
    df, rng = _datafit()
    z = rng.standard_normal(200) * 5
    z[:4] = [800.0, -800.0, 40.0, -40.0]  # far tails: no overflow, no lost terms
    expected = df.sw @ np.logaddexp(0.0, -df.y * z) / 200
    assert np.isclose(df.value(z), expected, rtol=1e-13)
    dz = rng.standard_normal(200)
    along = df.sw @ np.logaddexp(0.0, -df.y * (z + 0.3 * dz)) / 200
    assert np.isclose(df.value(z, dz, 0.3), along, rtol=1e-13)


def test_dual_value_is_the_weighted_entropy_with_its_ends():
    df, rng = _datafit(seed=1)
    t = rng.random(200)
    t[:3] = [0.0, 1.0, 0.5]
    expected = df.sw @ (entr(t) + entr(1 - t)) / 200
    assert np.isclose(df.dual_value(t), expected, rtol=1e-13)


def test_irls_terms_match_their_definitions():
    df, rng = _datafit(seed=2)
    z = rng.standard_normal(200) * 4
    z[0] = 60.0  # a confident sample: its curvature is held at the floor
    grad, curvature, response = (np.empty(200) for _ in range(3))
    total = irls_terms(z, df.y, df.sw, 1e-10, grad, curvature, response)
    t_ref = expit(-df.y * z)
    np.testing.assert_allclose(grad, df.sw * df.y * t_ref, rtol=1e-13)
    c_ref = df.sw * np.maximum(t_ref * (1 - t_ref), 1e-10)
    np.testing.assert_allclose(curvature, c_ref, rtol=1e-13)
    np.testing.assert_allclose(response, z + df.sw * df.y * t_ref / c_ref, rtol=1e-12)
    assert np.isclose(total, c_ref.sum(), rtol=1e-13)


def test_dual_point_balances_the_classes_as_written_out():
    df, rng = _datafit(seed=3)
    z = rng.standard_normal(200) * 4
    z[:2] = [900.0, -900.0]  # far tails: t exactly 0 or 1, no overflow
    t = expit(-df.y * z)
    pos = df.y > 0
    mass_pos, mass_neg = df.sw[pos] @ t[pos], df.sw[~pos] @ t[~pos]
    shrunk = t * np.where(pos, min(1.0, mass_neg / mass_pos), min(1.0, mass_pos / mass_neg))
    v_grad, v_dual, t_dual = df.dual_point(z, True)
    assert np.allclose(v_grad, df.sw * df.y * t, rtol=1e-14, atol=0)
    assert np.allclose(t_dual, shrunk, rtol=1e-14, atol=0)
    assert np.allclose(v_dual, df.sw * df.y * shrunk, rtol=1e-14, atol=0)
    assert abs(v_dual.sum()) < 1e-12 * np.abs(v_dual).sum()  # orthogonal to the ones
    v_grad, v_dual, t_plain = df.dual_point(z, False)  # no intercept: nothing shrunk
    assert v_dual is v_grad and np.allclose(t_plain, t, rtol=1e-14, atol=0)
