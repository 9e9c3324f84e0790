"""Numba functions of the elastic-net penalty, one coordinate or all features at once.

Per feature the penalty is ``l1 |w| + l2 / 2 w^2`` on ``[lo, hi]`` (``lo <= 0 <= hi``).
The scalar functions are inlined into the coordinate-descent kernels; the vector ones
serve the outer loop (one pass over the features instead of a dozen numpy temporaries).
"""

import numpy as np
from numba import njit

_OPTS = dict(cache=True, nogil=True)
_INSIDE = 1.0 - 4.0 * np.finfo(np.float64).eps


@njit(inline="always")
def prox_coordinate(a, lips, l1, l2, lo, hi):
    """Minimise ``lips/2 (v - a/lips)**2 + l1 |v| + l2/2 v**2`` over ``[lo, hi]``.

    In one dimension the constrained minimiser of a convex function is the
    unconstrained one clipped to the interval.
    """
    if a > l1:
        v = (a - l1) / (lips + l2)
    elif a < -l1:
        v = (a + l1) / (lips + l2)
    else:
        v = 0.0
    if v < lo:
        v = lo
    elif v > hi:
        v = hi
    return v


@njit(inline="always")
def subdiff_distance_coordinate(wj, uj, l1, l2, lo, hi):
    """Distance of ``uj`` (minus the datafit gradient) to the penalty subdifferential."""
    v = uj - l2 * wj
    if wj == 0.0:
        low = -l1 if lo < 0.0 else -np.inf
        high = l1 if hi > 0.0 else np.inf
        if v < low:
            return low - v
        if v > high:
            return v - high
        return 0.0
    if wj > 0.0:
        if wj >= hi:  # at the upper bound the normal cone adds [0, inf)
            return max(l1 - v, 0.0)
        return abs(v - l1)
    if wj <= lo:
        return max(v + l1, 0.0)
    return abs(v + l1)


@njit(inline="always")
def conjugate_coordinate(u, l1, l2, lo, hi):
    """``sup_{lo <= w <= hi} u w - l1 |w| - l2/2 w^2`` (may be ``inf``)."""
    excess = 0.0
    if u > l1:
        excess = u - l1
    elif u < -l1:
        excess = u + l1
    if excess == 0.0:
        return 0.0
    if l2 > 0.0:
        w = excess / l2
        if lo <= w <= hi:  # excess^2 / (2 l2), written so that a tiny l2 gives inf, not nan
            return 0.5 * excess * w
        w = min(max(w, lo), hi)
        return u * w - l1 * abs(w) - 0.5 * l2 * w * w
    # linear on each side: the value is reached at the bound (inf when unbounded)
    return excess * hi if excess > 0.0 else excess * lo


@njit(inline="always")
def dual_scaling_coordinate(u, l1, l2, lo, hi):
    """Largest ``kappa`` in ``[0, 1]`` with ``conjugate(kappa u)`` finite (one feature).

    Only a feature with no L2 term and an infinite bound restricts it; a feature with no
    penalty at all must have ``u = 0`` (the caller's job).
    """
    if l2 > 0.0 or l1 == 0.0:
        return 1.0
    # one part in 2^51 below l1 / |u|: the product kappa u then stays within l1 after
    # rounding (at l1 (1 + eps) the conjugate of an unbounded feature is infinite)
    if u > l1 and hi == np.inf:
        return l1 / u * _INSIDE
    if u < -l1 and lo == -np.inf:
        return -l1 / u * _INSIDE
    return 1.0


@njit(inline="always", **_OPTS)
def dual_scaling(u, l1, l2, lo, hi):
    """Largest ``kappa`` in ``[0, 1]`` with every ``conjugate(kappa u_j)`` finite."""
    kappa = 1.0
    for j in range(u.shape[0]):
        kappa = min(kappa, dual_scaling_coordinate(u[j], l1[j], l2[j], lo[j], hi[j]))
    return kappa


@njit(inline="always", **_OPTS)
def conjugate_sum(u, scale, l1, l2, lo, hi):
    """``sum_j conjugate(scale * u_j)``."""
    total = 0.0
    for j in range(u.shape[0]):
        total += conjugate_coordinate(scale * u[j], l1[j], l2[j], lo[j], hi[j])
    return total


@njit(inline="always", **_OPTS)
def penalty_value(w, l1, l2):
    """``sum_j l1_j |w_j| + l2_j / 2 w_j^2`` (bounds are the caller's to respect)."""
    total = 0.0
    for j in range(w.shape[0]):
        total += l1[j] * abs(w[j]) + 0.5 * l2[j] * w[j] * w[j]
    return total


