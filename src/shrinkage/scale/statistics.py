"""Weighted sums of the chunks of rows, reduced on the workers by a tree.

For each chunk ``(X_b, y_b, w_b)`` a worker computes ``(X'WX, X'W1, X'Wy, y'Wy, 1'Wy,
1'W1)``, one set per fold when folds are asked for (a row's fold is a seeded hash of its
global position, so that it does not depend on the chunking); pairs of chunks' sums are
added on the workers, level by level, and only the total (k sets of p x p) reaches the
client.
"""

from dataclasses import dataclass

import numpy as np

#: chunks' sums added pairwise on the workers: the client receives one set
_TREE_ARITY = 2


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


def chunk_sums(X, y, w, offset, n_folds, seed):
    """The sums of one chunk (runs on a worker); ``w`` None is unit weights."""
    m = np.shape(X)[0]
    groups = fold_of(offset + np.arange(m), n_folds, seed) if n_folds else None
    return group_sums(X, y, w, groups, max(n_folds, 1))


def group_sums(X, y, w, groups, n_groups):
    """The sums of the rows of each group ``0 .. n_groups - 1`` (``groups`` None: one
    group of every row; a row of group -1 or n_groups and beyond is left out)."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).ravel()
    p = X.shape[1]
    k = n_groups
    out = Sums(np.zeros((k, p, p)), np.zeros((k, p)), np.zeros((k, p)), np.zeros(k),
               np.zeros(k), np.zeros(k), np.zeros(k))
    if groups is not None:
        order = np.argsort(groups, kind="stable")  # one copy, then a slice per group
        X, y = X[order], y[order]
        w = None if w is None else np.asarray(w, dtype=np.float64).ravel()[order]
        bounds = np.searchsorted(groups[order], np.arange(k + 1))
    else:
        bounds = np.array([0, X.shape[0]])
    for f in range(k):
        rows = slice(bounds[f], bounds[f + 1])
        _block_sums(X[rows], y[rows], None if w is None else np.ravel(w)[rows], out, f)
    return out


def _block_sums(X, y, w, out, f):
    """Add the sums of the rows ``(X, y, w)`` into fold ``f`` of ``out``: ``X'WX`` as
    ``R'R`` with ``R = W^1/2 X`` (numpy hands ``R.T @ R`` to BLAS's symmetric rank-k
    update), no weighted copy of X when the weights are 1."""
    if X.shape[0] == 0:
        return
    if w is None:
        root, wy, w_col, total = X, y, np.ones(X.shape[0]), float(X.shape[0])
    else:
        root = X * np.sqrt(w)[:, None]
        wy, w_col, total = w * y, w, float(w.sum())
    out.xtx[f] = root.T @ root
    # X'Wy and X'W1 in one product, as (2 x m) @ X: one read of X along its rows
    # (measured on 100,000 x 50: 3.1 ms against 5.8 for two products)
    cross = np.vstack([wy, w_col]) @ X
    out.sxy[f], out.sx[f] = cross[0], cross[1]
    out.syy[f] = float(wy @ y)
    out.sy[f] = float(wy.sum())
    out.sw[f] = total
    out.n[f] = float(X.shape[0])


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


def as_dask_matrix(X):
    """A dask array of X (a dask DataFrame's columns as floats, lengths computed)."""
    import dask.array as da
    import dask.dataframe as dd

    if isinstance(X, dd.DataFrame):
        X = X.astype("float64").to_dask_array(lengths=True)
    if not isinstance(X, da.Array):
        X = da.from_array(np.asarray(X, dtype=np.float64))
    if X.ndim != 2:
        raise ValueError(f"X must be 2-d, got a dask array of shape {X.shape}")
    if any(np.isnan(c) for c in X.chunks[0]):
        X = X.compute_chunk_sizes()
    return X.astype(np.float64)


def _aligned(v, rows):
    """A 1-d dask array (from dask or numpy input) chunked as the rows of X."""
    import dask.array as da
    import dask.dataframe as dd

    if isinstance(v, (dd.Series, dd.DataFrame)):
        v = v.to_dask_array(lengths=True)
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
