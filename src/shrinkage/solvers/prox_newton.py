"""Proximal Newton for the logistic loss on a working set (glmnet's IRLS, made safe).

Each Newton step replaces the log-loss by its second-order model around the current
linear predictor ``z``: a weighted least-squares problem with weights
``W_i = s_i p_i (1 - p_i)`` and working response ``z_i + s_i y_i t_i / W_i``. The squared
coordinate-descent kernel solves that model on the working set, with the intercept
handled by implicit weighted centring (so a large intercept does not slow it down), and a
backtracking line search on the true objective makes every step a descent step.
"""

import numpy as np

from . import _kernels

_MAX_NEWTON_STEPS = 100
_MAX_HALVINGS = 30
_ROUNDING = 1e-14
_MIN_CURVATURE = 1e-10  # floor on p (1 - p): confident samples keep a usable weight
#: each quadratic model is solved to this fraction of the current KKT violation: early
#: Newton steps need only a rough model solution (as in glmnet and newGLMNET)
_INNER_FRACTION = 0.3


def logistic_ws_solve(state, ws, penalty, max_epochs, eps, anderson_k):
    """Solve the logistic problem restricted to ``ws`` until its KKT violation <= eps.

    ``state`` is a ``_LogisticState``; its ``w``, ``z`` and intercept are updated in
    place. Returns the number of coordinate-descent epochs run.
    """
    problem, df = state.problem, state.problem.datafit
    design, n = problem.design, problem.n_samples
    y, sw = df.y, df.sw
    l1, l2, lo, hi = penalty.l1, penalty.l2, penalty.lower, penalty.upper
    xmean, lips = np.zeros(problem.n_features), np.zeros(problem.n_features)
    squares = np.zeros(problem.n_features)
    epochs, fraction, previous = 0, _INNER_FRACTION, None
    for _ in range(_MAX_NEWTON_STEPS):
        t = df.residual(state.z, y)
        grad = sw * y * t
        violation = _ws_violation(state, ws, penalty, grad)
        if violation <= eps or epochs >= max_epochs:
            break
        if previous is not None:
            # forcing sequence: solve the model more exactly as the steps converge, so
            # that the outer iteration speeds up from linear to superlinear
            fraction = min(_INNER_FRACTION, (violation / previous) ** 2)
        previous = violation
        # p (1 - p) with p = sigmoid(z) equals t (1 - t) whatever the label
        curvature = sw * np.maximum(t * (1.0 - t), _MIN_CURVATURE)
        scale = n / curvature.sum()
        weights = curvature * scale  # sums to n, as the squared kernel expects
        response = np.where(curvature > 0, grad / np.where(curvature > 0, curvature, 1.0), 0.0)
        response += state.z
        # weighted statistics of the working-set columns for this model
        _kernels.ws_weighted_stats(ws, *design.kernel_args, weights, xmean, squares)
        xmean[ws] /= n
        squares[ws] /= n
        if problem.fit_intercept:
            variance = squares[ws] - xmean[ws] ** 2
            lips[ws] = np.where(variance > 1e-12 * squares[ws], variance, 0.0)
            ymean = float(weights @ response) / n
        else:
            xmean[ws] = 0.0
            lips[ws] = squares[ws]
            ymean = 0.0
        lips[problem.lips == 0] = 0.0
        w_new = state.w.copy()
        R = response - (state.z - state.intercept)  # response - X w
        offset = np.array([xmean[ws] @ w_new[ws] - ymean, 0.0])
        epochs += _kernels.squared_ws_solve(
            ws, w_new, R, offset, *design.kernel_args, weights, True, xmean, lips,
            l1 * scale, l2 * scale, lo, hi, float(n), max_epochs - epochs,
            fraction * max(eps, violation) * scale, anderson_k)
        b_new = -offset[0] if problem.fit_intercept else 0.0
        if not _line_search(state, ws, penalty, w_new, b_new):
            break
        xmean[ws] = 0.0
        lips[ws] = 0.0
    return epochs


def _ws_violation(state, ws, penalty, grad):
    """Largest KKT violation on the working set (and the intercept), true gradient."""
    problem = state.problem
    n = problem.n_samples
    u = np.empty(ws.shape[0])
    ones = np.ones(0)
    _kernels.squared_gradient_ws(ws, grad, 0.0, *problem.design.kernel_args, ones, False,
                                 problem.xmean, float(n), u)
    keep = problem.lips[ws] > 0
    dist = penalty.subset(ws).subdiff_distance(state.w[ws], u)
    worst = float(dist[keep].max()) if np.any(keep) else 0.0
    if problem.fit_intercept:
        worst = max(worst, abs(grad.sum()) / n)
    return worst


def _line_search(state, ws, penalty, w_new, b_new):
    """Backtrack along the Newton direction until the objective does not increase.

    Returns False when no step along the direction decreases the objective.
    """
    problem, df = state.problem, state.problem.datafit
    dw = w_new[ws] - state.w[ws]
    db = b_new - state.intercept
    dz = np.full(problem.n_samples, db)
    _kernels.ws_add_product(ws, dw, *problem.design.kernel_args, dz)
    w_ws = state.w[ws].copy()
    sub = penalty.subset(ws)
    before = df.value(state.z) + sub.value(w_ws)
    step = 1.0
    for _ in range(_MAX_HALVINGS):
        after = df.value(state.z + step * dz) + sub.value(w_ws + step * dw)
        # near the optimum objective changes fall below rounding: a Newton step that does
        # not measurably raise the objective is taken (its gradient is what improves)
        if after <= before + _ROUNDING * abs(before):
            break
        step *= 0.5
    else:
        return False
    state.w[ws] = w_ws + step * dw
    state.z += step * dz
    state.state[0] += step * db
    return True

