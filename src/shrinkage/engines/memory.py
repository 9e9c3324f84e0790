"""The in-memory engine: NumPy and SciPy data, the solvers run in this process.

It takes a ``FitSpec`` or a ``CVSpec`` with the user's data and returns a ``FitResult``
or a ``CVResult``; the only estimator it sees is the one scikit-learn's public
``validate_data`` records ``n_features_in_`` and ``feature_names_in_`` on (and, for
prediction, checks them against).
"""

import functools
import warnings
from dataclasses import replace

import numpy as np
from sklearn.utils import check_X_y
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import validation as v
from ..datafits_glm import default_huber_delta
from ..losses import MULTINOMIAL, SQUARED
from ..errors import UserError
from ..path import compute_path, resolve_alphas
from ..penalties_group import check_group_structure, refuse_factors_and_bounds
from ..solvers.blas import blas_threads
from ..solvers.cd import duality_gap, make_problem, solve, warn_gap
from ..solvers.newton import separation_summary, warn_separation
from ..solvers.ridge import ridge_path
from ..specs import CVResult, Features, FitResult

# Cross-validation (model_selection, scikit-learn's metrics), the multinomial solver and
# exact leave-one-out are imported where a fit needs them: importing an estimator, or
# fitting one alpha of a binary or regression model, loads none of them.


def _blas_for_x(position):
    """Run an engine method with BLAS threads fitted to its X, the argument at
    ``position`` after ``self`` (``solvers.blas``)."""
    def decorate(method):
        @functools.wraps(method)
        def run(self, *args, **kwargs):
            X = kwargs["X"] if "X" in kwargs else (
                args[position] if len(args) > position else None)
            with blas_threads(X):
                return method(self, *args, **kwargs)
        return run
    return decorate


