"""Poisson and Huber regression with L1, L2 and elastic-net penalties."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import d2_tweedie_score

from . import validation as v
from ._docs import fill_doc
from .linear_model import _PenalizedLinearModel, _store_params
from .losses import HUBER, POISSON


class _GLMRegressor(RegressorMixin, _PenalizedLinearModel):
    """What the Poisson and Huber regressors share: one target, one solve."""

    def predict(self, X):
        """Predict with the fitted linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples,)
            ``X @ coef_ + intercept_``.
        """
        return self._decision(X)


@fill_doc
class PoissonRegressor(_GLMRegressor):
    """Poisson regression (log link) with an L1, L2 or elastic-net penalty.

    Minimises, over ``w`` and the intercept ``b``::

        (1/n) sum_i s_i (exp(eta_i) - y_i eta_i)
            + alpha * sum_j f_j (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2)

    with ``eta = X w + b + offset``: half the mean Poisson deviance plus a constant,
    so that with ``l1_ratio=0`` it is scikit-learn's ``PoissonRegressor(alpha)`` on the
    same scale. Proximal Newton on working sets, stopped on a certified duality gap,
    reported relative to half the mean deviance of the null model (intercept only).
    The gap certifies the objective to that accuracy; no gap-safe screening (the
    Poisson dual is not strongly concave). ``alpha=0`` fits the unpenalized model by
    Newton's method, certified by the Newton decrement. ``y`` holds counts (any
    values >= 0); rates observed over different exposures take ``offset =
    log(exposure)`` in ``fit``.

    Parameters
    ----------
    alpha : float, default=0.01
        Penalty strength, >= 0.
    l1_ratio : float, default=0.5
        1 is the L1 penalty, 0 the L2 penalty.
    <<penalty_params>>
    <<warm_start>>
    <<group_params>>

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients of the log-mean.
    intercept_ : float
        Intercept of the log-mean.
    <<fitted_attributes>>

    See Also
    --------
    PoissonRegressorCV : Alpha and l1_ratio chosen by cross-validation.
    HuberRegressor : A robust loss for continuous targets.

    Examples
    --------
    >>> import numpy as np
    >>> from shrinkage import PoissonRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5))
    >>> y = rng.poisson(np.exp(0.5 * X[:, 0] + 1.0))
    >>> model = PoissonRegressor(alpha=0.01, l1_ratio=1.0).fit(X, y)
    >>> int(np.argmax(np.abs(model.coef_))), bool(model.predict(X[:3]).min() > 0)
    (0, True)
    """

    _loss = POISSON
    _extras = ("offset",)

    def __init__(self, alpha=0.01, *, l1_ratio=0.5, fit_intercept=True,
                 penalty_factor=None, positive=False, lower_bounds=None,
                 upper_bounds=None, tol=1e-4, max_iter=1000, warm_start=False,
                 feature_groups=None, group_l1_ratio=0.0, group_weights=None):
        _store_params(self, locals())

    @fill_doc
    def fit(self, X, y, sample_weight=None, offset=None):
        """Fit the model.

        Parameters
        ----------
        <<fit_data>>
        y : array-like of shape (n_samples,)
            Counts, >= 0 (not all 0 when an intercept is fitted).
        <<fit_weights>>
        offset : array-like of shape (n_samples,), default=None
            Added to the linear predictor: the log of each sample's exposure (time,
            population), so that ``y_i / exposure_i`` is the rate the model explains.

        Returns
        -------
        <<returns_self>>
        """
        return self._fit(X, y, sample_weight, offset=offset)

    @fill_doc
    def predict(self, X, offset=None):
        """Predict the mean count.

        Parameters
        ----------
        <<samples>>
        offset : array-like of shape (n_samples,), default=None
            Log exposure of each sample (None: an exposure of 1, the rate).

        Returns
        -------
        ndarray of shape (n_samples,)
            ``exp(X @ coef_ + intercept_ + offset)``.
        """
        z = self._decision(X).astype(np.float64)
        offset = v.check_offset(offset, z.shape[0])
        return np.exp(z if offset is None else z + offset)

    @fill_doc
    def score(self, X, y, sample_weight=None):
        """Fraction of the Poisson deviance explained, D^2 (1 is perfect).

        Parameters
        ----------
        <<samples>>
        y : array-like of shape (n_samples,)
            Counts.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples.

        Returns
        -------
        float
            ``1 - deviance(y, predict(X)) / deviance(y, weighted mean of y)``, as
            scikit-learn's ``PoissonRegressor.score``.
        """
        return d2_tweedie_score(y, self.predict(X), sample_weight=sample_weight, power=1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags


@fill_doc
class HuberRegressor(_GLMRegressor):
    """Linear regression with the Huber loss and an L1, L2 or elastic-net penalty.

    Minimises, over ``w`` and the intercept ``b``::

        (1/n) sum_i s_i h(y_i - x_i.w - b)
            + alpha * sum_j f_j (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2)

    with ``h(r) = r^2 / 2`` for ``|r| <= delta`` and ``delta |r| - delta^2 / 2``
    beyond: least squares for the bulk of the residuals, absolute error for the
    outliers, so that a few wild targets cannot drag the fit. ``delta`` is fixed
    (scikit-learn's ``HuberRegressor`` estimates a scale jointly; this one does not,
    which keeps the problem convex in ``w`` and certifiable). Proximal (generalised)
    Newton on working sets, stopped on a certified duality gap relative to the null
    model's loss; gap-safe screening applies (the dual is that of least squares on a
    box).

    Parameters
    ----------
    alpha : float, default=0.01
        Penalty strength, >= 0.
    l1_ratio : float, default=0.5
        1 is the L1 penalty, 0 the L2 penalty.
    delta : float, "residuals" or None, default="residuals"
        Where the loss turns from quadratic to linear, in the units of y, fixed
        once in ``fit`` and kept in ``delta_``. A float is used as given. None: 1.35
        times a robust scale of y (1.4826 times its median absolute deviation from
        the median). ``"residuals"``: 1.35 times the same robust scale of the
        residuals of a pilot fit with the None rule, then the fit again with that
        delta; y's own scale holds the signal too, and on a strong signal it puts
        delta so far out that outliers keep most of their pull (the None rule
        alone when the residuals have no spread).
    <<penalty_params>>
    <<warm_start>>

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients.
    intercept_ : float
        Intercept.
    delta_ : float
        The threshold used.
    <<fitted_attributes>>

    See Also
    --------
    HuberRegressorCV : Alpha and l1_ratio chosen by cross-validation.
    ElasticNet : The squared loss.

    Examples
    --------
    >>> import numpy as np
    >>> from shrinkage import HuberRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3))
    >>> y = 2.0 * X[:, 0] + rng.standard_normal(200)
    >>> y[:10] += 100.0  # ten wild targets
    >>> model = HuberRegressor(alpha=0.001, l1_ratio=1.0).fit(X, y)
    >>> bool(abs(model.coef_[0] - 2.0) < 0.3)
    True
    """

    _loss = HUBER

    def __init__(self, alpha=0.01, *, l1_ratio=0.5, delta="residuals", fit_intercept=True,
                 penalty_factor=None, positive=False, lower_bounds=None,
                 upper_bounds=None, tol=1e-4, max_iter=1000, warm_start=False):
        _store_params(self, locals())

    def _spec_options(self):
        return {"delta": self.delta, "delta_rules": True}

    def _store_fit(self, result):
        self.delta_ = result.delta
        return super()._store_fit(result)

    @fill_doc
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        <<fit_data>>
        y : array-like of shape (n_samples,)
            Target.
        <<fit_weights>>

        Returns
        -------
        <<returns_self>>
        """
        return self._fit(X, y, sample_weight)
