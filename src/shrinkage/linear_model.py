"""scikit-learn estimators: thin shells that validate, call a solver and store results.

Every estimator minimises the objective of glmnet's scale::

    datafit + alpha * sum_j f_j * (l1_ratio * |w_j| + (1 - l1_ratio) / 2 * w_j^2)

with the squared datafit ``(1 / 2n) sum_i s_i (y_i - x_i.w - b)^2`` or the weighted mean
log-loss, sample weights ``s_i`` rescaled to sum to ``n``.
"""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from . import validation as v
from ._docs import fill_doc
from .losses import SQUARED
from .penalties import ElasticNetPenalty
from .scale.detect import any_dask, is_dask
from .solvers.cd import duality_gap, make_problem, solve, warn_gap
from .solvers.ridge import ridge_path


def _store_params(estimator, init_locals):
    """Store the ``__init__`` arguments untouched, as scikit-learn's contract asks."""
    for name, value in init_locals.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


class _PenalizedLinearModel(BaseEstimator):
    """Shared fit logic; subclasses fix the loss and how alpha / l1_ratio are read."""

    _loss = SQUARED
    #: regressors fit each column of a 2-d y on its own, as scikit-learn's do
    _multi_output = False

    def _penalty_params(self):
        return self.alpha, self.l1_ratio

    def _validate_fit_input(self, X, y, sample_weight):
        if any_dask(X, y, sample_weight):
            # every estimator dispatches dask input before this point: this guards one
            # that does not against gathering the rows into the client unasked
            raise TypeError(
                f"{type(self).__name__} does not fit dask data on the workers; fit in "
                "memory with X.compute()")
        numeric = self._loss.numeric_target
        v.check_lengths(X, y)
        v.check_y(y, numeric=numeric, multi_output=self._multi_output)
        X, y = v.name_x_errors(validate_data, self, X, y, accept_sparse=("csc", "csr"),
                               dtype=np.float64, order="F", y_numeric=numeric,
                               multi_output=self._multi_output)
        v.check_min_samples(X.shape[0], type(self).__name__)
        sw = v.check_sample_weight(sample_weight, X)
        return X, y, sw

    def _validate_penalty(self, n_features):
        """The checked penalty, and its alpha and penalty factors (for closed forms)."""
        alpha, l1_ratio = self._penalty_params()
        alpha = v.check_alpha(alpha)
        l1_ratio = v.check_l1_ratio(l1_ratio)
        factor, lower, upper = self._penalty_arrays(n_features)
        penalty = ElasticNetPenalty.from_params(alpha, l1_ratio, factor, lower, upper)
        return penalty, alpha, factor

    def _penalty_arrays(self, n_features):
        """Checked penalty factors and bounds (and fit_intercept), for any alpha."""
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise TypeError(f"fit_intercept must be True or False, got {self.fit_intercept!r}")
        factor = v.check_penalty_factor(self.penalty_factor, n_features)
        lower, upper = v.check_bounds(self.positive, self.lower_bounds, self.upper_bounds,
                                      n_features)
        return factor, lower, upper

    def _solve(self, X, y, sw, penalty, warm=True, options=None):
        """One solve (a ``Solution``); ``options`` go to the datafit (offset, delta)."""
        tol = v.check_scalar_param(self.tol, "tol", low=0.0, low_open=True)
        max_iter = v.check_scalar_param(self.max_iter, "max_iter", low=1, integer=True)
        v.check_selection(getattr(self, "selection", "cyclic"))
        problem = make_problem(X, y, self._loss, sw, self.fit_intercept,
                               **(options or {}))
        coef_init = intercept_init = None
        if warm and getattr(self, "warm_start", False) and hasattr(self, "coef_") \
                and np.size(self.coef_) == X.shape[1] == np.shape(self.coef_)[-1]:
            # (p,) for the regressors, (1, p) for a binary classifier
            coef_init = np.ravel(self.coef_)
            # a hand-set coef_ may come without an intercept_: the solver then fits it
            if np.size(getattr(self, "intercept_", [])) >= 1:
                intercept_init = float(np.ravel(self.intercept_)[0])
        return solve(problem, penalty, coef_init, intercept_init, tol=tol, max_iter=max_iter)

    def _solve_fields(self, X, y, sw, penalty, warm=True):
        """``(coef, intercept, gap, n_iter)`` of ``_solve``."""
        sol = self._solve(X, y, sw, penalty, warm)
        return sol.coef, sol.intercept, sol.gap, sol.n_iter

    def _fit_columns(self, X, y, fit_one):
        """Fit ``fit_one(target) -> (coef, intercept, gap, n_iter)`` to y, or to each
        column of a 2-d y independently, and store the fitted attributes."""
        if y.ndim == 1:
            self.coef_, intercept, self.dual_gap_, self.n_iter_ = fit_one(y)
            self.intercept_ = float(intercept)
            return self
        fits = [fit_one(np.ascontiguousarray(y[:, k])) for k in range(y.shape[1])]
        coefs, intercepts, gaps, n_iter = (np.array(part) for part in zip(*fits))
        self.coef_, self.intercept_, self.dual_gap_, self.n_iter_ = \
            coefs, intercepts, gaps, n_iter
        return self

    def _decision(self, X):
        """``X @ coef_.T + intercept_`` in X's floating dtype (float32 stays float32); a
        dask array (lazy, on the workers) for dask input."""
        check_is_fitted(self)
        if is_dask(X):
            from .scale.statistics import as_dask_matrix

            X = as_dask_matrix(X)
            if X.shape[1] != self.n_features_in_:
                raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} "
                                 f"is expecting {self.n_features_in_} features as input")
            coef, intercept = np.asarray(self.coef_), np.asarray(self.intercept_)
            if coef.ndim == 2 and (self._loss.numeric_target or coef.shape[0] > 1):
                return X @ coef.T + intercept
            return X @ np.ravel(coef) + float(np.ravel(intercept)[0])
        X = validate_data(self, X, accept_sparse=("csr", "csc"),
                          dtype=(np.float64, np.float32), reset=False)
        coef, intercept = np.asarray(self.coef_), np.asarray(self.intercept_)
        if coef.ndim == 2 and (self._loss.numeric_target or coef.shape[0] > 1):
            # a row per target, or per class of a multinomial model
            z = safe_sparse_dot(X, coef.T.astype(X.dtype)) + intercept
        else:
            z = safe_sparse_dot(X, np.ravel(coef).astype(X.dtype)) + np.ravel(intercept)[0]
        return np.asarray(z).astype(X.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = self._multi_output
        return tags


class _LinearRegressor(RegressorMixin, _PenalizedLinearModel):
    """What the regressors share: a 2-d y, prediction."""

    _multi_output = True

    def predict(self, X):
        """Predict with the fitted linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples; float32 input gives float32 predictions.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
            ``X @ coef_.T + intercept_``.
        """
        return self._decision(X)


@fill_doc
class ElasticNet(_LinearRegressor):
    """Linear regression with a combined L1 and L2 penalty.

    Minimises, over ``w`` and the intercept ``b``::

        (1 / 2n) sum_i s_i (y_i - x_i.w - b)^2
            + alpha * sum_j f_j (l1_ratio |w_j| + (1 - l1_ratio) / 2 w_j^2)

    the scale of scikit-learn's ``ElasticNet`` and of glmnet, by working-set coordinate
    descent stopped on a certified relative duality gap. Fitting works in float64; a 2-d
    ``y`` fits each column on its own.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength, >= 0.
    l1_ratio : float, default=0.5
        Mix of L1 (1) and L2 (0), in [0, 1].
    <<penalty_params>>
    <<warm_start>>
    <<selection>>

    Attributes
    ----------
    <<regressor_attributes>>

    See Also
    --------
    Lasso : The L1 penalty alone.
    Ridge : The L2 penalty alone, by closed forms.
    ElasticNetCV : Alpha and l1_ratio chosen by cross-validation.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from shrinkage import ElasticNet
    >>> X, y = make_regression(100, 5, noise=1.0, random_state=0)
    >>> model = ElasticNet(alpha=0.1, l1_ratio=0.5).fit(X, y)
    >>> model.coef_.shape, bool(model.dual_gap_ <= model.tol)
    ((5,), True)
    """

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, penalty_factor=None,
                 positive=False, lower_bounds=None, upper_bounds=None, tol=1e-4,
                 max_iter=1000, warm_start=False, selection="cyclic"):
        _store_params(self, locals())

    @fill_doc
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        <<fit_data>>
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets; each column of a 2-d y is fitted on its own.
        <<fit_weights>>

        Returns
        -------
        <<returns_self>>
        """
        if any_dask(X, y, sample_weight):
            from .scale.fit import fit_squared

            return fit_squared(self, X, y, sample_weight)
        X, y, sw = self._validate_fit_input(X, y, sample_weight)
        penalty, _, _ = self._validate_penalty(X.shape[1])
        return self._fit_columns(X, y, lambda target: self._solve_fields(
            X, target, sw, penalty, warm=y.ndim == 1))


@fill_doc
class Lasso(ElasticNet):
    """Linear regression with an L1 penalty: ``ElasticNet`` with ``l1_ratio=1``.

    Minimises ``(1/2n) sum_i s_i (y_i - x_i.w - b)^2 + alpha sum_j f_j |w_j|``, the
    scale of scikit-learn's ``Lasso``. Fitting works in float64; a 2-d ``y`` fits each
    column on its own.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength, >= 0.
    <<penalty_params>>
    <<warm_start>>
    <<selection>>

    Attributes
    ----------
    <<regressor_attributes>>

    See Also
    --------
    ElasticNet : L1 and L2 penalties combined.
    LassoCV : Alpha chosen by cross-validation.
    regularization_path : The whole path of solutions.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from shrinkage import Lasso
    >>> X, y = make_regression(100, 20, n_informative=3, noise=1.0, random_state=0)
    >>> int((Lasso(alpha=1.0).fit(X, y).coef_ != 0).sum())
    3
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, penalty_factor=None,
                 positive=False, lower_bounds=None, upper_bounds=None, tol=1e-4,
                 max_iter=1000, warm_start=False, selection="cyclic"):
        _store_params(self, locals())

    def _penalty_params(self):
        return self.alpha, 1.0


