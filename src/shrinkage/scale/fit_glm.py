"""The GLM estimators on dask data: distributed proximal Newton (``newton.py``), one
pass over the chunks per step.

Each loss's problem is prepared by its row of ``PROBLEMS`` (the target checked or
encoded, and the loss's ``terms``); ``fit_glm`` fits a ``FitSpec`` (LogisticRegression,
binary and multinomial, PoissonRegressor and HuberRegressor) at one alpha and returns a
``FitResult``, ``path_glm`` is their ``regularization_path``.
"""

import warnings

import numpy as np

from .. import validation as v
from ..glm_kernels import bracketed_newton_step
from ..losses import HUBER, LOGISTIC, MULTINOMIAL, POISSON
from ..specs import Features, FitResult
from .fit import _path_arguments, prepare
from .squared import check_width
from .statistics import as_dask_matrix, frame_array, known_rows
from ..solvers.convergence import warn_short_of_tol
from ..solvers.newton import SeparationWarning
from .terms import HuberTerms, LogisticTerms, PoissonTerms
from .terms_multinomial import MultinomialTerms

#: a training log-loss below this share of the null model's marks separable classes
SEPARATION_LOSS = 1e-3


def class_target(y):
    """The classes of a dask target (computed: a handful of values), at least two."""
    import dask.array as da

    y = aligned_target(y, dtype=None)
    classes = np.unique(da.unique(y).compute())
    if len(classes) < 2:
        raise ValueError(f"y has a single class ({classes[0]!r}); logistic regression "
                         "needs two classes to fit")
    return y, classes


def _class_codes(block, classes):
    return np.searchsorted(classes, block).astype(np.float64)


def _logistic_problem(y, sample_weight, fit_intercept, delta):
    """Two classes: labels in {-1, +1} and the binary loss; more: class codes and the
    multinomial loss (LogisticRegression's rule)."""
    import dask.array as da

    y, classes = class_target(y)
    if len(classes) == 2:
        return da.where(y == classes[1], 1.0, -1.0), LogisticTerms(tuple(classes))
    return _multinomial_target(y, classes)


def _multinomial_target(y, classes):
    terms = MultinomialTerms(tuple(classes))
    return y.map_blocks(_class_codes, classes, dtype=np.float64), terms


def _multinomial_problem(y, sample_weight, fit_intercept, delta):
    return _multinomial_target(*class_target(y))


def aligned_target(y, dtype=np.float64):
    """A 1-d dask array of y (of ``dtype`` when given)."""
    import dask.array as da
    import dask.dataframe as dd

    if isinstance(y, (dd.Series, dd.DataFrame)):
        y = frame_array(y)
    if not isinstance(y, da.Array):
        y = da.from_array(np.asarray(y))
    y = y.ravel()
    return y if dtype is None else y.astype(dtype)


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


#: loss object -> the preparation of its problem on the workers: ``(y, sample_weight,
#: fit_intercept, delta) -> (y on the workers, terms)``; a loss fitted by Newton passes
#: on Dask has a row here (the squared loss runs from sufficient statistics instead)
PROBLEMS = {LOGISTIC: _logistic_problem, MULTINOMIAL: _multinomial_problem,
            POISSON: _poisson_problem, HUBER: _huber_problem}


def problem_of(loss, y, sample_weight, fit_intercept, delta):
    """``PROBLEMS``' preparation of ``loss`` (an object), or a ValueError naming it."""
    if loss not in PROBLEMS:
        raise ValueError(f"the {loss.name} loss is not offered for dask input by Newton "
                         "passes; fit in memory with X.compute()")
    return PROBLEMS[loss](y, sample_weight, fit_intercept, delta)


def fit_glm(spec, X, y, sample_weight):
    """Fit ``spec`` (a ``FitSpec``, its loss a row of ``PROBLEMS``) at its alpha on dask
    data by distributed proximal Newton; returns a ``FitResult`` (``n_iter``: the
    passes)."""
    from .passes import DaskGLM

    X, y, sample_weight, features = prepare(spec.name, X, y, sample_weight)
    target, terms = problem_of(spec.loss, y, sample_weight, spec.fit_intercept,
                                             spec.delta)
    return fit_on(spec, DaskGLM(X, target, sample_weight, spec.fit_intercept), terms,
                  features)


