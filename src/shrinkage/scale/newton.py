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

What each loss computes is in ``terms.py`` and ``terms_multinomial.py`` (a row per
loss, no branch here). A loss with K linear predictors per sample (the multinomial)
flattens its (p, K) coefficients and brings K (K + 1) / 2 weighted Grams, one per
distinct entry of a sample's K x K curvature. The client solves each penalized Newton
model on the Gram matrix (the intercepts eliminated by their Schur complement) with the
Gram coordinate-descent kernel and orthant Newton steps, as the in-memory solver's Gram
model does.
"""

from dataclasses import dataclass

import numpy as np

from ..penalties import ElasticNetPenalty
from ..solvers import kernels_gram
from ..solvers.newton import ARMIJO
from ..solvers.newton import newton_direction as _newton_step
from ..solvers.orthant_newton import newton_chunks
from ..solvers.prox_newton import GramModel
from .statistics import (add_sums, check_finite, chunk_means, fold_of, row_chunks,
                         tree_reduce)

#: step sizes tried along each Newton direction, in the pass that takes the step (the
#: first is the full step: the loss kernels read its loss off the new point's)
STEPS = (1.0, 0.5, 0.125, 1.0 / 64)
MAX_PASSES_PER_ALPHA = 60
#: rows per block of a chunk's products (a weighted copy of 4,096 x 50 fits in cache): a
#: logistic pass over a 100,000 x 50 chunk in 38 ms on one thread with a Dask worker's
#: allocator settings, against 60-100 with whole-chunk products (X'X alone: 13 ms)
GRAM_ROWS = 4096


@dataclass(frozen=True)
class PassSums:
    """What one pass returns for one model (each field summed over the chunks)."""

    xtc: np.ndarray  # (p, q): X' times the loss's per-sample columns
    scalars: np.ndarray  # (r,): the loss's per-sample sums
    xtwx: np.ndarray  # (p, p)
    xtw1: np.ndarray  # (p,)
    sumw: np.ndarray  # (1,)
    loss: np.ndarray  # (1,): the summed loss at the new iterate
    losses: np.ndarray  # (len(STEPS),): the same at each step size
    lagged: np.ndarray  # (1,): the previous iterate's dual terms (times n)
    n: np.ndarray  # (1,): the rows the model is fitted on
    #: (1,) the total sample weight: every mean is a sum divided by it (weights
    #: rescaled to sum to n, as in memory, make (1/n) sum s_i the same as (1/W) sum w_i)
    weight: np.ndarray
    #: (2 + r,) on the model's held-out rows, at the previous iterate: the summed loss,
    #: the weight and the loss's scalars (empty for a model without held-out rows)
    held_out: np.ndarray

    def _fields(self):
        return (self.xtc, self.scalars, self.xtwx, self.xtw1, self.sumw, self.loss,
                self.losses, self.lagged, self.n, self.weight, self.held_out)

    @property
    def total(self):
        return float(self.weight[0])


@dataclass(frozen=True)
class Request:
    """One model's part of a pass: its loss, its iterate, the direction to step along
    (None: none) with the scaling of the previous iterate's dual point, and its fold
    (-1: every row; f: fitted on the rows of the other folds, scored on fold f's)."""

    terms: object
    w: np.ndarray
    b: float
    dw: np.ndarray = None
    db: float = 0.0
    factors: tuple = None
    fold: int = -1
    #: the loss's per-sample sums at z = 0 only (``PassSums.scalars``, ``weight``): the
    #: null model's intercept reads nothing else, and no product with X is needed
    target_only: bool = False


def chunk_pass(X, y, w_sample, groups, requests, rows=None):
    """One chunk's ``PassSums`` of each request (runs on a worker); ``groups`` gives
    each row's fold (None without folds).

    The chunk is processed ``rows`` rows at a time (``GRAM_ROWS``), every temporary of a
    block small: a Dask worker returns freed memory to the system at once
    (``MALLOC_TRIM_THRESHOLD_``), so that chunk-sized temporaries cost their pages'
    faults on every pass (at 500,000-row chunks the passes spent 3/4 of their time in
    the kernel)."""
    rows = rows or GRAM_ROWS
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).ravel()
    m = y.shape[0]
    sw = np.ones(m) if w_sample is None else np.asarray(w_sample, dtype=np.float64).ravel()
    buffer = np.empty((min(rows, max(m, 1)), X.shape[1]))
    out = None
    for s in range(0, max(m, 1), rows):  # no rows: one empty block
        block = _block_pass(X[s:s + rows], y[s:s + rows], sw[s:s + rows],
                            None if groups is None else groups[s:s + rows], requests,
                            buffer)
        out = block if out is None else add_many(out, block)
    return out


