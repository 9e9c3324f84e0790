"""The GLM estimators on dask data: distributed proximal Newton (``newton.py``), one
pass over the chunks per step.

Each loss's problem is prepared by a row of ``PROBLEMS`` (the target checked or
encoded, and the loss's ``terms``); ``fit_glm`` serves LogisticRegression (binary),
PoissonRegressor and HuberRegressor at one alpha, ``path_glm`` their
``regularization_path``.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .. import _validation as v
from .fit import _path_arguments, _prepare
from ..solvers.newton import SeparationWarning
from .terms import HuberTerms, LogisticTerms, PoissonTerms

#: a training log-loss below this share of the null model's marks separable classes
SEPARATION_LOSS = 1e-3


def binary_labels(y):
    """The two classes of a dask target (computed: a handful of values) and the labels
    in {-1, +1}, lazily on the workers."""
    import dask.array as da

    y = aligned_target(y, dtype=None)
    classes = np.unique(da.unique(y).compute())
    if len(classes) != 2:
        raise ValueError(f"y has {len(classes)} classes; on dask data LogisticRegression "
                         "fits two classes so far (the multinomial loss needs X in memory)")
    return da.where(y == classes[1], 1.0, -1.0), classes


def aligned_target(y, dtype=np.float64):
    """A 1-d dask array of y (of ``dtype`` when given)."""
    import dask.array as da
    import dask.dataframe as dd

    if isinstance(y, (dd.Series, dd.DataFrame)):
        y = y.to_dask_array(lengths=True)
    if not isinstance(y, da.Array):
        y = da.from_array(np.asarray(y))
    y = y.ravel()
    return y if dtype is None else y.astype(dtype)


def _logistic_problem(y, sample_weight, fit_intercept, delta):
    return binary_labels(y)[0], LogisticTerms()


def _poisson_problem(y, sample_weight, fit_intercept, delta):
    import dask.array as da

    y = aligned_target(y)
    low, high = (float(a) for a in da.compute(y.min(), y.max()))
    if low < 0:
        raise ValueError(f"y must be >= 0 for the Poisson loss (counts); its minimum is "
                         f"{low:g}")
    if high <= 0:
        raise ValueError("y is 0 on every row: the Poisson fit has nothing to fit")
    return y, PoissonTerms()


def _huber_problem(y, sample_weight, fit_intercept, delta):
    delta = v.check_delta(delta, allow_rules=True)
    if delta is None or isinstance(delta, str):
        raise ValueError(f"delta={delta!r} is a rule on the median of y or of residuals, "
                         "which dask data would need extra passes for; give delta as a "
                         "float (for example the delta_ of a fit on a sample)")
    y = aligned_target(y)
    null = huber_location(y, sample_weight, float(delta)) if fit_intercept else 0.0
    return y, HuberTerms(float(delta), null)


#: loss name -> the preparation of its problem: ``(y, sample_weight, fit_intercept,
#: delta) -> (y on the workers, terms)``
PROBLEMS = {"logistic": _logistic_problem, "poisson": _poisson_problem,
            "huber": _huber_problem}


def fit_glm(estimator, X, y, sample_weight, delta=None):
    """Fit ``estimator`` (its ``_loss`` a row of ``PROBLEMS``) at its alpha on dask data
    by distributed proximal Newton; sets ``coef_``, ``intercept_``, ``dual_gap_`` and
    ``n_iter_`` (the passes) and returns the estimator."""
    from .newton import DaskGLM, glm_path

    X = _prepare(estimator, X, y, sample_weight)
    target, terms = PROBLEMS[estimator._loss](y, sample_weight, estimator.fit_intercept,
                                              delta)
    penalty, alpha, factor = estimator._validate_penalty(X.shape[1])
    tol = v.check_scalar_param(estimator.tol, "tol", low=0.0, low_open=True)
    max_iter = v.check_scalar_param(estimator.max_iter, "max_iter", low=1, integer=True)
    data = DaskGLM(X, target, sample_weight, estimator.fit_intercept)
    bounded = np.any(np.isfinite(penalty.lower)) or np.any(np.isfinite(penalty.upper))
    if alpha == 0 and not bounded:
        return _fit_unpenalized(estimator, data, terms, tol, max_iter)
    if alpha == 0 or np.any(factor == 0):
        raise ValueError(f"dask input needs every penalty_factor > 0, and no bounds at "
                         f"alpha = 0: the {terms.name} fit with unpenalized features is "
                         "not distributed yet")
    l1_ratio = float(v.check_l1_ratio(estimator.l1_ratio))
    # Newton's method straight from the null model: measured on 50,000 x 50, 6-9 passes
    # in all at alpha = 0.05 .. 0.001, against 15-21 through a 5-alpha warm-start grid
    path = glm_path(data, terms, [alpha], l1_ratio, factor, penalty.lower, penalty.upper,
                    tol=tol, max_passes=max_iter)
    if path.gaps[-1] > tol:
        warnings.warn(f"distributed proximal Newton stopped with relative duality gap "
                      f"{path.gaps[-1]:.3e} > tol={tol:.1e}; increase max_iter",
                      ConvergenceWarning, stacklevel=3)
    estimator.dual_gap_, estimator.n_iter_ = float(path.gaps[-1]), int(data.passes)
    estimator.coef_, estimator.intercept_ = path.coefs[-1], float(path.intercepts[-1])
    return estimator


def _fit_unpenalized(estimator, data, terms, tol, max_iter):
    """alpha = 0: damped Newton on the datafit alone, certified by the Newton decrement
    (the in-memory rule; the duality gap is degenerate without a penalty)."""
    from .newton import UnpenalizedState, advance

    state = UnpenalizedState(terms, data.n_features, data.fit_intercept, tol, max_iter)
    advance(data, [state], lambda s: s.done)
    sums = state.path.sums
    if terms.name == "logistic" and sums is not None and \
            float(sums.loss[0]) / sums.total <= SEPARATION_LOSS * state.null:
        # no linear program over distributed rows (find_separation's, in memory): a
        # training log-loss near 0 is the mark of separable classes
        warnings.warn(f"the training log-loss fell to {float(sums.loss[0]) / sums.total:.2e}"
                      ": the classes look linearly separable, so the unpenalized fit has no "
                      "minimum and its coefficients are where Newton's method stopped; give "
                      "alpha > 0", SeparationWarning, stacklevel=3)
    if state.certificate > tol:
        warnings.warn(f"Newton's method on dask data stopped with relative Newton "
                      f"decrement {state.certificate:.3e} > tol={tol:.1e} (separable "
                      "classes, or increase max_iter)", ConvergenceWarning, stacklevel=3)
    estimator.dual_gap_, estimator.n_iter_ = float(state.certificate), int(data.passes)
    estimator.coef_, estimator.intercept_ = state.path.w, float(state.path.b)
    return estimator


def huber_location(y, sample_weight, delta, max_steps=100):
    """The ``c`` with ``sum s psi(y - c) = 0`` (the null model's intercept): Newton's
    method kept in a bracket, each step one pass over y alone."""
    import dask.array as da

    s = da.ones_like(y) if sample_weight is None else \
        aligned_target(sample_weight).rechunk(y.chunks)
    low, high, centre = (float(a) for a in da.compute(y.min(), y.max(),
                                                       (s * y).sum() / s.sum()))
    low, high = low - delta, high + delta
    c = centre
    for _ in range(max_steps):
        t = y - c
        g, slope, mass = (float(a) for a in da.compute(
            (s * da.clip(t, -delta, delta)).sum(), (s * (abs(t) <= delta)).sum(), s.sum()))
        if abs(g) <= 1e-13 * mass * delta:
            break
        if g > 0:
            low = c
        else:
            high = c
        step = c + g / slope if slope > 0 else 0.5 * (low + high)
        c = step if low < step < high else 0.5 * (low + high)
    return c


def path_glm(X, y, *, loss, delta, l1_ratio, alphas, eps, sample_weight, fit_intercept,
             penalty_factor, positive, lower_bounds, upper_bounds, tol, max_iter):
    """``regularization_path(loss=...)`` of a GLM on dask data: a grid from the exact
    alpha_max (glmnet's ends, or the given alphas), then distributed proximal Newton
    along it. ``max_iter`` bounds the passes per alpha."""
    from ..path import Path
    from .newton import DaskGLM, glm_path

    X, l1_ratio, tol, max_iter, factor, lower, upper = _path_arguments(
        X, l1_ratio, tol, max_iter, penalty_factor, positive, lower_bounds, upper_bounds)
    if np.any(factor == 0):
        raise ValueError(f"dask input needs every penalty_factor > 0 for the {loss} loss")
    target, terms = PROBLEMS[loss](y, sample_weight, fit_intercept, delta)
    data = DaskGLM(X, target, sample_weight, fit_intercept)
    grid = glm_grid(terms, alphas, eps, l1_ratio, factor, lower, upper, X.shape)
    path = glm_path(data, terms, grid, l1_ratio, factor, lower, upper, tol=tol,
                    max_passes=max_iter)
    return Path(alphas=path.alphas, coefs=path.coefs, intercepts=path.intercepts,
                gaps=path.gaps, n_iter=path.passes,
                n_nonzero=np.count_nonzero(path.coefs, axis=1), l1_ratio=l1_ratio,
                loss=loss)


def glm_grid(terms, alphas, eps, l1_ratio, factor, lower, upper, shape):
    """The grid of a path: given alphas (checked), or a function of the null model's
    ``PassSums`` giving glmnet's grid from the exact alpha_max."""
    from ..path import alpha_grid
    from ..penalties import alpha_max

    n, p = shape
    if isinstance(alphas, (int, np.integer)) and not isinstance(alphas, bool):
        ratio = eps if eps is not None else (1e-2 if n < p else 1e-3)

        def grid(sums):
            top = alpha_max(terms.gradient(sums)[0] / sums.total, l1_ratio, factor, lower,
                            upper)
            return alpha_grid(top, int(alphas), ratio)

        return grid
    grid = np.asarray(alphas, dtype=np.float64).ravel()
    if grid.size == 0 or np.any(grid <= 0) or not np.all(np.isfinite(grid)):
        raise ValueError("alphas must be finite and > 0 for dask input")
    return grid