@fill_doc
class Ridge(_LinearRegressor):
    """Linear regression with an L2 penalty, solved by closed forms.

    Minimises ``(1/2n) sum_i s_i (y_i - x_i.w - b)^2 + alpha/2 sum_j f_j w_j^2``, so
    ``Ridge(alpha)`` here equals scikit-learn's ``Ridge(alpha * n_samples)`` (with
    weights: ``alpha`` times the sum of the sample weights). Dense X uses Cholesky on
    the Gram matrix when n >= p and on the kernel (dual) when p > n; sparse X conjugate
    gradients without densifying; bounds switch to coordinate descent. ``alpha=0`` gives
    the minimum-norm least-squares solution. Fitting works in float64; a 2-d ``y`` fits
    each column on its own.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength, >= 0.
    <<penalty_params>>
    <<warm_start>>

    Attributes
    ----------
    <<regressor_attributes>>

    See Also
    --------
    RidgeCV : Alpha chosen by exact leave-one-out or k-fold cross-validation.
    ElasticNet : L1 and L2 penalties combined.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge as SklearnRidge
    >>> from shrinkage import Ridge
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((50, 4)), rng.standard_normal(50)
    >>> ours = Ridge(alpha=0.1).fit(X, y)
    >>> bool(np.allclose(ours.coef_, SklearnRidge(alpha=0.1 * 50).fit(X, y).coef_))
    True
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, penalty_factor=None,
                 positive=False, lower_bounds=None, upper_bounds=None, tol=1e-4,
                 max_iter=1000, warm_start=False):
        _store_params(self, locals())

    def _penalty_params(self):
        return self.alpha, 0.0

    @fill_doc
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        <<fit_data>>
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets; each column of a 2-d y is fitted on its own.
        <<fit_weights>>

        Returns
        -------
        <<returns_self>>
        """
        if any_dask(X, y, sample_weight):
            from .scale.fit import fit_squared

            return fit_squared(self, X, y, sample_weight)
        X, y, sw = self._validate_fit_input(X, y, sample_weight)
        penalty, alpha, factor = self._validate_penalty(X.shape[1])
        tol = v.check_scalar_param(self.tol, "tol", low=0.0, low_open=True)
        max_iter = v.check_scalar_param(self.max_iter, "max_iter", low=1, integer=True)
        if np.any(np.isfinite(penalty.lower)) or np.any(np.isfinite(penalty.upper)):
            return self._fit_columns(X, y, lambda target: self._solve_fields(
                X, target, sw, penalty, warm=y.ndim == 1))

        def closed_form(target):
            # the problem's design: the user's X with far-from-zero columns shifted
            problem = make_problem(X, target, SQUARED, sw, self.fit_intercept)
            coefs, intercepts, _ = ridge_path(problem.design.matrix, target, [alpha], sw,
                                              self.fit_intercept, factor, tol=tol,
                                              max_iter=max_iter)
            intercept = float(problem.user_intercept(intercepts[0], coefs[0]))
            gap = duality_gap(problem, penalty, coefs[0], intercept, tol=tol)
            warn_gap(gap, tol, "Ridge", stacklevel=5)
            return coefs[0], intercept, gap, 1  # one factorization

        return self._fit_columns(X, y, closed_form)