def _block_pass(X, y, sw, groups, requests, buffer):
    """``chunk_pass`` of one block of rows (``buffer`` holds its weighted copies)."""
    m = y.shape[0]
    # one product for every model's linear predictors and directions (a loss with K
    # outputs per sample, the multinomial, brings K columns per vector)
    full = [r for r in requests if not r.target_only]
    vectors = [r.w for r in full] + [r.dw for r in full if r.dw is not None]
    widths = [r.terms.width for r in full]
    widths += [r.terms.width for r in full if r.dw is not None]
    p = X.shape[1]
    products = X @ np.hstack([v.reshape(p, k) for v, k in zip(vectors, widths)]) \
        if full else None
    starts = np.concatenate([[0], np.cumsum(widths)])

    def predictor(index):
        block = products[:, starts[index]:starts[index + 1]]
        return block[:, 0] if block.shape[1] == 1 else block

    steps = np.asarray(STEPS)
    out, index, moving_index = [], 0, len(full)
    for r in requests:
        train = sw if r.fold < 0 else np.where(groups != r.fold, sw, 0.0)
        factors = np.asarray(r.terms.no_factors if r.factors is None else r.factors,
                             dtype=np.float64)
        if r.target_only:
            zero = np.zeros((m,) if r.terms.width == 1 else (m, r.terms.width))
            out.append(_target_sums(r.terms.sample_terms(zero, zero, y, train, factors,
                                                         steps, False), train))
            continue
        z0 = predictor(index) + r.b
        index += 1
        moving = r.dw is not None
        if moving:
            dz = predictor(moving_index) + r.db
            moving_index += 1
        else:
            dz = z0
        losses, columns, curv, loss, lagged, scalars = r.terms.sample_terms(
            z0, dz, y, train, factors, steps, moving)
        xtwx, cross = weighted_grams(X, curv, np.column_stack([columns, curv]), buffer)
        q = columns.shape[1]
        xtw1 = cross[:, q] if curv.ndim == 1 else cross[:, q:]
        held_out = np.zeros(0)
        if r.fold >= 0:
            scored = np.where(groups == r.fold, sw, 0.0)
            _, _, _, scored_loss, _, scored_scalars = r.terms.sample_terms(
                z0, z0, y, scored, factors, steps, False)
            held_out = np.concatenate([[scored_loss, scored.sum()], scored_scalars])
        out.append(PassSums(
            xtc=cross[:, :q], scalars=scalars, xtwx=xtwx,
            xtw1=xtw1.copy(), sumw=np.atleast_1d(curv.sum(axis=0)), loss=np.array([loss]),
            losses=losses, lagged=np.array([lagged]),
            n=np.array([float(m if r.fold < 0 else np.sum(groups != r.fold))]),
            weight=np.array([train.sum()]), held_out=held_out))
    return out


