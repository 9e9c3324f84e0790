"""The relaxed lasso: each alpha's support refitted without penalty, and blends.

glmnet's ``relax = TRUE`` (Hastie, Tibshirani & Tibshirani 2020, "Best subset, forward
stepwise or lasso?"): at each alpha of a path the support ``S(alpha)`` (the features with
a non-zero coefficient) is refitted without penalty, on those columns only, and the
relaxed model is the blend

    beta(alpha, gamma) = gamma * beta_lasso(alpha) + (1 - gamma) * beta_refit(alpha)

(the intercepts blended alike) for gamma in [0, 1]: gamma = 1 is the lasso, gamma = 0
the refit. Cross-validation chooses (alpha, gamma) jointly (``model_selection``).

The refit reads the datafit's capabilities, not its name: a quadratic datafit (the
squared loss) is weighted least squares on the support (minimum-norm where the support's
columns are rank-deficient, as scikit-learn's ``LinearRegression``); any other is the
solvers' unpenalized fit (Newton's method, ``solvers/newton.py``) on the support's
columns, with the problem's offset or threshold. Bounds are not applied to the refit.
"""

from dataclasses import dataclass

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp

from .losses import get_loss
from .solvers.cd import make_problem
from .solvers.newton import find_separation, newton_unpenalized, separating_direction

#: glmnet's default grid of gammas
DEFAULT_GAMMAS = (0.0, 0.25, 0.5, 0.75, 1.0)
#: the unpenalized (Newton) refit of a non-quadratic datafit is solved to rounding level:
#: the relaxed model is compared with the lasso's, solved to ``tol``
REFIT_TOL = 1e-12
REFIT_MAX_ITER = 200
#: full Newton steps taken after the solver's stop (``refit_support``)
POLISH_STEPS = 2
#: a squared refit along a path solves the normal equations of a support whose Gram
#: block has a condition number below this (error ~ 1e8 * machine epsilon at most),
#: least squares on the rows beyond it
GRAM_MAX_CONDITION = 1e8


