"""Numba kernels of the Poisson and Huber datafits: values and IRLS terms in one pass.

As for the logistic loss (``logistic_kernels``), each is one loop over the samples that
NumPy would spread over several temporaries of length n.
"""

import math

from numba import njit

_OPTS = {"cache": True, "nogil": True}


@njit(**_OPTS)
def poisson_value(z, dz, step, y, sw, offset):
    """``(1/n) sum_i s_i (exp(eta_i) - y_i eta_i)`` with ``eta = z + step dz + offset``
    (``dz`` and ``offset`` may be empty)."""
    n = z.shape[0]
    moving, shifted = dz.shape[0] == n, offset.shape[0] == n
    total = 0.0
    for i in range(n):
        eta = z[i]
        if moving:
            eta += step * dz[i]
        if shifted:
            eta += offset[i]
        total += sw[i] * (math.exp(eta) - y[i] * eta)
    return total / n


@njit(**_OPTS)
def poisson_dual(m, kappa, y, sw, offset):
    """``(1/n) sum_i s_i (q_i - q_i log q_i - rho_i o_i)`` at the dual point
    ``rho = kappa (y - m)``, ``q = y - rho`` (``0 log 0 = 0``; ``offset`` may be empty)."""
    n = y.shape[0]
    shifted = offset.shape[0] == n
    total = 0.0
    for i in range(n):
        rho = kappa * (y[i] - m[i])
        q = y[i] - rho
        term = q - q * math.log(q) if q > 0.0 else q
        if shifted:
            term -= rho * offset[i]
        total += sw[i] * term
    return total / n


@njit(**_OPTS)
def poisson_irls(z, y, sw, offset, min_curvature, grad, curvature, response):
    """The IRLS model at ``z`` with ``mu = exp(z + offset)``: ``grad = s (y - mu)``
    (minus the gradient in z, times n), ``curvature = s max(mu, min_curvature)`` and the
    working response ``z + grad / curvature``; returns the sum of the curvatures."""
    shifted = offset.shape[0] == z.shape[0]
    total = 0.0
    for i in range(z.shape[0]):
        mu = math.exp(z[i] + offset[i]) if shifted else math.exp(z[i])
        grad[i] = sw[i] * (y[i] - mu)
        c = sw[i] * max(mu, min_curvature)
        curvature[i] = c
        response[i] = z[i] + (grad[i] / c if c > 0.0 else 0.0)
        total += c
    return total


@njit(**_OPTS)
def huber_value(z, dz, step, y, sw, delta):
    """``(1/n) sum_i s_i h(y_i - z_i - step dz_i)``, ``h`` the Huber function."""
    n = z.shape[0]
    moving = dz.shape[0] == n
    total = 0.0
    for i in range(n):
        r = y[i] - z[i] - (step * dz[i] if moving else 0.0)
        a = abs(r)
        total += sw[i] * (0.5 * r * r if a <= delta else delta * (a - 0.5 * delta))
    return total / n


@njit(**_OPTS)
def huber_irls(z, y, sw, delta, min_curvature, grad, curvature, response):
    """The (generalised) Newton model at ``z``: ``grad = s psi(y - z)`` with ``psi``
    the residual clipped to [-delta, delta], ``curvature = s`` where the residual is
    inside and ``s min_curvature`` beyond (where the loss is linear), and the working
    response ``z + grad / curvature``; returns the sum of the curvatures."""
    total = 0.0
    for i in range(z.shape[0]):
        r = y[i] - z[i]
        if abs(r) <= delta:
            g, c = sw[i] * r, sw[i]
        else:
            g, c = sw[i] * math.copysign(delta, r), sw[i] * min_curvature
        grad[i] = g
        curvature[i] = c
        response[i] = z[i] + (g / c if c > 0.0 else 0.0)
        total += c
    return total


@njit(**_OPTS)
def bracketed_newton_step(c, g, slope, lo, hi):
    """One step of Newton's method on a decreasing ``g`` (its value and slope at ``c``)
    kept inside the bracket ``[lo, hi]``, which the sign of ``g`` narrows first;
    bisection where the step would leave it. Returns ``(c, lo, hi)``. (The Huber
    location, in memory here and on Dask chunks in ``scale/fit_glm.py``.)"""
    if g > 0.0:
        lo = c
    else:
        hi = c
    step = c + g / slope if slope > 0.0 else 0.5 * (lo + hi)
    return (step if lo < step < hi else 0.5 * (lo + hi)), lo, hi


@njit(**_OPTS)
def huber_shift(r, sw, delta):
    """The ``c`` with ``sum_i s_i psi(r_i - c) = 0``: the shift of the residuals that
    makes the clipped residuals a dual point orthogonal to the intercept's column (and
    the Huber location of ``r``). ``sum_i s_i psi(r_i - c)`` falls as ``c`` grows and is
    piecewise linear: Newton's method, kept inside a bracket by bisection."""
    n = r.shape[0]
    lo, hi = math.inf, -math.inf
    mass = 0.0
    for i in range(n):
        if sw[i] > 0.0:
            lo, hi = min(lo, r[i]), max(hi, r[i])
            mass += sw[i]
    if mass == 0.0:
        return 0.0
    lo -= delta
    hi += delta
    c = min(max(0.0, lo), hi)
    for _ in range(200):
        g, slope = 0.0, 0.0
        for i in range(n):
            t = r[i] - c
            if t > delta:
                g += sw[i] * delta
            elif t < -delta:
                g -= sw[i] * delta
            else:
                g += sw[i] * t
                slope += sw[i]
        if abs(g) <= 1e-15 * mass * delta:
            return c
        c, lo, hi = bracketed_newton_step(c, g, slope, lo, hi)
        if hi - lo <= 1e-15 * max(abs(lo), abs(hi), delta):
            return c
    return c
