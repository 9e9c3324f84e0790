"""Numba kernel of block coordinate descent over groups of a working set (the squared
datafit, or a Newton step's weighted least-squares model).

Each block step is a proximal gradient step on the group at its own curvature ``L_g``
(the largest eigenvalue of the group's weighted, centred Gram block), whose proximal
operator is exact for the sparse group penalty: soft-thresholding at ``a / L``, the
group's shrinkage at ``b / L``, then the L2 part's scaling by ``1 / (1 + c / L)``.
The residual and offset are those of ``kernels_squared`` (``r = R + o``, implicit
centring, a sparse X never densified).
"""

import numpy as np
from numba import njit

from .kernels_common import _OPTS, _anderson_weights, _combine


@njit(inline="always")
def _column_dot(j, Xd, data, indices, indptr, is_sparse, sw, has_sw, R):
    acc = 0.0
    if is_sparse:
        for q in range(indptr[j], indptr[j + 1]):
            i = indices[q]
            acc += data[q] * (sw[i] if has_sw else 1.0) * R[i]
    else:
        for i in range(Xd.shape[0]):
            acc += Xd[i, j] * (sw[i] if has_sw else 1.0) * R[i]
    return acc


@njit(inline="always")
def _column_axpy(j, delta, Xd, data, indices, indptr, is_sparse, R):
    """``R -= delta * X_j``."""
    if is_sparse:
        for q in range(indptr[j], indptr[j + 1]):
            R[indices[q]] -= delta * data[q]
    else:
        for i in range(Xd.shape[0]):
            R[i] -= delta * Xd[i, j]


@njit(inline="always")
def _block_epoch(gptr, gidx, w, R, o, Xd, data, indices, indptr, is_sparse, sw, has_sw,
                 xmean, informative, L, a, b, c, n, step):
    """One epoch of block steps over the groups; returns the new offset and the
    largest ``L_g ||move_g||``."""
    largest = 0.0
    for k in range(gptr.shape[0] - 1):
        lg = L[k]
        if lg <= 0.0:
            continue
        start, end = gptr[k], gptr[k + 1]
        norm2 = 0.0
        for q in range(start, end):
            j = gidx[q]
            if informative[j] == 0.0:
                step[q - start] = 0.0
                continue
            grad = _column_dot(j, Xd, data, indices, indptr, is_sparse, sw, has_sw,
                               R) / n + o * xmean[j]
            v = w[j] + grad / lg
            soft = max(abs(v) - a[j] / lg, 0.0)
            step[q - start] = soft if v >= 0.0 else -soft
            norm2 += soft * soft
        norm = np.sqrt(norm2)
        shrink = max(1.0 - b[k] / (lg * norm), 0.0) if norm > 0.0 else 0.0
        moved2 = 0.0
        for q in range(start, end):
            j = gidx[q]
            if informative[j] == 0.0:
                continue
            new = step[q - start] * shrink / (1.0 + c[j] / lg)
            delta = new - w[j]
            if delta != 0.0:
                _column_axpy(j, delta, Xd, data, indices, indptr, is_sparse, R)
                o += delta * xmean[j]
                w[j] = new
                moved2 += delta * delta
        largest = max(largest, lg * np.sqrt(moved2))
    return o, largest


@njit(inline="always")
def _objective(gptr, values, R, o, sw, has_sw, a, b, c, n, gidx):
    """The working set's objective at ``values`` (the coefficients of ``gidx``, in its
    order) with residual ``R + o``: the weighted squares over 2n and the group
    penalty of its groups."""
    acc = 0.0
    for i in range(R.shape[0]):
        ri = R[i] + o
        acc += (sw[i] if has_sw else 1.0) * ri * ri
    total = acc / (2.0 * n)
    for k in range(gptr.shape[0] - 1):
        norm2 = 0.0
        for q in range(gptr[k], gptr[k + 1]):
            j, v = gidx[q], values[q]
            norm2 += v * v
            total += a[j] * abs(v) + 0.5 * c[j] * v * v
        total += b[k] * np.sqrt(norm2)
    return total


@njit(**_OPTS)
def group_ws_epochs(gptr, gidx, w, R, state, Xd, data, indices, indptr, is_sparse, sw,
                    has_sw, xmean, informative, L, a, b, c, n, max_epochs, eps,
                    anderson_k):
    """Block coordinate descent over the groups ``gidx[gptr[k]:gptr[k + 1]]`` until an
    epoch's largest ``L_g ||move_g||`` (a bound on the KKT violation it started from)
    is at most ``eps``, or ``max_epochs``; every ``anderson_k + 1`` epochs, Anderson
    extrapolation of the last iterates, kept when it lowers the objective (as the
    separable kernel does). ``w``, ``R`` and ``state[0]`` (the offset ``o``) are updated
    in place; ``state[1]`` is set to 1 when converged. ``L``, ``b``: per group of the
    working set; ``a``, ``c``, ``xmean``, ``informative`` (0: a constant column, left at
    0): per feature. Returns the epochs run."""
    width = 0
    for k in range(gptr.shape[0] - 1):
        width = max(width, gptr[k + 1] - gptr[k])
    step = np.empty(width)
    n_ws = gidx.shape[0]
    history = np.empty((anderson_k + 1, n_ws))
    o = state[0]
    for epoch in range(max_epochs):
        o, largest = _block_epoch(gptr, gidx, w, R, o, Xd, data, indices, indptr,
                                  is_sparse, sw, has_sw, xmean, informative, L, a, b, c,
                                  n, step)
        if largest <= eps:
            state[0] = o
            state[1] = 1.0
            return epoch + 1
        if anderson_k == 0:
            continue
        slot = epoch % (anderson_k + 1)
        for q in range(n_ws):
            history[slot, q] = w[gidx[q]]
        if slot != anderson_k:
            continue
        coefs = _anderson_weights(history)
        if coefs.shape[0] == 0:
            continue
        w_acc = _combine(coefs, history)
        R_acc = R.copy()
        o_acc = o
        w_now = np.empty(n_ws)
        for q in range(n_ws):
            j = gidx[q]
            w_now[q] = w[j]
            if informative[j] == 0.0:
                w_acc[q] = w[j]
            delta = w_acc[q] - w[j]
            if delta != 0.0:
                _column_axpy(j, delta, Xd, data, indices, indptr, is_sparse, R_acc)
                o_acc += delta * xmean[j]
        # the extrapolated point is kept only where it lowers the objective
        if _objective(gptr, w_acc, R_acc, o_acc, sw, has_sw, a, b, c, n, gidx) < \
                _objective(gptr, w_now, R, o, sw, has_sw, a, b, c, n, gidx):
            o = o_acc
            for q in range(n_ws):
                w[gidx[q]] = w_acc[q]
            for i in range(R.shape[0]):  # (no slice assignment: its check compiles slowly)
                R[i] = R_acc[i]
    state[0] = o
    return max_epochs
