"""Ridge regression by closed forms, for one alpha or many.

Minimises ``(1 / 2n) sum_i s_i (y_i - x_i.w - b)^2 + alpha / 2 sum_j f_j w_j^2``.
With ``A = sqrt(S / n) (X - xmean)`` and ``c = sqrt(S / n) (y - ymean)`` the solution is
``w = (A'A + alpha F)^{-1} A'c`` and ``b = ymean - xmean.w``.

- dense, n >= p: the Gram ``A'A`` (no copy of X), Cholesky for one alpha, one symmetric
  eigendecomposition for many (the SVD of A, squared: every alpha then costs O(p^2));
- dense, p > n: the dual (kernel) form ``w = F^{-1} A' (A F^{-1} A' + alpha I)^{-1} c``,
  Cholesky or one eigendecomposition of the n x n kernel;
- sparse: conjugate gradients on the normal equations, the centring applied implicitly so
  that X is never densified.
"""

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, cg

from .gram import gram_terms


def _weighted_centres(X, y, sw, fit_intercept):
    n = X.shape[0]
    if not fit_intercept:
        return np.zeros(X.shape[1]), 0.0
    return np.asarray(X.T @ sw).ravel() / n, float(sw @ y) / n


def _dense_gram_path(X, y, sw, xmean, ymean, alphas, factor):
    """n >= p: the weighted, centred Gram matrix of X and its right-hand side."""
    n = X.shape[0]
    gram = (X.T @ (X * sw[:, None])) / n - np.outer(xmean, xmean)
    rhs = (X.T @ (sw * (y - ymean))) / n
    return gram_ridge_path(gram, rhs, alphas, factor)


def gram_ridge_path(gram, rhs, alphas, factor):
    """Ridge coefficients from ``G = A'A`` and ``A'c`` (module docstring's notation).

    The scaled Gram ``F^-1/2 G F^-1/2``: Cholesky for one alpha, one symmetric
    eigendecomposition for many (``gram`` is not modified). An alpha of 0 gives the
    minimum-norm least-squares solution (eigenvalues at rounding level are dropped).
    """
    alphas = np.asarray(alphas, dtype=np.float64)
    penalized = factor > 0
    if not np.all(penalized):
        # unpenalized features: the scaling trick does not apply, solve each system
        return np.array([_solve_spd(gram + a * np.diag(factor), rhs) for a in alphas])
    scale = 1.0 / np.sqrt(factor)
    gram = gram * np.outer(scale, scale)
    rhs = rhs * scale
    if len(alphas) == 1 and alphas[0] > 0:
        return (_solve_spd(gram + alphas[0] * np.eye(len(rhs)), rhs) * scale)[None, :]
    evals, evecs = la.eigh(gram, overwrite_a=True, check_finite=False)
    evals = np.maximum(evals, 0.0)
    proj = evecs.T @ rhs
    total = evals[None, :] + alphas[:, None]
    cutoff = max(evals.max(), np.finfo(float).tiny) * len(evals) * np.finfo(float).eps
    inv = np.divide(1.0, total, out=np.zeros_like(total), where=total > cutoff)
    return ((inv * proj) @ evecs.T) * scale


def _dense_kernel_path(X, y, sw, xmean, ymean, alphas, factor):
    """p > n: dual form through the n x n kernel ``A F^-1 A'``."""
    n = X.shape[0]
    root = np.sqrt(sw / n)
    inv_factor = 1.0 / factor
    # (X - xmean) F^-1 (X - xmean)' without forming the centred copy of X
    XF = X * inv_factor
    kernel = XF @ X.T
    cross = XF @ xmean
    kernel -= cross[:, None] + cross[None, :] - xmean @ (inv_factor * xmean)
    kernel *= np.outer(root, root)
    c = root * (y - ymean)
    if len(alphas) == 1:
        duals = _solve_spd(kernel + alphas[0] * np.eye(n), c)[None, :]
    else:
        evals, evecs = la.eigh(kernel, overwrite_a=True, check_finite=False)
        evals = np.maximum(evals, 0.0)
        inv = 1.0 / (evals[None, :] + np.asarray(alphas)[:, None])
        duals = (inv * (evecs.T @ c)) @ evecs.T
    scaled = duals * root  # rows: sqrt(S/n) times the dual variables
    coefs = scaled @ X - np.outer(scaled.sum(axis=1), xmean)
    return coefs * inv_factor


def _solve_spd(matrix, rhs):
    try:
        factor = la.cho_factor(matrix, check_finite=False)
        return la.cho_solve(factor, rhs, check_finite=False)
    except la.LinAlgError:  # singular (an unpenalized, collinear block): least norm
        return la.lstsq(matrix, rhs, check_finite=False)[0]


_CG_RTOL = 1e-10