class MemoryEngine:
    """Fits on data held in memory (the engine for everything no other engine claims)."""

    name = "memory"

    @staticmethod
    def claims(*data):
        return True

    def validate(self, estimator, spec, X, y, sample_weight):
        """The checked ``(X, y, sample_weight, features)``: X in float64 Fortran order
        (or CSC / CSR), y as given (a float array for a numeric target)."""
        numeric = spec.loss.numeric_target
        y = spec.loss.target_array(y)
        # a survival target's two columns are one target
        multi_output = spec.multi_output or spec.loss.target_columns > 1
        v.check_lengths(X, y)
        v.check_y(y, numeric=numeric, multi_output=multi_output)
        X, y = v.name_x_errors(validate_data, estimator, X, y, accept_sparse=("csc", "csr"),
                               dtype=np.float64, order="F", y_numeric=numeric,
                               multi_output=multi_output)
        v.check_min_samples(X.shape[0], spec.name)
        sw = v.check_sample_weight(sample_weight, X)
        return X, y, sw, Features(X.shape[1], getattr(estimator, "feature_names_in_", None))

    # -- one alpha ---------------------------------------------------------------------

    @_blas_for_x(2)
    def fit(self, estimator, spec, X, y, sample_weight=None, offset=None):
        """Fit ``spec`` at its alpha; returns a ``FitResult``."""
        X, y, sw, features = self.validate(estimator, spec, X, y, sample_weight)
        if not spec.loss.numeric_target:
            return _fit_classes(spec, X, y, sw, features)
        y = spec.loss.prepare_target(y, sw, spec.fit_intercept)
        if spec.loss.joint_outputs:
            return _fit_joint_outputs(spec, X, y, sw, features)
        if spec.delta_rules:
            return _fit_huber_rule(spec, X, y, sw, features)
        options = spec.loss.check_options(X.shape[0], offset, spec.delta)
        penalty, alpha, factor = spec.penalty(X.shape[1])
        if spec.closed_form:
            tol, max_iter = spec.checked_tol(), spec.checked_max_iter()
            if not (np.any(np.isfinite(penalty.lower)) or np.any(np.isfinite(penalty.upper))):
                return _fit_columns(y, features, lambda target: _ridge_closed_form(
                    spec, X, target, sw, penalty, alpha, factor, tol, max_iter))
        one = y.ndim == 1 or spec.loss.target_columns > 1
        return _fit_columns(y, features, lambda target: _fields(_solve(
            spec, X, target, sw, penalty, warm=one, options=options)), one)

    # -- cross-validation --------------------------------------------------------------

    @_blas_for_x(2)
    def cross_validate(self, estimator, spec, X, y, sample_weight=None, groups=None,
                       offset=None):
        """Cross-validate ``spec`` (a ``CVSpec``) along paths; returns a ``CVResult``."""
        fit = spec.fit
        X, y, sw, features = self.validate(estimator, fit, X, y, sample_weight)
        if not fit.loss.numeric_target:
            sw, codes, classes = _classes(fit, y, sw)
            if len(classes) > 2:
                _, grouped = fit.multinomial_options(X.shape[1])  # no bounds, a grouping
                return _cross_validate(spec, X, y, sw, groups, features, labels=codes,
                                       loss=MULTINOMIAL, classes=classes, grouped=grouped)
            labels = np.where(codes == 1, 1.0, -1.0)
            return _cross_validate(spec, X, y, sw, groups, features, labels=labels,
                                   classes=classes)
        if fit.closed_form and spec.cv is None:
            from .leave_one_out import leave_one_out

            return leave_one_out(spec, X, y, sw, features)
        y = fit.loss.prepare_target(y, sw, fit.fit_intercept)
        offset = fit.loss.check_options(X.shape[0], offset).get("offset")
        if fit.delta_rules:
            def pilot_residuals(delta):
                pilot = _cross_validate(spec, X, y, sw, groups, features, delta=delta)
                coef, intercept = pilot.refit()
                return y - (X @ coef + intercept)

            delta = _huber_delta(fit, y, sw, pilot_residuals)
            return _cross_validate(spec, X, y, sw, groups, features, delta=delta)
        result = _cross_validate(spec, X, y, sw, groups, features, offset=offset)
        if fit.closed_form:
            # closed forms: one factorization per fold
            return replace(result, n_iter=1)
        return result

    # -- the path and prediction -------------------------------------------------------

    @_blas_for_x(0)
    def path(self, X, y, *, loss, l1_ratio, alphas, eps, sample_weight, fit_intercept,
             penalty_factor, positive, lower_bounds, upper_bounds, tol, max_iter,
             screening, multinomial, offset, delta, feature_groups=None,
             group_l1_ratio=0.0, group_weights=None):
        """``regularization_path`` on data in memory (its arguments, ``loss`` an
        object); returns a ``Path``."""
        if multinomial not in ("ungrouped", "grouped"):
            raise ValueError(f"multinomial must be 'ungrouped' or 'grouped', got "
                             f"{multinomial!r}")
        y = loss.target_array(y)
        v.check_lengths(X, y)
        v.check_y(y, numeric=loss.numeric_target, multi_output=loss.target_columns > 1 or loss.joint_outputs)
        X, y = v.name_x_errors(check_X_y, X, y, accept_sparse=("csc", "csr"),
                               dtype=np.float64, order="F", y_numeric=loss.numeric_target,
                               multi_output=loss.target_columns > 1 or loss.joint_outputs)
        n, p = X.shape
        v.check_min_samples(n, "regularization_path")
        l1_ratio = v.check_l1_ratio(l1_ratio)
        tol = v.check_scalar_param(tol, "tol", low=0.0, low_open=True)
        max_iter = v.check_scalar_param(max_iter, "max_iter", low=1, integer=True)
        sw = v.check_sample_weight(sample_weight, X)
        y = loss.prepare_target(y, sw, fit_intercept)
        options = loss.check_options(n, offset, delta)
        factor = v.check_penalty_factor(penalty_factor, p)
        lower, upper = v.check_bounds(positive, lower_bounds, upper_bounds, p)
        if not loss.supports_bounds and (np.any(np.isfinite(lower)) or
                                         np.any(np.isfinite(upper))):
            raise ValueError("bounds (positive, lower_bounds, upper_bounds) are offered for "
                             "the squared and binary logistic losses only")
        grouped = multinomial == "grouped"
        blocks = _blocks(loss, feature_groups, p, group_l1_ratio, group_weights,
                         penalty_factor, lower, upper)
        problem = make_problem(X, y, loss, sw, fit_intercept, **options)
        alphas = resolve_alphas(alphas, eps, problem, l1_ratio, factor, lower, upper,
                                grouped, blocks)
        return compute_path(problem, alphas, l1_ratio, factor, lower, upper, tol=tol,
                            max_iter=max_iter, screening=screening, X=X, sample_weight=sw,
                            grouped=grouped, blocks=blocks)

    def decision(self, estimator, X, row_per_output):
        """``X @ coef_.T + intercept_`` of a fitted ``estimator`` in X's floating dtype
        (float32 stays float32); ``row_per_output``: a 2-d ``coef_`` has a row per target
        (regressors) rather than one row for two classes."""
        check_is_fitted(estimator)
        X = validate_data(estimator, X, accept_sparse=("csr", "csc"),
                          dtype=(np.float64, np.float32), reset=False)
        coef, intercept = np.asarray(estimator.coef_), np.asarray(estimator.intercept_)
        if coef.ndim == 2 and (row_per_output or coef.shape[0] > 1):
            # a row per target, or per class of a multinomial model
            z = safe_sparse_dot(X, coef.T.astype(X.dtype)) + intercept
        else:
            z = safe_sparse_dot(X, np.ravel(coef).astype(X.dtype)) + np.ravel(intercept)[0]
        return np.asarray(z).astype(X.dtype, copy=False)


