"""The penalty's pieces against brute force on a fine grid."""

import numpy as np
import pytest

from shrinkage.penalties import ElasticNetPenalty, alpha_max

GRID = np.linspace(-6, 6, 240_001)  # step 5e-5


def _one(l1, l2, lo=-np.inf, hi=np.inf):
    return ElasticNetPenalty(np.array([l1]), np.array([l2]), np.array([lo]), np.array([hi]))


def _h(w, l1, l2, lo, hi):
    value = l1 * np.abs(w) + 0.5 * l2 * w * w
    return np.where((w >= lo) & (w <= hi), value, np.inf)


CASES = [(0.7, 0.0, -np.inf, np.inf), (0.7, 0.4, -np.inf, np.inf), (0.0, 0.9, -np.inf, np.inf),
         (0.5, 0.0, 0.0, np.inf), (0.5, 0.3, -1.0, 2.0), (0.2, 0.0, -0.5, 1.5)]


@pytest.mark.parametrize("l1, l2, lo, hi", CASES)
@pytest.mark.parametrize("u", [-2.3, -0.6, 0.0, 0.3, 1.1, 3.0])
def test_conjugate_is_the_sup(l1, l2, lo, hi, u):
    pen = _one(l1, l2, lo, hi)
    brute = np.max(u * GRID - _h(GRID, l1, l2, lo, hi))
    ours = pen.conjugate(np.array([u]))
    if np.isinf(ours):
        # unbounded above: the sup grows without limit along the grid's edge
        assert l2 == 0 and brute >= u * 6 - l1 * 6 - 1e-9 or brute >= -u * 6 - l1 * 6 - 1e-9
    else:
        assert ours == pytest.approx(brute, abs=1e-6)


@pytest.mark.parametrize("l1, l2, lo, hi", CASES)
@pytest.mark.parametrize("v", [-2.3, -0.3, 0.1, 0.8, 2.5])
def test_prox_is_the_argmin(l1, l2, lo, hi, v):
    step = 0.8
    objective = 0.5 * (GRID - v) ** 2 + step * _h(GRID, l1, l2, lo, hi)
    brute = GRID[np.argmin(objective)]
    assert _one(l1, l2, lo, hi).prox(np.array([v]), step)[0] == pytest.approx(brute,
                                                                            abs=1e-4)


@pytest.mark.parametrize("l1, l2, lo, hi", CASES)
def test_subdiff_distance_is_zero_exactly_at_the_prox_fixed_point(l1, l2, lo, hi):
    """w = prox(w + u) (step 1) iff u is in the subdifferential at w."""
    pen = _one(l1, l2, lo, hi)
    for u in (-1.7, -0.2, 0.4, 2.2):
        w = pen.prox(np.array([0.0]) + u, 1.0)  # minimiser of 1/2 (x - u)^2 + h(x)
        # at that minimiser, u - w is a subgradient of h
        assert pen.subdiff_distance(w, np.array([u]) - w)[0] == pytest.approx(0, abs=1e-12)
        if w[0] != 0 and lo < w[0] < hi:  # a single subgradient there: the shift is the gap
            shifted = pen.subdiff_distance(w, np.array([u]) - w + 0.5)[0]
            assert shifted == pytest.approx(0.5, abs=1e-12)


def test_alpha_max_by_hand():
    u0 = np.array([0.3, -1.2, 0.5])
    factor = np.array([1.0, 2.0, 0.0])  # the last feature is unpenalized
    inf = np.full(3, np.inf)
    assert alpha_max(u0, 1.0, factor, -inf, inf) == pytest.approx(0.6)  # max(0.3, 1.2/2)
    assert alpha_max(u0, 0.5, factor, -inf, inf) == pytest.approx(1.2)
    # positive coefficients: only positive correlations can enter
    assert alpha_max(u0, 1.0, factor, np.zeros(3), inf) == pytest.approx(0.3)
    assert alpha_max(u0, 0.0, factor, -inf, inf) == pytest.approx(0.6 / 1e-3)
