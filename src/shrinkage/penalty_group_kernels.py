"""Numba functions of the (sparse) group penalty, one group at a time.

A group ``g`` with features ``index[ptr[g]:ptr[g + 1]]`` is penalized by::

    h_g(w_g) = sum_j a_j |w_j| + b_g ||w_g||_2 + c_g / 2 ||w_g||_2^2

(``a``: the plain L1 part per feature, ``b``: the group part, ``c``: the L2 part). Its
norm part ``N_g = sum_j a_j |.| + b_g ||.||_2`` has the dual unit ball
``{u : ||S_a(u)||_2 <= b_g}`` (``S_a``: soft-thresholding at ``a``, the Minkowski sum of
the two balls), so the conjugate of ``h_g`` is ``max(||S_a(u)||_2 - b_g, 0)^2 / (2 c_g)``
and, where ``c_g = 0``, the indicator of that ball; the dual norm (the epsilon-norm of
Ndiaye et al., 2016) is the smallest ``t`` with ``||S_{t a}(u)||_2 <= t b_g``.
"""

import numpy as np
from numba import njit

_OPTS = dict(cache=True, nogil=True)
#: a hair inside the dual ball, so that rounding keeps the scaled point in it
_INSIDE = 1.0 - 4.0 * np.finfo(np.float64).eps
#: bisection steps of the dual norm (the bracket shrinks to 2^-64 of its width)
_BISECTIONS = 64


@njit(inline="always")
def _thresholded_norm(u, index, start, end, a, t):
    """``||S_{t a}(u_g)||_2``."""
    acc = 0.0
    for q in range(start, end):
        j = index[q]
        excess = abs(u[j]) - t * a[j]
        if excess > 0.0:
            acc += excess * excess
    return np.sqrt(acc)


@njit(**_OPTS)
def group_dual_norm(u, index, start, end, a, b):
    """An upper bound, tight to rounding, on the dual norm of ``N_g`` at ``u_g``.

    Bisection on ``phi(t) = ||S_{t a}(u_g)||_2 - t b`` (decreasing), keeping the upper
    end of the bracket: ``u_g / t`` with the returned ``t`` is in the dual ball, so the
    scaled dual point stays feasible whatever the rounding.
    """
    largest, a_min, norm = 0.0, np.inf, 0.0
    for q in range(start, end):
        j = index[q]
        norm += u[j] * u[j]
        if abs(u[j]) > 0.0:
            largest = max(largest, abs(u[j]) / a[j] if a[j] > 0.0 else np.inf)
    norm = np.sqrt(norm)
    if norm == 0.0:
        return 0.0
    hi = norm / b if b > 0.0 else np.inf
    hi = min(hi, largest)
    if not np.isfinite(hi):
        return np.inf  # an unpenalized direction with a non-zero dual value
    if b == 0.0:
        return hi  # the weighted l-inf norm, exact
    lo = 0.0
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if _thresholded_norm(u, index, start, end, a, mid) <= mid * b:
            hi = mid
        else:
            lo = mid
    return hi


@njit(**_OPTS)
def group_gap_terms(u, w, ptr, index, a, b, c):
    """``(kappa, sum_g h_g*(kappa u_g), sum_g h_g(w_g))``: kappa in (0, 1] scales ``u``
    into the domain of every conjugate (the groups with ``c_g = 0``)."""
    n_groups = ptr.shape[0] - 1
    kappa = 1.0
    for g in range(n_groups):
        start, end = ptr[g], ptr[g + 1]
        if end > start and c[index[start]] == 0.0:
            t = group_dual_norm(u, index, start, end, a, b[g])
            if t > 1.0:
                kappa = min(kappa, _INSIDE / t)
    conjugate, value = 0.0, 0.0
    for g in range(n_groups):
        start, end = ptr[g], ptr[g + 1]
        if end == start:
            continue
        cg = c[index[start]]
        norm, l1 = 0.0, 0.0
        for q in range(start, end):
            j = index[q]
            norm += w[j] * w[j]
            l1 += a[j] * abs(w[j])
        value += l1 + b[g] * np.sqrt(norm) + 0.5 * cg * norm
        if cg > 0.0:
            excess = 0.0
            for q in range(start, end):
                j = index[q]
                e = abs(kappa * u[j]) - a[j]
                if e > 0.0:
                    excess += e * e
            excess = max(np.sqrt(excess) - b[g], 0.0)
            conjugate += excess * excess / (2.0 * cg)
    return kappa, conjugate, value


@njit(**_OPTS)
def group_scores(w, u, ptr, index, a, b, c, out):
    """Per group, the distance of ``u_g`` (minus the datafit gradient) to the
    subdifferential of ``h_g`` at ``w_g``: zero for every group exactly at a KKT point."""
    n_groups = ptr.shape[0] - 1
    for g in range(n_groups):
        start, end = ptr[g], ptr[g + 1]
        norm = 0.0
        for q in range(start, end):
            norm += w[index[q]] ** 2
        norm = np.sqrt(norm)
        acc = 0.0
        if norm == 0.0:
            # 0 is optimal for the group when u_g is in the dual ball (c plays no part)
            for q in range(start, end):
                j = index[q]
                e = abs(u[j]) - a[j]
                if e > 0.0:
                    acc += e * e
            out[g] = max(np.sqrt(acc) - b[g], 0.0)
            continue
        for q in range(start, end):
            j = index[q]
            r = u[j] - c[j] * w[j] - b[g] * w[j] / norm
            if w[j] > 0.0:
                d = r - a[j]
            elif w[j] < 0.0:
                d = r + a[j]
            else:
                d = max(abs(r) - a[j], 0.0)
            acc += d * d
        out[g] = np.sqrt(acc)
