"""Proximal Newton on a working set (glmnet's IRLS, made safe) for the logistic,
Poisson and Huber losses.

Each Newton step replaces the loss by its second-order model around the current linear
predictor ``z`` (the datafit's ``irls``): a weighted least-squares problem with weights
``W_i`` (for the log-loss ``s_i p_i (1 - p_i)``) and working response
``z_i + g_i / W_i`` (``g``: minus n times the gradient in z). The squared
coordinate-descent kernel solves that model on the working set, with the intercept
handled by implicit weighted centring (so a large intercept does not slow it down), and a
backtracking line search on the true objective makes every step a descent step.

When coordinate descent on the samples needs many epochs for one model (correlated or
collinear columns, as in survey tables), the model is solved instead in the space of the
working set: its weighted, centred Gram matrix costs one BLAS product, after which an
epoch costs O(|ws|^2) and nothing per sample, so the model can be solved tightly and the
Newton steps converge fast (glmnet's covariance mode, applied to each IRLS model).
"""

from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp
from scipy.linalg.blas import dsyrk

from ..penalties import ElasticNetPenalty
from . import kernels_gram, kernels_squared
from .backtracking import backtracking_step
from .kernels_common import EARLY_CHECK
from .orthant_newton import newton_chunks

_MAX_NEWTON_STEPS = 100
#: each quadratic model is solved to this fraction of the current KKT violation: early
#: Newton steps need only a rough model solution (as in glmnet and newGLMNET)
_INNER_FRACTION = 0.3
#: a model's coordinate descent on the samples gets this many epochs per working-set
#: feature (at least _GRAM_MIN_EPOCHS) before the Gram model takes over: its Gram matrix
#: costs about |ws|/6 epochs with BLAS, so the switch never costs more than twice the
#: better of the two
_GRAM_EPOCHS_PER_FEATURE = 0.25
_GRAM_MIN_EPOCHS = 12
#: ... and only while the Gram matrix of the working set stays small
_GRAM_MAX_FEATURES = 1000
#: the squared kernel's gap rule is not used for the Newton models (their targets are KKT)
_NO_GAP, _NO_GAP_TARGET = np.zeros(0), -1.0
#: a working set with at least this share of the features checks its KKT conditions on
#: the full gradient (one pass over X instead of over the working set), which is then
#: the outer loop's certificate too
_FULL_CHECK_SHARE = 0.5
#: a datafit whose Hessian is not diagonal (Cox) gives it whole for working sets up to
#: this size (and this many entries: the product copies the set's columns): it costs
#: about |ws| epochs, in BLAS, and the Newton steps then converge quadratically, not
#: linearly (Cox paths of 50 alphas: 17 steps per alpha with the diagonal, 2 to 3 with
#: the whole Hessian; 1000 x 500: 4-5 s -> 3.2 s, 5000 x 100: 2.4 s -> 0.9 s)
_EXACT_MAX_FEATURES = 500
_EXACT_MAX_ENTRIES = 1 << 23
#: rows x columns of the working set copied at a time to form its Gram matrix (32 MB)
_GRAM_BLOCK_ELEMENTS = 1 << 22


