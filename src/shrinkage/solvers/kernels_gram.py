"""Numba kernels of coordinate descent with covariance updates (``gram.py``): a working
set solved on the Gram matrix, and a whole warm-started path without returning to
Python. The penalty arguments are those of ``kernels_common``.
"""

import numpy as np
from numba import njit

from ..penalty_kernels import gap_terms, prox_coordinate, subdiff_distance_coordinate
from .kernels_common import _OPTS, _anderson_weights, _combine


@njit(inline="always")
def _dot(a, b):
    acc = 0.0
    for k in range(a.shape[0]):
        acc += a[k] * b[k]
    return acc


@njit(**_OPTS)
def gram_ws_solve(ws, w, grad, gram, lips, l1, l2, lo, hi, max_epochs, eps, anderson_k,
                  state, early_check=False):
    """Coordinate descent with covariance updates: ``grad = c - G w`` is kept for every
    feature, so a coordinate costs O(1) to read and O(p) to update, whatever n.

    ``state[1]`` is set to 1 when the working-set KKT violation reached ``eps``
    (checked once per extrapolation cycle, or after every epoch with ``early_check``).
    Returns the number of epochs run.
    """
    n_ws, p = ws.shape[0], w.shape[0]
    history = np.empty((anderson_k + 1, n_ws))
    state[1] = 0.0
    epoch = 0
    while epoch < max_epochs:
        for k in range(n_ws):
            j = ws[k]
            lj = lips[j]
            if lj == 0.0:
                continue
            old = w[j]
            new = prox_coordinate(lj * old + grad[j], lj, l1[j], l2[j], lo[j], hi[j])
            if new != old:
                delta = new - old
                for i in range(p):
                    grad[i] -= delta * gram[i, j]
                w[j] = new
        epoch += 1
        if anderson_k > 0:
            slot = (epoch - 1) % (anderson_k + 1)
            for k in range(n_ws):
                history[slot, k] = w[ws[k]]
            if slot == anderson_k:
                _gram_anderson(ws, w, grad, gram, lips, l1, l2, lo, hi, history)
            elif epoch < max_epochs and not early_check:
                continue
        worst = 0.0
        for k in range(n_ws):
            j = ws[k]
            if lips[j] > 0.0:
                worst = max(worst, subdiff_distance_coordinate(w[j], grad[j], l1[j], l2[j],
                                                               lo[j], hi[j]))
        if worst <= eps:
            state[1] = 1.0
            break
    return epoch


@njit(inline="always")
def _gram_objective_change(ws, w_old, w_new, grad, gram, l1, l2):
    """Objective difference between two points differing on ``ws`` only (quadratic)."""
    n_ws = ws.shape[0]
    change = 0.0
    for a in range(n_ws):
        ja = ws[a]
        da = w_new[a] - w_old[a]
        if da == 0.0:
            continue
        change -= grad[ja] * da
        for b in range(n_ws):
            db = w_new[b] - w_old[b]
            if db != 0.0:
                change += 0.5 * da * gram[ja, ws[b]] * db
        change += l1[ja] * (abs(w_new[a]) - abs(w_old[a]))
        change += 0.5 * l2[ja] * (w_new[a] * w_new[a] - w_old[a] * w_old[a])
    return change


@njit(inline="always")
def _gram_anderson(ws, w, grad, gram, lips, l1, l2, lo, hi, history):
    coefs = _anderson_weights(history)
    if coefs.shape[0] == 0:
        return
    w_acc = _combine(coefs, history)
    w_now = w[ws].copy()
    for k in range(ws.shape[0]):
        j = ws[k]
        w_acc[k] = w_now[k] if lips[j] == 0.0 else min(max(w_acc[k], lo[j]), hi[j])
    if _gram_objective_change(ws, w_now, w_acc, grad, gram, l1, l2) < 0.0:
        for k in range(ws.shape[0]):
            delta = w_acc[k] - w_now[k]
            if delta != 0.0:
                j = ws[k]
                for i in range(w.shape[0]):
                    grad[i] -= delta * gram[i, j]
                w[j] = w_acc[k]


@njit(**_OPTS)
def gram_path(gram, c, yy, lips, l1s, l2s, lo, hi, null, tol, max_epochs, anderson_k,
              coefs, gaps, n_iter, early_check):
    """A whole warm-started path in covariance mode, without returning to Python.

    Row ``k`` of ``l1s`` / ``l2s`` holds the penalty of the k-th alpha. Every feature is
    in the working set (reading a coordinate costs O(1) here); the duality gap of each
    alpha is computed from ``grad = c - G w`` as in ``gram.GramState``. Fills ``coefs``,
    ``gaps`` (relative) and ``n_iter``. ``early_check``: the inner solves check their
    KKT target after every epoch, not once per extrapolation cycle.
    """
    p = c.shape[0]
    w = np.zeros(p)
    grad = c.copy()
    ws = np.arange(p)
    state = np.zeros(2)
    u = np.empty(p)
    for k in range(l1s.shape[0]):
        l1, l2 = l1s[k], l2s[k]
        epochs = 0
        while True:
            worst = 0.0
            for j in range(p):
                u[j] = grad[j] if lips[j] > 0.0 else 0.0
                if lips[j] > 0.0:
                    worst = max(worst, subdiff_distance_coordinate(w[j], u[j], l1[j], l2[j],
                                                                   lo[j], hi[j]))
            # the compiled gap_terms kernel, not its inlined parts: every covariance
            # path compiles it anyway, and inlining cost gram_path 0.3-0.5 s more
            kappa, conjugate, pen = gap_terms(u, w, l1, l2, lo, hi)
            wc, wg = _dot(w, c), _dot(w, grad)
            primal = 0.5 * (yy - wc - wg) + pen
            dual = kappa * (yy - wc) - 0.5 * kappa * kappa * (yy - wc - wg) - conjugate
            gap = max(primal - dual, 0.0) / null
            if gap <= tol or epochs >= max_epochs or not worst > 0.0:
                break
            epochs += gram_ws_solve(ws, w, grad, gram, lips, l1, l2, lo, hi,
                                    max_epochs - epochs, 0.3 * worst, anderson_k, state,
                                    early_check)
        for j in range(p):  # (no array assignment: see kernels_squared.squared_ws_solve)
            coefs[k, j] = w[j]
        gaps[k] = gap
        n_iter[k] = epochs
