"""Working-set coordinate descent with gap-safe screening, stopped on a duality gap.

The outer loop (here, in Python, a few dozen iterations at most) computes the full
gradient with one BLAS / sparse product, a feasible dual point, the duality gap, the
gap-safe screening test and the next working set; the numba kernels then solve the
problem restricted to the working set (with Anderson extrapolation) to a KKT tolerance
tied to the current violation.

The reported gap is relative: (primal - dual) / (primal at w = 0, intercept fitted).
"""

import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .. import penalty_kernels as pk
from ..datafits import DualBlend
from ..losses import get_loss
from ..penalties import ElasticNetPenalty
from . import _kernels
from ._design import centring_shift, make_design, shift_columns
from ._iterate import Iterate as _Iterate
from .gram import GramState, use_gram
from .orthant_newton import GramCache, newton_chunks
from .newton import find_separation, newton_unpenalized, warn_not_converged
from .prox_newton import glm_ws_solve
from .zero_alpha import certificate


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
    cache : dict
        Work shared by the solves of one path (the Gram entries of orthant Newton steps),
        and the count of entries of X read so far (``touch``, ``passes``).
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
    cache: dict = field(default_factory=dict)
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
        self.cache["touched"] = self.cache.get("touched", 0) + times * self.entries(columns)

    @property
    def passes(self):
        """Entries of X read so far over the entries X stores: passes over the data."""
        return self.cache.get("touched", 0) / max(self._stored_entries, 1)

    @property
    def n_features(self):
        return self.design.shape[1]


@dataclass(frozen=True)
class Solution:
    """Result of one solve: coefficients, intercept, relative gap reached, epochs run,
    and the features that gap-safe screening certified to be zero."""

    coef: np.ndarray
    intercept: float
    gap: float
    n_iter: int
    converged: bool
    screened: np.ndarray
    state: object = None  # the iterate, to continue from along a path
    #: for an unpenalized logistic fit of separable classes: ``(direction, complete)``
    separation: tuple = None


#: a working set that coordinate descent has not solved in RESCUE_AFTER_EPOCHS epochs gets
#: orthant Newton steps between chunks (the end of a path whose support nears n: problem
#: 2's last alphas ran out of their 1000 epochs; with the rescue at most 346, and the
#: other benchmark problems spent the same epochs), if its Gram block stays small
NEWTON_RESCUE = True
RESCUE_AFTER_EPOCHS = 20
RESCUE_MAX_FEATURES = 2500  # a 2500 x 2500 Gram block: 50 MB

#: a working set that holds every violator is solved to its own duality gap <= this
#: fraction of the target (squared loss), not to 0.3 of the violation it started from:
#: problem 3 (72 x 7129) spent 3.85 full gradients per alpha, one per 10x of gap (A/B
#: 0.64); only where a full gradient costs WS_GAP_MIN_RATIO epochs of the set and no
#: violator is new since the last set (without both, problem 1b 1.46, 4 1.29)
WS_GAP_RULE = True
WS_GAP_FRACTION = 0.5
WS_GAP_MIN_RATIO = 20
#: ... a path step's first set counts as settled (problem 3 A/B 0.81; 1a, 2, 4 1.00-1.01)
WARM_SETTLED = True
#: ... and for the Newton datafits, its quadratic models are solved to this fraction of
#: the violation instead of 0.3, within a pass's worth of epochs (else one Newton step
#: per round: linear convergence, a round and a full gradient per 10-20x of gap; problem
#: 10, A/B 0.80; problem 5 0.87, 11 0.99)
GLM_SETTLED_RULE = True
GLM_SETTLED_FRACTION = 0.01

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
    design = make_design(shift_columns(X, shift) if fit_intercept else X)
    n = design.shape[0]
    if sample_weight is None:
        sw, has_sw = np.ones(n), False
    else:
        sw = np.asarray(sample_weight, dtype=np.float64)
        sw = sw * (n / sw.sum())
        has_sw = True
    datafit = get_loss(loss).datafit(y, sw, has_sw, offset=offset, delta=delta)
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