def glm_ws_solve(state, ws, penalty, max_epochs, eps, anderson_k, u_grad=None,
                 inner_fraction=None):
    """Solve the problem restricted to ``ws`` until its KKT violation <= eps.

    ``state`` is a ``NewtonIterate``; its ``w``, ``z`` and intercept are updated in
    place. ``u_grad``, minus the gradient at the starting iterate when the caller has it,
    saves the first pass over the working set. ``inner_fraction``, given: each quadratic
    model is solved to this fraction of the current violation (not _INNER_FRACTION) if
    that takes no more epochs than a pass over X costs. Returns the number of
    coordinate-descent epochs run.
    """
    problem, df = state.problem, state.problem.datafit
    design, n = problem.design, problem.n_samples
    l1, l2, lo, hi = penalty.l1, penalty.l2, penalty.lower, penalty.upper
    xmean, lips = np.zeros(problem.n_features), np.zeros(problem.n_features)
    squares = np.zeros(problem.n_features)
    epochs, fraction, previous = 0, _INNER_FRACTION, None
    # a tight model solve may spend at most the epochs that one pass over X costs (then
    # the loose target takes over): where the models are cheap to solve it saves Newton
    # steps and rounds, where they are not (a large, ill-conditioned working set) it
    # costs at most that pass more than the loose solve
    tight_epochs = max(1, problem.entries() // max(problem.entries(ws), 1)) \
        if inner_fraction is not None else 0
    gram_model = False
    centred, hessian_in = _model_kind(problem, ws)
    grad, curvature, response = (np.empty(n) for _ in range(3))
    for _ in range(_MAX_NEWTON_STEPS):
        total = df.irls(state.z, grad, curvature, response)
        if u_grad is None and ws.size >= _FULL_CHECK_SHARE * problem.n_features:
            # a check over nearly every column: take the full gradient instead, which
            # the outer loop's certificate at the same iterate then reuses (cached)
            u_grad = state.products(penalty.unpenalized & (problem.lips > 0))[1]
        violation = _ws_violation(state, ws, penalty, grad, u_grad)
        u_grad = None  # known at the start only
        if violation <= eps or epochs >= max_epochs:
            break
        if previous is not None:
            # forcing sequence: solve the model more exactly as the steps converge, so
            # that the outer iteration speeds up from linear to superlinear
            fraction = min(_INNER_FRACTION, (violation / previous) ** 2)
        previous = violation
        scale = n / total
        weights = curvature * scale  # sums to n, as the squared kernel expects
        w_new = state.w.copy()
        terms, ymean, gram_model = None, 0.0, gram_model or hessian_in is not None
        if hessian_in is not None:
            terms = _exact_terms(state, ws, hessian_in, grad, scale, lips)
        else:
            ymean = _model_statistics(problem, ws, weights, response, xmean, squares, lips,
                                      centred)
        inner_eps = fraction * max(eps, violation) * scale
        tight_eps = min(fraction, inner_fraction) * max(eps, violation) * scale \
            if inner_fraction is not None else inner_eps
        budget = max_epochs - epochs
        if not gram_model:
            # coordinate descent on the samples, for at most what the Gram model costs
            if ws.size <= _GRAM_MAX_FEATURES:
                budget = min(budget, max(_GRAM_MIN_EPOCHS,
                                         int(_GRAM_EPOCHS_PER_FEATURE * ws.size)))
            used, b_new, moved, solved = _samples_model_solve(
                state, ws, w_new, weights, response, ymean, xmean, lips, penalty, scale,
                ((tight_eps, tight_epochs), (inner_eps, budget)), budget, anderson_k)
            # not solved within that budget: finish this model (and this alpha's next
            # ones, which look alike) in the space of the working set
            gram_model = not solved and budget < max_epochs - epochs
            budget = max_epochs - epochs - used
        else:
            used = 0
        if gram_model and budget > 0:
            b_new, more = _gram_model_solve(
                design, ws, w_new, weights, response, ymean, xmean[ws], lips[ws],
                l1 * scale, l2 * scale, lo, hi, centred, budget, tight_eps,
                anderson_k, terms)
            b_new = b_new if problem.fit_intercept else 0.0
            used += more
            moved = None
        epochs += used
        if not _line_search(state, ws, penalty, w_new, b_new, moved):
            break
        xmean[ws] = 0.0
        lips[ws] = 0.0
    return epochs


def _model_kind(problem, ws):
    """``(centred, hessian_in)``: whether the model's columns are taken about their
    weighted means, and the datafit's whole Hessian where the model takes it (None: its
    diagonal). A datafit that a shift of z leaves unchanged (Cox) has a Hessian that
    sends the constant vector to 0, which its diagonal does not: its diagonal model is
    centred (the rank-one correction of a model intercept, whose own step is then
    dropped: it moves nothing)."""
    df = problem.datafit
    centred = problem.fit_intercept or getattr(df, "shift_invariant", False)
    hessian_in = getattr(df, "hessian_in", None)
    if ws.size > _EXACT_MAX_FEATURES or problem.n_samples * ws.size > _EXACT_MAX_ENTRIES:
        hessian_in = None
    return centred, hessian_in


def _samples_model_solve(state, ws, w_new, weights, response, ymean, xmean, lips,
                         penalty, scale, targets, budget, anderson_k):
    """Coordinate descent on the samples for the weighted model: each ``(target,
    epochs)`` of ``targets`` in turn, within ``budget`` epochs in all; ``w_new``
    updated in place. Returns ``(epochs, intercept, X dw, solved)``."""
    problem = state.problem
    R = response - (state.z - state.intercept)  # response - X w
    offset = np.array([xmean[ws] @ w_new[ws] - ymean, 0.0])
    used = 0
    for target, most in targets:
        if min(most, budget) <= used:
            continue
        used += kernels_squared.squared_ws_solve(
            ws, w_new, R, offset, *problem.design.kernel_args, weights, True, xmean, lips,
            penalty.l1 * scale, penalty.l2 * scale, penalty.lower, penalty.upper,
            float(problem.n_samples), min(most, budget) - used, target, anderson_k,
            EARLY_CHECK, _NO_GAP, _NO_GAP_TARGET)
        if offset[1]:
            break
    b_new = -offset[0] if problem.fit_intercept else 0.0
    # the kernel kept R = response - X w: X dw is what it lost, no pass needed
    moved = (response - (state.z - state.intercept)) - R
    return used, b_new, moved, bool(offset[1])


def _model_statistics(problem, ws, weights, response, xmean, squares, lips, centred):
    """The weighted means, second moments and curvatures of the working-set columns
    under a quadratic model's sample ``weights`` (in place, for ``ws``): a read of them,
    beside the one of the violation check; about the means when ``centred``. Returns the
    weighted mean response (0 when not centred)."""
    n = problem.n_samples
    kernels_squared.ws_weighted_stats(ws, *problem.design.kernel_args, weights, xmean,
                                      squares)
    problem.touch(ws, 2)
    xmean[ws] /= n
    squares[ws] /= n
    if centred:
        variance = squares[ws] - xmean[ws] ** 2
        lips[ws] = np.where(variance > 1e-12 * squares[ws], variance, 0.0)
        ymean = float(weights @ response) / n
    else:
        xmean[ws] = 0.0
        lips[ws] = squares[ws]
        ymean = 0.0
    lips[problem.lips == 0] = 0.0
    return ymean


def _weighted_gram(design, ws, weights, response):
    """``X_ws' W X_ws / n`` and ``X_ws' W response / n``; dense X a block of rows at a
    time, so that the copy of the working set's columns stays small whatever n."""
    n = weights.shape[0]
    if design.is_sparse:
        columns = design.matrix[:, ws]
        scaled = sp.diags(np.sqrt(weights)) @ columns
        gram = np.asarray((scaled.T @ scaled).todense()) / n
        return gram, np.asarray(columns.T @ (weights * response)).ravel() / n
    gram, cross = np.zeros((ws.size, ws.size)), np.zeros(ws.size)
    rows = max(1, _GRAM_BLOCK_ELEMENTS // ws.size)
    for start in range(0, n, rows):
        block = design.dense[start:start + rows, ws]
        part = slice(start, start + rows)
        gram += dsyrk(1.0 / n, block * np.sqrt(weights[part])[:, None], trans=1)
        cross += block.T @ (weights[part] * response[part]) / n
    return np.triu(gram) + np.triu(gram, 1).T, cross


def _exact_terms(state, ws, hessian_in, grad, scale, lips):
    """``(G, c)`` of the Newton model with the datafit's whole Hessian on ``ws``
    (``hessian_in``), on the scale of the weighted model (``scale``); its curvatures
    into ``lips[ws]``."""
    problem = state.problem
    columns = problem.design.matrix[:, ws]
    problem.touch(ws, 2)
    gram = scale * hessian_in(columns, state.z)
    lips[ws] = np.where(problem.lips[ws] > 0, np.diag(gram), 0.0)
    # the model's linear term: G w (its expansion point) plus minus the gradient in w
    minus_gradient = np.asarray(columns.T @ grad).ravel() / problem.n_samples
    return gram, gram @ state.w[ws] + scale * minus_gradient


def _gram_model_solve(design, ws, w, weights, response, ymean, xmean, lips, l1, l2, lo,
                      hi, fit_intercept, max_epochs, eps, anderson_k, terms=None):
    """Solve the weighted least-squares model on ``ws`` by covariance updates.

    ``w`` is updated in place on ``ws``; ``xmean`` and ``lips`` are the working set's
    weighted means and centred curvatures (``lips`` 0 for a column to leave alone);
    ``terms``, given: the model's ``(G, c)``, used as they are. Returns
    ``(intercept, epochs)``.
    """
    n = weights.shape[0]
    gram, cross = _weighted_gram(design, ws, weights, response) if terms is None else terms
    if fit_intercept and terms is None:
        gram -= np.outer(xmean, xmean)
        cross -= xmean * ymean
    model = GramModel(np.asfortranarray(gram), cross, w[ws].copy(), lips, n)
    penalty = ElasticNetPenalty(l1[ws], l2[ws], lo[ws], hi[ws])
    local = np.arange(ws.size, dtype=ws.dtype)

    def run_epochs(budget):
        return kernels_gram.gram_ws_solve(local, model.w, model.grad, model.gram, lips,
                                          penalty.l1, penalty.l2, penalty.lower,
                                          penalty.upper, budget, eps, anderson_k,
                                          model.state, EARLY_CHECK)

    # orthant Newton steps between chunks of epochs: on collinear columns coordinate
    # descent alone crawls, and with the Gram matrix at hand a step costs one small solve
    epochs = newton_chunks(model, local, penalty, max_epochs, run_epochs, True)
    w[ws] = model.w
    return (ymean - xmean @ model.w if fit_intercept else 0.0), epochs


class GramModel:
    """The quadratic model ``w'Gw/2 - c'w`` as ``orthant_newton`` expects an iterate:
    ``grad = c - G w`` is kept in step with ``w``."""

    def __init__(self, gram, cross, w, lips, n_samples):
        self.gram, self.cross, self.w = gram, cross, w
        self.grad = cross - gram @ w
        self.state = np.zeros(2)  # state[1]: the kernel reached its tolerance
        self.problem = SimpleNamespace(lips=lips, n_samples=n_samples)

    def hessian_block(self, features):
        return self.gram[np.ix_(features, features)]

    def gradient_block(self, features):
        return self.grad[features]

    def objective(self, penalty):
        return -0.5 * float(self.w @ (self.cross + self.grad)) + penalty.value(self.w)

    def move(self, features, delta):
        self.w[features] += delta
        self.grad -= self.gram[:, features] @ delta


def _ws_violation(state, ws, penalty, grad, u_grad=None):
    """Largest KKT violation on the working set (and the intercept), true gradient
    (``u_grad[ws]`` when given, else one pass over the working set's columns)."""
    problem = state.problem
    n = problem.n_samples
    if u_grad is not None:
        u = u_grad[ws]
    else:
        u = np.empty(ws.shape[0])
        kernels_squared.squared_gradient_ws(ws, grad, 0.0, *problem.design.kernel_args,
                                            np.ones(0), False, problem.xmean, float(n), u)
    keep = problem.lips[ws] > 0
    dist = penalty.subset(ws).subdiff_distance(state.w[ws], u)
    worst = float(dist[keep].max()) if np.any(keep) else 0.0
    if problem.fit_intercept:
        worst = max(worst, abs(grad.sum()) / n)
    return worst


def _line_search(state, ws, penalty, w_new, b_new, moved=None):
    """Backtrack along the Newton direction until the objective does not increase.

    ``moved`` is ``X (w_new - w)`` when known. Returns False when no step along the
    direction decreases the objective.
    """
    problem, df = state.problem, state.problem.datafit
    dw = w_new[ws] - state.w[ws]
    db = b_new - state.intercept
    if moved is None:
        dz = np.full(problem.n_samples, db)
        kernels_squared.ws_add_product(ws, dw, *problem.design.kernel_args, dz)
    else:
        dz = moved + db
    w_ws = state.w[ws].copy()
    sub = penalty.subset(ws)
    before = state.datafit_value() + sub.value(w_ws)

    def objective_at(step):
        fit = df.value(state.z, dz, step)
        return fit + sub.value(w_ws + step * dw), fit

    found = backtracking_step(objective_at, before)
    if found is None:
        return False
    step, fit = found
    state.w[ws] = w_ws + step * dw
    state.z += step * dz
    state.state[0] += step * db
    state.changed()  # the cached full gradient was that of the previous iterate
    state.known_value(fit)  # the datafit at the new z: the line search just took it
    return True

