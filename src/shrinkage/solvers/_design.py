"""The design matrix in the one layout the kernels read: dense Fortran or CSC."""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .kernels_squared import ws_weighted_stats

# Placeholders for the storage format not in use: the kernels take both argument sets so
# that one compiled signature serves dense and sparse input. The dense placeholder is
# 2 x 2 so that it is Fortran- but not C-contiguous, like a real design.
_NO_DENSE = np.zeros((2, 2), order="F")
_NO_DATA = np.zeros(0)
_NO_INDEX = np.zeros(0, dtype=np.int32)
#: column statistics by products up to this many stored entries of X, by a kernel beyond
STATS_PRODUCTS_MAX_ENTRIES = 1 << 19
#: a column whose weighted mean exceeds this many of its standard deviations is shifted by
#: its mean before any solve (where an intercept absorbs the shift): its centred sums,
#: Gram entries and residuals taken from uncentred ones lose 2 log10(ratio) digits
SHIFT_RATIO = 10.0


@dataclass(frozen=True)
class Design:
    """X as the kernels see it, plus its weighted column statistics.

    Parameters
    ----------
    dense : ndarray of shape (n, p), Fortran order, or a placeholder
    data, indices, indptr : CSC arrays, or placeholders
    is_sparse : bool
    shape : (n_samples, n_features)
    """

    dense: np.ndarray
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    is_sparse: bool
    shape: tuple
    matrix: object  # the ndarray or csc_matrix, for BLAS / scipy products

    @property
    def kernel_args(self):
        """The positional design arguments every kernel takes."""
        return (self.dense, self.data, self.indices, self.indptr, self.is_sparse)

    def rmatvec(self, v):
        """``X.T @ v`` for a vector or an (n, k) block."""
        return self.matrix.T @ v

    def matvec(self, w):
        """``X @ w``."""
        return self.matrix @ w

    def column(self, j):
        """Column ``j`` as a dense vector."""
        if self.is_sparse:
            out = np.zeros(self.shape[0])
            lo, hi = self.indptr[j], self.indptr[j + 1]
            out[self.indices[lo:hi]] = self.data[lo:hi]
            return out
        return self.dense[:, j]

    def weighted_column_stats(self, sw):
        """Weighted column means and mean squares, ``sum_i sw_i x_ij^k / n``.

        Up to ``STATS_PRODUCTS_MAX_ENTRIES`` stored entries by scipy or BLAS products
        (their squares copy X, 4 MB at most): every fit starts here, and on a fresh
        install the numba kernel cost a first small fit 0.3-0.4 s of compilation,
        against a millisecond or two for the products. Beyond, the kernel's one fused
        pass (2-3x faster than the products on dense X, 1.25x on CSC).
        """
        n, p = self.shape
        entries = self.data.size if self.is_sparse else n * p
        if entries > STATS_PRODUCTS_MAX_ENTRIES:
            means, squares = np.zeros(p), np.zeros(p)
            ws_weighted_stats(np.arange(p), *self.kernel_args, sw, means, squares)
            return means / n, squares / n
        if self.is_sparse:
            squared = sp.csc_matrix((self.data * self.data, self.indices, self.indptr),
                                    shape=self.shape)
            return (self.matrix.T @ sw) / n, (squared.T @ sw) / n
        return (self.dense.T @ sw) / n, (np.square(self.dense).T @ sw) / n


def centring_shift(design, sw, means, mean_squares):
    """The shift that brings each column near its centre, or None where none needs one.

    ``means`` and ``mean_squares`` are the weighted column statistics of ``design`` under
    the positive weights ``sw`` (``sum_i sw_i x_ij^k / n``). A column is shifted by its
    weighted mean when that mean exceeds ``SHIFT_RATIO`` standard deviations. The
    variance from these statistics is itself a difference of large numbers, so the
    candidates are checked again in two passes (``sum_i sw_i (x_ij - m_j)^2``): a column
    that is exactly constant keeps its values (it carries nothing and is left out of
    every fit), one that varies in its last digits is shifted and so keeps them.
    """
    mass = float(sw.sum())
    if not mass > 0:
        return None
    centre = means * (design.shape[0] / mass)
    variance = mean_squares * (design.shape[0] / mass) - centre**2
    candidates = np.flatnonzero((centre != 0)
                                & (centre**2 > SHIFT_RATIO**2 * np.maximum(variance, 0)))
    if candidates.size == 0:
        return None
    block = design.matrix[:, candidates]
    block = block.toarray() if sp.issparse(block) else np.asarray(block)
    spread = sw @ np.square(block - centre[candidates]) / mass
    varies = np.any(block != block[:1], axis=0) & (spread > 0)
    if not np.any(varies):
        return None
    shift = np.zeros(design.shape[1])
    shift[candidates[varies]] = centre[candidates[varies]]
    return shift


def shift_columns(X, shift):
    """``X - shift`` as a new matrix of X's kind (the user's X is never modified).

    A sparse column with a non-zero shift is stored in full (only columns that are almost
    entirely stored can need a shift: a column with a share q of stored entries has
    ``|mean| / sd`` of at most about ``sqrt(q / (1 - q))``).
    """
    if shift is None or not np.any(shift):
        return X
    if not sp.issparse(X):
        return np.asfortranarray(X - shift)
    X = sp.csc_matrix(X)
    moved = np.flatnonzero(shift)
    kept = np.flatnonzero(shift == 0)
    full = sp.csc_matrix(X[:, moved].toarray() - shift[moved])
    order = np.argsort(np.concatenate([kept, moved]))
    return sp.hstack([X[:, kept], full], format="csc")[:, order].tocsc()


def make_design(X):
    """Wrap X without copying when it is already float64 Fortran or CSC with int32 indices.

    A C-ordered dense X is copied once to Fortran order; a CSR (or other sparse) X is
    converted once to CSC. Sparse X is never densified.
    """
    if sp.issparse(X):
        if X.format != "csc":
            X = X.tocsc()
        if X.dtype != np.float64:
            X = X.astype(np.float64)
        index_type = np.int32 if X.nnz < np.iinfo(np.int32).max else np.int64
        return Design(
            dense=_NO_DENSE,
            data=X.data,
            indices=X.indices.astype(index_type, copy=False),
            indptr=X.indptr.astype(index_type, copy=False),
            is_sparse=True,
            shape=X.shape,
            matrix=X,
        )
    X = np.asfortranarray(X, dtype=np.float64)
    return Design(
        dense=X,
        data=_NO_DATA,
        indices=_NO_INDEX,
        indptr=_NO_INDEX,
        is_sparse=False,
        shape=X.shape,
        matrix=X,
    )
