"""The problem a solver works on: a datafit on a design, and what its solves share.

``make_problem`` is the one place where the loss object builds its datafit and the
column statistics (curvatures, centring, the scale of the relative gap) are taken.
"""

from dataclasses import dataclass, field

import numpy as np

from ..losses import get_loss
from ._design import centring_shift, make_design, shift_columns


@dataclass
class ProblemCache:
    """What the solves of one problem compute once and share (None: not yet).

    Attributes
    ----------
    touched : float
        Entries of X read so far.
    covariance : tuple or None
        ``(G, c, yy, ymean)``, the centred Gram terms (``gram.gram_terms``); given from
        the start for a problem known by its statistics only.
    raw_sums : tuple or None
        The uncentred sums a cross-validation fold's Gram terms are downdated from.
    gram : GramCache or None
        Gram entries of orthant Newton steps, grown column by column.
    dual_fixed : ndarray or None
        ``X' v / n`` of the part of a blended dual point that never changes.
    datafit_floor : float or None
        A lower bound on the datafit's minimum (``zero_alpha``).
    spectra : dict
        Eigenvalues of the penalized Gram matrix, by the penalty factors' bytes.
    """

    touched: float = 0
    covariance: tuple = None
    raw_sums: tuple = None
    gram: object = None
    dual_fixed: np.ndarray = None
    datafit_floor: float = None
    spectra: dict = field(default_factory=dict)

    def __contains__(self, name):
        """Whether the entry ``name`` has been computed."""
        return getattr(self, name, None) is not None


@dataclass(frozen=True)
class Problem:
    """A datafit on a design, with everything a solve along a path can reuse.

    Attributes
    ----------
    xmean : ndarray of shape (p,)
        Weighted column means used for implicit centring (squared loss with intercept),
        zeros otherwise.
    lips : ndarray of shape (p,)
        Coordinate Lipschitz constants (0 for a column that carries no information).
    col_norm : ndarray of shape (p,)
        ``sqrt(sum_i s_i xt_ij^2 / n)`` of the (centred, for squared loss) columns.
    null_objective : float
        Objective at ``w = 0`` with the intercept fitted: the scale of the relative gap.
    cache : ProblemCache
        Work shared by the solves of one path (Gram terms and entries, fixed dual
        products, the datafit's floor, spectra), and the count of entries of X read so
        far (``touch``, ``passes``).
    shift : ndarray of shape (p,) or None
        What was subtracted from the user's columns to give ``design`` (columns far from
        zero, see ``_design.centring_shift``); the intercept absorbs it. Every intercept
        a solver hands out or takes in is that of the user's columns
        (``user_intercept``, ``internal_intercept``); inside, they are ``design``'s.
    """

    design: object
    datafit: object
    fit_intercept: bool
    xmean: np.ndarray
    lips: np.ndarray
    col_norm: np.ndarray
    null_objective: float
    cache: ProblemCache = field(default_factory=ProblemCache)
    shift: np.ndarray = None

    def user_intercept(self, intercept, coef):
        """The intercept for the user's columns from the one for ``design``'s
        (``coef`` of shape (p,), (K, p) or (n_alphas, [K,] p))."""
        if self.shift is None:
            return intercept
        return intercept - np.asarray(coef) @ self.shift

    def internal_intercept(self, intercept, coef):
        """The inverse of ``user_intercept``."""
        if self.shift is None or intercept is None:
            return intercept
        return intercept + np.asarray(coef) @ self.shift

    @property
    def n_samples(self):
        return self.design.shape[0]

    @property
    def _stored_entries(self):
        design = self.design
        return design.data.size if design.is_sparse else design.shape[0] * design.shape[1]

    def entries(self, columns=None):
        """Stored entries of ``columns`` of X (all of them when None)."""
        design = self.design
        if columns is None:
            return self._stored_entries
        if design.is_sparse:
            return int(np.sum(design.indptr[columns + 1] - design.indptr[columns]))
        return design.shape[0] * len(columns)

    def touch(self, columns=None, times=1):
        """Count ``times`` reads of the stored entries of ``columns`` of X (all of them
        when None): what ``passes`` reports."""
        self.cache.touched += times * self.entries(columns)

    @property
    def passes(self):
        """Entries of X read so far over the entries X stores: passes over the data."""
        return self.cache.touched / max(self._stored_entries, 1)

    @property
    def n_features(self):
        return self.design.shape[1]


