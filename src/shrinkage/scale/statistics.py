"""Weighted sums of the chunks of rows, reduced on the workers by a tree.

For each chunk ``(X_b, y_b, w_b)`` a worker computes ``(X'WX, X'W1, X'Wy, y'Wy, 1'Wy,
1'W1)``, one set per fold when folds are asked for (a row's fold is a seeded hash of its
global position, so that it does not depend on the chunking); pairs of chunks' sums are
added on the workers, level by level, and only the total (k sets of p x p) reaches the
client.
"""

from dataclasses import dataclass

import numpy as np
from numba import njit

#: chunks' sums added pairwise on the workers: the client receives one set
_TREE_ARITY = 2
#: rows per block of a chunk's sums: the block and its products stay in cache
SUM_ROWS = 4096


@dataclass(frozen=True)
class Sums:
    """Raw weighted sums, one row per fold (a single row without folds).

    Attributes
    ----------
    xtx : ndarray of shape (k, p, p)
    sx, sxy : ndarray of shape (k, p)
    syy, sy, sw : ndarray of shape (k,)
    n : ndarray of shape (k,), rows counted (whatever their weights)
    """

    xtx: np.ndarray
    sx: np.ndarray
    sxy: np.ndarray
    syy: np.ndarray
    sy: np.ndarray
    sw: np.ndarray
    n: np.ndarray

    def total(self):
        """The sums over every fold (one row)."""
        return Sums(*(a.sum(axis=0, keepdims=True) for a in self._fields()))

    def without(self, k):
        """The sums of every fold but ``k`` (its training part)."""
        total = self.total()
        return Sums(*(t - a[k:k + 1] for t, a in zip(total._fields(), self._fields())))

    def fold(self, k):
        """Fold ``k``'s own sums."""
        return Sums(*(a[k:k + 1] for a in self._fields()))

    def _fields(self):
        return (self.xtx, self.sx, self.sxy, self.syy, self.sy, self.sw, self.n)


def _splitmix(positions, seed):
    """splitmix64 of each position and the seed: 64 well-mixed bits per row."""
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64 is the point
        z = np.asarray(positions, dtype=np.uint64) \
            + np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def fold_of(positions, n_folds, seed):
    """A fold in ``0 .. n_folds - 1`` for each global row position, so that the folds are
    balanced, reproducible, and the same however the rows are chunked."""
    return (_splitmix(positions, seed) % np.uint64(n_folds)).astype(np.int64)


def uniform_of(positions, seed):
    """A number in [0, 1) for each row position, uniform over the rows (its top 53 bits)."""
    return (_splitmix(positions, seed) >> np.uint64(11)).astype(np.float64) * 2.0**-53


def chunk_sums(X, y, w, offset, n_folds, seed, centre=None):
    """The sums of one chunk (runs on a worker); ``w`` None is unit weights; ``centre``
    ``(x_centre, y_centre)`` is subtracted from the rows first (``centred_gram_sums``)."""
    if centre is not None:
        X = np.asarray(X, dtype=np.float64) - centre[0]
        y = np.asarray(y, dtype=np.float64).ravel() - centre[1]
    m = np.shape(X)[0]
    groups = fold_of(offset + np.arange(m), n_folds, seed) if n_folds else None
    return group_sums(X, y, w, groups, max(n_folds, 1))


