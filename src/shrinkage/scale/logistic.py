"""Binary logistic regression on dask data: proximal Newton, one pass per step.

Each pass over the chunks returns, tree-reduced on the workers:

- at the new iterate ``(w + d, b + db)``: minus the gradient split by class (``X' s y t``
  over the positive and over the negative samples), the weighted Gram ``X'WX`` with
  ``W = s t (1 - t)``, ``X'W1`` and ``sum W``, and the loss;
- the loss at a few step sizes along ``(d, db)`` from the previous iterate (a full Newton
  step is nearly always taken; the shorter ones are the fallback), so that the line
  search needs no pass of its own;
- the entropy of the previous iterate's dual point, whose scaling (``kappa`` and the
  class balance) the client could fix only after the previous pass: the duality gap of
  an iterate is certified by the pass that follows it, exactly, with no extra pass.

The client solves each penalized Newton model on the p x p Gram matrix (the intercept
eliminated by its Schur complement) with the Gram coordinate-descent kernel and orthant
Newton steps, as the in-memory solver's Gram model does.
"""

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from .._logistic_kernels import log1pexp
from ..penalties import ElasticNetPenalty
from ..solvers import _kernels
from ..solvers.orthant_newton import newton_chunks
from ..solvers.prox_newton import GramModel
from .statistics import add_sums, row_chunks, tree_reduce

#: step sizes tried along each Newton direction, in the pass that takes the step
STEPS = (1.0, 0.5, 0.125, 1.0 / 64)
_MIN_CURVATURE = 1e-10
MAX_PASSES_PER_ALPHA = 60


@dataclass(frozen=True)
class PassSums:
    """What one pass returns (each field summed over the chunks)."""

    xtv: np.ndarray  # (p, 2): X' s y t over the positive, then the negative samples
    mass: np.ndarray  # (2,): sum of s t over each class
    xtwx: np.ndarray  # (p, p)
    xtw1: np.ndarray  # (p,)
    sumw: np.ndarray  # (1,)
    loss: np.ndarray  # (1,): sum of s log(1 + exp(-y z)) at the new iterate
    losses: np.ndarray  # (len(STEPS),): the same at each step size
    entropy: np.ndarray  # (1,): the previous iterate's dual entropy (times n)
    n: np.ndarray  # (1,)
    #: (1,) the total sample weight: every mean is a sum divided by it (weights
    #: rescaled to sum to n, as in memory, make (1/n) sum s_i the same as (1/W) sum w_i)
    weight: np.ndarray

    def _fields(self):
        return (self.xtv, self.mass, self.xtwx, self.xtw1, self.sumw, self.loss,
                self.losses, self.entropy, self.n, self.weight)

    @property
    def total(self):
        return float(self.weight[0])


@njit(cache=True, nogil=True)
def _sample_terms(z0, dz, y, sw, factors, steps, moving):
    """Per chunk: the losses along the direction, the IRLS terms at ``z0 + dz`` and the
    previous point's entropy at its class factors (factors[0] < 0: none asked)."""
    m = z0.shape[0]
    losses = np.zeros(steps.shape[0])
    v = np.empty(m)
    curv = np.empty(m)
    loss, entropy, mass_pos, mass_neg = 0.0, 0.0, 0.0, 0.0
    for i in range(m):
        zi = z0[i]
        if moving:
            for k in range(steps.shape[0]):
                losses[k] += sw[i] * log1pexp(-y[i] * (zi + steps[k] * dz[i]))
            if factors[0] >= 0.0:
                # the previous point's entropy, at its now-known scaling
                t0 = 1.0 / (1.0 + math.exp(y[i] * zi))
                a = t0 * (factors[0] if y[i] > 0 else factors[1])
                if a > 0.0:
                    entropy -= sw[i] * a * math.log(a)
                if a < 1.0:
                    entropy -= sw[i] * (1.0 - a) * math.log(1.0 - a)
            zi = zi + dz[i]
        loss += sw[i] * log1pexp(-y[i] * zi)
        ti = 1.0 / (1.0 + math.exp(y[i] * zi))
        v[i] = sw[i] * y[i] * ti
        curv[i] = sw[i] * max(ti * (1.0 - ti), _MIN_CURVATURE)
        if y[i] > 0:
            mass_pos += sw[i] * ti
        else:
            mass_neg += sw[i] * ti
    return losses, v, curv, loss, entropy, mass_pos, mass_neg