class _SquaredState(_Iterate):
    """Iterate for the squared loss: ``w``, ``R = y - X w`` and the offset ``o``."""

    def __init__(self, problem, w, intercept):
        self.problem = problem
        df = problem.datafit
        self.ymean = df.centre(problem.fit_intercept)
        self.y_centred = df.y - self.ymean
        self.w = w
        self.R = df.y - problem.design.matvec(w) if np.any(w) else df.y.copy()
        self.state = np.array([problem.xmean @ w - self.ymean, 0.0])

    @property
    def intercept(self):
        return -self.state[0] if self.problem.fit_intercept else 0.0

    def set_coordinate_zero(self, j):
        design, delta = self.problem.design, -self.w[j]
        self.R -= delta * design.column(j)
        self.state[0] += delta * self.problem.xmean[j]
        self.w[j] = 0.0
        self.version += 1

    def gradient_and_gap(self, penalty, unpenalized):
        """Minus the gradient, the absolute gap and the dual-side gradient for screening."""
        p, df = self.problem, self.problem.datafit
        r, rho, u_grad, u_dual = self.products(unpenalized)
        u_dual = u_dual.copy()
        u_dual[unpenalized | (p.lips == 0)] = 0.0
        kappa, conjugate, pen = penalty.gap_terms(u_dual, self.w)
        primal = df.value_from_residual(r) + pen
        dual = df.dual_value(kappa * rho, self.y_centred) - conjugate
        return u_grad, max(primal - dual, 0.0), kappa * u_dual

    def _compute_products(self, unpenalized):
        p, df, n = self.problem, self.problem.datafit, self.problem.n_samples
        p.touch()
        r = self.R + self.state[0]
        sw = df.sw
        # The dual needs rho orthogonal to every unpenalized column: project them out
        # (the intercept's column is already handled by the centring).
        rho = r
        if np.any(unpenalized):
            cols = np.column_stack([p.design.column(j) - p.xmean[j]
                                    for j in np.flatnonzero(unpenalized)])
            root = np.sqrt(sw)
            coef = np.linalg.lstsq(cols * root[:, None], r * root, rcond=None)[0]
            rho = r - cols @ coef
            both = p.design.rmatvec(np.column_stack([sw * r, sw * rho])) / n
            both -= np.outer(p.xmean, [sw @ r / n, sw @ rho / n])
            u_grad, u_dual = both[:, 0], both[:, 1]
        else:
            u_grad = p.design.rmatvec(sw * r) / n - p.xmean * (sw @ r / n)
            u_dual = u_grad
        return r, rho, u_grad, u_dual

    def datafit_value(self):
        """The datafit at the current iterate (its intercept optimal)."""
        return self.problem.datafit.value_from_residual(self.R + self.state[0])

    def objective(self, penalty):
        """Primal objective at the current iterate."""
        return self.datafit_value() + penalty.value(self.w)

    def move(self, features, delta):
        """``w[features] += delta``, keeping the residual and offset in step."""
        p = self.problem
        self.w[features] += delta
        _kernels.ws_add_product(features, -delta, *p.design.kernel_args, self.R)
        self.state[0] += p.xmean[features] @ delta
        self.version += 1

    def hessian_block(self, features):
        """Weighted, centred Gram entries of ``features`` (cached along the path)."""
        p = self.problem
        cache = p.cache.get("gram")
        if cache is None:
            cache = p.cache["gram"] = GramCache(p.design, p.datafit.sw, p.datafit.has_sw)
        xm = p.xmean[features]
        return cache.submatrix(features) - np.outer(xm, xm)

    def gradient_block(self, features):
        """Minus the datafit gradient on ``features`` (one pass over their columns)."""
        p, df = self.problem, self.problem.datafit
        out = np.empty(features.size)
        _kernels.squared_gradient_ws(features, self.R, self.state[0], *p.design.kernel_args,
                                     df.sw, df.has_sw, p.xmean, float(p.n_samples), out)
        return out

    def solve_working_set(self, ws, penalty, max_epochs, eps, anderson_k, newton=False,
                          settled_gap=None):
        """Coordinate descent (in chunks with orthant Newton steps between, if asked)
        until the working set's KKT violation <= eps or, given ``settled_gap`` (the
        problem's target gap, absolute), its own gap <= WS_GAP_FRACTION of it (unless
        some feature is unpenalized: the kernel's gap has no projection for them)."""
        p, df = self.problem, self.problem.datafit
        self.version += 1
        gap_target = -1.0
        if settled_gap is not None and not np.any(penalty.unpenalized & (p.lips > 0)):
            gap_target = WS_GAP_FRACTION * settled_gap

        def run_epochs(budget):
            return _kernels.squared_ws_solve(
                ws, self.w, self.R, self.state, *p.design.kernel_args, df.sw, df.has_sw,
                p.xmean, p.lips, penalty.l1, penalty.l2, penalty.lower, penalty.upper,
                float(p.n_samples), budget, eps, anderson_k, False, self.y_centred,
                gap_target)

        # a stalled working set gets Newton steps anyway, if its Gram block stays small
        rescue = NEWTON_RESCUE and ws.size <= RESCUE_MAX_FEATURES
        return newton_chunks(self, ws, penalty, max_epochs, run_epochs, newton,
                             stalled_after=RESCUE_AFTER_EPOCHS if rescue else None)