def _blocks(loss, feature_groups, n_features, group_l1_ratio, group_weights,
            penalty_factor, lower, upper):
    """``regularization_path``'s checked ``GroupStructure`` (None without groups)."""
    if feature_groups is None:
        return None
    if loss.class_rows:
        raise UserError("feature_groups is offered for two classes only (a row of "
                        "coefficients per class has no group penalty yet); give "
                        "feature_groups=None")
    refuse_factors_and_bounds(penalty_factor, lower, upper)
    return check_group_structure(feature_groups, n_features, group_l1_ratio,
                                 group_weights)


def _solve(spec, X, y, sw, penalty, warm=True, options=None, warm_model=None):
    """One solve (a ``Solution``); ``options`` go to the datafit (offset, delta);
    ``warm_model``: the ``(coef, intercept)`` to start from instead of the spec's."""
    tol, max_iter = spec.checked_tol(), spec.checked_max_iter()
    v.check_selection(spec.selection)
    problem = make_problem(X, y, spec.loss, sw, spec.fit_intercept, **(options or {}))
    coef, intercept = warm_model or (spec.warm_coef, spec.warm_intercept)
    coef_init = intercept_init = None
    if warm and coef is not None and np.size(coef) == X.shape[1] == np.shape(coef)[-1]:
        # (p,) for the regressors, (1, p) for a binary classifier
        coef_init = np.ravel(coef)
        # a hand-set coef_ may come without an intercept_: the solver then fits it
        if np.size(intercept if intercept is not None else []) >= 1:
            intercept_init = float(np.ravel(intercept)[0])
    return solve(problem, penalty, coef_init, intercept_init, tol=tol, max_iter=max_iter)


def _fit_columns(y, features, fit_one, one_target=None):
    """``fit_one(target) -> (coef, intercept, gap, n_iter)`` on y, or on each column of a
    2-d y independently (unless ``one_target``), as a ``FitResult``."""
    if y.ndim == 1 or one_target:
        coef, intercept, gap, n_iter = fit_one(y)
        return FitResult(coef, float(intercept), gap, n_iter, features)
    fits = [fit_one(np.ascontiguousarray(y[:, k])) for k in range(y.shape[1])]
    coefs, intercepts, gaps, n_iter = (np.array(part) for part in zip(*fits))
    return FitResult(coefs, intercepts, gaps, n_iter, features)