def _target_sums(terms, train):
    """A target-only request's ``PassSums``: the scalars and the weight (the products
    with X left as zeros of one entry)."""
    losses, _, _, loss, _, scalars = terms
    one = np.zeros(1)
    return PassSums(xtc=np.zeros((1, 1)), scalars=scalars, xtwx=np.zeros((1, 1)), xtw1=one,
                    sumw=one, loss=np.array([loss]), losses=np.zeros_like(losses),
                    lagged=one, n=np.array([float(np.count_nonzero(train))]),
                    weight=np.array([train.sum()]), held_out=np.zeros(0))


def weighted_grams(X, curv, columns, buffer=None, rows=GRAM_ROWS):
    """``X' diag(c) X`` for the curvature column ``c`` (p, p), or for each column of a
    curvature matrix (its blocks, (B, p, p): a multinomial's entries may be negative),
    and ``X' columns``. Summed over blocks of ``rows`` rows, so that each block and its
    weighted copy (in ``buffer``, reused: see ``chunk_pass``) are read from cache for
    all the products."""
    m, p = X.shape
    blocks = np.sqrt(curv)[:, None] if curv.ndim == 1 else curv
    grams = np.zeros((blocks.shape[1], p, p))
    cross = np.zeros((columns.shape[1], p))
    weighted = np.empty((min(rows, m), p)) if buffer is None else buffer
    for s in range(0, m, rows):
        block = X[s:s + rows]
        cross += columns[s:s + rows].T @ block
        out = weighted[:block.shape[0]]
        for b in range(blocks.shape[1]):
            np.multiply(block, blocks[s:s + rows, b, None], out=out)
            if curv.ndim == 1:
                grams[0] += out.T @ out  # a symmetric product (numpy's syrk)
            else:
                grams[b] += block.T @ out
    return (grams[0] if curv.ndim == 1 else grams), cross.T


def add_many(a, b):
    """Two chunks' lists of ``PassSums`` added model by model (runs on a worker)."""
    return [add_sums(x, y) for x, y in zip(a, b)]


class DaskGLM:
    """The chunks of one problem and the passes over them; a pass serves any number of
    models (the folds of a cross-validation and the whole-data fit, say). Built from
    arrays (each row's fold a hash of its position) or ``from_parts``.

    Parameters
    ----------
    X, y, sample_weight : dask (or numpy) arrays
    fit_intercept : bool
    n_folds : int
        0: no folds. Otherwise a row's fold is ``fold_of(position, n_folds, seed)``.
    seed : int
    """

    def __init__(self, X, y, sample_weight, fit_intercept, n_folds=0, seed=0):
        import dask
        from dask import delayed

        chunks = row_chunks(X, y, sample_weight)
        # with an intercept, the rows are taken less the first chunk's column means (one
        # task first): columns far from zero made the Newton systems singular to
        # rounding (a logistic fit at an offset of 1e9 stopped at a gap of 0.87)
        self.shift = None
        if fit_intercept:
            (self.shift,) = dask.compute(delayed(chunk_means, pure=True)(chunks[0][0]))
        self.parts = [delayed(_positional_part, pure=True)(xb, yb, wb, offset, n_folds,
                                                            seed, self.shift)
                      for xb, yb, wb, offset in chunks]
        self.fit_intercept = fit_intercept
        self.n_samples, self.n_features = X.shape
        self.n_folds = n_folds
        self.passes = 0

    @classmethod
    def from_parts(cls, parts, n_samples, n_features, fit_intercept, n_folds):
        """Data already laid out as delayed ``(X, y, weights, groups)`` parts (``groups``
        each row's fold, or None): the encoded partitions of a table, say, whose rows
        of weight 0 (a test split) are in no model's training set."""
        data = cls.__new__(cls)
        data.shift = None
        data.parts, data.n_samples, data.n_features = list(parts), n_samples, n_features
        data.fit_intercept, data.n_folds, data.passes = fit_intercept, n_folds, 0
        return data

    def run(self, requests):
        """One pass: the ``PassSums`` of each ``Request``."""
        import dask
        from dask import delayed

        sums = [delayed(_part_pass, pure=True)(part, requests) for part in self.parts]
        # a pass that reads only the target (the null models' intercepts) is not counted
        self.passes += any(not r.target_only for r in requests)
        (out,) = dask.compute(tree_reduce(sums, add_many))
        return out

    def user_intercepts(self, intercepts, coefs):
        """The intercepts for the user's columns from those of the shifted rows
        (``coefs`` in the estimators' layout: (p,), (K, p), (n_alphas, [K,] p))."""
        if self.shift is None:
            return intercepts
        return np.asarray(intercepts) - np.asarray(coefs) @ self.shift