def _sparse_cg_path(X, y, sw, xmean, ymean, alphas, factor, tol, max_iter):
    """Conjugate gradients on ``(A'A + alpha F) w = A'c``, warm-started along alphas.

    The residual ``e`` of these equations is the gap's whole measure: with every factor
    positive the duality gap at ``w`` is ``sum_j e_j^2 / (2 alpha f_j)``, so each solve
    goes on until that is at most half of ``tol`` times the objective at ``w = 0``, and
    at least to a relative residual of 1e-10 (a closed form's accuracy, whatever tol).
    With an unpenalized feature, or alpha = 0, there is no such scale: a relative
    residual of ``min(tol, 1e-10)``.
    """
    n, p = X.shape
    yc = y - ymean
    rhs = (X.T @ (sw * yc)) / n
    null = 0.5 * float(sw @ (yc * yc)) / n
    coefs = np.zeros((len(alphas), p))
    w = np.zeros(p)
    info_max = 0
    for k, alpha in enumerate(alphas):
        # the equations divided by max(1, alpha): a huge alpha would overflow the
        # iterations' inner products (alpha = 1e300 gave NaN)
        shrink = 1.0 / max(1.0, alpha)

        def matvec(v, alpha=alpha, shrink=shrink):
            xv = X @ v - xmean @ v
            return ((X.T @ (sw * xv)) / n - xmean * (sw @ xv / n)) * shrink + \
                (alpha * shrink) * factor * v

        op = LinearOperator((p, p), matvec=matvec, dtype=np.float64)
        scale = alpha * float(factor.min())
        b = rhs * shrink
        if scale > 0:
            atol = min(np.sqrt(scale * tol * null) * shrink,
                       _CG_RTOL * float(np.linalg.norm(b)))
            w, info = cg(op, b, x0=w, rtol=0.0, atol=atol, maxiter=max_iter)
        else:
            w, info = cg(op, b, x0=w, rtol=min(tol, _CG_RTOL), atol=0.0, maxiter=max_iter)
        info_max = max(info_max, info)
        coefs[k] = w
    return coefs, info_max


def ridge_path(X, y, alphas, sample_weight=None, fit_intercept=True, penalty_factor=None,
               tol=1e-4, max_iter=None):
    """Ridge coefficients for every alpha, from one factorization.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n, p)
    y : ndarray of shape (n,)
    alphas : array-like of float, each >= 0
    sample_weight : ndarray of shape (n,) or None
    fit_intercept : bool
    penalty_factor : ndarray of shape (p,) or None
    tol, max_iter : float, int
        Sparse X only: the relative duality gap that conjugate gradients aim at (see
        ``_sparse_cg_path``) and their iteration cap (None: scipy's, 10 p).

    Returns
    -------
    coefs : ndarray of shape (n_alphas, p)
    intercepts : ndarray of shape (n_alphas,)
    cg_info : int
        0 when every conjugate-gradient solve converged (always 0 for dense X).
    """
    n, p = X.shape
    alphas = np.atleast_1d(np.asarray(alphas, dtype=np.float64))
    sw = np.ones(n) if sample_weight is None else sample_weight * (n / np.sum(sample_weight))
    factor = np.ones(p) if penalty_factor is None else np.asarray(penalty_factor, float)
    y = np.asarray(y, dtype=np.float64)
    xmean, ymean = _weighted_centres(X, y, sw, fit_intercept)
    info = 0
    if sp.issparse(X):
        coefs, info = _sparse_cg_path(X, y, sw, xmean, ymean, alphas, factor, tol, max_iter)
    elif n >= p or not np.all(factor > 0) or np.any(alphas == 0):
        coefs = _dense_gram_path(X, y, sw, xmean, ymean, alphas, factor)
    else:
        coefs = _dense_kernel_path(X, y, sw, xmean, ymean, alphas, factor)
    intercepts = ymean - coefs @ xmean if fit_intercept else np.zeros(len(alphas))
    return coefs, intercepts, info