def _fields(sol):
    return sol.coef, sol.intercept, sol.gap, sol.n_iter


def _ridge_closed_form(spec, X, target, sw, penalty, alpha, factor, tol, max_iter):
    # the problem's design: the user's X with far-from-zero columns shifted
    problem = make_problem(X, target, SQUARED, sw, spec.fit_intercept)
    coefs, intercepts, _ = ridge_path(problem.design.matrix, target, [alpha], sw,
                                      spec.fit_intercept, factor, tol=tol, max_iter=max_iter)
    intercept = float(problem.user_intercept(intercepts[0], coefs[0]))
    gap = duality_gap(problem, penalty, coefs[0], intercept, tol=tol)
    warn_gap(gap, tol, "Ridge", stacklevel=8)  # the caller of the estimator's fit
    return coefs[0], intercept, gap, 1  # one factorization


def _huber_delta(spec, y, sw, pilot_residuals):
    """The checked ``delta``, or its rule's value: on ``y``, or on the residuals that
    ``pilot_residuals(delta)`` returns for a fit with the rule on ``y``."""
    delta = v.check_delta(spec.delta, allow_rules=True)
    if delta is None or delta == "residuals":
        on_y = default_huber_delta(y, sw)
        if delta is None:
            return on_y
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the pilot's: the final fit says its own
            residuals = pilot_residuals(on_y)
        return default_huber_delta(residuals, sw, fallback=on_y)
    return delta


def _fit_huber_rule(spec, X, y, sw, features):
    """A Huber fit whose ``delta`` is given or set by its rule (``HuberRegressor``)."""
    pilot = []

    def fit_with(delta, warm_model=None):
        penalty, _, _ = spec.penalty(X.shape[1])
        sol = _solve(spec, X, y, sw, penalty, options={"delta": delta},
                     warm_model=warm_model)
        return FitResult(sol.coef, float(sol.intercept), sol.gap, sol.n_iter, features,
                         delta=delta)

    def pilot_residuals(delta):
        pilot.append(fit_with(delta))
        return y - (safe_sparse_dot(X, pilot[0].coef) + pilot[0].intercept)

    delta = _huber_delta(spec, y, sw, pilot_residuals)
    # a warm start continues from the pilot, as a refit of the same model would
    warm = (pilot[0].coef, pilot[0].intercept) if pilot and spec.warm_start else None
    return fit_with(delta, warm)


def _classes(spec, y, sw):
    """The sample weights times the class weights, the class codes and the classes."""
    if spec.class_weight is not None:
        try:
            weights = compute_sample_weight(spec.class_weight, y)
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"class_weight: {exc}") from None
        sw = weights if sw is None else sw * weights
    codes, classes = v.class_codes(y, sw)
    return sw, codes, classes


def _fit_classes(spec, X, y, sw, features):
    """A binary or multinomial logistic fit, as the number of classes says."""
    sw, codes, classes = _classes(spec, y, sw)
    if len(classes) > 2:
        return _fit_multinomial(spec, X, codes, sw, classes, features)
    labels = np.where(codes == 1, 1.0, -1.0)
    penalty, _, _ = spec.penalty(X.shape[1])
    sol = _solve(spec, X, labels, sw, penalty)
    separation = None
    if sol.separation is not None:
        separation = separation_summary(sol.separation, classes, features.names)
        warn_separation(separation, stacklevel=5)  # the caller of the estimator's fit
    return FitResult(sol.coef[None, :], np.array([sol.intercept]), sol.gap, sol.n_iter,
                     features, classes=classes, separation=separation)


