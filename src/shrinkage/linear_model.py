"""scikit-learn estimators: thin shells that validate, call a solver and store results.

Every estimator minimises the objective of glmnet's scale::

    datafit + alpha * sum_j f_j * (l1_ratio * |w_j| + (1 - l1_ratio) / 2 * w_j^2)

with the squared datafit ``(1 / 2n) sum_i s_i (y_i - x_i.w - b)^2`` or the weighted mean
log-loss, sample weights ``s_i`` rescaled to sum to ``n``.
"""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from ._docs import fill_doc
from .engines import engine_for
from .losses import SQUARED
from .specs import FitSpec


def _store_params(estimator, init_locals):
    """Store the ``__init__`` arguments untouched, as scikit-learn's contract asks."""
    for name, value in init_locals.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


#: the parameters of the group penalty (``penalties_group``)
GROUP_PARAMS = ("feature_groups", "group_l1_ratio", "group_weights")


class _PenalizedLinearModel(BaseEstimator):
    """The shell every estimator shares: its parameters described as a ``FitSpec``,
    handed to the engine the data call for, the result stored."""

    _loss = SQUARED
    #: regressors fit each column of a 2-d y on its own, as scikit-learn's do
    _multi_output = False
    #: Ridge: closed forms when no bound is set
    _closed_form = False
    #: the fit arguments only in-memory data take (``FitSpec.extras``)
    _extras = ()

    def _penalty_params(self):
        return self.alpha, self.l1_ratio

    def _spec_options(self):
        """The ``FitSpec`` fields of this estimator's own parameters."""
        return {}

    def _group_options(self):
        """The group penalty's ``FitSpec`` fields, for the estimators that take them."""
        return {name: getattr(self, name) for name in GROUP_PARAMS if hasattr(self, name)}

    def _fit_spec(self):
        """The ``FitSpec`` of the parameters, unchecked (the engine checks them)."""
        alpha, l1_ratio = self._penalty_params()
        warm_start = getattr(self, "warm_start", False)
        warm = warm_start and hasattr(self, "coef_")
        return FitSpec(
            loss=self._loss, alpha=alpha, l1_ratio=l1_ratio, name=type(self).__name__,
            fit_intercept=self.fit_intercept, penalty_factor=self.penalty_factor,
            positive=self.positive, lower_bounds=self.lower_bounds,
            upper_bounds=self.upper_bounds, tol=self.tol, max_iter=self.max_iter,
            selection=getattr(self, "selection", "cyclic"), warm_start=warm_start,
            warm_coef=self.coef_ if warm else None,
            warm_intercept=getattr(self, "intercept_", None) if warm else None,
            closed_form=self._closed_form, multi_output=self._multi_output,
            extras=self._extras, **self._group_options(), **self._spec_options())

    def _fit(self, X, y, sample_weight=None, **extras):
        """Fit on the engine the data call for (``extras``: ``offset``)."""
        engine = engine_for(X, y, sample_weight, *extras.values())
        return self._store_fit(engine.fit(self, self._fit_spec(), X, y, sample_weight,
                                          **extras))

    def _store_features(self, features):
        """``n_features_in_`` and ``feature_names_in_`` (absent without string names)."""
        self.n_features_in_ = features.n_features
        if features.names is not None:
            self.feature_names_in_ = features.names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def _store_fit(self, result):
        """Store a ``FitResult``; returns the estimator."""
        self._store_features(result.features)
        self.coef_, self.intercept_ = result.coef, result.intercept
        self.dual_gap_, self.n_iter_ = result.gap, result.n_iter
        return self

    def _decision(self, X):
        """``X @ coef_.T + intercept_`` in X's floating dtype (float32 stays float32); a
        dask array (lazy, on the workers) for dask input."""
        return engine_for(X).decision(self, X, self._loss.numeric_target)

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
    <<group_params>>

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
                 max_iter=1000, warm_start=False, selection="cyclic",
                 feature_groups=None, group_l1_ratio=0.0, group_weights=None):
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
        return self._fit(X, y, sample_weight)


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
    <<group_params>>

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
                 max_iter=1000, warm_start=False, selection="cyclic",
                 feature_groups=None, group_l1_ratio=0.0, group_weights=None):
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

    _closed_form = True

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
        return self._fit(X, y, sample_weight)
