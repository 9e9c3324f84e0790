"""Numba kernels of the Cox partial likelihood (Breslow's ties) over rows sorted by time.

The rows are sorted once, by increasing time, when the datafit is built (``order``);
every kernel reads ``z`` in the user's row order through that permutation, so that X is
never permuted. With ``a_j = s_j exp(z_j - max z)``, the risk set of a time ``t`` is the
tail of the sorted rows from the first one with that time (Breslow: tied rows share a
risk set), and its mass ``S_g`` is a reverse cumulative sum; the sums over the events at
or before a row (``C_j = sum_{events i: t_i <= t_j} s_i / S_{g(i)}``, and the same with
``S^2``) are forward cumulative sums. Every kernel is O(n) after the sort.

``first`` holds, for each sorted position, the position where its tie group starts (the
risk set's first row); ``last`` where it ends.
"""

import math

import numpy as np
from numba import njit

_OPTS = {"cache": True, "nogil": True}


@njit(**_OPTS)
def _risk_masses(z, dz, step, order, sw, first):
    """``(a, S, zmax)``: ``a`` the sorted ``s exp(z - zmax)``, ``S[k]`` the mass of the
    risk set of sorted position ``k`` (its tie group's tail sum)."""
    n = z.shape[0]
    moving = dz.shape[0] == n
    zmax = -math.inf
    for i in range(n):
        zi = z[i] + step * dz[i] if moving else z[i]
        if sw[i] > 0.0 and zi > zmax:
            zmax = zi
    if zmax == -math.inf:
        zmax = 0.0
    a = np.empty(n)
    for k in range(n):
        i = order[k]
        zi = z[i] + step * dz[i] if moving else z[i]
        a[k] = sw[i] * math.exp(zi - zmax) if sw[i] > 0.0 else 0.0
    tail = np.empty(n)
    total = 0.0
    for k in range(n - 1, -1, -1):
        total += a[k]
        tail[k] = total
    S = np.empty(n)
    for k in range(n):
        S[k] = tail[first[k]]
    return a, S, zmax


#: the widest spread of the linear predictor (over the weighted rows) at which the
#: partial likelihood is evaluated: the risk masses exp(z - zmax) stay above
#: exp(-MAX_SPAN) and their squares above 1e-261, so no risk set's mass underflows to 0
#: and the gradient's and curvature's sums (1/S, 1/S^2) stay finite. A wider spread is
#: given the value +inf, so a line search never steps there: where the likelihood has no
#: finite maximum (a feature ordering the event times perfectly) the fit stops short of
#: it, unconverged, instead of dividing by a mass of 0.
MAX_SPAN = 300.0


@njit(**_OPTS)
def cox_value(z, dz, step, order, event, sw, first):
    """``(1/n) sum_{events i} s_i (log S_{g(i)} - z_i)`` at ``z + step dz`` (the log
    with ``zmax`` added back; ``dz`` may be empty); +inf where the weighted rows' ``z``
    spread over more than ``MAX_SPAN``."""
    n = z.shape[0]
    moving = dz.shape[0] == n
    zmin, zmax = math.inf, -math.inf
    for i in range(n):
        if sw[i] > 0.0:
            zi = z[i] + step * dz[i] if moving else z[i]
            zmin, zmax = min(zmin, zi), max(zmax, zi)
    if zmax - zmin > MAX_SPAN:
        return math.inf
    a, S, zmax = _risk_masses(z, dz, step, order, sw, first)
    total = 0.0
    for k in range(n):
        i = order[k]
        if event[i] and sw[i] > 0.0:
            zi = z[i] + step * dz[i] if moving else z[i]
            total += sw[i] * (math.log(S[k]) + zmax - zi)
    return total / n


@njit(**_OPTS)
def _event_sums(a, S, order, event, sw, first, last):
    """``C[k]`` and ``D[k]``: the sums of ``s_i / S`` and ``s_i / S^2`` over the events
    at or before sorted position ``k``'s time (its whole tie group included)."""
    n = a.shape[0]
    C, D = np.empty(n), np.empty(n)
    c = d = 0.0
    k = 0
    while k < n:
        end = last[k]
        for m in range(k, end + 1):
            i = order[m]
            if event[i] and sw[i] > 0.0:
                c += sw[i] / S[m]
                d += sw[i] / (S[m] * S[m])
        for m in range(k, end + 1):
            C[m], D[m] = c, d
        k = end + 1
    return C, D