def fit_on(spec, data, terms, features=None):
    """``fit_glm`` on prepared ``data`` (a ``DaskGLM``) with the loss's ``terms``."""
    from .newton import glm_path

    p = data.n_features
    features = features or Features(p)
    penalty, alpha, factor = spec.penalty(p)
    lower, upper = penalty.lower, penalty.upper
    if terms.width > 1:
        check_multinomial(spec, p, terms.width)
    factor, lower, upper = (terms.widen(a) for a in (factor, lower, upper))
    tol, max_iter = spec.checked_tol(), spec.checked_max_iter()
    bounded = np.any(np.isfinite(lower)) or np.any(np.isfinite(upper))
    if alpha == 0 and not bounded:
        return _fit_unpenalized(spec, data, terms, features)
    if alpha == 0 or np.any(factor == 0):
        raise ValueError(f"dask input needs every penalty_factor > 0, and no bounds at "
                         f"alpha = 0: the {terms.name} fit with unpenalized features is "
                         "not distributed yet")
    l1_ratio = float(v.check_l1_ratio(spec.l1_ratio))
    # Newton's method straight from the null model: measured on 50,000 x 50, 6-9 passes
    # in all at alpha = 0.05 .. 0.001, against 15-21 through a 5-alpha warm-start grid
    path = glm_path(data, terms, [alpha], l1_ratio, factor, lower, upper,
                    tol=tol, max_passes=max_iter)
    if path.gaps[-1] > tol:
        # (stacklevel: the caller of the estimator's fit)
        warn_short_of_tol("distributed proximal Newton stopped with", path.gaps[-1], tol,
                          advice="increase max_iter", stacklevel=6)
    coef = terms.coef_matrix(path.coefs[-1])
    return fit_result(terms, coef, data.user_intercepts(path.intercepts[-1], coef),
                      float(path.gaps[-1]), int(data.passes), features, spec.delta)


def model_layout(terms, coef, intercept):
    """``(coef, intercept)`` as an estimator holds them, from the paths' layout ((p,),
    or (K, p) for the multinomial): a float intercept or one per class, a binary
    classifier's a row and an array of one, as scikit-learn's."""
    coef = np.array(coef)
    intercept = float(intercept) if np.ndim(intercept) == 0 else np.array(intercept)
    if getattr(terms, "classes", None) is not None and coef.ndim == 1:
        coef, intercept = coef[None, :], np.array([intercept])
    return coef, intercept


def classes_of(terms):
    """A classifier's classes (None for a regression loss)."""
    classes = getattr(terms, "classes", None)
    return None if classes is None else np.asarray(classes)


def fit_result(terms, coef, intercept, gap, n_iter, features, delta=None):
    """The ``FitResult`` of a fit in the paths' layout (``model_layout``)."""
    coef, intercept = model_layout(terms, coef, intercept)
    return FitResult(coef, intercept, gap, n_iter, features, classes=classes_of(terms),
                     delta=delta)


def check_multinomial(spec, n_features, n_classes):
    """The multinomial options a dask fit offers: the ungrouped penalty, no bounds, and
    ``p K`` coefficients within the client's Gram limit."""
    _, grouped = spec.multinomial_options(n_features)
    if grouped:
        raise ValueError("multinomial='grouped' is not offered for dask input yet: the "
                         "distributed Newton model is solved coefficient by coefficient; "
                         "give multinomial='ungrouped'")
    check_width(n_features * n_classes)


def _fit_unpenalized(spec, data, terms, features):
    """alpha = 0: damped Newton on the datafit alone, certified by the Newton decrement
    (the in-memory rule; the duality gap is degenerate without a penalty)."""
    from .newton import UnpenalizedState, advance

    tol, max_iter = spec.checked_tol(), spec.checked_max_iter()
    state = UnpenalizedState(terms, data.n_features, data.fit_intercept, tol, max_iter)
    advance(data, [state], lambda s: s.done)
    sums = state.path.sums
    if terms.scoring == "log_loss" and sums is not None and \
            float(sums.loss[0]) / sums.total <= SEPARATION_LOSS * state.null:
        # no linear program over distributed rows (find_separation's, in memory): a
        # training log-loss near 0 is the mark of separable classes
        warnings.warn(f"the training log-loss fell to {float(sums.loss[0]) / sums.total:.2e}"
                      ": the classes look linearly separable, so the unpenalized fit has no "
                      "minimum and its coefficients are where Newton's method stopped; give "
                      "alpha > 0", SeparationWarning, stacklevel=7)
    if state.certificate > tol:
        warn_short_of_tol("Newton's method on dask data stopped with", state.certificate,
                          tol, measure="relative Newton decrement",
                          advice="separable classes, or increase max_iter", stacklevel=7)
    coef = terms.coef_matrix(state.path.w)
    return fit_result(terms, coef, data.user_intercepts(state.path.b, coef),
                      float(state.certificate), int(data.passes), features, spec.delta)


