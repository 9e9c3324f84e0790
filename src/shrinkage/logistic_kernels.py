"""Numba kernels of the binary logistic datafit: its values and IRLS terms in one pass.

Each is a loop over the samples that NumPy would spread over several temporaries of
length n (an exp, a log, a product, a sum); on tall tables these passes are a large part
of a path's time, and fused they cost one read of the inputs.
"""

import math

from numba import njit

_OPTS = {"cache": True, "nogil": True}


@njit(inline="always")
def log1pexp(t):
    """Stable ``log(1 + exp(t))``."""
    if t > 0.0:
        return t + math.log1p(math.exp(-t))
    return math.log1p(math.exp(t))


@njit(**_OPTS)
def logistic_value(z, dz, step, y, sw):
    """``(1/n) sum_i s_i log(1 + exp(-y_i (z_i + step dz_i)))`` (``dz`` may be empty)."""
    n = z.shape[0]
    moving = dz.shape[0] == n
    total = 0.0
    for i in range(n):
        zi = z[i] + step * dz[i] if moving else z[i]
        total += sw[i] * log1pexp(-y[i] * zi)
    return total / n


@njit(**_OPTS)
def entropy_value(t, sw):
    """``(1/n) sum_i s_i (H(t_i) + H(1 - t_i))``, ``H(x) = -x log x`` (0 at 0)."""
    n = t.shape[0]
    total = 0.0
    for i in range(n):
        a, b = t[i], 1.0 - t[i]
        term = 0.0
        if a > 0.0:
            term -= a * math.log(a)
        if b > 0.0:
            term -= b * math.log(b)
        total += sw[i] * term
    return total / n


@njit(**_OPTS)
def irls_terms(z, y, sw, min_curvature, grad, curvature, response):
    """The IRLS model at ``z``, with ``t = sigmoid(-y z)``: ``grad = s y t`` (minus the
    gradient in z, times n), ``curvature = s max(t (1 - t), min_curvature)`` and the
    working response ``z + grad / curvature``; returns the sum of the curvatures."""
    total = 0.0
    for i in range(z.shape[0]):
        ti = 1.0 / (1.0 + math.exp(y[i] * z[i]))
        grad[i] = sw[i] * y[i] * ti
        c = sw[i] * max(ti * (1.0 - ti), min_curvature)
        curvature[i] = c
        response[i] = z[i] + (grad[i] / c if c > 0.0 else 0.0)
        total += c
    return total
