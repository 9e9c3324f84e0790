"""Independent references for the tests: plain numpy / scipy, no shrinkage code."""

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize


def normalized_weights(n, sample_weight):
    if sample_weight is None:
        return np.ones(n)
    sw = np.asarray(sample_weight, dtype=float)
    return sw * n / sw.sum()


def huber(r, delta):
    """The Huber function, case by case."""
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r**2, delta * a - 0.5 * delta**2)


def objective(X, y, coef, intercept, alpha, l1_ratio, loss="squared", sample_weight=None,
              penalty_factor=None, offset=None, delta=None):
    """The documented objective, written out directly."""
    n = X.shape[0]
    sw = normalized_weights(n, sample_weight)
    z = np.asarray(X @ coef).ravel() + intercept
    if loss == "squared":
        fit = sw @ (y - z) ** 2 / (2 * n)
    elif loss == "poisson":
        eta = z + (0.0 if offset is None else offset)
        fit = sw @ (np.exp(eta) - y * eta) / n
    elif loss == "huber":
        fit = sw @ huber(y - z, delta) / n
    else:
        fit = sw @ np.logaddexp(0.0, -y * z) / n
    f = np.ones_like(coef) if penalty_factor is None else penalty_factor
    pen = alpha * np.sum(f * (l1_ratio * np.abs(coef) + (1 - l1_ratio) / 2 * coef**2))
    return fit + pen


def minus_gradient(X, y, coef, intercept, loss="squared", sample_weight=None,
                   offset=None, delta=None):
    """Minus the datafit gradient in (w, b)."""
    n = X.shape[0]
    sw = normalized_weights(n, sample_weight)
    z = np.asarray(X @ coef).ravel() + intercept
    if loss == "squared":
        v = sw * (y - z) / n
    elif loss == "poisson":
        v = sw * (y - np.exp(z + (0.0 if offset is None else offset))) / n
    elif loss == "huber":
        v = sw * np.clip(y - z, -delta, delta) / n
    else:
        v = sw * y / (1.0 + np.exp(y * z)) / n
    return np.asarray(X.T @ v).ravel(), v.sum()


def kkt_violation(X, y, coef, intercept, alpha, l1_ratio, loss="squared",
                  sample_weight=None, penalty_factor=None, lower=None, upper=None,
                  fit_intercept=True, offset=None, delta=None):
    """Largest violation of the optimality conditions, written out case by case."""
    p = X.shape[1]
    f = np.ones(p) if penalty_factor is None else penalty_factor
    lower = np.full(p, -np.inf) if lower is None else lower
    upper = np.full(p, np.inf) if upper is None else upper
    u, ub = minus_gradient(X, y, coef, intercept, loss, sample_weight, offset, delta)
    l1, l2 = alpha * l1_ratio * f, alpha * (1 - l1_ratio) * f
    worst = abs(ub) if fit_intercept else 0.0
    for j in range(p):
        g = u[j] - l2[j] * coef[j]
        if coef[j] == 0:
            lo_ok = -l1[j] if lower[j] < 0 else -np.inf
            hi_ok = l1[j] if upper[j] > 0 else np.inf
            v = max(lo_ok - g, g - hi_ok, 0.0)
        elif coef[j] >= upper[j]:
            v = max(l1[j] - g, 0.0)
        elif coef[j] <= lower[j]:
            v = max(g + l1[j], 0.0)
        else:
            v = abs(g - l1[j] * np.sign(coef[j]))
        worst = max(worst, v)
    return worst


def reference_solution(X, y, alpha, l1_ratio, loss="squared", sample_weight=None,
                       fit_intercept=True, offset=None, delta=None):
    """Tight L-BFGS-B solve of the split problem w = w_plus - w_minus, both >= 0."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X)
    n, p = X.shape

    def fun(theta):
        wp, wm, b = theta[:p], theta[p:2 * p], theta[2 * p] if fit_intercept else 0.0
        w = wp - wm
        val = objective(X, y, w, b, alpha, l1_ratio, loss, sample_weight, offset=offset,
                        delta=delta)
        val += alpha * l1_ratio * (np.sum(wp + wm) - np.sum(np.abs(w)))
        u, ub = minus_gradient(X, y, w, b, loss, sample_weight, offset, delta)
        gw = -u + alpha * (1 - l1_ratio) * w
        grad = np.concatenate([gw + alpha * l1_ratio, -gw + alpha * l1_ratio]
                              + ([[-ub]] if fit_intercept else []))
        return val, grad

    theta0 = np.zeros(2 * p + (1 if fit_intercept else 0))
    bounds = [(0, None)] * (2 * p) + ([(None, None)] if fit_intercept else [])
    res = minimize(fun, theta0, jac=True, method="L-BFGS-B", bounds=bounds,
                   options=dict(maxiter=50_000, ftol=1e-15, gtol=1e-12, maxcor=30))
    return res.fun