def group_sums(X, y, w, groups, n_groups, rows=SUM_ROWS):
    """The sums of the rows of each group ``0 .. n_groups - 1`` (``groups`` None: one
    group of every row; a row of group -1 or n_groups and beyond is left out).

    The chunk is read ``rows`` rows at a time into one reused buffer ``[X, y, 1]`` scaled
    by the root weights (sorted by group within the block): its symmetric product holds
    every sum at once, ``X'WX``, ``X'Wy``, ``X'W1``, ``y'Wy``, ``1'Wy`` and ``1'W1``. So X
    is read from memory once, no temporary is chunk-sized (Dask's workers return freed
    memory to the system at once: a fresh chunk-sized array page-faults on every pass),
    and the product runs on the cached block.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).ravel()
    w = None if w is None else np.asarray(w, dtype=np.float64).ravel()
    m, p = X.shape
    k = n_groups
    products = np.zeros((k, p + 2, p + 2))
    counts = np.zeros(k)
    buffer = np.empty((min(rows, max(m, 1)), p + 2))
    ones = np.ones(buffer.shape[0])
    for s in range(0, m, rows):
        block = slice(s, min(s + rows, m))
        size = block.stop - block.start
        if groups is None:
            order, bounds = np.arange(size), np.array([0, size])
        else:
            g = groups[block]
            order = np.argsort(g, kind="stable")
            bounds = np.searchsorted(g[order], np.arange(k + 1))
        out = buffer[:size]
        _fill_block(out, X[block], y[block], ones[:size] if w is None else w[block], order)
        for f in range(k):
            part = out[bounds[f]:bounds[f + 1]]
            if part.shape[0]:
                products[f] += part.T @ part  # a symmetric product (numpy's syrk)
                counts[f] += part.shape[0]
    return Sums(products[:, :p, :p].copy(), products[:, :p, p + 1].copy(),
                products[:, :p, p].copy(), products[:, p, p].copy(),
                products[:, p, p + 1].copy(), products[:, p + 1, p + 1].copy(), counts)


@njit(cache=True, nogil=True)
def _fill_block(out, X, y, w, order):
    """``out = W^1/2 [X, y, 1]`` of the block's rows taken in ``order`` (a loop: numpy's
    fancy indexing would allocate a block-sized temporary, which a Dask worker's memory
    settings make page-fault every time)."""
    p = X.shape[1]
    for i in range(order.shape[0]):
        r = order[i]
        root = np.sqrt(w[r])
        for j in range(p):
            out[i, j] = root * X[r, j]
        out[i, p] = root * y[r]
        out[i, p + 1] = root


def check_finite(sums):
    """``sums`` (any record of arrays with ``_fields()``), or a ValueError when a chunk
    held NaN or infinity: it shows in the statistics, never on the client's rows."""
    if not all(np.all(np.isfinite(a)) for a in sums._fields()):
        raise ValueError("X, y or sample_weight contains NaN or infinity (found in the "
                         "statistics of the dask chunks)")
    return sums


def add_sums(a, b):
    """Two chunks' sums added (runs on a worker); any record of arrays with
    ``_fields()`` in its constructor's order."""
    return type(a)(*(x + y for x, y in zip(a._fields(), b._fields())))


def row_chunks(X, y, sample_weight):
    """Delayed row chunks ``(X_b, y_b, w_b or None, offset)`` of dask or numpy inputs,
    X chunked by rows only, y and the weights chunked as X."""
    X = as_dask_matrix(X)
    X = X.rechunk({1: -1})
    rows = X.chunks[0]
    y = _aligned(y, rows)
    w = None if sample_weight is None else _aligned(sample_weight, rows)
    offsets = np.concatenate([[0], np.cumsum(rows)[:-1]]).astype(np.int64)
    xs = X.to_delayed().ravel()
    ys = y.to_delayed().ravel()
    ws = [None] * len(xs) if w is None else list(w.to_delayed().ravel())
    return list(zip(xs, ys, ws, offsets))


def frame_array(frame, lengths=True):
    """The values of a dask DataFrame or Series as a dask array, its chunks' row counts
    computed from the array itself when ``lengths`` (dask's ``lengths=True`` counts the
    rows of the frame as given, whose column projection may merge small Parquet files
    into fewer partitions than the array has: "the number of items in 'lengths' does
    not match the number of partitions")."""
    array = frame.to_dask_array()
    return array.compute_chunk_sizes() if lengths else array


def as_dask_matrix(X, known=True):
    """A dask array of X (a dask DataFrame's columns as floats); its chunks' unknown row
    counts computed unless ``known`` is False (``known_rows`` then computes them with
    y's, reading the rows once)."""
    import dask.array as da
    import dask.dataframe as dd

    if isinstance(X, dd.DataFrame):
        X = frame_array(X.astype("float64"), lengths=False)
    if not isinstance(X, da.Array):
        X = da.from_array(np.asarray(X, dtype=np.float64))
    if X.ndim != 2:
        raise ValueError(f"X must be 2-d, got a dask array of shape {X.shape}")
    if known and any(np.isnan(c) for c in X.chunks[0]):
        X = X.compute_chunk_sizes()
    return X.astype(np.float64)


def as_dask_vector(v):
    """A dask Series (or one-column DataFrame) as a 1-d dask array, its chunks' row
    counts left unknown (``known_rows`` computes them); anything else as it is."""
    import dask.dataframe as dd

    if isinstance(v, dd.DataFrame) and len(v.columns) == 1:
        v = v[v.columns[0]]
    return frame_array(v, lengths=False) if isinstance(v, dd.Series) else v