@njit(**_OPTS)
def cox_irls(z, order, event, sw, first, last, min_curvature, grad, curvature, response):
    """The proximal Newton model at ``z``: ``grad`` minus n times the gradient in z
    (``d_j s_j - a_j C_j``), ``curvature`` the Hessian's diagonal times n
    (``a_j C_j - a_j^2 D_j``, floored at ``s_j min_curvature``), the working response
    ``z + grad / curvature``; returns the sum of the curvatures."""
    a, S, _ = _risk_masses(z, z[:0], 0.0, order, sw, first)
    C, D = _event_sums(a, S, order, event, sw, first, last)
    total = 0.0
    for k in range(z.shape[0]):
        i = order[k]
        g = (sw[i] if event[i] else 0.0) - a[k] * C[k]
        h = max(a[k] * C[k] - a[k] * a[k] * D[k], sw[i] * min_curvature)
        grad[i] = g
        curvature[i] = h
        response[i] = z[i] + (g / h if h > 0.0 else 0.0)
        total += h
    return total


@njit(**_OPTS)
def cox_dual_terms(z, order, event, sw, first, last, v_grad, own_log_share):
    """Minus n times the gradient in z into ``v_grad``; for each event with a weight,
    ``log pi_ii`` (its own share of its risk set's mass) into ``own_log_share`` (user
    order; 0 elsewhere). Returns ``(value, <v_grad, z>)``."""
    n = z.shape[0]
    a, S, zmax = _risk_masses(z, z[:0], 0.0, order, sw, first)
    C, _ = _event_sums(a, S, order, event, sw, first, last)
    value = inner = 0.0
    for k in range(n):
        i = order[k]
        g = -a[k] * C[k]
        own_log_share[i] = 0.0
        if event[i] and sw[i] > 0.0:
            g += sw[i]
            log_s = math.log(S[k])
            own_log_share[i] = z[i] - zmax + math.log(sw[i]) - log_s
            value += sw[i] * (log_s + zmax - z[i])
        v_grad[i] = g
        inner += g * z[i]
    return value / n, inner


@njit(**_OPTS)
def cox_relative_entropy(own_log_share, event, sw, kappa):
    """``(1/n) sum_{events i} s_i KL(q_i || pi_i)`` with ``q_i = kappa pi_i +
    (1 - kappa) e_i``: ``kappa (1 - pi_ii) log kappa + q_ii log(q_ii / pi_ii)``, each
    term >= 0 (the datafit's Fenchel-Young terms at the scaled dual point)."""
    n = sw.shape[0]
    log_kappa = math.log(kappa) if kappa > 0.0 else 0.0
    total = 0.0
    for i in range(n):
        if event[i] and sw[i] > 0.0:
            log_pi = own_log_share[i]
            pi = math.exp(log_pi)
            q = kappa * pi + (1.0 - kappa)
            term = q * (math.log(q) - log_pi) if q > 0.0 else 0.0
            if kappa > 0.0:
                term += kappa * (1.0 - pi) * log_kappa
            total += sw[i] * max(term, 0.0)
    return total / n


@njit(**_OPTS)
def risk_set_sums(rows, a, starts):
    """``out[g] = sum_{j >= starts[g]} a_j rows[j]`` for the sorted ``rows`` (C order)
    and increasing, distinct ``starts``: one backward pass, no n x k temporaries."""
    n, k = rows.shape
    out = np.empty((starts.shape[0], k))
    total = np.zeros(k)
    g = starts.shape[0] - 1
    for j in range(n - 1, -1, -1):
        for c in range(k):
            total[c] += a[j] * rows[j, c]
        if g >= 0 and starts[g] == j:
            out[g] = total
            g -= 1
    return out


@njit(**_OPTS)
def concordance(time, event, risk, weight, tied_tol):
    """Harrell's C: ``(concordant + tied / 2) / comparable`` over the pairs ``(i, j)``
    with ``i`` an event and ``t_i < t_j``, or ``t_i = t_j`` and ``j`` censored
    (scikit-survival's pairs; each weighted by ``weight_i``); risks within
    ``tied_tol`` are tied. O(n^2). Returns ``(concordant, tied, comparable)``."""
    n = time.shape[0]
    concordant = tied = comparable = 0.0
    for i in range(n):
        if not event[i]:
            continue
        for j in range(n):
            if time[j] > time[i] or (time[j] == time[i] and not event[j]):
                comparable += weight[i]
                diff = risk[i] - risk[j]
                if abs(diff) <= tied_tol:
                    tied += weight[i]
                elif diff > 0.0:
                    concordant += weight[i]
    return concordant, tied, comparable
