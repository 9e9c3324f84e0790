"""Numba kernels of the squared datafit: coordinate descent over a working set, its
gradient and duality gap; and the working-set products the other solvers use.

The design and penalty arguments are those of ``kernels_common``. Squared loss keeps
the centred residual as ``r = R + o``: ``R = y - X w`` is updated column by column
(sparse-friendly) and the scalar ``o = xmean . w - ymean`` carries the implicit
centring, so a sparse X is never densified.
"""

import numpy as np
from numba import njit

from ..penalty_kernels import (conjugate_coordinate, dual_scaling_coordinate,
                               prox_coordinate, subdiff_distance_coordinate)
from .kernels_common import (_OPTS, _anderson_weights, _col_axpy, _combine, _dense_dot,
                             _sparse_dot)


@njit(inline="always")
def _penalty_sum(ws, w, l1, l2):
    total = 0.0
    for j in ws:
        total += l1[j] * abs(w[j]) + 0.5 * l2[j] * w[j] * w[j]
    return total


@njit(**_OPTS)
def squared_gradient_ws(ws, R, o, Xd, data, indices, indptr, is_sparse, sw, has_sw,
                        xmean, n, out):
    """Minus the gradient of the squared datafit on the working set."""
    if is_sparse:
        for k in range(ws.shape[0]):
            j = ws[k]
            out[k] = _sparse_dot(j, data, indices, indptr, sw, has_sw, R) / n + o * xmean[j]
    else:
        for k in range(ws.shape[0]):
            j = ws[k]
            out[k] = _dense_dot(j, Xd, sw, has_sw, R) / n + o * xmean[j]


@njit(**_OPTS)
def _squared_objective(ws, w, R, o, sw, has_sw, l1, l2, n):
    acc = 0.0
    for i in range(R.shape[0]):
        ri = R[i] + o
        acc += (sw[i] if has_sw else 1.0) * ri * ri
    return acc / (2.0 * n) + _penalty_sum(ws, w, l1, l2)


@njit(inline="always")
def _squared_ws_gap(ws, w, grad, R, o, y_centred, sw, has_sw, lips, l1, l2, lo, hi, n):
    """Duality gap of the squared datafit restricted to the working set (every feature
    outside it at 0, none unpenalized), from ``grad`` (minus its gradient there)."""
    kappa = 1.0
    for k in range(ws.shape[0]):
        j = ws[k]
        if lips[j] != 0.0:
            kappa = min(kappa, dual_scaling_coordinate(grad[k], l1[j], l2[j], lo[j], hi[j]))
    conjugate = 0.0
    for k in range(ws.shape[0]):
        j = ws[k]
        if lips[j] != 0.0:
            conjugate += conjugate_coordinate(kappa * grad[k], l1[j], l2[j], lo[j], hi[j])
    # primal (1/2n) sum s r^2 and dual (1/n) sum s kappa r (y_c - kappa r / 2): one pass
    acc = 0.0
    for i in range(R.shape[0]):
        ri = R[i] + o
        term = ri * ri * (1.0 - kappa) ** 2 - 2.0 * kappa * ri * (y_centred[i] - ri)
        acc += (sw[i] if has_sw else 1.0) * term
    # primal - dual = (1/2n) sum s (r^2 - 2 kappa r y_c + kappa^2 r^2) + penalty + conj.
    return acc / (2.0 * n) + _penalty_sum(ws, w, l1, l2) + conjugate


