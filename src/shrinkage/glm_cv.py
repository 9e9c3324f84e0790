"""Poisson and Huber regression with alpha (and l1_ratio) chosen by cross-validation."""

from ._docs import fill_doc
from .glm import HuberRegressor, PoissonRegressor
from .linear_model import _store_params
from .linear_model_cv import _CrossValidated


@fill_doc
class PoissonRegressorCV(_CrossValidated, PoissonRegressor):
    """Poisson regression with alpha and l1_ratio chosen by cross-validation.

    Each fold runs one warm-started path per l1_ratio (``PoissonRegressor``'s
    objective), scored at every alpha on its held-out rows; an ``offset`` follows its
    rows into the folds and into their scores. The refit model is the whole-data path
    at the chosen alpha, as glmnet's ``cv.glmnet(family = "poisson")`` does.

    Parameters
    ----------
    l1_ratio : float or list of float, default=0.5
        A list is searched jointly with alpha.
    <<cv_params>>
    scoring : {"poisson_deviance", "mae", "mse"}, default="poisson_deviance"
        What the folds are scored by: the mean Poisson deviance, or the mean absolute
        or squared error of the predicted mean counts.
    <<penalty_params>>
    <<n_jobs>>
    <<relax_params>>
    <<group_params>>

    Attributes
    ----------
    <<cv_attributes>>
    <<cv_refit_attributes>>
    <<relax_attributes>>

    See Also
    --------
    PoissonRegressor : One alpha.
    CVCurveDisplay : The CV curves.

    Examples
    --------
    >>> import numpy as np
    >>> from shrinkage import PoissonRegressorCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 10))
    >>> y = rng.poisson(np.exp(0.4 * X[:, 0] - 0.3 * X[:, 1] + 1.0))
    >>> model = PoissonRegressorCV(l1_ratio=1.0, alphas=30).fit(X, y)
    >>> model.scoring_, sorted(np.flatnonzero(model.coef_).tolist())[:2]
    ('poisson_deviance', [0, 1])
    """

    def __init__(self, *, l1_ratio=0.5, alphas=100, eps=None, cv=5, alpha_rule="min",
                 scoring="poisson_deviance", fit_intercept=True, penalty_factor=None,
                 positive=False, lower_bounds=None, upper_bounds=None, tol=1e-4,
                 max_iter=1000, n_jobs=None, relax=False,
                 gammas=(0.0, 0.25, 0.5, 0.75, 1.0),
                 feature_groups=None, group_l1_ratio=0.0, group_weights=None):
        _store_params(self, locals())

    _extras = ("offset", "groups")

    @fill_doc
    def fit(self, X, y, sample_weight=None, groups=None, offset=None):
        """Cross-validate the paths, choose alpha (and l1_ratio), keep the refit model.

        Parameters
        ----------
        <<fit_data>>
        y : array-like of shape (n_samples,)
            Counts, >= 0.
        <<cv_fit_weights>>
        offset : array-like of shape (n_samples,), default=None
            Log exposure of each sample, added to the linear predictor.

        Returns
        -------
        <<returns_self>>
        """
        return self._cross_validate(X, y, sample_weight, groups, offset=offset)


@fill_doc
class HuberRegressorCV(_CrossValidated, HuberRegressor):
    """Huber regression with alpha and l1_ratio chosen by cross-validation.

    ``delta`` is fixed once on the whole data (``HuberRegressor``'s rules) and used
    by every fold, so that the folds fit and score the same loss.

    Parameters
    ----------
    l1_ratio : float or list of float, default=0.5
        A list is searched jointly with alpha.
    delta : float, "residuals" or None, default="residuals"
        The threshold of the loss, as ``HuberRegressor`` takes it; with
        ``"residuals"`` the pilot is a whole cross-validated fit (with the rule on y)
        and its refit model gives the residuals.
    <<cv_params>>
    scoring : {"huber", "mae", "mse"}, default="huber"
        What the folds are scored by: the mean Huber loss (with ``delta_``), the mean
        absolute error or the mean squared error (which outliers dominate).
    <<penalty_params>>
    <<n_jobs>>
    <<relax_params>>

    Attributes
    ----------
    delta_ : float
        The threshold used.
    <<cv_attributes>>
    <<cv_refit_attributes>>
    <<relax_attributes>>

    See Also
    --------
    HuberRegressor : One alpha.
    ElasticNetCV : The squared loss.

    Examples
    --------
    >>> import numpy as np
    >>> from shrinkage import HuberRegressorCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 10))
    >>> y = 2.0 * X[:, 0] + rng.standard_normal(300)
    >>> y[:15] += 50.0
    >>> model = HuberRegressorCV(l1_ratio=1.0, alphas=30).fit(X, y)
    >>> model.scoring_, bool(abs(model.coef_[0] - 2.0) < 0.3)
    ('huber', True)
    """

    def __init__(self, *, l1_ratio=0.5, delta="residuals", alphas=100, eps=None, cv=5,
                 alpha_rule="min", scoring="huber", fit_intercept=True,
                 penalty_factor=None, positive=False, lower_bounds=None,
                 upper_bounds=None, tol=1e-4, max_iter=1000, n_jobs=None, relax=False,
                 gammas=(0.0, 0.25, 0.5, 0.75, 1.0)):
        _store_params(self, locals())

    _extras = ("groups",)

    @fill_doc
    def fit(self, X, y, sample_weight=None, groups=None):
        """Cross-validate the paths, choose alpha (and l1_ratio), keep the refit model.

        Parameters
        ----------
        <<fit_data>>
        y : array-like of shape (n_samples,)
            Target.
        <<cv_fit_weights>>

        Returns
        -------
        <<returns_self>>
        """
        return self._cross_validate(X, y, sample_weight, groups)
