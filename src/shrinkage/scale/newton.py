"""Penalized GLMs on dask data: proximal Newton, one pass per step.

Each pass over the chunks returns, tree-reduced on the workers (``PassSums``):

- at the new iterate ``(w + d, b + db)``: the products of X with the loss's per-sample
  columns (the gradient and the dual point are made of them), the weighted Gram
  ``X'WX`` with the curvatures ``W``, ``X'W1`` and ``sum W``, a few sums, and the loss;
- the loss at a few step sizes along ``(d, db)`` from the previous iterate (a full Newton
  step is nearly always taken; the shorter ones are the fallback), so that the line
  search needs no pass of its own;
- the previous iterate's dual terms, at the scaling that the client could fix only
  after the previous pass: the duality gap of an iterate is certified by the pass that
  follows it, exactly, with no extra pass.

What each loss computes is in ``terms.py`` (a row per loss, no branch here). The client
solves each penalized Newton model on the p x p Gram matrix (the intercept eliminated by
its Schur complement) with the Gram coordinate-descent kernel and orthant Newton steps,
as the in-memory solver's Gram model does.
"""

from dataclasses import dataclass

import numpy as np

from ..penalties import ElasticNetPenalty
from ..solvers import _kernels
from ..solvers.orthant_newton import newton_chunks
from ..solvers.prox_newton import GramModel
from .statistics import add_sums, row_chunks, tree_reduce

#: step sizes tried along each Newton direction, in the pass that takes the step
STEPS = (1.0, 0.5, 0.125, 1.0 / 64)
MAX_PASSES_PER_ALPHA = 60


@dataclass(frozen=True)
class PassSums:
    """What one pass returns (each field summed over the chunks)."""

    xtc: np.ndarray  # (p, q): X' times the loss's per-sample columns
    scalars: np.ndarray  # (r,): the loss's per-sample sums
    xtwx: np.ndarray  # (p, p)
    xtw1: np.ndarray  # (p,)
    sumw: np.ndarray  # (1,)
    loss: np.ndarray  # (1,): the summed loss at the new iterate
    losses: np.ndarray  # (len(STEPS),): the same at each step size
    lagged: np.ndarray  # (1,): the previous iterate's dual terms (times n)
    n: np.ndarray  # (1,)
    #: (1,) the total sample weight: every mean is a sum divided by it (weights
    #: rescaled to sum to n, as in memory, make (1/n) sum s_i the same as (1/W) sum w_i)
    weight: np.ndarray

    def _fields(self):
        return (self.xtc, self.scalars, self.xtwx, self.xtw1, self.sumw, self.loss,
                self.losses, self.lagged, self.n, self.weight)

    @property
    def total(self):
        return float(self.weight[0])


def chunk_pass(X, y, w_sample, terms, w, b, dw, db, factors):
    """One chunk's ``PassSums`` (runs on a worker)."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).ravel()
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
    losses, columns, curv, loss, lagged, scalars = terms.sample_terms(
        z0, dz, y, sw, np.asarray(factors, dtype=np.float64), np.asarray(STEPS), moving)
    root = X * np.sqrt(curv)[:, None]
    cross = X.T @ np.column_stack([columns, curv])
    return PassSums(xtc=cross[:, :-1], scalars=scalars, xtwx=root.T @ root,
                    xtw1=cross[:, -1].copy(), sumw=np.array([curv.sum()]),
                    loss=np.array([loss]), losses=losses, lagged=np.array([lagged]),
                    n=np.array([float(len(y))]), weight=np.array([sw.sum()]))


class DaskGLM:
    """The chunks of one problem, its loss's ``terms``, and the passes over them."""

    def __init__(self, X, y, sample_weight, fit_intercept, terms):
        self.chunks = row_chunks(X, y, sample_weight)
        self.terms = terms
        self.fit_intercept = fit_intercept
        self.n_features = X.shape[1]
        self.passes = 0

    def run(self, w, b, direction=None, factors=None):
        """One pass: ``PassSums`` at ``(w, b)`` plus the direction (when given)."""
        import dask
        from dask import delayed

        dw, db = (None, 0.0) if direction is None else direction
        factors = self.terms.no_factors if factors is None else factors
        parts = [delayed(chunk_pass, pure=True)(xb, yb, wb, self.terms, w, b, dw, db,
                                                factors)
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


def newton_direction(terms, sums, w, b, penalty, fit_intercept, eps, max_epochs=10_000):
    """The penalized Newton step from ``(w, b)``: ``(dw, db)`` minimising the quadratic
    model plus the penalty, solved on the Gram matrix."""
    n = sums.total
    g, gb = terms.gradient(sums)  # minus the gradient, summed
    g, gb = g / n, (gb / n if fit_intercept else 0.0)
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


def null_start(data):
    """The intercept-only fit: a pass at ``(0, 0)`` gives the sums whose function is the
    optimal intercept (the loss's ``null_intercept``); a pass there gives the statistics
    the path starts from. Returns ``(b0, sums)``."""
    p = data.n_features
    first = _finite(data.run(np.zeros(p), 0.0))
    if not data.fit_intercept:
        return 0.0, first
    b0 = data.terms.null_intercept(first)
    return b0, data.run(np.zeros(p), b0)


def _finite(sums):
    if not all(np.all(np.isfinite(a)) for a in sums._fields()):
        raise ValueError("X, y or sample_weight contains NaN or infinity (found in the "
                         "statistics of the dask chunks)")
    return sums


def glm_path(data, alphas, l1_ratio, factor, lower, upper, *, tol, max_passes, start):
    """Warm-started path from ``start = (b0, sums)`` (``null_start``); returns
    ``(coefs, intercepts, gaps, passes)``, one entry per alpha."""
    p = data.n_features
    b, sums = start
    w = np.zeros(p)
    # the gap relative to the null model's distance to the loss's floor, as in memory
    null = float(sums.loss[0]) / sums.total - data.terms.floor(sums)
    coefs, intercepts = np.zeros((len(alphas), p)), np.zeros(len(alphas))
    gaps, passes = np.full(len(alphas), np.inf), np.zeros(len(alphas), dtype=int)
    for k, alpha in enumerate(alphas):
        penalty = ElasticNetPenalty.from_params(alpha, l1_ratio, factor, lower, upper)
        first = data.passes
        while True:
            factors, dual_rest, primal, violation = data.terms.certificate_parts(
                sums, w, penalty, data.fit_intercept)
            dw, db = newton_direction(data.terms, sums, w, b, penalty, data.fit_intercept,
                                      eps=max(0.1 * violation, 1e-14))
            step_sums = data.run(w, b, (dw, db), factors)
            dual = float(step_sums.lagged[0]) / step_sums.total + dual_rest
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
