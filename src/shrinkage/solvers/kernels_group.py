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

from .kernels_common import _OPTS


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


@njit(**_OPTS)
def group_ws_epochs(gptr, gidx, w, R, state, Xd, data, indices, indptr, is_sparse, sw,
                    has_sw, xmean, informative, L, a, b, c, n, max_epochs, eps):
    """Block coordinate descent over the groups ``gidx[gptr[k]:gptr[k + 1]]`` until an
    epoch's largest ``L_g ||move_g||`` (a bound on the KKT violation it started from)
    is at most ``eps``, or ``max_epochs``. ``w``, ``R`` and ``state[0]`` (the offset
    ``o``) are updated in place; ``state[1]`` is set to 1 when converged. ``L``, ``b``:
    per group of the working set; ``a``, ``c``, ``xmean``, ``informative`` (0: a
    constant column, left at 0): per feature. Returns the epochs run."""
    n_groups = gptr.shape[0] - 1
    width = 0
    for k in range(n_groups):
        width = max(width, gptr[k + 1] - gptr[k])
    step = np.empty(width)
    o = state[0]
    for epoch in range(max_epochs):
        largest = 0.0
        for k in range(n_groups):
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
                soft = soft if v >= 0.0 else -soft
                step[q - start] = soft
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
        if largest <= eps:
            state[0] = o
            state[1] = 1.0
            return epoch + 1
    state[0] = o
    return max_epochs