class _GLMState(_Iterate):
    """Iterate for the datafits solved by proximal Newton steps (logistic, Poisson,
    Huber): ``w``, the intercept and ``z = X w + b``."""

    _value_version = None

    def __init__(self, problem, w, intercept):
        self.problem = problem
        df = problem.datafit
        if intercept is None:
            intercept = df.null_intercept(problem.fit_intercept)
        if not problem.fit_intercept:
            intercept = 0.0
        self.w = w
        self.state = np.array([float(intercept)])
        self.z = problem.design.matvec(w) + intercept if np.any(w) else \
            np.full(problem.n_samples, float(intercept))

    @property
    def intercept(self):
        return self.state[0]

    def datafit_value(self):
        """The datafit at ``z`` (kept per version: the line search and the certificate
        of the same iterate share it)."""
        if self._value_version != self.version:
            self.known_value(self.problem.datafit.value(self.z))
        return self._value

    def known_value(self, value):
        """Record the datafit's value at the current ``z``."""
        self._value, self._value_version = value, self.version

    def set_coordinate_zero(self, j):
        self.z -= self.w[j] * self.problem.design.column(j)
        self.w[j] = 0.0
        self.version += 1

    def gradient_and_gap(self, penalty, unpenalized):
        """Minus the gradient, the absolute gap and the dual-side gradient for screening."""
        p, df = self.problem, self.problem.datafit
        dual_arg, u_grad, u_dual = self.products(unpenalized)
        u_dual = u_dual.copy()
        u_dual[p.lips == 0] = 0.0
        # Unpenalized features other than the intercept: the gap is that of the problem
        # with them held at their current values (Fenchel-Young with h_j = 0).
        held = float(u_dual[unpenalized] @ self.w[unpenalized])
        u_dual[unpenalized] = 0.0
        kappa, conjugate, pen = penalty.gap_terms(u_dual, self.w)
        primal = self.datafit_value() + pen
        dual = df.dual_objective(dual_arg, kappa) - conjugate - kappa * held
        return u_grad, max(primal - dual, 0.0), kappa * u_dual

    def _compute_products(self, unpenalized):
        p, df, n = self.problem, self.problem.datafit, self.problem.n_samples
        p.touch()
        v_grad, v_dual, dual_arg = df.dual_point(self.z, p.fit_intercept)
        if v_dual is v_grad:
            u_grad = u_dual = p.design.rmatvec(v_grad) / n
        elif isinstance(v_dual, DualBlend):
            u_grad = p.design.rmatvec(v_grad) / n
            fixed = p.cache.get("dual_fixed")
            if fixed is None:  # the same vector at every iterate: one product per problem
                fixed = p.cache["dual_fixed"] = p.design.rmatvec(v_dual.fixed) / n
                p.touch()
            u_dual = v_dual.weight * u_grad + (1.0 - v_dual.weight) * fixed
        else:
            # one pass over X for both products
            both = p.design.rmatvec(np.column_stack([v_grad, v_dual])) / n
            u_grad, u_dual = both[:, 0], both[:, 1]
        return dual_arg, u_grad, u_dual

    def solve_working_set(self, ws, penalty, max_epochs, eps, anderson_k, newton=False,
                          settled_gap=None):
        """Proximal Newton steps on the working set until its KKT violation <= eps;
        given ``settled_gap``, each Newton model is solved tightly (GLM_SETTLED_FRACTION)."""
        # the full gradient at this iterate, when the outer loop just computed it
        u_grad = self._products[1] if self._key is not None and \
            self._key[0] == self.version else None
        self.version += 1  # (orthant Newton steps are for the squared loss only)
        return glm_ws_solve(self, ws, penalty, max_epochs, eps, anderson_k, u_grad,
                            GLM_SETTLED_FRACTION if settled_gap is not None else None)