def _positional_part(X, y, w_sample, offset, n_folds, seed, shift=None):
    """A chunk with each row's fold from a seeded hash of its position (a worker's), its
    columns less ``shift`` when given."""
    if shift is not None:
        X = np.asarray(X, dtype=np.float64) - shift
    m = np.shape(y)[0]
    groups = fold_of(offset + np.arange(m), n_folds, seed) if n_folds else None
    return X, y, w_sample, groups


def _part_pass(part, requests):
    return chunk_pass(*part, requests)


def _model(terms, sums, n, fit_intercept):
    """The Newton model's Hessian in w with the intercepts eliminated (their Schur
    complement; a pseudo-inverse, since the multinomial's K intercepts are free to move
    together), and the pieces that give the intercepts' step."""
    H, C, corner = (np.asarray(a, dtype=np.float64) / n for a in terms.curvature(sums))
    if not fit_intercept:
        return H, np.zeros_like(C), np.zeros_like(corner)
    inverse = np.linalg.pinv(corner, hermitian=True)
    return H - C @ inverse @ C.T, C, inverse


def newton_direction(terms, sums, w, b, penalty, fit_intercept, eps, max_epochs=10_000):
    """The penalized Newton step from ``(w, b)``: ``(dw, db)`` minimising the quadratic
    model plus the penalty, solved on the Gram matrix."""
    n = sums.total
    g, gb = terms.gradient(sums)  # minus the gradient, summed
    g, gb = g / n, np.atleast_1d(gb) / n
    H, C, inverse = _model(terms, sums, n, fit_intercept)
    # db = inverse (gb - C'd) eliminated: the model in d has gradient g - C inverse gb
    g_eff = g - C @ (inverse @ gb)
    lips = np.diag(H).copy()
    lips[lips <= 1e-12 * max(lips.max(initial=0.0), 1e-300)] = 0.0
    model = GramModel(np.asfortranarray(H), g_eff + H @ w, w.copy(), lips,
                      int(sums.n[0]))
    local = np.arange(w.size, dtype=np.int64)

    def run_epochs(budget):
        return kernels_gram.gram_ws_solve(local, model.w, model.grad, model.gram, lips,
                                          penalty.l1, penalty.l2, penalty.lower,
                                          penalty.upper, budget, eps, 5, model.state, True)

    newton_chunks(model, local, penalty, max_epochs, run_epochs, True)
    dw = model.w - w
    db = inverse @ (gb - C.T @ dw)
    return dw, (float(db[0]) if np.ndim(b) == 0 else db)