@njit(**_OPTS)
def subdiff_distances(w, u, l1, l2, lo, hi, out):
    """KKT violation of every feature, into ``out``."""
    for j in range(w.shape[0]):
        out[j] = subdiff_distance_coordinate(w[j], u[j], l1[j], l2[j], lo[j], hi[j])


@njit(inline="always")
def zero_margin_coordinate(u, l1, lo, hi):
    """How far ``u`` lies inside the interval where a zero coefficient is optimal
    (``-inf`` without an L1 term: such a feature is never certified zero)."""
    if l1 <= 0.0:
        return -np.inf
    low = u + l1 if lo < 0.0 else np.inf
    high = l1 - u if hi > 0.0 else np.inf
    return min(low, high)


@njit(**_OPTS)
def zero_margins(u, l1, lo, hi, out):
    """``zero_margin_coordinate`` of every feature, into ``out``."""
    for j in range(u.shape[0]):
        out[j] = zero_margin_coordinate(u[j], l1[j], lo[j], hi[j])


# One call per outer iteration instead of five: each distinct compiled function costs
# about 65 ms to load from numba's cache on a process's first fit.


@njit(**_OPTS)
def gap_terms(u, w, l1, l2, lo, hi):
    """``(kappa, sum_j conjugate(kappa u_j), penalty value at w)`` for the duality gap."""
    kappa = dual_scaling(u, l1, l2, lo, hi)
    return kappa, conjugate_sum(u, kappa, l1, l2, lo, hi), penalty_value(w, l1, l2)


@njit(**_OPTS)
def outer_scores(w, u_grad, u_dual, l1, l2, lo, hi, col_norm, radius, screened, newly,
                 scores):
    """KKT violations into ``scores`` (-1 where screened) and gap-safe screening.

    A feature is newly screened when its ``u_dual`` sits deeper than ``col_norm * radius``
    inside the interval where zero is optimal (``radius < 0``: no screening); ``newly``
    marks those, ``screened`` accumulates them.
    """
    for j in range(w.shape[0]):
        newly[j] = False
        # (a scalar helper: calling the array kernel on one-element slices per feature
        # cost more than the solver itself on wide sparse problems)
        if radius >= 0.0 and not screened[j] and \
                zero_margin_coordinate(u_dual[j], l1[j], lo[j], hi[j]) > col_norm[j] * radius:
            newly[j] = True
            screened[j] = True
        if screened[j]:
            scores[j] = -1.0
        else:
            scores[j] = subdiff_distance_coordinate(w[j], u_grad[j], l1[j], l2[j], lo[j],
                                                    hi[j])


# The class rows of ``ClassPenalty`` (the multinomial loss): a row ``W_j`` of K
# coefficients, ``l1_j |W_j|_1 + l2_j/2 |W_j|^2`` or, grouped, ``l1_j |W_j|_2 + l2_j/2
# |W_j|^2``; no bounds.


@njit(**_OPTS)
def class_scores(W, U, l1, l2, grouped, out):
    """Each row's distance of ``U_j`` (minus the datafit gradient) to the penalty's
    subdifferential at ``W_j``, into ``out``."""
    p, K = W.shape
    for j in range(p):
        if not grouped:
            worst = 0.0
            for k in range(K):
                worst = max(worst, subdiff_distance_coordinate(
                    W[j, k], U[j, k], l1[j], l2[j], -np.inf, np.inf))
            out[j] = worst
            continue
        norm_w, norm_u = 0.0, 0.0
        for k in range(K):
            norm_w += W[j, k] * W[j, k]
            norm_u += U[j, k] * U[j, k]
        norm_w, norm_u = np.sqrt(norm_w), np.sqrt(norm_u)
        if norm_w == 0.0:
            out[j] = max(norm_u - l1[j], 0.0)
            continue
        total = 0.0
        for k in range(K):
            d = U[j, k] - l1[j] * W[j, k] / norm_w - l2[j] * W[j, k]
            total += d * d
        out[j] = np.sqrt(total)