def ridge_loo_path(X, y, alphas, sample_weight=None, fit_intercept=True):
    """Exact leave-one-out errors of ridge for every alpha, from one eigendecomposition.

    With ``H(alpha)`` the hat matrix of the weighted ridge fit (the intercept's share
    ``s_i / n`` included), the leave-one-out residual of sample ``i`` is
    ``r_i / (1 - H_ii)``: no refit is needed. n >= p decomposes the Gram matrix
    ``X'SX / n`` (p x p), p > n the kernel ``S^1/2 X X' S^1/2 / n`` (n x n).

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n, p)
    y : ndarray of shape (n,)
    alphas : array-like of shape (n_alphas,)
    sample_weight : ndarray of shape (n,) or None
    fit_intercept : bool

    Returns
    -------
    loo_errors : ndarray of shape (n, n_alphas)
        Weighted squared leave-one-out errors ``s_i e_i^2`` (weights summing to n): their
        mean over samples is the weighted leave-one-out MSE of each alpha.
    coefs : ndarray of shape (n_alphas, p)
    intercepts : ndarray of shape (n_alphas,)
    """
    n, p = X.shape
    alphas = np.atleast_1d(np.asarray(alphas, dtype=np.float64))
    sw = np.ones(n) if sample_weight is None else sample_weight * (n / np.sum(sample_weight))
    y = np.asarray(y, dtype=np.float64)
    xmean, ymean = _weighted_centres(X, y, sw, fit_intercept)
    root = np.sqrt(sw / n)
    c = root * (y - ymean)
    if n >= p:
        gram = np.asarray(X.T @ (X.multiply(sw[:, None]) if sp.issparse(X)
                                 else X * sw[:, None])) / n
        gram -= np.outer(xmean, xmean)
        evals, evecs = la.eigh(gram, overwrite_a=True, check_finite=False)
        # scores: rows of A = sqrt(S/n) (X - xmean) in the eigenbasis
        scores = root[:, None] * (np.asarray(X @ evecs) - xmean @ evecs)
        proj = scores.T @ c
    else:
        dense = X.toarray() if sp.issparse(X) else X
        centred = (dense - xmean) * root[:, None]
        evals, scores = la.eigh(centred @ centred.T, check_finite=False)
        proj = scores.T @ c
    evals = np.maximum(evals, 0.0)
    shrink = 1.0 / (evals[None, :] + alphas[:, None])  # (n_alphas, k)
    if n >= p:
        hat_diag = (scores**2) @ shrink.T  # (n, n_alphas)
        fitted = scores @ (shrink * proj).T
        coefs = (shrink * proj) @ evecs.T
    else:
        # in the kernel basis a score column is an eigenvector; its hat weight is ev/(ev+a)
        weight = evals[None, :] * shrink
        hat_diag = (scores**2) @ weight.T
        fitted = scores @ (weight * proj).T
        duals = (shrink * proj) @ scores.T  # (n_alphas, n): (K + a I)^-1 c
        coefs = (duals * root) @ (X.toarray() if sp.issparse(X) else X)
        coefs -= np.outer((duals * root).sum(axis=1), xmean)
    if fit_intercept:
        hat_diag = hat_diag + (sw / n)[:, None]
    residual = c[:, None] - fitted  # in the sqrt(S/n) scale
    loo = residual / (1.0 - hat_diag)
    loo_errors = n * loo**2  # s_i e_i^2 once the sqrt(S/n) scale is undone
    intercepts = ymean - coefs @ xmean if fit_intercept else np.zeros(len(alphas))
    return loo_errors, coefs, intercepts


#: eigenvalues of the Gram (or kernel) matrix are computed for the ridge grid only when
#: min(n, p) is at most this (the eigenvalues alone cost O(min(n, p)^3))
SPECTRUM_MAX_SIZE = 2500


def penalized_spectrum(problem, factor):
    """Eigenvalues of the centred, weighted Gram matrix of the penalized features.

    The Gram matrix ``A'A`` of the module docstring scaled by ``F^-1/2`` on both sides
    (``F``: the penalty factors of the penalized features; the unpenalized ones are left
    out, not projected out). Its eigenvalues ``e_k`` give ridge's effective degrees of
    freedom ``df(alpha) = sum_k e_k / (e_k + alpha)``. Computed from the p x p Gram
    matrix when n >= p (cached on the problem for the solvers' covariance mode) and
    from the n x n kernel otherwise.

    Returns
    -------
    ndarray of the eigenvalues above rounding level (increasing), or None when
    ``min(n, p)`` exceeds ``SPECTRUM_MAX_SIZE`` or no feature is penalized.
    """
    key = factor.tobytes()
    spectra = problem.cache.spectra
    if key in spectra:
        return spectra[key]
    n, p = problem.design.shape
    penalized = np.flatnonzero((factor > 0) & (problem.lips > 0))
    if penalized.size == 0 or min(n, p) > SPECTRUM_MAX_SIZE:
        spectra[key] = None
        return None
    scale = 1.0 / np.sqrt(factor[penalized])
    if n >= p:
        # the Gram terms are cached on the problem, where a covariance-mode path
        # finds them again
        gram = gram_terms(problem)[0][np.ix_(penalized, penalized)]
        gram = gram * np.outer(scale, scale)
    else:
        sw = problem.datafit.sw
        xmean = problem.xmean[penalized] * scale
        X = problem.design.matrix[:, penalized]
        dense = X.toarray() if sp.issparse(X) else np.asarray(X)
        centred = (dense * scale - xmean) * np.sqrt(sw / n)[:, None]
        gram = centred @ centred.T
    evals = la.eigvalsh(gram, overwrite_a=True, check_finite=False)
    cutoff = max(evals[-1], np.finfo(float).tiny) * len(evals) * np.finfo(float).eps
    spectra[key] = evals[evals > cutoff]
    return spectra[key]
