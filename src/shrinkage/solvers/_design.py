"""The design matrix in the one layout the kernels read: dense Fortran or CSC."""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._kernels import ws_weighted_stats

# Placeholders for the storage format not in use: the kernels take both argument sets so
# that one compiled signature serves dense and sparse input. The dense placeholder is
# 2 x 2 so that it is Fortran- but not C-contiguous, like a real design.
_NO_DENSE = np.zeros((2, 2), order="F")
_NO_DATA = np.zeros(0)
_NO_INDEX = np.zeros(0, dtype=np.int32)
#: column statistics by products up to this many stored entries of X, by a kernel beyond
STATS_PRODUCTS_MAX_ENTRIES = 1 << 19


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