class PathState:
    """One model's warm-started path, advanced one pass at a time: ``request()`` says
    what the next pass must compute for it, ``receive(sums)`` takes the result.

    It starts at the null model (the target's sums at ``w = 0``, which need no product
    with X, give the loss's null intercept; then a pass there); ``start_path`` gives it
    the grid. At each alpha the certificate of an iterate comes from the pass that
    steps away from it: when the gap is within ``tol``
    (or the passes at this alpha reach ``max_passes``) the iterate is recorded, with its
    held-out sums when it has a fold, and the path moves on.
    """

    def __init__(self, terms, n_features, fit_intercept, fold=-1):
        self.terms, self.fit_intercept, self.fold = terms, fit_intercept, fold
        self.w, self.b = np.zeros(n_features * terms.width), terms.zero_intercept()
        self.sums = None
        self.phase = "null" if fit_intercept else "last null"
        self.pending = None
        self.penalties = []

    @property
    def done(self):
        return self.phase == "path" and self.k >= len(self.penalties)

    @property
    def started(self):
        return self.phase in ("ready", "path")

    def start_path(self, alphas, l1_ratio, factor, lower, upper, tol, max_passes):
        self.penalties = [ElasticNetPenalty.from_params(a, l1_ratio, factor, lower, upper)
                          for a in alphas]
        self.tol, self.max_passes = tol, max_passes
        p, m = self.w.size, len(alphas)
        self.coefs, self.intercepts = np.zeros((m, p)), np.zeros((m,) + np.shape(self.b))
        self.gaps, self.passes = np.full(m, np.inf), np.zeros(m, dtype=int)
        self.held_out, self.trained = [None] * m, [None] * m
        self.k, self.count, self.phase = 0, 0, "path"
        # the gap relative to the null model's distance to the loss's floor, as in memory
        self.null = float(self.sums.loss[0]) / self.sums.total - self.terms.floor(self.sums)

    def request(self):
        if self.phase == "null":  # at w = 0: the target's sums give the intercept
            return Request(self.terms, self.w, self.b, fold=self.fold, target_only=True)
        if self.phase != "path" or self.sums is None:
            return Request(self.terms, self.w, self.b, fold=self.fold)
        penalty = self.penalties[self.k]
        factors, dual_rest, primal, violation = self.terms.certificate_parts(
            self.sums, self.w, penalty, self.fit_intercept)
        # each pass costs a read of the data, the model's solve only p x p work: solve
        # it nearly exactly (to 0.1 of the violation, an L1-logistic path took 3.3
        # passes per alpha on 200,000 x 50; to 1e-6 of it, 2.3)
        dw, db = newton_direction(self.terms, self.sums, self.w, self.b, penalty,
                                  self.fit_intercept, eps=max(1e-6 * violation, 1e-15))
        self.pending = (dw, db, dual_rest, primal, penalty)
        return Request(self.terms, self.w, self.b, dw, db, factors, self.fold)

    def receive(self, sums):
        if self.phase == "null":
            self.b = self.terms.null_intercept(sums)
            self.phase = "last null"
            return
        if self.phase == "last null":
            self.sums, self.phase = sums, "ready"
            return
        self.count += 1
        if self.pending is None:  # a pass at a point without a direction
            self.sums = sums
            return
        dw, db, dual_rest, primal, penalty = self.pending
        self.pending = None
        dual = float(sums.lagged[0]) / sums.total + dual_rest
        gap = max(primal - dual, 0.0) / self.null
        certified = gap <= self.tol or self.count >= self.max_passes
        if certified:
            k = self.k
            self.coefs[k], self.intercepts[k], self.gaps[k] = self.w, self.b, gap
            self.passes[k] = self.count
            # the pass scored its held-out rows at the certified iterate; the sums at it
            # give its training score
            self.held_out[k], self.trained[k] = sums.held_out, self.sums
        self._accept(sums, dw, db, penalty, primal)
        if certified:
            self.k, self.count = self.k + 1, 0

    def _accept(self, sums, dw, db, penalty, objective):
        """The line search from the losses the pass brought: the largest step that does
        not raise the objective; the pass's statistics serve a full step, else the next
        pass is one at the new point without a direction."""
        n = sums.total
        for t, loss in zip(STEPS, sums.losses):
            trial = float(loss) / n + penalty.value(self.w + t * dw)
            if trial <= objective + 1e-14 * abs(objective):
                self.w, self.b = self.w + t * dw, self.b + t * db
                self.sums = sums if t == 1.0 else None
                return
        self.sums = None  # no decrease: stay (the gap will say so)