def huber_location(y, sample_weight, delta, max_steps=100):
    """The ``c`` with ``sum s psi(y - c) = 0`` (the null model's intercept): Newton's
    method kept in a bracket, each step one pass over y alone."""
    import dask.array as da

    s = da.ones_like(y) if sample_weight is None else \
        aligned_target(sample_weight).rechunk(y.chunks)
    low, high, centre = (float(a) for a in da.compute(y.min(), y.max(),
                                                       (s * y).sum() / s.sum()))

    def sums_at(c):
        t = y - c
        return (float(a) for a in da.compute(
            (s * da.clip(t, -delta, delta)).sum(), (s * (abs(t) <= delta)).sum(), s.sum()))

    return bracketed_huber_newton(low - delta, high + delta, centre, sums_at, delta,
                                  max_steps)


def bracketed_huber_newton(low, high, c, sums_at, delta, max_steps=100):
    """Newton's method on ``g(c) = sum s psi(y - c)``, kept in the bracket ``[low, high]``
    (bisection when a step leaves it); ``sums_at(c)`` gives ``g``, its slope and the
    total weight (one pass)."""
    for _ in range(max_steps):
        g, slope, mass = sums_at(c)
        if abs(g) <= 1e-13 * mass * delta:
            break
        c, low, high = bracketed_newton_step(c, g, slope, low, high)
    return c


def path_glm(X, y, *, loss, delta, l1_ratio, alphas, eps, sample_weight, fit_intercept,
             penalty_factor, positive, lower_bounds, upper_bounds, tol, max_iter):
    """``regularization_path(loss=...)`` of a GLM (``loss`` an object) on dask data: a grid from the exact
    alpha_max (glmnet's ends, or the given alphas), then distributed proximal Newton
    along it. ``max_iter`` bounds the passes per alpha."""
    from .newton import glm_path
    from .passes import DaskGLM

    X, y, sample_weight = known_rows(as_dask_matrix(X, known=False), y, sample_weight)
    X, l1_ratio, tol, max_iter, factor, lower, upper = _path_arguments(
        X, l1_ratio, tol, max_iter, penalty_factor, positive, lower_bounds, upper_bounds)
    if np.any(factor == 0):
        raise ValueError(f"dask input needs every penalty_factor > 0 for the {loss.name} "
                         "loss")
    target, terms = problem_of(loss, y, sample_weight, fit_intercept, delta)
    if terms.width > 1 and not loss.class_rows:
        raise ValueError(f"the logistic loss takes two classes; y has {terms.width} "
                         "classes: use loss='multinomial'")
    if terms.width > 1:
        if np.any(np.isfinite(lower)) or np.any(np.isfinite(upper)):
            raise ValueError("bounds (positive, lower_bounds, upper_bounds) are offered for "
                             "two classes only; the multinomial coefficients are unbounded")
        check_width(X.shape[1] * terms.width)
    factor, lower, upper = (terms.widen(a) for a in (factor, lower, upper))
    data = DaskGLM(X, target, sample_weight, fit_intercept)
    grid = glm_grid(terms, alphas, eps, l1_ratio, factor, lower, upper, X.shape)
    path = glm_path(data, terms, grid, l1_ratio, factor, lower, upper, tol=tol,
                    max_passes=max_iter)
    return as_path(terms, path.alphas, path, l1_ratio, data)


def as_path(terms, grid, state, l1_ratio, data=None):
    """A finished ``PathState`` as a ``Path`` in the estimators' layout (its intercepts
    the user's columns', given the ``data`` the rows came from)."""
    from ..path import Path

    coefs = terms.coef_matrix(state.coefs)
    # a feature is in the model when any of its class coefficients is
    in_model = np.any(coefs != 0, axis=1) if coefs.ndim == 3 else coefs != 0
    intercepts = state.intercepts if data is None else \
        data.user_intercepts(state.intercepts, coefs)
    return Path(alphas=grid, coefs=coefs, intercepts=intercepts, gaps=state.gaps,
                n_iter=state.passes, n_nonzero=np.count_nonzero(in_model, axis=1),
                l1_ratio=l1_ratio, loss=terms.name)


def glm_grid(terms, alphas, eps, l1_ratio, factor, lower, upper, shape):
    """The grid of a path: given alphas (checked), or a function of the null model's
    ``PassSums`` giving glmnet's grid from the exact alpha_max."""
    from ..path import alpha_grid, glmnet_ends
    from ..penalties import alpha_max

    if isinstance(alphas, (int, np.integer)) and not isinstance(alphas, bool):

        def grid(sums):
            top = alpha_max(terms.gradient(sums)[0] / sums.total, l1_ratio, factor, lower,
                            upper)
            top, bottom = glmnet_ends(top, l1_ratio, eps, shape)
            return alpha_grid(top, int(alphas), bottom / top if top > 0 else 1.0)

        return grid
    grid = np.asarray(alphas, dtype=np.float64).ravel()
    if grid.size == 0 or np.any(grid <= 0) or not np.all(np.isfinite(grid)):
        raise ValueError("alphas must be finite and > 0 for dask input")
    return grid
