"""One pass over the chunks of a dask problem, for the proximal Newton of ``newton.py``.

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
distinct entry of a sample's K x K curvature.
"""

from dataclasses import dataclass

import numpy as np
from numba import njit

from .statistics import add_sums, chunk_means, fold_of, row_chunks, tree_reduce

#: step sizes tried along each Newton direction, in the pass that takes the step (the
#: first is the full step: the loss kernels read its loss off the new point's)
STEPS = (1.0, 0.5, 0.125, 1.0 / 64)
#: rows per block of a chunk's products (a weighted copy of 4,096 x 50 fits in cache): a
#: logistic pass over a 100,000 x 50 chunk in 38 ms on one thread with a Dask worker's
#: allocator settings, against 60-100 with whole-chunk products (X'X alone: 13 ms)
GRAM_ROWS = 4096
#: the most per-sample columns whose products with X ride in the Gram's own product
#: (``weighted_grams``): the one-output losses' two and their curvature
FUSED_COLUMNS = 4


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


def chunk_pass(X, y, w_sample, groups, requests, rows=None, shift=None):
    """One chunk's ``PassSums`` of each request (runs on a worker); ``groups`` gives
    each row's fold (None without folds); ``shift``, when given, is subtracted from
    every row first (block by block: the chunk itself is left as it is, so that the
    persisted chunks of a fit are the user's arrays, not copies).

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
    buffer = np.empty((min(rows, max(m, 1)), X.shape[1] + FUSED_COLUMNS))
    shifted = None if shift is None else np.empty((buffer.shape[0], X.shape[1]))
    out = None
    for s in range(0, max(m, 1), rows):  # no rows: one empty block
        block = X[s:s + rows]
        if shift is not None:
            block = np.subtract(block, shift, out=shifted[:block.shape[0]])
        block = _block_pass(block, y[s:s + rows], sw[s:s + rows],
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
    if curv.ndim == 1 and buffer is not None and buffer.shape[1] >= p + columns.shape[1]:
        return _fused_grams(X, curv, columns, buffer, rows)
    blocks = np.sqrt(curv)[:, None] if curv.ndim == 1 else curv
    grams = np.zeros((blocks.shape[1], p, p))
    cross = np.zeros((columns.shape[1], p))
    weighted = np.empty((min(rows, m), p)) if buffer is None else buffer[:, :p]
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


def _fused_grams(X, curv, columns, buffer, rows):
    """``weighted_grams`` of one curvature column in one symmetric product per block:
    ``[c^1/2 X, columns / c^1/2]`` squared holds ``X' diag(c) X`` and ``X' columns``
    (a row of curvature 0 has columns 0: a weight of 0), so the block is read once
    (a separate product with a few columns cost half the Gram's time)."""
    m, p = X.shape
    width = p + columns.shape[1]
    product = np.zeros((width, width))
    for s in range(0, m, rows):
        out = buffer[:min(rows, m - s), :width]
        _fill_fused(out, X[s:s + rows], curv[s:s + rows], columns[s:s + rows])
        product += out.T @ out  # a symmetric product (numpy's syrk)
    return product[:p, :p].copy(), product[:p, p:].copy()


@njit(cache=True, nogil=True)
def _fill_fused(out, X, curv, columns):
    p, q = X.shape[1], columns.shape[1]
    for i in range(X.shape[0]):
        root = np.sqrt(curv[i])
        inverse = 1.0 / root if root > 0.0 else 0.0
        for j in range(p):
            out[i, j] = root * X[i, j]
        for j in range(q):
            out[i, p + j] = columns[i, j] * inverse


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
        # the parts are persisted: every pass reads them from the workers' memory (a
        # lazily read table, a Parquet folder say, is read once, not once per pass)
        self.parts = dask.persist(*[
            delayed(_positional_part, pure=True)(xb, yb, wb, offset, n_folds, seed)
            for xb, yb, wb, offset in chunks])
        self.fit_intercept = fit_intercept
        self.n_samples, self.n_features = X.shape
        self.n_folds = n_folds
        self.passes, self.groups = 0, None

    @classmethod
    def from_parts(cls, parts, n_samples, n_features, fit_intercept, n_folds):
        """Data already laid out as delayed ``(X, y, weights, groups)`` parts (``groups``
        each row's fold, or None): the encoded partitions of a table, say, whose rows
        of weight 0 (a test split) are in no model's training set."""
        data = cls.__new__(cls)
        data.shift = None
        data.parts, data.n_samples, data.n_features = list(parts), n_samples, n_features
        data.fit_intercept, data.n_folds, data.passes = fit_intercept, n_folds, 0
        data.groups = None
        return data

    def run(self, requests):
        """One pass: the ``PassSums`` of each ``Request``."""
        import dask
        from dask import delayed

        if self.groups is None:
            self.groups = worker_groups(self.parts)
        sums = [delayed(_parts_pass, pure=True)(group, requests, self.shift)
                for group in self.groups]
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


def _positional_part(X, y, w_sample, offset, n_folds, seed):
    """A chunk with each row's fold from a seeded hash of its position (a worker's)."""
    m = np.shape(y)[0]
    groups = fold_of(offset + np.arange(m), n_folds, seed) if n_folds else None
    return X, y, w_sample, groups


def _parts_pass(parts, requests, shift=None):
    """The ``PassSums`` of a group of parts, added (runs on a worker)."""
    out = None
    for part in parts:
        sums = chunk_pass(*part, requests, shift=shift)
        out = sums if out is None else add_many(out, sums)
    return out


def worker_groups(parts):
    """The ``parts`` in groups, one per thread of the workers that hold them, so that a
    pass is a task per thread rather than per chunk (with 20 chunks on 2 workers, the
    tasks and their reduction cost 0.1 s a pass); each part its own group when they
    are not persisted on a distributed cluster."""
    try:
        from distributed import default_client, futures_of, wait

        client = default_client()
    except (ImportError, ValueError):
        return [[part] for part in parts]
    futures = futures_of(parts)
    if len(futures) < len(parts):
        return [[part] for part in parts]
    wait(futures)
    holders, threads = client.who_has(parts), client.nthreads()
    by_worker = {}
    for part in parts:
        by_worker.setdefault((holders.get(part.key) or [None])[0], []).append(part)
    return [held[i::k] for worker, held in by_worker.items()
            for k in [max(1, min(threads.get(worker, 1), len(held)))] for i in range(k)]
