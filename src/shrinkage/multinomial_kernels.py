"""Numba kernels of the multinomial datafit: each is one pass over the (n, K) linear
predictors that NumPy would spread over a dozen temporaries (a max, an exp, a sum, a
log, a gather per row).

The solver calls them thousands of times along a path of a small table, where the
temporaries' Python overhead, not the arithmetic, was the cost: the value, the
probabilities and the gradient (``evaluate``), the intercepts that are optimal for fixed
coefficients (``optimal_intercepts``: Newton in K dimensions, the K x K system solved by
Cholesky), and the datafit's part of the duality gap (``kl_gap``).

The linear predictor of sample ``i`` in class ``k`` is ``XW[i, k] + b[k]``, or along a
direction ``(XW[i, k] + step dZ[i, k]) + (b[k] + step db[k])``: the same sums, in the
same order, that the iterate forms when it takes the step, so that values computed at a
trial step are those of the iterate after it.
"""

import math

import numpy as np
from numba import njit

_OPTS = {"cache": True, "nogil": True}
#: the intercepts' Newton iterations stop when their gradient is this small
_INTERCEPT_GRAD_TOL = 1e-13
_INTERCEPT_NEWTON_STEPS = 30


@njit(**_OPTS)
def evaluate(XW, b, dZ, db, step, y, sw, P, G):
    """The datafit's value ``(1/n) sum_i s_i (lse(z_i) - z_{i, y_i})`` at ``Z = XW + b``
    (or along ``(dZ, db)`` by ``step`` when ``dZ`` has rows); the probabilities into
    ``P`` and the gradient in Z, ``s_i (p_ik - [y_i = k]) / n``, into ``G`` when they
    have rows (pass empty arrays to skip them; ``G`` needs ``P``)."""
    n, K = XW.shape
    moving = dZ.shape[0] == n
    want_p, want_g = P.shape[0] == n, G.shape[0] == n
    z = np.empty(K)
    total = 0.0
    for i in range(n):
        top = -np.inf
        for k in range(K):
            if moving:
                v = (XW[i, k] + step * dZ[i, k]) + (b[k] + step * db[k])
            else:
                v = XW[i, k] + b[k]
            z[k] = v
            if v > top:
                top = v
        mass = 0.0
        for k in range(K):
            e = math.exp(z[k] - top)
            mass += e
            if want_p:
                P[i, k] = e
        total += sw[i] * (top + math.log(mass) - z[y[i]])
        if want_p:
            for k in range(K):
                P[i, k] /= mass
            if want_g:
                weight = sw[i] / n
                for k in range(K):
                    G[i, k] = weight * P[i, k]
                G[i, y[i]] -= weight
    return total / n


@njit(inline="always")
def newton_direction(H, grad, out):
    """``out = -H^+ grad`` for the intercepts' Hessian ``H`` (its null space the
    constant shift, to which ``grad`` is orthogonal): Cholesky of ``H + c 11'``, ``c``
    its mean diagonal, which is positive definite and gives the same direction."""
    K = grad.shape[0]
    shift = 0.0
    for k in range(K):
        shift += H[k, k]
    shift = max(shift / K, 1e-300)
    L = np.zeros((K, K))
    for k in range(K):
        for m in range(k + 1):
            total = H[k, m] + shift
            for t in range(m):
                total -= L[k, t] * L[m, t]
            if m == k:
                if not total > 1e-14 * shift:  # singular to rounding: a gradient step
                    for j in range(K):
                        out[j] = -grad[j] / shift
                    return
                L[k, k] = math.sqrt(total)
            else:
                L[k, m] = total / L[m, m]
    for k in range(K):  # L v = -grad
        total = -grad[k]
        for t in range(k):
            total -= L[k, t] * out[t]
        out[k] = total / L[k, k]
    for k in range(K - 1, -1, -1):  # L' out = v
        total = out[k]
        for t in range(k + 1, K):
            total -= L[t, k] * out[t]
        out[k] = total / L[k, k]


@njit(**_OPTS)
def optimal_intercepts(XW, b0, y, sw, mass, Q, value0):
    """The intercepts minimising the datafit for fixed ``XW``, by Newton's method in K
    dimensions from ``b0`` with a backtracking line search, centred to sum 0 (a constant
    shift changes nothing); ``Q`` receives the probabilities there. ``mass``: the class
    masses ``sum_{i: y_i = k} s_i``. ``value0``: the datafit at ``b0`` when ``Q`` already
    holds the probabilities there (NaN: computed here)."""
    n, K = XW.shape
    none = np.empty((0, 0))
    b, trial = b0.copy(), np.empty(K)
    grad, direction, H = np.empty(K), np.empty(K), np.empty((K, K))
    by_class = np.empty((K, n))
    value = value0
    if np.isnan(value0):
        value = evaluate(XW, b, none, b, 0.0, y, sw, Q, none)
    for _ in range(_INTERCEPT_NEWTON_STEPS):
        grad[:] = -mass
        for i in range(n):
            for k in range(K):
                grad[k] += sw[i] * Q[i, k]
        worst = 0.0
        for k in range(K):
            grad[k] /= n
            worst = max(worst, abs(grad[k]))
        if worst <= _INTERCEPT_GRAD_TOL:
            break
        for k in range(K):  # (class-major: the loops over the samples innermost)
            for i in range(n):
                by_class[k, i] = Q[i, k]
        for k in range(K):
            for m in range(k + 1):
                total = 0.0
                for i in range(n):
                    total += sw[i] * by_class[k, i] * by_class[m, i]
                H[k, m] = -total / n
                H[m, k] = H[k, m]
            H[k, k] += grad[k] + mass[k] / n  # sum_i s_i q_ik / n
        newton_direction(H, grad, direction)
        t, moved = 1.0, False
        while t >= 1e-10:
            for k in range(K):
                trial[k] = b[k] + t * direction[k]
            after = evaluate(XW, trial, none, trial, 0.0, y, sw, Q, none)
            if after <= value + 1e-14 * abs(value):
                b[:] = trial
                value, moved = after, True
                break
            t *= 0.5
        if not moved:  # at rounding level: no step lowers the value any more
            evaluate(XW, b, none, b, 0.0, y, sw, Q, none)
            break
    centre = b.mean()
    for k in range(K):
        b[k] -= centre
    return b


@njit(**_OPTS)
def kl_gap(XW, b, Q, y, sw, kappa):
    """The datafit's part of the duality gap, ``(1/n) sum_i s_i KL(q_i || p_i)``, for the
    dual probabilities ``q_i = (1 - kappa) e_{y_i} + kappa Q_i`` and the primal ones
    ``p_i = softmax(XW_i + b)``: a sum of terms ``q log(q / p) - q + p``, none negative
    (the Fenchel-Young form of the gap: no difference of two large values)."""
    n, K = XW.shape
    z, e = np.empty(K), np.empty(K)
    total = 0.0
    for i in range(n):
        top = -np.inf
        for k in range(K):
            z[k] = XW[i, k] + b[k]
            if z[k] > top:
                top = z[k]
        mass = 0.0
        for k in range(K):
            e[k] = math.exp(z[k] - top)
            mass += e[k]
        lse = top + math.log(mass)
        row = 0.0
        for k in range(K):
            q = kappa * Q[i, k] + (1.0 - kappa if k == y[i] else 0.0)
            term = e[k] / mass - q
            if q > 0.0:
                term += q * (math.log(q) - (z[k] - lse))
            row += max(term, 0.0)
        total += sw[i] * row
    return total / n