def make_problem(X, y, loss="squared", sample_weight=None, fit_intercept=True, *,
                 offset=None, delta=None, shift=None):
    """Prepare a problem; X, y, sample_weight and offset must already be validated.

    ``loss`` is a loss object or its name; ``y`` is the target as its
    ``prepare_target`` gives it (the float target for the squared, Poisson and Huber
    losses, labels in {-1, +1} for logistic and class codes for multinomial). ``offset`` (Poisson, log
    exposure) is added to the linear predictor; ``delta`` is the Huber threshold.
    ``shift`` (with an intercept only) is subtracted from the columns; None lets the
    data decide (``_design.centring_shift``): a cross-validation fold takes the whole
    data's, so that its sums can be downdated from the whole data's.
    """
    loss = get_loss(loss)
    # (a loss without an intercept, Cox's, ignores fit_intercept)
    fit_intercept = fit_intercept and loss.takes_intercept
    design = make_design(shift_columns(X, shift) if fit_intercept else X)
    n = design.shape[0]
    if sample_weight is None:
        sw, has_sw = np.ones(n), False
    else:
        sw = np.asarray(sample_weight, dtype=np.float64)
        sw = sw * (n / sw.sum())
        has_sw = True
    datafit = loss.datafit(y, sw, has_sw, offset=offset, delta=delta)
    # each column's curvature: its second moment under the datafit's sample curvatures,
    # about the curvature-weighted mean where the intercept absorbs it
    curvature, centred = datafit.curvature_weights(fit_intercept)
    with np.errstate(over="ignore", invalid="ignore"):
        means, mean_squares = design.weighted_column_stats(curvature)
        null = datafit.null_value(fit_intercept) - datafit.floor_value()
    _check_representable(mean_squares, null, curvature, datafit)
    if fit_intercept and shift is None:
        shift = centring_shift(design, curvature, means, mean_squares)
        if shift is not None:
            design = make_design(shift_columns(design.matrix, shift))
            means, mean_squares = design.weighted_column_stats(curvature)
    if shift is not None and not np.any(shift):
        shift = None
    mass = float(curvature.sum()) / n
    centre = means / mass if centred and mass > 0 else np.zeros(design.shape[1])
    variance = mean_squares - mass * centre**2
    # a column whose spread is lost to rounding against its mean is constant
    lips = np.where(variance > 1e-12 * mean_squares, variance, 0.0)
    col_norm = np.sqrt(lips / mass) if mass > 0 else np.zeros_like(lips)
    # implicit centring of the columns is the squared-loss kernels' way to the intercept
    xmean = centre if datafit.quadratic else np.zeros(design.shape[1])
    problem = Problem(
        design=design,
        datafit=datafit,
        fit_intercept=fit_intercept,
        xmean=xmean,
        lips=lips,
        col_norm=col_norm,
        null_objective=null if null > 0 else 1.0,
        shift=shift if fit_intercept else None,
    )
    problem.touch()  # the column statistics above
    return problem


def _check_representable(mean_squares, null, curvature, datafit):
    """Refuse data whose objective overflows float64: no certificate, no answer."""
    y = datafit.y
    if y.size and float(np.max(np.abs(y))) > np.sqrt(np.finfo(float).max) / y.size:
        raise ValueError(
            f"y holds values too large for float64 arithmetic (largest "
            f"{float(np.max(np.abs(y))):.3g}; the loss's sums of squares and products "
            f"need at most {np.sqrt(np.finfo(float).max) / y.size:.3g} here); rescale y "
            "first (divide by a power of ten)")
    if not np.all(np.isfinite(mean_squares)) or not np.all(np.isfinite(curvature)):
        raise ValueError(
            "X holds values too large for float64 arithmetic (their squares overflow, "
            f"largest about {np.sqrt(np.finfo(float).max):.0e} in magnitude is the limit); "
            "rescale the columns first (StandardScaler, or divide by a power of ten)")
    if not np.isfinite(null):
        raise ValueError(
            "y holds values too large for float64 arithmetic (the loss at the null "
            "model overflows); rescale y first (divide by a power of ten)")


