"""What the numba working-set kernels share: their compile options, the products of one
column of the design, and Anderson extrapolation.

Every kernel takes the design in one argument list that serves both storage formats:
``Xd`` (dense, Fortran order) or ``data, indices, indptr`` (CSC), selected by
``is_sparse``; the unused format is a tiny placeholder. One compiled signature thus
serves dense and sparse input, which keeps compile time small.

The penalty reaches the kernels as four per-feature arrays (already multiplied by
``alpha`` and the penalty factors): ``l1``, ``l2`` and the bounds ``lo``, ``hi``.
The objective per feature is ``l1 |w| + l2 / 2 w**2`` restricted to ``[lo, hi]``.
"""

import numpy as np
from numba import njit

# Reassociation lets LLVM vectorise the dot products; no "nnan"/"ninf": bounds use inf.
_OPTS = dict(cache=True, nogil=True, fastmath={"reassoc", "contract", "nsz", "arcp"})

#: the solve kernels' ``early_check``: their stopping rule checked after every epoch (the
#: Newton models, whose targets are loose), or as the epochs' own test schedules it
EARLY_CHECK, LATE_CHECK = True, False


@njit(inline="always")
def _sparse_dot(j, data, indices, indptr, sw, has_sw, v):
    """Return ``sum_i sw_i * X[i, j] * v[i]`` for a CSC column."""
    acc = 0.0
    if has_sw:
        for q in range(indptr[j], indptr[j + 1]):
            i = indices[q]
            acc += data[q] * sw[i] * v[i]
    else:
        for q in range(indptr[j], indptr[j + 1]):
            acc += data[q] * v[indices[q]]
    return acc


@njit(inline="always")
def _dense_dot(j, Xd, sw, has_sw, v):
    """Return ``sum_i sw_i * X[i, j] * v[i]`` for a column of a dense X."""
    acc = 0.0
    if has_sw:
        for i in range(Xd.shape[0]):
            acc += Xd[i, j] * sw[i] * v[i]
    else:
        for i in range(Xd.shape[0]):
            acc += Xd[i, j] * v[i]
    return acc


@njit(inline="always")
def _sparse_axpy(j, data, indices, indptr, scale, v):
    """In place ``v += scale * X[:, j]`` for a CSC column."""
    for q in range(indptr[j], indptr[j + 1]):
        v[indices[q]] += scale * data[q]


@njit(inline="always")
def _dense_axpy(j, Xd, scale, v):
    """In place ``v += scale * X[:, j]`` for a column of a dense X."""
    for i in range(Xd.shape[0]):
        v[i] += scale * Xd[i, j]


@njit(inline="always")
def _col_axpy(j, Xd, data, indices, indptr, is_sparse, scale, v):
    """In place ``v += scale * X[:, j]`` (either format)."""
    if is_sparse:
        _sparse_axpy(j, data, indices, indptr, scale, v)
    else:
        _dense_axpy(j, Xd, scale, v)


@njit(**_OPTS)
def _anderson_weights(history):
    """Weights of the Anderson combination of the rows of ``history``.

    Returns an empty array when the differences are degenerate (already converged).
    The small system is solved by a hand-written Cholesky factorization: numba's
    ``np.linalg.solve`` (and BLAS products) cost seconds of compilation per kernel on a
    fresh install, for a k x k system with k of about 5. Not inlined: compiled (and
    cached) once for every kernel that extrapolates.
    """
    n_rows, m = history.shape[0] - 1, history.shape[1]
    diffs = np.empty((n_rows, m))
    for a in range(n_rows):
        for k in range(m):
            diffs[a, k] = history[a + 1, k] - history[a, k]
    gram = np.empty((n_rows, n_rows))
    trace = 0.0
    for a in range(n_rows):
        for b in range(a + 1):
            acc = 0.0
            for k in range(m):
                acc += diffs[a, k] * diffs[b, k]
            gram[a, b] = acc
            gram[b, a] = acc
        trace += gram[a, a]
    if not trace > 0.0:
        return np.empty(0)
    for a in range(n_rows):
        gram[a, a] += 1e-10 * trace
    coefs = _cholesky_solve_ones(gram)
    total = 0.0
    for a in range(coefs.shape[0]):
        total += coefs[a]
    # (loops and plain comparisons: each numpy helper used here costs compilation)
    if coefs.shape[0] == 0 or not abs(total) < np.inf or total == 0.0:
        return np.empty(0)
    for a in range(coefs.shape[0]):
        coefs[a] /= total
    return coefs


@njit(inline="always")
def _cholesky_solve_ones(gram):
    """``x`` with ``gram @ x = 1`` for a symmetric positive definite ``gram`` (Cholesky,
    in place); empty when a pivot is not positive."""
    k = gram.shape[0]
    for j in range(k):
        pivot = gram[j, j]
        for t in range(j):
            pivot -= gram[j, t] * gram[j, t]
        if not pivot > 0.0:
            return np.empty(0)
        root = np.sqrt(pivot)
        gram[j, j] = root
        for i in range(j + 1, k):
            acc = gram[i, j]
            for t in range(j):
                acc -= gram[i, t] * gram[j, t]
            gram[i, j] = acc / root
    x = np.empty(k)
    for i in range(k):
        x[i] = 1.0
    for i in range(k):  # forward: L z = 1
        for t in range(i):
            x[i] -= gram[i, t] * x[t]
        x[i] /= gram[i, i]
    for i in range(k - 1, -1, -1):  # backward: L' x = z
        for t in range(i + 1, k):
            x[i] -= gram[t, i] * x[t]
        x[i] /= gram[i, i]
    return x


@njit(inline="always")
def _combine(coefs, history):
    """``coefs @ history[1:]`` written out (no BLAS glue to compile)."""
    out = np.zeros(history.shape[1])
    for a in range(coefs.shape[0]):
        c = coefs[a]
        for k in range(history.shape[1]):
            out[k] += c * history[a + 1, k]
    return out