@njit(inline="always")
def _sparse_epoch(ws, w, R, o, data, indices, indptr, sw, has_sw, xmean, lips, l1, l2, lo,
                  hi, n):
    """One epoch of coordinate descent over ``ws`` on CSC columns (squared datafit);
    returns the new offset and the largest lips-scaled move (which bounds the KKT
    violation the epoch started from).

    The dot and the update are written out: through ``_sparse_dot`` and
    ``_sparse_axpy`` (the same loops, inlined by numba) problem 5 took 1.15x longer.
    """
    largest_move = 0.0
    for k in range(ws.shape[0]):
        j = ws[k]
        lj = lips[j]
        if lj == 0.0:
            continue
        acc = 0.0
        if has_sw:
            for q in range(indptr[j], indptr[j + 1]):
                i = indices[q]
                acc += data[q] * sw[i] * R[i]
        else:
            for q in range(indptr[j], indptr[j + 1]):
                acc += data[q] * R[indices[q]]
        old = w[j]
        new = prox_coordinate(lj * old + acc / n + o * xmean[j], lj, l1[j], l2[j], lo[j],
                              hi[j])
        if new != old:
            delta = new - old
            for q in range(indptr[j], indptr[j + 1]):
                R[indices[q]] -= delta * data[q]
            o += delta * xmean[j]
            w[j] = new
            largest_move = max(largest_move, lj * abs(delta))
    return o, largest_move


@njit(inline="always")
def _dense_epoch(ws, w, R, o, Xd, sw, has_sw, xmean, lips, l1, l2, lo, hi, n):
    """As ``_sparse_epoch`` on the columns of a dense, Fortran-ordered ``Xd``."""
    largest_move = 0.0
    for k in range(ws.shape[0]):
        j = ws[k]
        lj = lips[j]
        if lj == 0.0:
            continue
        acc = 0.0
        if has_sw:
            for i in range(Xd.shape[0]):
                acc += Xd[i, j] * sw[i] * R[i]
        else:
            for i in range(Xd.shape[0]):
                acc += Xd[i, j] * R[i]
        old = w[j]
        new = prox_coordinate(lj * old + acc / n + o * xmean[j], lj, l1[j], l2[j], lo[j],
                              hi[j])
        if new != old:
            delta = new - old
            for i in range(Xd.shape[0]):
                R[i] -= delta * Xd[i, j]
            o += delta * xmean[j]
            w[j] = new
            largest_move = max(largest_move, lj * abs(delta))
    return o, largest_move


