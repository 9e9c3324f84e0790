"""Numba kernel for the multinomial loss: coordinate descent on its Newton model.

One Newton step replaces the multinomial loss by its second-order model in the change
``d_i = dW' x_i + db`` of each sample's K linear predictors::

    sum_i g_i' d_i + 1/2 sum_i d_i' H_i d_i,    H_i = w_i (diag(p_i) - p_i p_i')

(``g_i``: the gradient in z_i, ``p_i`` the probabilities, ``w_i = s_i / n``), cross-class
terms included: without them the model is a block-diagonal approximation and Newton's
method slows to a linear rate when classes are many. The kernel keeps the model's
gradient ``M_i = g_i + H_i d_i`` and its column sums up to date.

Arrays over samples and classes are class-major here, (K, n): every loop runs over the
samples innermost, contiguous, for each class (with K = 3 the loops over the classes
innermost cost ten times more).

Two flat or nearly flat directions would make plain coordinate steps creep:

- adding one constant to a feature's coefficients in every class changes neither the
  loss nor the model, so after each feature's update the shift that lowers the penalty
  most is applied (free);
- a feature with a large mean moves with the intercepts: columns are centred in the
  model, class by class (``x_ij - mu_jk`` with ``mu_jk`` the mean under the model's
  weights of class k), which decouples each class's intercept from its coefficients.
  The intercepts are then those of the centred columns, ``b' = b + mu' W``, converted
  back at the end. Sparse X is not centred (that would touch every sample per update):
  ``mu`` is zero there.

The design arguments are those of ``kernels_common``: dense Fortran ``Xd`` or CSC
``data, indices, indptr``.
"""

import numpy as np
from numba import njit

from ..multinomial_kernels import newton_direction
from ..penalty_kernels import prox_coordinate
from .kernels_common import _OPTS


@njit(inline="always")
def _add_change(rows, u, xs, c, P, wP, M, colsum, dot):
    """``M_i += H_i d_i`` for ``d_ik = xs_t u_k - c_k`` at the samples ``i = rows[t]``
    (every sample when ``rows`` is empty, ``t = i``), with ``H_i = w_i (diag(p_i) -
    p_i p_i')``; column sums too. ``xs`` empty: ``d_ik = u_k`` (the intercepts)."""
    K = u.shape[0]
    dense = rows.shape[0] == 0
    m = M.shape[1] if dense else rows.shape[0]
    plain = xs.shape[0] == 0
    dot[:m] = 0.0
    for k in range(K):
        if u[k] == 0.0 and c[k] == 0.0:
            continue
        for t in range(m):
            i = t if dense else rows[t]
            d = u[k] if plain else xs[t] * u[k] - c[k]
            dot[t] += P[k, i] * d
    for k in range(K):
        total = 0.0
        for t in range(m):
            i = t if dense else rows[t]
            d = u[k] if plain else xs[t] * u[k] - c[k]
            change = wP[k, i] * (d - dot[t])
            M[k, i] += change
            total += change
        colsum[k] += total


@njit(inline="always")
def _row_gradient(j, Xd, data, indices, indptr, is_sparse, M, colsum, mu, g):
    """``g_k = sum_i (x_ij - mu_jk) M_ik`` for every class (a pass over column j each)."""
    K = g.shape[0]
    for k in range(K):
        total = 0.0
        if is_sparse:
            for t in range(indptr[j], indptr[j + 1]):
                total += data[t] * M[k, indices[t]]
        else:
            for i in range(Xd.shape[0]):
                total += Xd[i, j] * M[k, i]
        g[k] = total - mu[j, k] * colsum[k]


@njit(inline="always")
def _apply_row_change(j, Xd, data, indices, indptr, is_sparse, mu, delta, P, wP, M,
                      colsum, c, dot):
    """The model gradient after ``W_j += delta``: ``d_ik += (x_ij - mu_jk) delta_k``."""
    for k in range(delta.shape[0]):
        c[k] = mu[j, k] * delta[k]
    if is_sparse:
        lo, hi = indptr[j], indptr[j + 1]
        _add_change(indices[lo:hi], delta, data[lo:hi], c, P, wP, M, colsum, dot)
    else:
        _add_change(indices[:0], delta, Xd[:, j], c, P, wP, M, colsum, dot)


@njit(inline="always")
def _sorted_into(row, ordered):
    """``row`` sorted into ``ordered`` (insertion sort: K is small, nothing allocated)."""
    for k in range(row.shape[0]):
        v, m = row[k], k
        while m > 0 and ordered[m - 1] > v:
            ordered[m] = ordered[m - 1]
            m -= 1
        ordered[m] = v