def known_rows(X, y, sample_weight=None):
    """``X``, ``y`` and ``sample_weight`` with the row count of every chunk known.

    A boolean dask mask (``X[mask]``) leaves the chunks' sizes unknown, as do the
    columns of a dask DataFrame (y and the weights may be dask Series). Such arrays are
    persisted together (the mask's graph, or the reading of a Parquet folder, runs
    once, on the workers, and the rows stay there for the fit's passes) and their sizes
    read from the persisted blocks; then X, y and the weights must have as many rows.
    """
    import dask
    import dask.array as da

    inputs = [X, as_dask_vector(y), as_dask_vector(sample_weight)]
    unknown = [i for i, a in enumerate(inputs) if isinstance(a, da.Array) and a.ndim
               and any(np.isnan(c) for c in a.chunks[0])]
    if not unknown:
        return X, y, sample_weight
    for i, array in zip(unknown, dask.persist(*(inputs[i] for i in unknown))):
        inputs[i] = array.compute_chunk_sizes()
    X, y, sample_weight = inputs
    n_rows = len(X)
    for name, values in (("y", y), ("sample_weight", sample_weight)):
        if values is not None and len(values) != n_rows:
            raise ValueError(f"X has {n_rows} rows but {name} has {len(values)} once the "
                             "sizes of their dask chunks are computed: select the rows of "
                             "both with the same mask")
    return X, y, sample_weight


def _aligned(v, rows):
    """A 1-d dask array (from dask or numpy input) chunked as the rows of X."""
    import dask.array as da
    import dask.dataframe as dd

    if isinstance(v, (dd.Series, dd.DataFrame)):
        v = frame_array(v)
    if not isinstance(v, da.Array):
        v = da.from_array(np.asarray(v, dtype=np.float64), chunks=(rows,))
    v = v.ravel() if v.ndim > 1 else v
    if v.shape[0] != sum(rows):
        raise ValueError(f"X has {sum(rows)} samples but y (or sample_weight) has "
                         f"{v.shape[0]}; they must match")
    return v.astype(np.float64).rechunk((rows,))


def gram_sums(X, y, sample_weight=None, n_folds=0, seed=0):
    """One pass over the chunks: the ``Sums`` (per fold when ``n_folds``), tree-reduced on
    the workers; the client receives only the total."""
    import dask
    from dask import delayed

    parts = [delayed(chunk_sums, pure=True)(xb, yb, wb, offset, n_folds, seed)
             for xb, yb, wb, offset in row_chunks(X, y, sample_weight)]
    (total,) = dask.compute(tree_reduce(parts, add_sums))
    return total


def centred_gram_sums(X, y, sample_weight=None, n_folds=0, seed=0):
    """``gram_sums`` of the rows less a centre: ``(sums, (x_centre, y_centre))``.

    The raw sums' centred Gram entries are differences of large numbers where a column
    (or y) sits far from zero: ``X'X / n - m m'`` keeps 16 - 2 log10(|m| / sd) digits,
    none at an offset of 1e8. The first chunk's means, computed first (one task on one
    chunk), bring every row near the centre before it is summed; the fits take the
    centre back (``sums_problem``)."""
    import dask
    from dask import delayed

    chunks = row_chunks(X, y, sample_weight)
    xb, yb, _, _ = chunks[0]
    (centre,) = dask.compute(delayed(_chunk_centre, pure=True)(xb, yb))
    parts = [delayed(chunk_sums, pure=True)(xb, yb, wb, offset, n_folds, seed, centre)
             for xb, yb, wb, offset in chunks]
    (total,) = dask.compute(tree_reduce(parts, add_sums))
    return total, centre


def chunk_means(X):
    """A chunk's column means: zeros where it is empty or a mean is not finite (NaN or
    infinity: ``check_finite`` says so once the sums are in)."""
    X = np.asarray(X, dtype=np.float64)
    means = X.mean(axis=0) if X.shape[0] else np.zeros(X.shape[1])
    return np.where(np.isfinite(means), means, 0.0)


def _chunk_centre(X, y):
    """A chunk's column means and the mean of its y (``chunk_means``)."""
    return chunk_means(X), float(chunk_means(np.reshape(y, (-1, 1)))[0])


def reduce_parts(parts, function, combine, *args, indexed=False, **kwargs):
    """``function(part, *args, **kwargs)`` on every part (``function(part, i, ...)`` with
    the part's position when ``indexed``), reduced by ``combine`` on the workers: the
    client receives the total only."""
    from dask import delayed

    task = delayed(function, pure=True)
    pieces = [task(part, i, *args, **kwargs) if indexed else task(part, *args, **kwargs)
              for i, part in enumerate(parts)]
    return tree_reduce(pieces, combine).compute()


def tree_reduce(parts, combine):
    """The delayed reduction of ``parts`` by ``combine(a, b)``, pairwise level by level
    on the workers (so that the client receives one result, and no worker all)."""
    from dask import delayed

    while len(parts) > 1:
        parts = [delayed(combine, pure=True)(*parts[i:i + _TREE_ARITY])
                 if i + 1 < len(parts) else parts[i]
                 for i in range(0, len(parts), _TREE_ARITY)]
    return parts[0]