def solve(problem, penalty, coef_init=None, intercept_init=None, *, tol=1e-4,
          max_iter=1000, ws_start=10, screening=True, anderson_k=5, warn=True, state=None,
          newton=False):
    """Minimise datafit + penalty by working-set coordinate descent.

    Parameters
    ----------
    problem : Problem
    penalty : ElasticNetPenalty
    coef_init, intercept_init : warm start (copied, never modified)
    tol : float
        Target relative duality gap.
    max_iter : int
        Budget of coordinate-descent epochs (passes over the working set).
    ws_start : int
        Size of the first working set; it then follows twice the support, and grows
        fourfold whenever the support fills it.
    screening : bool
        Gap-safe screening: drop features certified to be 0 at the optimum.
    anderson_k : int
        Iterates combined by Anderson extrapolation (0 disables it).
    warn : bool
        Emit a ``ConvergenceWarning`` when the gap is not reached.
    newton : bool
        Orthant Newton steps between chunks of epochs (squared loss). Off by default:
        measured side by side (benchmarks/results/*-ablation.md), coordinate descent on
        working sets of violators with Anderson extrapolation was as fast or faster on
        every benchmark problem, and the cached Gram entries cost memory. For
        ill-conditioned problems where coordinate descent stalls. Off, they still join
        in on a working set of at most 2500 features that 20 epochs did not solve.
    state : iterate of an earlier solve of the same problem, optional
        Continue from it (a path's warm start): its residuals and last full gradient are
        reused instead of recomputed. ``coef_init`` and ``intercept_init`` are then ignored.

    Returns
    -------
    Solution
    """
    n_features = problem.n_features
    is_glm = not problem.datafit.quadratic
    if is_glm and np.all(penalty.unpenalized):
        return _solve_unpenalized(problem, penalty, coef_init, intercept_init, state,
                                  tol=tol, max_iter=max_iter, warn=warn)
    continuing = state is not None
    if state is None:
        if coef_init is not None:
            intercept_init = problem.internal_intercept(intercept_init, coef_init)
        w = np.zeros(n_features) if coef_init is None else np.array(coef_init, dtype=float)
        w = np.clip(w, penalty.lower, penalty.upper)
        w[problem.lips == 0] = 0.0
        if is_glm:
            state_cls = _GLMState
        else:
            state_cls = GramState if use_gram(problem, penalty) else _SquaredState
        state = state_cls(problem, w, intercept_init)
    it = state
    unpenalized = penalty.unpenalized & (problem.lips > 0)
    # Screening certifies zeros of the full problem; for the Newton datafits with
    # unpenalized features the gap is that of a restricted problem, so it cannot certify
    # anything; nor can it where the dual is not strongly concave (Poisson).
    radius_factor = problem.datafit.dual_radius_factor
    screening = screening and radius_factor is not None and \
        not (is_glm and np.any(unpenalized))
    screened = problem.lips == 0
    newly, scores = np.zeros(n_features, dtype=bool), np.empty(n_features)
    epochs, ws_size = 0, ws_start
    # continuing a path, the first working set is the last support plus the features
    # the step in alpha made violators: settled, unlike a cold start's first sets
    last_ws = _WARM if WARM_SETTLED and continuing and it.w.any() else None
    while True:
        u_grad, gap, u_dual = it.gradient_and_gap(penalty, unpenalized)
        rel_gap = gap / problem.null_objective
        if is_glm:
            # the Newton datafits' gap is that of the problem with the unpenalized features held
            # at their values: they must be optimal too before it certifies anything
            rel_gap = max(rel_gap, unpenalized_slack(problem, u_grad, unpenalized))
        if np.isnan(rel_gap):
            raise ValueError(_OUT_OF_RANGE)
        # near alpha = 0 the gap is rounding over alpha: the floor's bound instead
        rel_gap = certificate(rel_gap, problem, penalty, it.w, it.datafit_value, u_grad, tol)
        if rel_gap <= tol or epochs >= max_iter:
            break
        radius = np.sqrt(radius_factor * gap) if screening and np.isfinite(gap) else -1.0
        pk.outer_scores(it.w, u_grad, u_dual, penalty.l1, penalty.l2, penalty.lower,
                        penalty.upper, problem.col_norm, radius, screened, newly, scores)
        for j in np.flatnonzero(newly & (it.w != 0)):
            it.set_coordinate_zero(j)
            scores[j] = -1.0
        worst = float(scores.max()) if n_features else 0.0
        if not worst > 0.0:  # KKT hold to the last bit: the gap is rounding
            break
        support = (it.w != 0) & ~screened
        scores[support] = np.inf
        n_candidates = int(np.sum(~screened))
        ws_size = min(n_candidates, max(ws_start, 2 * int(support.sum()), ws_size))
        # only violators and the support need a place: the rest already satisfy KKT
        violators = np.flatnonzero(scores > 0)
        all_in = violators.size <= ws_size
        if not all_in:
            top = np.argpartition(scores[violators], -ws_size)[-ws_size:]
            violators = np.sort(violators[top])
        ws = violators.astype(np.int64)
        # every violator has a place (and none is new): solve the set to the gap the
        # whole problem needs (its features outside are optimal at 0 so far)
        settled_gap = None
        if all_in and _worth_settling(problem, ws, last_ws, is_glm):
            settled_gap = tol * problem.null_objective
        last_ws = ws
        ran = it.solve_working_set(ws, penalty, max_iter - epochs, 0.3 * worst,
                                   anderson_k, newton, settled_gap)
        if it.epochs_read_x:
            problem.touch(ws, ran)
        epochs += ran
        # the support filled the working set: it is far from the final one, so grow it
        # fourfold (doubling from ws_start cost a full gradient per doubling: 9 instead of
        # 6 outer iterations on a cold 50,000-feature lasso, A/B 0.72)
        if int(np.sum(it.w[ws] != 0)) >= ws_size:
            ws_size = min(n_candidates, 4 * ws_size)
    if not np.all(np.isfinite(it.w)) or not np.isfinite(rel_gap):
        raise ValueError(_OUT_OF_RANGE)
    converged = rel_gap <= tol
    if warn and not converged:
        warnings.warn(
            f"Coordinate descent stopped after {epochs} epochs with relative duality gap "
            f"{rel_gap:.3e} > tol={tol:.1e}; increase max_iter or tol, or scale the data.",
            ConvergenceWarning, stacklevel=3)
    return Solution(coef=it.w.copy(), intercept=float(problem.user_intercept(it.intercept, it.w)),
                    gap=float(rel_gap),
                    n_iter=int(epochs), converged=bool(converged),
                    screened=screened & (problem.lips > 0), state=it)