@njit(inline="always")
def _best_shift(row, l1, l2, grouped, ordered):
    """The ``c`` minimising the penalty of ``row - c`` (the same for the datafit);
    ``ordered``: a buffer of K values."""
    K = row.shape[0]
    total = 0.0
    for k in range(K):
        total += row[k]
    if grouped or l1 == 0.0:
        return total / K  # both norms of the grouped penalty, or L2 alone: the mean
    _sorted_into(row, ordered)
    if l2 > 0.0:
        for m in range(K + 1):  # c strictly between the m-th and (m+1)-th values
            c = (l2 * total - l1 * (2 * m - K)) / (l2 * K)
            lo = ordered[m - 1] if m > 0 else -np.inf
            hi = ordered[m] if m < K else np.inf
            if lo < c < hi:
                return c
    for m in range(K):  # c at one of the values: zero in the subdifferential
        c = ordered[m]
        less, equal = 0, 0
        for k in range(K):
            if ordered[k] < c:
                less += 1
            elif ordered[k] == c:
                equal += 1
        greater = K - less - equal
        smooth = l2 * (K * c - total)
        if l1 * (less - greater - equal) + smooth <= 0.0 <= \
                l1 * (less - greater + equal) + smooth:
            return c
    return ordered[K // 2]


@njit(inline="always")
def _intercept_step(b, M, P, wP, colsum, H, step, zeros, dot, no_rows, no_values):
    """The intercepts' exact step in the model for the coefficients as they are (Newton
    in K dimensions on the model's intercept block ``H``); returns its largest move in
    curvature-scaled units."""
    newton_direction(H, colsum, step)
    worst = 0.0
    for k in range(b.shape[0]):
        b[k] += step[k]
        worst = max(worst, H[k, k] * abs(step[k]))
    _add_change(no_rows, step, no_values, zeros, P, wP, M, colsum, dot)
    return worst


@njit(inline="always")
def _row_step(r, j, W, g, delta, u, blocks, bounds, l1, l2, grouped):
    """The new coefficients of row ``j`` (``ws[r]``) from its model gradient ``g``:
    their change into ``delta``; returns the largest move in curvature-scaled units."""
    K = g.shape[0]
    delta[:] = 0.0
    worst = 0.0
    if grouped:
        a = bounds[r]
        if a <= 0.0:
            return 0.0
        norm = 0.0
        for k in range(K):
            v = W[j, k] - g[k] / a
            u[k] = v
            norm += v * v
        norm = np.sqrt(norm)
        shrink = 0.0
        if norm > 0.0:
            shrink = max(0.0, 1.0 - l1[j] / (a * norm)) / (1.0 + l2[j] / a)
        for k in range(K):
            delta[k] = u[k] * shrink - W[j, k]
            W[j, k] += delta[k]
            worst = max(worst, a * abs(delta[k]))
        return worst
    for k in range(K):
        a = blocks[r, k, k]
        if a <= 0.0:
            continue
        new = prox_coordinate(a * W[j, k] - g[k], a, l1[j], l2[j], -np.inf, np.inf)
        change = new - W[j, k]
        if change == 0.0:
            continue
        W[j, k] = new
        delta[k] += change
        for m in range(K):  # the row's gradient, exact after this step
            g[m] += change * blocks[r, k, m]
        worst = max(worst, a * abs(change))
    return worst


@njit(**_OPTS)
def multinomial_model_cd(ws, W, b, M, P, w, mu, blocks, bounds, Xd, data, indices, indptr,
                         is_sparse, l1, l2, grouped, fit_intercept, max_epochs, eps):
    """Coordinate descent on the Newton model over the rows ``ws`` of ``W``.

    ``W`` (p, K) and ``b`` (K,) are the absolute coefficients (the penalty is on them),
    updated in place with ``M`` (K, n: class-major, as ``P``). ``mu`` (p, K) centres
    the columns (module docstring). ``blocks[r]`` is the model's K x K curvature in the
    row ``ws[r]`` of W (centred column): ungrouped, the row's classes are updated one
    after the other, each exactly, the row's gradient kept exact through the block;
    grouped, the row is one block, updated by block soft-thresholding under ``bounds[r]``
    (the block's largest eigenvalue). The intercepts take their exact step in the model
    every epoch.

    After an epoch over every row, the next ones visit only the rows that are non-zero
    or moved (rows at zero cost a pass over the samples each to find they stay there);
    once those settle, an epoch over every row again. Stops when an epoch over every row
    moves no coordinate by more than ``eps`` in curvature-scaled units; returns the
    epochs run (partial ones counted whole).
    """
    K, n = M.shape
    g, delta, u, c = np.empty(K), np.empty(K), np.empty(K), np.empty(K)
    ordered, zeros, dot = np.empty(K), np.zeros(K), np.empty(n)
    colsum, wP = np.empty(K), np.empty((K, n))
    H = np.zeros((K, K))  # the model's curvature in the intercepts
    for k in range(K):
        colsum[k] = M[k].sum()
        for i in range(n):
            wP[k, i] = w[i] * P[k, i]
        for m in range(k + 1):
            total = 0.0
            for i in range(n):
                total += wP[k, i] * P[m, i]
            H[k, m] = -total
            H[m, k] = -total
        H[k, k] += wP[k].sum()
    for j in ws:  # the intercepts of the centred columns
        for k in range(K):
            b[k] += mu[j, k] * W[j, k]
    active = np.ones(ws.shape[0], dtype=np.bool_)
    everything = True  # this epoch visits every row
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        worst = 0.0
        if fit_intercept:
            worst = _intercept_step(b, M, P, wP, colsum, H, u, zeros, dot, indices[:0],
                                    data[:0])
        for r in range(ws.shape[0]):
            if not (everything or active[r]):
                continue
            j = ws[r]
            _row_gradient(j, Xd, data, indices, indptr, is_sparse, M, colsum, mu, g)
            worst = max(worst, _row_step(r, j, W, g, delta, u, blocks, bounds, l1, l2,
                                         grouped))
            moved, nonzero = False, False
            for k in range(K):
                moved = moved or delta[k] != 0.0
                nonzero = nonzero or W[j, k] != 0.0
            active[r] = nonzero or moved
            if not moved:
                continue
            _apply_row_change(j, Xd, data, indices, indptr, is_sparse, mu, delta, P, wP,
                              M, colsum, c, dot)
            if l1[j] > 0.0 or l2[j] > 0.0:
                shift = _best_shift(W[j], l1[j], l2[j], grouped, ordered)
                if shift != 0.0:
                    for k in range(K):
                        W[j, k] -= shift
                        b[k] -= mu[j, k] * shift  # the raw intercepts stay put
        if worst <= eps:
            if everything:
                break
            everything = True  # the active rows settled: check every row
        else:
            everything = False
    for j in ws:  # back to the intercepts of the raw columns
        for k in range(K):
            b[k] -= mu[j, k] * W[j, k]
    return epoch


@njit(inline="always")
def _column_block(xs, Pc, wc, mu_j, cc, cp, B):
    """``B = sum_t w_t (c_tk c_tm)(delta_km p_tk - p_tk p_tm)`` with ``c_tk = xs_t -
    mu_jk`` over the samples given (``Pc`` (K, m) and ``wc`` their probabilities and
    weights)."""
    K, m = Pc.shape[0], xs.shape[0]
    for k in range(K):
        for t in range(m):
            cc[k, t] = xs[t] - mu_j[k]
            cp[k, t] = cc[k, t] * Pc[k, t]
    for k in range(K):
        diag = 0.0
        for t in range(m):
            diag += wc[t] * cp[k, t] * cc[k, t]
        for l in range(k + 1):
            total = 0.0
            for t in range(m):
                total += wc[t] * cp[k, t] * cp[l, t]
            B[k, l] = -total
            B[l, k] = -total
        B[k, k] += diag


@njit(**_OPTS)
def model_blocks(ws, Xd, data, indices, indptr, is_sparse, P, w, centre, min_curvature,
                 mu, blocks):
    """The Newton model's K x K curvature in each working-set row of W into ``blocks``,
    and the class centres of their columns into ``mu`` (module docstring)::

        blocks[r] = sum_i w_i (x_ij - mu_jk)(x_ij - mu_jm)(delta_km p_ik - p_ik p_im)

    with ``j = ws[r]``, ``P`` class-major (K, n) and ``mu_jk`` the mean of column j under
    the weights ``w_i max(p_ik (1 - p_ik), min_curvature)`` when ``centre`` (dense X with
    an intercept), else 0."""
    K, n = P.shape
    centre = centre and not is_sparse
    spread = np.empty((K, n)) if centre else np.empty((K, 0))
    spread_total = np.zeros(K)
    if centre:
        for k in range(K):
            for i in range(n):
                spread[k, i] = w[i] * max(P[k, i] * (1.0 - P[k, i]), min_curvature)
            spread_total[k] = spread[k].sum()
    cc, cp = np.empty((K, n)), np.empty((K, n))
    for r in range(ws.shape[0]):
        j = ws[r]
        mu[j, :] = 0.0
        if is_sparse:
            lo, hi = indptr[j], indptr[j + 1]
            rows = indices[lo:hi]
            Pc, wc = np.empty((K, hi - lo)), w[rows]
            for k in range(K):
                for t in range(hi - lo):
                    Pc[k, t] = P[k, rows[t]]
            _column_block(data[lo:hi], Pc, wc, mu[j], cc, cp, blocks[r])
            continue
        xs = Xd[:, j]
        if centre:
            for k in range(K):
                total = 0.0
                for i in range(n):
                    total += xs[i] * spread[k, i]
                mu[j, k] = total / spread_total[k]
        _column_block(xs, P, w, mu[j], cc, cp, blocks[r])