@njit(**_OPTS)
def squared_ws_solve(ws, w, R, state, Xd, data, indices, indptr, is_sparse, sw, has_sw,
                     xmean, lips, l1, l2, lo, hi, n, max_epochs, eps, anderson_k,
                     early_check, y_centred, gap_target):
    """Coordinate descent on the working set ``ws`` until its KKT violation <= eps, or,
    with ``gap_target >= 0``, until its own duality gap <= gap_target.

    ``state[0]`` holds the centring offset ``o``; ``w``, ``R`` and ``state`` are updated
    in place; ``state[1]`` is set to 1 when the tolerance was reached, else 0. Returns the
    number of epochs run. With ``early_check`` the stopping rule is also checked after
    an epoch that moved no coordinate by more than ``eps`` (lips-scaled), not only once
    per extrapolation cycle: for models that a few epochs solve (the Newton models of
    the logistic loss along a path).

    The gap rule (``y_centred`` = y minus its weighted mean when an intercept is fitted;
    no unpenalized feature in the problem) lets the caller ask for the precision it needs
    instead of a fraction of the violation it started from: where a full gradient costs
    many working-set epochs, each round stopped at the KKT fraction cost a full gradient
    for a 10x smaller gap. A target below rounding runs to ``max_epochs``, where the
    caller's outer loop would have ended too.
    """
    n_ws = ws.shape[0]
    history = np.empty((anderson_k + 1, n_ws))
    grad = np.empty(n_ws)
    o = state[0]
    state[1] = 0.0
    epoch = 0
    while epoch < max_epochs:
        # one branch per epoch, not per coordinate: with both formats' loops in the
        # coordinate loop, an epoch cost 1.3-1.5x more per entry (benchmarks/per_entry.py)
        if is_sparse:
            o, largest_move = _sparse_epoch(ws, w, R, o, data, indices, indptr, sw, has_sw,
                                            xmean, lips, l1, l2, lo, hi, n)
        else:
            o, largest_move = _dense_epoch(ws, w, R, o, Xd, sw, has_sw, xmean, lips, l1,
                                           l2, lo, hi, n)
        epoch += 1
        if anderson_k > 0:
            slot = (epoch - 1) % (anderson_k + 1)
            for k in range(n_ws):
                history[slot, k] = w[ws[k]]
            if slot == anderson_k:
                coefs = _anderson_weights(history)
                if coefs.shape[0] > 0:
                    w_acc = _combine(coefs, history)
                    R_acc = R.copy()
                    o_acc = o
                    for k in range(n_ws):
                        j = ws[k]
                        v = min(max(w_acc[k], lo[j]), hi[j])
                        if lips[j] == 0.0:
                            v = w[j]
                        w_acc[k] = v
                        delta = v - w[j]
                        if delta != 0.0:
                            _col_axpy(j, Xd, data, indices, indptr, is_sparse, -delta, R_acc)
                            o_acc += delta * xmean[j]
                    obj_now = _squared_objective(ws, w, R, o, sw, has_sw, l1, l2, n)
                    w_now = w[ws].copy()
                    for k in range(n_ws):
                        w[ws[k]] = w_acc[k]
                    obj_acc = _squared_objective(ws, w, R_acc, o_acc, sw, has_sw, l1, l2, n)
                    if obj_acc < obj_now:
                        # element by element: an array assignment compiles a shape
                        # check whose error message costs seconds of compilation
                        for i in range(R.shape[0]):
                            R[i] = R_acc[i]
                        o = o_acc
                    else:
                        for k in range(n_ws):
                            w[ws[k]] = w_now[k]
            # check the stopping rule (a pass over the working set) once per
            # extrapolation cycle, or sooner when an epoch barely moved anything
            if slot != anderson_k and epoch < max_epochs and not (
                    early_check and largest_move <= eps):
                continue
        squared_gradient_ws(ws, R, o, Xd, data, indices, indptr, is_sparse, sw, has_sw,
                            xmean, n, grad)
        worst = 0.0
        for k in range(n_ws):
            j = ws[k]
            if lips[j] == 0.0:
                continue
            d = subdiff_distance_coordinate(w[j], grad[k], l1[j], l2[j], lo[j], hi[j])
            if d > worst:
                worst = d
        if gap_target < 0.0:
            if worst <= eps:
                state[1] = 1.0
                break
            continue
        gap = _squared_ws_gap(ws, w, grad, R, o, y_centred, sw, has_sw, lips, l1, l2, lo,
                              hi, n)
        if gap <= gap_target or worst == 0.0:
            state[1] = 1.0
            break
    state[0] = o
    return epoch


# ------------------------------------------------------------- working-set helpers


@njit(**_OPTS)
def ws_weighted_stats(ws, Xd, data, indices, indptr, is_sparse, sw, xmean_out, sq_out):
    """Per working-set column: ``sum_i sw_i x_ij`` and ``sum_i sw_i x_ij^2``, scattered
    into full-length outputs (other entries untouched)."""
    for k in range(ws.shape[0]):
        j = ws[k]
        acc, acc2 = 0.0, 0.0
        if is_sparse:
            for p in range(indptr[j], indptr[j + 1]):
                x = data[p]
                acc += sw[indices[p]] * x
                acc2 += sw[indices[p]] * x * x
        else:
            for i in range(Xd.shape[0]):
                x = Xd[i, j]
                acc += sw[i] * x
                acc2 += sw[i] * x * x
        xmean_out[j] = acc
        sq_out[j] = acc2


@njit(**_OPTS)
def ws_add_product(ws, coefs, Xd, data, indices, indptr, is_sparse, out):
    """In place ``out += X[:, ws] @ coefs``."""
    for k in range(ws.shape[0]):
        if coefs[k] != 0.0:
            _col_axpy(ws[k], Xd, data, indices, indptr, is_sparse, coefs[k], out)