def chunk_pass(X, labels, w_sample, w, b, dw, db, factors):
    """One chunk's ``PassSums`` (runs on a worker)."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64).ravel()
    sw = np.ones(y.shape[0]) if w_sample is None else \
        np.asarray(w_sample, dtype=np.float64).ravel()
    moving = dw is not None
    # one product for both linear predictors, one for every vector the pass needs
    if moving:
        both = X @ np.column_stack([w, dw])
        z0, dz = both[:, 0] + b, both[:, 1] + db
    else:
        z0 = X @ w + b
        dz = z0
    losses, v, curv, loss, entropy, mass_pos, mass_neg = _sample_terms(
        z0, dz, y, sw, np.asarray(factors, dtype=np.float64), np.asarray(STEPS), moving)
    pos = y > 0
    root = X * np.sqrt(curv)[:, None]
    cross = X.T @ np.column_stack([np.where(pos, v, 0.0), np.where(pos, 0.0, v), curv])
    return PassSums(xtv=cross[:, :2], mass=np.array([mass_pos, mass_neg]),
                    xtwx=root.T @ root, xtw1=cross[:, 2].copy(),
                    sumw=np.array([curv.sum()]), loss=np.array([loss]),
                    losses=losses, entropy=np.array([entropy]), n=np.array([float(len(y))]),
                    weight=np.array([sw.sum()]))


class DaskLogistic:
    """The chunks of one logistic problem and the passes over them."""

    def __init__(self, X, labels, sample_weight, fit_intercept):
        self.chunks = row_chunks(X, labels, sample_weight)
        self.fit_intercept = fit_intercept
        self.n_features = X.shape[1]
        self.passes = 0

    def run(self, w, b, direction=None, factors=(-1.0, -1.0)):
        """One pass: ``PassSums`` at ``(w, b)`` plus the direction (when given)."""
        import dask
        from dask import delayed

        dw, db = (None, 0.0) if direction is None else direction
        parts = [delayed(chunk_pass, pure=True)(xb, yb, wb, w, b, dw, db, factors)
                 for xb, yb, wb, _ in self.chunks]
        self.passes += 1
        (out,) = dask.compute(tree_reduce(parts, add_sums))
        return out


def _model(sums, n, fit_intercept):
    """The Newton model's Gram (intercept eliminated) and the intercept's pieces."""
    H = sums.xtwx / n
    if not fit_intercept:
        return H, np.zeros_like(sums.xtw1), 1.0
    h1, hb = sums.xtw1 / n, float(sums.sumw[0]) / n
    return H - np.outer(h1, h1) / hb, h1, hb


def newton_direction(sums, w, b, penalty, fit_intercept, eps, max_epochs=10_000):
    """The penalized Newton step from ``(w, b)``: ``(dw, db)`` minimising the quadratic
    model plus the penalty, solved on the Gram matrix."""
    n = sums.total
    g = (sums.xtv[:, 0] + sums.xtv[:, 1]) / n  # minus the gradient in w
    gb = float(sums.mass[0] - sums.mass[1]) / n if fit_intercept else 0.0
    H, h1, hb = _model(sums, n, fit_intercept)
    # db = (gb - h1'd) / hb eliminated: the model in d has gradient g - h1 gb / hb
    g_eff = g - h1 * (gb / hb) if fit_intercept else g
    lips = np.diag(H).copy()
    lips[lips <= 1e-12 * max(lips.max(initial=0.0), 1e-300)] = 0.0
    model = GramModel(np.asfortranarray(H), g_eff + H @ w, w.copy(), lips,
                      int(sums.n[0]))
    local = np.arange(w.size, dtype=np.int64)

    def run_epochs(budget):
        return _kernels.gram_ws_solve(local, model.w, model.grad, model.gram, lips,
                                      penalty.l1, penalty.l2, penalty.lower, penalty.upper,
                                      budget, eps, 5, model.state, True)

    newton_chunks(model, local, penalty, max_epochs, run_epochs, True)
    dw = model.w - w
    db = (gb - h1 @ dw) / hb if fit_intercept else 0.0
    return dw, db


def certificate_parts(sums, w, penalty, fit_intercept):
    """From a pass at ``w``: the class factors of its dual point (the entropy the next
    pass evaluates), the dual value without that entropy, the primal value, and the
    KKT violation; everything divided by n as the objective is."""
    n = sums.total
    xtv_pos, xtv_neg = sums.xtv[:, 0] / n, sums.xtv[:, 1] / n
    scale_pos = scale_neg = 1.0
    if fit_intercept:
        # the dual must satisfy sum s y t = 0: shrink the heavier class's t
        mass_pos, mass_neg = sums.mass
        scale_pos = min(1.0, mass_neg / mass_pos) if mass_pos > 0 else 1.0
        scale_neg = min(1.0, mass_pos / mass_neg) if mass_neg > 0 else 1.0
    u_dual = scale_pos * xtv_pos + scale_neg * xtv_neg
    kappa, conjugate, pen = penalty.gap_terms(u_dual, w)
    primal = float(sums.loss[0]) / n + pen
    u_grad = xtv_pos + xtv_neg
    violation = float(penalty.subdiff_distance(w, u_grad).max(initial=0.0))
    if fit_intercept:
        violation = max(violation, abs(float(sums.mass[0] - sums.mass[1])) / n)
    return (kappa * scale_pos, kappa * scale_neg), -conjugate, primal, violation


def null_start(data):
    """The intercept-only fit: a pass at ``(0, 0)`` gives the class masses (t = 1/2),
    whose log ratio is the optimal intercept; a pass there gives the statistics the
    path starts from. Returns ``(b0, sums)``."""
    p = data.n_features
    if not data.fit_intercept:
        return 0.0, data.run(np.zeros(p), 0.0)
    masses = data.run(np.zeros(p), 0.0).mass
    b0 = float(np.log(masses[0] / masses[1]))
    return b0, data.run(np.zeros(p), b0)


def logistic_path(data, alphas, l1_ratio, factor, lower, upper, *, tol, max_passes,
                  start):
    """Warm-started path from ``start = (b0, sums)`` (``null_start``); returns
    ``(coefs, intercepts, gaps, passes)``, one entry per alpha."""
    p = data.n_features
    b, sums = start
    w = np.zeros(p)
    null = float(sums.loss[0]) / sums.total
    coefs, intercepts = np.zeros((len(alphas), p)), np.zeros(len(alphas))
    gaps, passes = np.full(len(alphas), np.inf), np.zeros(len(alphas), dtype=int)
    for k, alpha in enumerate(alphas):
        penalty = ElasticNetPenalty.from_params(alpha, l1_ratio, factor, lower, upper)
        first = data.passes
        while True:
            factors, dual_rest, primal, violation = certificate_parts(
                sums, w, penalty, data.fit_intercept)
            dw, db = newton_direction(sums, w, b, penalty, data.fit_intercept,
                                      eps=max(0.1 * violation, 1e-14))
            step_sums = data.run(w, b, (dw, db), factors)
            dual = float(step_sums.entropy[0]) / step_sums.total + dual_rest
            gap = max(primal - dual, 0.0) / null
            certified = gap <= tol or data.passes - first >= max_passes
            if certified:
                coefs[k], intercepts[k], gaps[k] = w, b, gap
            # the pass at the step serves the next Newton step (or the next alpha)
            w, b, sums = _accept(data, step_sums, w, b, dw, db, penalty, primal)
            if certified:
                break
        passes[k] = data.passes - first
    return coefs, intercepts, gaps, passes


def _accept(data, step_sums, w, b, dw, db, penalty, objective):
    """The line search from the losses the pass brought: the largest step that does not
    raise the objective; its statistics are the pass's own for a full step, else one
    pass more. Returns ``(w, b, sums)``."""
    n = step_sums.total
    for t, loss in zip(STEPS, step_sums.losses):
        trial = float(loss) / n + penalty.value(w + t * dw)
        if trial <= objective + 1e-14 * abs(objective):
            if t == 1.0:
                return w + dw, b + db, step_sums
            return w + t * dw, b + t * db, data.run(w + t * dw, b + t * db)
    return w, b, data.run(w, b)  # no decrease: stay (the gap will say so)