def check_gammas(gammas):
    """The gammas as a sorted float array of distinct values in [0, 1].

    Raises
    ------
    ValueError
        Naming ``gammas`` when it is empty, not numbers, or has a value outside [0, 1].
    """
    try:
        values = np.asarray(gammas, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise ValueError(f"gammas must be numbers in [0, 1], got {gammas!r}") from None
    if values.size == 0:
        raise ValueError("gammas is empty; give values in [0, 1], e.g. "
                         "(0, 0.25, 0.5, 0.75, 1)")
    if np.asarray(gammas).dtype == bool or not np.all((values >= 0) & (values <= 1)):
        raise ValueError(f"gammas must lie in [0, 1] (1 is the lasso, 0 the unpenalized "
                         f"refit of its support), got {gammas!r}")
    return np.unique(values)


@dataclass(frozen=True)
class Refits:
    """The unpenalized refit of a path's supports, one row per alpha.

    Attributes
    ----------
    coefs : ndarray of shape (n_alphas, n_features)
        The refit's coefficients (0 off the support).
    intercepts : ndarray of shape (n_alphas,)
    separated : ndarray of bool, shape (n_alphas,)
        Where the support's classes are separable (logistic): the unpenalized fit has
        no finite optimum there, and the refit is the lasso's own fit at that alpha
        (every gamma then gives the lasso).
    """

    coefs: np.ndarray
    intercepts: np.ndarray
    separated: np.ndarray


def refit_support(X, y, sw, support, *, loss, fit_intercept, options=None, start=None,
                  polish=True, separable=None):
    """The unpenalized fit on the columns ``support`` of ``X``.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        The target as the loss's datafit takes it (labels in {-1, +1} for logistic).
    sw : ndarray of shape (n_samples,) or None
    support : ndarray of int
        The columns to refit on (possibly none: the intercept alone).
    loss : shrinkage.losses.Loss
    fit_intercept : bool
    options : dict, optional
        The datafit's options (``offset``, ``delta``).
    start : (coef, intercept), optional
        Where Newton's method starts (``coef`` over all features, read on ``support``):
        a neighbouring support's refit, which along a path is close (its supports are
        nested, mostly), halves the Newton steps. The optimum does not depend on it.
    polish : bool
        Take ``POLISH_STEPS`` full Newton steps after the solver's stop (coefficients to
        rounding level instead of about 1e-7 relative): for the refits reported, not for
        those only scored on held-out rows.
    separable : bool or None
        False where the caller knows the classes are not separable on ``support`` (a
        superset of it is not): the linear programs are skipped. None: tested.

    Returns
    -------
    (coef, intercept, separated) : coef of shape (n_features,), 0 off ``support``;
        ``separated`` is True where the classes are separable on the support (the
        coefficients are then where Newton's method stopped, not an optimum).
    """
    columns = X[:, support]
    columns = columns.toarray() if sp.issparse(columns) else np.asarray(columns)
    coef = np.zeros(X.shape[1])
    if get_loss(loss).quadratic:
        beta, intercept = _least_squares(columns, y, sw, fit_intercept)
        coef[support] = beta
        return coef, intercept, False
    problem = make_problem(columns, y, loss, sw, fit_intercept, **(options or {}))
    if start is None:
        w, b = np.zeros(len(support)), problem.datafit.null_intercept(fit_intercept)
    else:
        w = np.asarray(start[0], dtype=np.float64)[support]
        b = problem.internal_intercept(start[1], w)
    fit = newton_unpenalized(problem, w, b, tol=REFIT_TOL, max_iter=REFIT_MAX_ITER)
    if problem.datafit.can_separate and separable is not False and \
            find_separation(problem, fit) is not None:
        return coef, float(problem.user_intercept(fit.intercept, fit.coef)), True
    if polish:
        # Newton's decrement stops at ~1e-13 of the objective, which leaves the
        # coefficients ~1e-7 off; two more full steps reach rounding (quadratic
        # convergence)
        fit = newton_unpenalized(problem, fit.coef, fit.intercept, tol=0.0,
                                 max_iter=POLISH_STEPS)
    coef[support] = fit.coef
    return coef, float(problem.user_intercept(fit.intercept, fit.coef)), False


def _weighted_centring(columns, y, sw, fit_intercept):
    """``(design, target, xmean, ymean)``: the columns and y centred on their weighted
    means (none without intercept), both rows scaled by the root of the weights."""
    w = np.ones(len(y)) if sw is None else np.asarray(sw, dtype=np.float64)
    if fit_intercept:
        xmean, ymean = w @ columns / w.sum(), w @ y / w.sum()
    else:
        xmean, ymean = np.zeros(columns.shape[1]), 0.0
    root = np.sqrt(w)
    return root[:, None] * (columns - xmean), root * (y - ymean), xmean, float(ymean)


def _lstsq(design, target):
    # scipy's SVD least squares (gelsd, as scikit-learn's LinearRegression: the
    # minimum-norm solution) with numpy's rank cut-off
    return la.lstsq(design, target, cond=np.finfo(float).eps * max(design.shape),
                    check_finite=False)[0]


def _least_squares(columns, y, sw, fit_intercept):
    """Weighted least squares with intercept; the minimum-norm coefficients where the
    (centred) columns are rank-deficient."""
    design, target, xmean, ymean = _weighted_centring(columns, y, sw, fit_intercept)
    beta = _lstsq(design, target) if columns.shape[1] else np.zeros(0)
    return beta, float(ymean - xmean @ beta)


def _gram_refitter(X, y, sw, union, fit_intercept):
    """``refit(support) -> (coef, intercept, False)`` for the squared loss, for supports
    within the sorted columns ``union``: one Gram matrix of the union serves them all
    (a path's supports are nested, mostly), each support solving its block's normal
    equations, or least squares on the rows where the block's condition number passes
    ``GRAM_MAX_CONDITION`` (the normal equations square it)."""
    columns = X[:, union]
    columns = columns.toarray() if sp.issparse(columns) else np.asarray(columns)
    design, target, xmean, ymean = _weighted_centring(columns, y, sw, fit_intercept)
    gram, moments = design.T @ design, design.T @ target

    def refit(support):
        rows = np.searchsorted(union, support)
        beta = np.zeros(support.size)
        if support.size:
            values, vectors = np.linalg.eigh(gram[np.ix_(rows, rows)])
            if values[0] > values[-1] / GRAM_MAX_CONDITION:
                beta = vectors @ ((vectors.T @ moments[rows]) / values)
            else:
                beta = _lstsq(design[:, rows], target)
        coef = np.zeros(X.shape[1])
        coef[support] = beta
        return coef, float(ymean - xmean[rows] @ beta), False

    return refit


def _newton_refitter(X, y, sw, union, *, loss, fit_intercept, options, polish):
    """``refit(support) -> (coef, intercept, separated)`` for a loss fitted by Newton's
    method (``refit_support``), for supports within the sorted columns ``union``, called
    in a path's order: each fit starts from the previous one's (the supports are nested,
    mostly).

    Separability is monotone: a direction separating the classes on S separates them
    on every superset (zero on the extra columns). So where one linear program finds
    the union of the supports not separable, none is, and no refit needs its own; and
    a support containing one found separable is separable without a fit."""
    known = None
    if union.size:
        columns = X[:, union]
        problem = make_problem(columns.toarray() if sp.issparse(columns) else columns, y,
                               loss, sw, fit_intercept, **(options or {}))
        df = problem.datafit
        if df.can_separate and separating_direction(
                problem.design.matrix, df.y, df.sw, problem.fit_intercept) is None:
            known = False
    last, separable = [], []

    def refit(support):
        if any(np.all(np.isin(s, support)) for s in separable):
            return np.zeros(X.shape[1]), 0.0, True
        found = refit_support(X, y, sw, support, loss=loss, fit_intercept=fit_intercept,
                              options=options, start=last[-1] if last else None,
                              polish=polish, separable=known)
        if found[2]:
            separable.append(support)
        else:
            last[:] = [found[:2]]
        return found

    return refit


def refit_path(path, X, y, sw, *, loss, fit_intercept, options=None, polish=True):
    """The unpenalized refit at every alpha of ``path`` (a ``Path`` fitted on X, y).

    Neighbouring alphas share their supports: each distinct support is refitted once,
    starting from the latest refit (``refit_support``'s ``start`` and ``polish``).
    Where the classes are separable on a support the refit is the lasso's own fit at
    that alpha (``Refits.separated``). Returns a ``Refits``.
    """
    if path.coefs.ndim != 2:
        raise ValueError("relax is offered for one coefficient per feature (regression "
                         "and two classes), not for the multinomial or multi-task loss")
    coefs = np.zeros_like(path.coefs)
    intercepts = np.zeros(len(path.alphas))
    separated = np.zeros(len(path.alphas), dtype=bool)
    union = np.flatnonzero(np.any(path.coefs, axis=0))
    if get_loss(loss).quadratic:
        refit = _gram_refitter(X, y, sw, union, fit_intercept)
    else:
        refit = _newton_refitter(X, y, sw, union, loss=loss, fit_intercept=fit_intercept,
                                 options=options, polish=polish)
    cache = {}
    for k, lasso in enumerate(path.coefs):
        support = np.flatnonzero(lasso)
        key = support.tobytes()
        if key not in cache:
            cache[key] = refit(support)
        coef, intercept, separated[k] = cache[key]
        if separated[k]:
            coef, intercept = lasso, path.intercepts[k]
        coefs[k], intercepts[k] = coef, intercept
    return Refits(coefs, intercepts, separated)


def blend(gammas, lasso, refit):
    """``gamma * lasso + (1 - gamma) * refit`` for each gamma: shape
    ``(n_gammas,) + lasso.shape``. At gamma = 1 the result is ``lasso`` exactly."""
    g = np.asarray(gammas, dtype=np.float64).reshape((-1,) + (1,) * np.ndim(lasso))
    return g * lasso + (1.0 - g) * refit


def relaxed_model(path, refits, gammas, i_gamma, i_alpha):
    """The relaxed ``(coef, intercept)`` at ``gammas[i_gamma]`` and the path's alpha
    ``i_alpha``."""
    gamma = np.asarray(gammas)[i_gamma:i_gamma + 1]
    coef = blend(gamma, path.coefs[i_alpha], refits.coefs[i_alpha])[0]
    intercept = blend(gamma, path.intercepts[i_alpha], refits.intercepts[i_alpha])[0]
    return coef, float(intercept)


@dataclass(frozen=True)
class Relaxation:
    """What a relaxed cross-validation adds to each path: the gammas blended.

    The parameter of ``model_selection.cross_validate_paths`` that turns relaxing on.
    """

    gammas: np.ndarray

    def refit(self, path, X, y, sw, *, loss, fit_intercept, options=None, polish=True):
        """The path's ``Refits`` on the rows it was fitted on (``polish``: see
        ``refit_support``; a fold's refits, only scored, skip it)."""
        return refit_path(path, X, y, sw, loss=loss, fit_intercept=fit_intercept,
                          options=options, polish=polish)

    def decision_values(self, lasso_values, refit_values):
        """Decision values of every (gamma, alpha): ``(n_gammas, n, n_alphas)`` from the
        lasso's and the refit's ``(n, n_alphas)`` (blending them is blending the
        models: the decision is linear in the coefficients)."""
        return blend(self.gammas, lasso_values, refit_values)


def choose_relaxed(mean, se, alphas, gammas, greater_is_better=False):
    """The best (l1_ratio, gamma, alpha), and the one-standard-error choice.

    Parameters
    ----------
    mean, se : ndarray of shape (n_l1_ratios, n_gammas, n_alphas)
    alphas : ndarray of shape (n_l1_ratios, n_alphas)
    gammas : ndarray of shape (n_gammas,)
    greater_is_better : bool

    Returns
    -------
    (ratio, (g_min, i_min), (g_1se, i_1se)) : the row of the best mean and its gamma and
        alpha indices; and, in that row, the simplest model whose mean lies within one
        standard error of the best: the largest alpha, then the largest gamma (the
        model nearest the lasso, which shrinks most). Ties of the best go the same way.
    """
    loss = -mean if greater_is_better else mean
    if not np.any(np.isfinite(loss)):
        raise ValueError("every cross-validation score is NaN or infinite")
    loss = np.where(np.isfinite(loss), loss, np.inf)
    n_ratios, n_gammas, n_alphas = loss.shape
    grid_alpha = np.broadcast_to(alphas[:, None, :], loss.shape)
    grid_gamma = np.broadcast_to(np.asarray(gammas)[None, :, None], loss.shape)
    order = np.lexsort((-grid_gamma.ravel(), -grid_alpha.ravel(), loss.ravel()))
    ratio, g_min, i_min = np.unravel_index(order[0], loss.shape)
    threshold = loss[ratio, g_min, i_min] + se[ratio, g_min, i_min]
    g_within, i_within = np.nonzero(loss[ratio] <= threshold)
    simplest = np.lexsort((-np.asarray(gammas)[g_within], -alphas[ratio, i_within]))[0]
    return (int(ratio), (int(g_min), int(i_min)),
            (int(g_within[simplest]), int(i_within[simplest])))
