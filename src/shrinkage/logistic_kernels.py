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


@njit(**_OPTS)
def dual_terms(z, y, sw, fit_intercept, v_grad, v_dual, t):
    """The certificate's vectors at ``z`` in two loops over the samples (NumPy took a
    dozen temporaries of length n): ``t = sigmoid(-y z)`` and ``v_grad = s y t`` (minus
    n times the gradient in z); with an intercept, the heavier class's ``t`` shrunk so
    that ``sum_i s_i y_i t_i = 0`` (the dual's constraint) and ``v_dual = s y t`` of the
    shrunk ``t``. Without one, ``v_dual`` is left alone (the caller uses ``v_grad``)."""
    n = z.shape[0]
    mass_pos, mass_neg = 0.0, 0.0
    for i in range(n):
        ti = 1.0 / (1.0 + math.exp(y[i] * z[i]))
        t[i] = ti
        v_grad[i] = sw[i] * y[i] * ti
        if y[i] > 0.0:
            mass_pos += sw[i] * ti
        else:
            mass_neg += sw[i] * ti
    if not fit_intercept:
        return
    scale_pos = min(1.0, mass_neg / mass_pos) if mass_pos > 0.0 else 1.0
    scale_neg = min(1.0, mass_pos / mass_neg) if mass_neg > 0.0 else 1.0
    for i in range(n):
        scale = scale_pos if y[i] > 0.0 else scale_neg
        t[i] *= scale
        v_dual[i] = v_grad[i] * scale