_OUT_OF_RANGE = ("the fit left float64's range (its objective or coefficients are no "
                 "longer finite numbers): X or y holds values too large for this loss; "
                 "rescale them first (divide by a power of ten, or StandardScaler)")

_WARM = np.zeros(0, dtype=np.int64)  # "the working sets of the previous alpha"


def _worth_settling(problem, ws, last_ws, is_glm):
    """Whether a working set that holds every violator should be solved to the final gap
    in one round. The Newton datafits: when GLM_SETTLED_RULE (their tight model solves
    stop at a pass's worth of epochs). The squared loss: when WS_GAP_RULE, a round (a
    full gradient) costs WS_GAP_MIN_RATIO epochs of the set, and no violator is new
    since the last set (solving a set to the end costs up to hundreds of epochs);
    ``last_ws`` is ``_WARM`` at a path step's first set, None at a cold start's."""
    if is_glm:
        return GLM_SETTLED_RULE
    return WS_GAP_RULE and last_ws is not None and \
        problem.entries() >= WS_GAP_MIN_RATIO * problem.entries(ws) and \
        (last_ws is _WARM or bool(np.all(np.isin(ws, last_ws))))


def _solve_unpenalized(problem, penalty, coef_init, intercept_init, state, *, tol,
                       max_iter, warn):
    """alpha = 0 for the Newton datafits: Newton's method, certified by its decrement
    (the duality gap is degenerate there), and the test for separation (logistic)."""
    if np.any(np.isfinite(penalty.lower)) or np.any(np.isfinite(penalty.upper)):
        raise ValueError("bounds (positive, lower_bounds, upper_bounds) need alpha > 0 for "
                         f"the {problem.datafit.name} loss: with no penalty the bounded problem has no "
                         "certificate here; give a small alpha (1e-8, say)")
    if state is not None:
        coef_init, intercept_init = state.w, state.intercept
    elif coef_init is not None:
        intercept_init = problem.internal_intercept(intercept_init, coef_init)
    w = np.zeros(problem.n_features) if coef_init is None else np.asarray(coef_init)
    b = problem.datafit.null_intercept(problem.fit_intercept) if intercept_init is None \
        else float(intercept_init)
    result = newton_unpenalized(problem, w, b, tol=tol, max_iter=max_iter)
    separation = find_separation(problem, result) if problem.datafit.can_separate \
        else None
    if warn and not result.converged and separation is None:
        warn_not_converged(result, tol)
    return Solution(coef=result.coef,
                    intercept=float(problem.user_intercept(result.intercept, result.coef)),
                    gap=result.certificate,
                    n_iter=result.n_iter, converged=result.converged,
                    screened=np.zeros(problem.n_features, dtype=bool),
                    state=_GLMState(problem, result.coef.copy(), result.intercept),
                    separation=separation)