def _fit_multinomial(spec, X, codes, sw, classes, features):
    penalty = spec.class_penalty(X.shape[1])
    tol, max_iter = spec.checked_tol(), spec.checked_max_iter()
    problem = make_problem(X, codes, MULTINOMIAL, sw, spec.fit_intercept)
    W_init = b_init = None
    if np.shape(spec.warm_coef) == (len(classes), X.shape[1]):
        W_init = spec.warm_coef.T
        # a hand-set coef_ may come without intercept_: the solver then starts them
        b_init = spec.warm_intercept if np.shape(spec.warm_intercept) == \
            (len(classes),) else None
    from ..solvers.multinomial import solve_multinomial

    sol, _ = solve_multinomial(problem, penalty, W_init, b_init, tol=tol, max_iter=max_iter)
    separation = None
    if sol.separation is not None:
        a, c, found = sol.separation
        pair = (classes[a], None if c is None else classes[c])
        separation = separation_summary(found, pair, features.names)
        warn_separation(separation, stacklevel=6)
    return FitResult(sol.coef, sol.intercept, sol.gap, sol.n_iter, features,
                     classes=classes, separation=separation)


def _fit_joint_outputs(spec, X, Y, sw, features):
    """The columns of ``Y`` fitted jointly (the multi-task loss): a grouped row of
    coefficients per feature."""
    from ..penalties import ClassPenalty
    from ..solvers.multitask import solve_multitask

    factor, lower, upper = spec.penalty_arrays(X.shape[1])
    if np.any(np.isfinite(lower)) or np.any(np.isfinite(upper)):
        raise ValueError(f"bounds (positive, lower_bounds, upper_bounds) are not offered "
                         f"for the {spec.loss.name} loss")
    alpha, l1_ratio = v.check_alpha(spec.alpha), v.check_l1_ratio(spec.l1_ratio)
    penalty = ClassPenalty.from_params(alpha, l1_ratio, factor, True)
    tol, max_iter = spec.checked_tol(), spec.checked_max_iter()
    v.check_selection(spec.selection)
    problem = make_problem(X, Y, spec.loss, sw, spec.fit_intercept)
    W_init = None
    if np.shape(spec.warm_coef) == (Y.shape[1], X.shape[1]):
        W_init = np.asarray(spec.warm_coef).T  # (its intercepts follow: the centring)
    sol, _ = solve_multitask(problem, penalty, W_init, tol=tol, max_iter=max_iter)
    return FitResult(sol.coef, sol.intercept, sol.gap, sol.n_iter, features)


def _cross_validate(spec, X, y, sw, groups, features, labels=None, loss=None,
                    classes=None, grouped=False, offset=None, delta=None):
    """Run the folds of ``spec``; ``labels`` for logistic (``{-1, +1}``, or class codes
    with ``loss=MULTINOMIAL``); ``offset`` and ``delta`` for the Poisson and Huber
    datafits. Returns a ``CVResult``."""
    fit = spec.fit
    l1_ratios = spec.checked_l1_ratios()
    alpha_rule = spec.checked_alpha_rule()
    v.check_selection(fit.selection)
    scoring = spec.scorer(classes, delta)
    factor, lower, upper = fit.penalty_arrays(X.shape[1])
    blocks = fit.blocks(X.shape[1])
    target = y if labels is None else labels
    constant = float(np.ravel(y)[0]) if labels is None and (y.ndim == 1 or fit.loss.joint_outputs) \
        and np.ptp(y) == 0 else None
    from .. import model_selection as ms

    folds = ms.make_folds(spec.cv, X, y, groups, classifier=labels is not None)
    if labels is not None:
        ms.check_fold_classes(folds, y, scoring)
    paths = ms.cross_validate_paths(
        X, target, sw, loss=loss or fit.loss, l1_ratios=l1_ratios, alphas=spec.alphas,
        eps=spec.eps, factor=factor, lower=lower, upper=upper,
        fit_intercept=fit.fit_intercept, folds=folds, scoring=scoring,
        tol=fit.checked_tol(), max_iter=fit.checked_max_iter(), n_jobs=spec.n_jobs,
        grouped=grouped, offset=offset, delta=delta, relax=spec.relaxation(lower, upper),
        blocks=blocks)
    return CVResult(paths, l1_ratios, alpha_rule, scoring, features, classes=classes,
                    delta=delta, constant_target=constant)