@njit(inline="always")
def _fenchel_young_coordinate(w, u, l1, l2):
    """``h(w) + h*(u) - u w >= 0`` for ``h = l1 |.| + l2/2 (.)^2``, as a sum of
    non-negative terms (``inf`` where ``u`` lies outside the conjugate's domain)."""
    excess = abs(u) - l1
    if excess > 0.0 and l2 == 0.0:
        return np.inf
    if w == 0.0:
        return 0.5 * excess * (excess / l2) if excess > 0.0 else 0.0
    if excess > 0.0 and (u > 0.0) == (w > 0.0):
        # at the optimum l2 |w| = excess: the three terms' sum, without their cancellation
        d = l2 * abs(w) - excess
        return 0.5 * d * (d / l2)
    conjugate = 0.5 * excess * (excess / l2) if excess > 0.0 else 0.0
    sign = 1.0 if w > 0.0 else -1.0
    return abs(w) * (l1 - sign * u) + 0.5 * l2 * w * w + conjugate


@njit(inline="always")
def _fenchel_young_group(w, u, scale, l1, l2):
    """``h(w) + h*(s u) - s u.w >= 0`` for ``h = l1 |.|_2 + l2/2 |.|_2^2`` (``s``:
    ``scale``), as a sum of non-negative terms (``inf`` outside the domain)."""
    K = w.shape[0]
    norm_w, norm_u = 0.0, 0.0
    for k in range(K):
        norm_w += w[k] * w[k]
        norm_u += u[k] * u[k]
    norm_w, norm_u = np.sqrt(norm_w), scale * np.sqrt(norm_u)
    excess = norm_u - l1
    if excess > 0.0 and l2 == 0.0:
        return np.inf
    if norm_w == 0.0:
        return 0.5 * excess * (excess / l2) if excess > 0.0 else 0.0
    # |u| |w| - u.w, the misalignment, as |(|w| u - |u| w)|^2 / (2 |u| |w|)
    misalignment = 0.0
    if norm_u > 0.0:
        for k in range(K):
            d = norm_w * scale * u[k] - norm_u * w[k]
            misalignment += d * d
        misalignment /= 2.0 * norm_u * norm_w
    if excess > 0.0:
        d = l2 * norm_w - excess
        return misalignment + 0.5 * d * (d / l2)
    return misalignment - excess * norm_w + 0.5 * l2 * norm_w * norm_w


@njit(**_OPTS)
def class_gap(U, W, l1, l2, grouped):
    """``(kappa, sum_j FY_j)``: ``kappa`` in (0, 1] scales ``U`` into the conjugate's
    domain (rows with no L2 term), and ``FY_j = h_j(W_j) + h_j*(kappa U_j) - kappa U_j.W_j``
    is each row's part of the duality gap, a sum of non-negative terms. Rows of unpenalized
    features must hold ``U_j = 0``."""
    p, K = U.shape
    kappa = 1.0
    for j in range(p):
        if l2[j] > 0.0 or l1[j] == 0.0:
            continue
        reach = 0.0
        for k in range(K):
            reach = reach + U[j, k] * U[j, k] if grouped else max(reach, abs(U[j, k]))
        reach = np.sqrt(reach) if grouped else reach
        if reach > l1[j]:  # (a hair inside, so that rounding keeps kappa U within it)
            kappa = min(kappa, l1[j] / reach * _INSIDE)
    total = 0.0
    for j in range(p):
        if grouped:
            total += _fenchel_young_group(W[j], U[j], kappa, l1[j], l2[j])
        else:
            for k in range(K):
                total += _fenchel_young_coordinate(W[j, k], kappa * U[j, k], l1[j], l2[j])
    return kappa, total


@njit(**_OPTS)
def class_value(W, l1, l2, grouped):
    """The penalty's value at ``W`` (p, K)."""
    total = 0.0
    for j in range(W.shape[0]):
        norm1, squares = 0.0, 0.0
        for k in range(W.shape[1]):
            norm1 += abs(W[j, k])
            squares += W[j, k] * W[j, k]
        total += l1[j] * (np.sqrt(squares) if grouped else norm1) + 0.5 * l2[j] * squares
    return total


@njit(**_OPTS)
def class_rows_violation(W, U, rows, l1, l2, grouped, G, fit_intercept):
    """The largest KKT violation over the rows ``rows`` of ``W`` (``U``: minus the
    datafit gradient of those rows, in their order) and, with an intercept, over the
    intercepts (the column sums of the gradient in Z, ``G`` (n, K))."""
    p, K = rows.shape[0], W.shape[1]
    out = np.empty(1)
    worst = 0.0
    for r in range(p):
        j = rows[r]
        class_scores(W[j:j + 1], U[r:r + 1], l1[j:j + 1], l2[j:j + 1], grouped, out)
        worst = max(worst, out[0])
    if fit_intercept:
        for k in range(K):
            total = 0.0
            for i in range(G.shape[0]):
                total += G[i, k]
            worst = max(worst, abs(total))
    return worst