class UnpenalizedState:
    """The datafit alone (alpha = 0) by damped Newton, one pass per step, with the
    in-memory rule: half the Newton decrement, relative to the null model's distance to
    the loss's floor, within ``tol`` (the duality gap is degenerate here: no penalty,
    no dual scaling). The step length is chosen from the losses at ``STEPS`` that the
    pass along the direction brought (Armijo's condition, as in memory)."""

    def __init__(self, terms, n_features, fit_intercept, tol, max_passes, fold=-1):
        self.path = PathState(terms, n_features, fit_intercept, fold)
        self.terms, self.fit_intercept = terms, fit_intercept
        self.tol, self.max_passes = tol, max_passes
        self.count, self.certificate, self.pending, self.finished = 0, np.inf, None, False

    @property
    def done(self):
        return self.finished

    def request(self):
        state = self.path
        if not state.started:
            return state.request()
        if state.sums is None:  # after a partial step: the statistics at the new point
            return Request(self.terms, state.w, state.b, fold=state.fold)
        sums = state.sums
        n = sums.total
        g, gb = self.terms.gradient(sums)  # minus the gradient, summed
        H, C, corner = self.terms.curvature(sums)
        if self.fit_intercept:
            H = np.block([[H, C], [C.T, corner]])
            g = np.append(g, gb)
        step = _newton_step(H / n, -g / n)
        decrement = float(g @ step) / n
        self.certificate = 0.5 * max(decrement, 0.0) / self.null
        # each step costs a pass here: stop at tol (in memory, steps run on to rounding)
        if self.certificate <= self.tol or self.count >= self.max_passes:
            self.finished = True
            return None
        p = state.w.size
        dw, db = step[:p], step[p:]
        db = (float(db[0]) if np.ndim(state.b) == 0 else db) if self.fit_intercept \
            else self.terms.zero_intercept()
        self.pending = (dw, db, float(sums.loss[0]) / n, decrement)
        return Request(self.terms, state.w, state.b, dw, db, fold=state.fold)

    def receive(self, sums):
        state = self.path
        if not state.started:
            state.receive(sums)
            if state.started:
                check_finite(state.sums)
                self.null = float(state.sums.loss[0]) / state.sums.total \
                    - self.terms.floor(state.sums)
            return
        self.count += 1
        if self.pending is None:
            state.sums = sums
            return
        dw, db, current, decrement = self.pending
        self.pending = None
        n = sums.total
        for t, loss in zip(STEPS, sums.losses):
            if float(loss) / n <= current - ARMIJO * t * decrement:
                state.w, state.b = state.w + t * dw, state.b + t * db
                state.sums = sums if t == 1.0 else None
                return
        self.finished = True  # no descent along the Newton direction: rounding decides


def advance(data, states, until):
    """Run passes over ``data`` for every state, until ``until(state)`` holds for all (a
    state whose request is None has nothing left to ask)."""
    while True:
        asked = [(s, s.request()) for s in states if not until(s)]
        asked = [(s, r) for s, r in asked if r is not None]
        if not asked:
            return
        for (state, _), sums in zip(asked, data.run([r for _, r in asked])):
            state.receive(sums)


def glm_path(data, terms, alphas, l1_ratio, factor, lower, upper, *, tol, max_passes):
    """One model's warm-started path on ``data`` (``alphas`` a grid, or a function of
    the null model's ``PassSums`` that returns it). Returns the finished ``PathState``
    (``coefs``, ``intercepts``, ``gaps``, ``passes`` and the grid ``alphas``)."""
    state = PathState(terms, data.n_features, data.fit_intercept)
    advance(data, [state], lambda s: s.started)
    check_finite(state.sums)
    grid = alphas(state.sums) if callable(alphas) else alphas
    state.start_path(grid, l1_ratio, factor, lower, upper, tol, max_passes)
    state.alphas = np.asarray(grid, dtype=np.float64)
    advance(data, [state], lambda s: s.done)
    return state
