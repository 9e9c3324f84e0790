"""Cox proportional hazards regression with L1, L2 and elastic-net penalties."""

import numpy as np
from sklearn.base import BaseEstimator

from ._docs import fill_doc
from .linear_model import _PenalizedLinearModel, _store_params
from .linear_model_cv import _CrossValidated
from .losses import COX, concordance_index
from .losses.cox import check_survival, survival_array


class _CoxModel(_PenalizedLinearModel):
    """What the Cox estimators share: no intercept, a risk score, Harrell's C."""

    _loss = COX
    #: the baseline hazard absorbs any intercept: not a parameter
    fit_intercept = False

    @fill_doc
    def predict(self, X):
        """The linear risk score ``X @ coef_`` (higher: earlier event), as
        scikit-survival's ``CoxnetSurvivalAnalysis.predict``.

        Parameters
        ----------
        <<samples>>

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self._decision(X)

    @fill_doc
    def score(self, X, y):
        """Harrell's concordance index of the risk scores, as scikit-survival's
        ``score`` (``concordance_index_censored``): the share of comparable pairs
        (an event before another time) ordered by the predicted risk, ties counted
        half.

        Parameters
        ----------
        <<samples>>
        y : structured array (event, time) or array-like of shape (n_samples, 2)
            The survival target, as ``fit`` takes it.

        Returns
        -------
        float
        """
        return float(concordance_index(check_survival(survival_array(y)), self.predict(X)))

    def __sklearn_tags__(self):
        tags = BaseEstimator.__sklearn_tags__(self)
        tags.input_tags.sparse = True
        tags.target_tags.required = True
        return tags


@fill_doc
class CoxRegressor(_CoxModel):
    """Cox proportional hazards regression with an L1, L2 or elastic-net penalty.

    Minimises, over ``w``::

        (1/n) sum_{events i} s_i [ log sum_{j: t_j >= t_i} s_j exp(x_j.w) - x_i.w ]
            + alpha * sum_j f_j (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2)

    the negative log partial likelihood with Breslow's ties divided by n (sample
    weights ``s`` rescaled to sum to n): scikit-survival's
    ``CoxnetSurvivalAnalysis`` and glmnet's ``family = "cox"`` on the same scale. No
    intercept (the baseline hazard absorbs it). Proximal Newton on working sets: the
    working set's whole Hessian (its risk sets' rank-one terms included) up to 500
    features, the Hessian's diagonal (glmnet's weights) beyond, with a line search;
    stopped on a certified duality gap relative to the objective at ``w = 0``.

    Parameters
    ----------
    <<alpha_l1_ratio>>
    <<penalty_params_no_intercept>>
    <<warm_start>>

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Log hazard ratios.
    intercept_ : float
        0 (kept so that the shared prediction code reads one).
    <<fitted_attributes>>

    See Also
    --------
    CoxRegressorCV : Alpha and l1_ratio chosen by cross-validation.

    Examples
    --------
    >>> import numpy as np
    >>> from shrinkage import CoxRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5))
    >>> time = rng.exponential(np.exp(-X[:, 0]))
    >>> event = rng.random(200) < 0.8
    >>> y = np.column_stack([time, event])
    >>> model = CoxRegressor(alpha=0.05, l1_ratio=1.0).fit(X, y)
    >>> int(np.argmax(np.abs(model.coef_))), bool(model.score(X, y) > 0.6)
    (0, True)
    """

    def __init__(self, alpha=0.01, *, l1_ratio=0.5, penalty_factor=None, positive=False,
                 lower_bounds=None, upper_bounds=None, tol=1e-4, max_iter=1000,
                 warm_start=False):
        _store_params(self, locals())

    @fill_doc
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        <<fit_data>>
        y : structured array of shape (n_samples,) or array-like of shape (n_samples, 2)
            Right-censored survival times: scikit-survival's structured array (a bool
            event field and a float time field, ``sksurv.util.Surv.from_arrays``), or
            columns ``[time, event]`` (event 1, censored 0), glmnet's ``Surv`` matrix.
        <<fit_weights>>

        Returns
        -------
        <<returns_self>>
        """
        return self._fit(X, y, sample_weight)


@fill_doc
class CoxRegressorCV(_CrossValidated, CoxRegressor):
    """Cox regression with alpha and l1_ratio chosen by cross-validation.

    Each fold runs one warm-started path per l1_ratio (``CoxRegressor``'s objective)
    and scores every alpha. The default score is glmnet's "grouped" partial-likelihood
    deviance: the deviance of all the rows at the fold's coefficients minus that of
    its training rows, per unit of the held-out event weight (a held-out row's risk
    sets hold the training rows too, so the held-out rows alone would score few
    pairs). The refit model is the whole-data path at the chosen alpha.

    Parameters
    ----------
    l1_ratio : float or list of float, default=0.5
        A list is searched jointly with alpha.
    <<cv_params>>
    scoring : {"deviance", "c_index"}, default="deviance"
        The grouped partial-likelihood deviance (lower is better) or Harrell's C-index
        of the held-out rows (higher is better).
    <<penalty_params_no_intercept>>
    <<n_jobs>>

    Attributes
    ----------
    <<cv_attributes>>
    <<cv_refit_attributes>>

    See Also
    --------
    CoxRegressor : One alpha.

    Examples
    --------
    >>> import numpy as np
    >>> from shrinkage import CoxRegressorCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 10))
    >>> time = rng.exponential(np.exp(-X[:, 0] + 0.5 * X[:, 1]))
    >>> y = np.column_stack([time, rng.random(300) < 0.8])
    >>> model = CoxRegressorCV(l1_ratio=1.0, alphas=20, cv=3).fit(X, y)
    >>> model.scoring_, sorted(np.flatnonzero(model.coef_).tolist())[:2]
    ('deviance', [0, 1])
    """

    def __init__(self, *, l1_ratio=0.5, alphas=100, eps=None, cv=5, alpha_rule="min",
                 scoring="deviance", penalty_factor=None, positive=False,
                 lower_bounds=None, upper_bounds=None, tol=1e-4, max_iter=1000,
                 n_jobs=None):
        _store_params(self, locals())

    _extras = ("groups",)

    @fill_doc
    def fit(self, X, y, sample_weight=None, groups=None):
        """Cross-validate the paths, choose alpha (and l1_ratio), keep the refit model.

        Parameters
        ----------
        <<fit_data>>
        y : structured array of shape (n_samples,) or array-like of shape (n_samples, 2)
            Survival times and events, as ``CoxRegressor.fit`` takes them.
        <<cv_fit_weights>>

        Returns
        -------
        <<returns_self>>
        """
        return self._cross_validate(X, y, sample_weight, groups)
