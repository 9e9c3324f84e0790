"""The squared loss from sufficient statistics: problems without rows.

A ``Problem`` built from ``Sums`` carries the centred Gram terms that the covariance
mode reads (``G``, ``c``, ``yy`` and the means) and a design that knows only its shape;
the solvers' covariance-mode state (``GramState``), paths (``gram_path``), ridge closed
forms (``gram_ridge_path``) and gaps (``closed_form_gaps``) then never touch a row. With
weights, every sum is weighted and divided by the total weight: the objective
``(1/2n) sum_i s_i r_i^2`` with ``s`` rescaled to sum to n is ``(1/2W) sum_i w_i r_i^2``.
"""

from dataclasses import dataclass

import numpy as np

from ..datafits import SquaredStatistics
from ..solvers.cd import Problem

#: the client holds p x p statistics: beyond this many features, say so rather than
#: run out of memory (a distributed working-set solver would be needed)
MAX_FEATURES = 5000


@dataclass(frozen=True)
class ShapeOnly:
    """The design of a problem known by its statistics: a shape and nothing to read."""

    shape: tuple
    is_sparse: bool = False


def check_width(n_features):
    if n_features > MAX_FEATURES:
        raise ValueError(
            f"X has {n_features} features: fitting dask data keeps a p x p Gram matrix "
            f"on the client, offered up to {MAX_FEATURES} features; select or hash "
            "features first, or fit a numpy / scipy.sparse X on one machine")


def sums_problem(sums, fit_intercept, centre=None):
    """The squared-loss ``Problem`` of one row of ``sums`` (a fold's, or the total);
    ``centre`` ``(x_centre, y_centre)``: what was subtracted from the rows before they
    were summed (``statistics.centred_gram_sums``), taken back in its intercepts."""
    xtx, sx, sxy = sums.xtx[0], sums.sx[0], sums.sxy[0]
    syy, sy, total = float(sums.syy[0]), float(sums.sy[0]), float(sums.sw[0])
    if not total > 0:
        raise ValueError("sample_weight sums to 0 (or a fold has no rows): nothing to fit")
    p = xtx.shape[0]
    xmean = sx / total if fit_intercept else np.zeros(p)
    ymean = sy / total if fit_intercept else 0.0
    gram = np.asfortranarray(xtx / total - np.outer(xmean, xmean))
    c = sxy / total - xmean * ymean
    yy = syy / total - ymean**2
    mean_squares = np.diag(xtx) / total
    variance = np.diag(gram).copy()
    # a column whose spread is lost to rounding against its mean is constant
    lips = np.where(variance > 1e-12 * mean_squares, variance, 0.0)
    n = round(float(sums.n[0]))
    empty = np.zeros(0)
    problem = Problem(design=ShapeOnly((n, p)),
                      datafit=SquaredStatistics(y=empty, sw=empty, has_sw=False),
                      fit_intercept=fit_intercept, xmean=xmean, lips=lips,
                      col_norm=np.sqrt(lips), null_objective=yy / 2 if yy > 0 else 1.0,
                      shift=centre[0] if centre is not None and fit_intercept else None)
    if centre is not None and fit_intercept:
        ymean += centre[1]  # the intercepts' only use of it: for the user's y
    problem.cache.covariance = (gram, c, yy, ymean)
    return problem


def held_out_mse(sums, coefs, intercepts, centre=None):
    """Weighted mean squared error of each ``(coef, intercept)`` on the rows summed in
    ``sums`` (one row): expanded in the sums, no row needed. With the rows' ``centre``
    (see ``sums_problem``), the intercepts are the user's and are moved to the rows'."""
    xtx, sx, sxy = sums.xtx[0], sums.sx[0], sums.sxy[0]
    syy, sy, total = float(sums.syy[0]), float(sums.sy[0]), float(sums.sw[0])
    coefs = np.atleast_2d(coefs)
    b = np.asarray(intercepts, dtype=np.float64).ravel()
    if centre is not None:
        b = b + coefs @ centre[0] - centre[1]
    quad = np.einsum("kp,pq,kq->k", coefs, xtx, coefs)
    sse = (syy - 2.0 * coefs @ sxy - 2.0 * b * sy + quad + 2.0 * b * (coefs @ sx)
           + b**2 * total)
    return np.maximum(sse, 0.0) / total