def unpenalized_slack(problem, u_grad, unpenalized):
    """The decrease still open to the unpenalized features, relative to the objective
    at w = 0: ``sum_j |u_j|^2 / (2 L_j)`` with ``L_j`` the coordinate's curvature bound.

    A gap computed with those features held at their values certifies the problem only
    once they are optimal; this is the estimate of how far they are from it (a row of
    ``u_grad`` per feature for the multinomial loss)."""
    rows = np.flatnonzero(unpenalized & (problem.lips > 0))
    if rows.size == 0:
        return 0.0
    squares = np.square(u_grad[rows]).reshape(rows.size, -1).sum(axis=1)
    return float(np.sum(squares / (2.0 * problem.lips[rows]))) / problem.null_objective


def duality_gap(problem, penalty, coef, intercept, tol=None):
    """Relative duality gap of ``(coef, intercept)``, computed as the solver does.

    For the squared loss the intercept is taken as its optimal value given ``coef``
    (the centring), for the other losses as given. Given ``tol``, a gap above it is
    replaced by the near-zero-alpha bound where that is smaller (``zero_alpha``), as the
    solver's certificate is.
    """
    it = _iterate_at(problem, coef, intercept)
    unpenalized = penalty.unpenalized & (problem.lips > 0)
    u_grad, gap, _ = it.gradient_and_gap(penalty, unpenalized)
    return certificate(gap / problem.null_objective, problem, penalty, it.w,
                       it.datafit_value, u_grad, tol)


def warn_gap(gap, tol, what="The closed form", stacklevel=3):
    """The ConvergenceWarning of a solution whose certified gap stayed above ``tol``."""
    if gap > tol:
        warnings.warn(f"{what} reached relative duality gap {gap:.3e} > tol={tol:.1e}; "
                      "increase max_iter or tol, or scale the data.", ConvergenceWarning,
                      stacklevel=stacklevel)


def minus_gradient(problem, coef, intercept):
    """Minus the datafit gradient in w at ``(coef, intercept)`` (squared: intercept optimal)."""
    it = _iterate_at(problem, coef, intercept)
    no_penalty = ElasticNetPenalty(*(np.zeros(problem.n_features) for _ in range(2)),
                                   np.full(problem.n_features, -np.inf),
                                   np.full(problem.n_features, np.inf))
    u_grad, _, _ = it.gradient_and_gap(no_penalty, np.zeros(problem.n_features, bool))
    return u_grad


def _iterate_at(problem, coef, intercept):
    """The iterate of the problem's loss at ``(coef, intercept)`` (the user's intercept;
    covariance mode for a problem known by its statistics only)."""
    w = np.array(coef, dtype=np.float64)
    intercept = problem.internal_intercept(intercept, w)
    if problem.cache.get("statistics_only"):
        return GramState(problem, w, intercept)
    return (_SquaredState if problem.datafit.quadratic else _GLMState)(
        problem, w, intercept)
