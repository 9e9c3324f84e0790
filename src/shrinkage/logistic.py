"""Logistic regression, binary and multinomial, with L1, L2 and elastic-net penalties."""

import numpy as np
from scipy.special import expit, log_softmax, softmax
from sklearn.base import ClassifierMixin

from ._docs import fill_doc
from .linear_model import _PenalizedLinearModel, _store_params
from .losses import LOGISTIC


@fill_doc
class LogisticRegression(ClassifierMixin, _PenalizedLinearModel):
    """Logistic regression, binary or multinomial, with an L1, L2 or elastic-net penalty.

    Two classes: minimises ``(1/n) sum_i s_i log(1 + exp(-y_i (x_i.w + b))) + alpha *
    sum_j f_j (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2)`` with ``y_i`` in {-1, +1}.
    More classes (picked from the target, as scikit-learn does): the multinomial
    (softmax) loss ``(1/n) sum_i s_i (-log p_{i, y_i})`` with one row of coefficients
    and one unpenalized intercept per class, and the penalty on every coefficient
    (``multinomial="ungrouped"``) or on each feature's vector of class coefficients
    (``"grouped"``, glmnet's ``type.multinomial = "grouped"``: a feature is in or out
    for all classes at once). Proximal Newton on working sets, stopped on a certified
    duality gap; scikit-learn's ``C`` is ``1 / (n alpha)``. Fitting works in float64.

    ``alpha=0`` fits the unpenalized model (scikit-learn's ``C=np.inf``) by Newton's
    method on every feature; its certificate, reported as ``dual_gap_``, is then the
    Newton decrement's estimate of the distance to the optimum, relative to the
    objective at w = 0 (the duality gap is degenerate without a penalty). Separable
    classes have no unpenalized optimum: a ``SeparationWarning`` names them and the
    features that separate them.

    Parameters
    ----------
    alpha : float, default=0.01
        Penalty strength, >= 0.
    l1_ratio : float, default=1.0
        1 is the L1 penalty, 0 the L2 penalty.
    <<penalty_params>>
    <<warm_start>>
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into ``sample_weight`` (scikit-learn's
        meaning; ``"balanced"`` weighs each class by ``n / (2 n_class)``). The weights
        are then rescaled to sum to n, so that alpha keeps its scale.
    multinomial : {"ungrouped", "grouped"}, default="ungrouped"
        With more than two classes: the elastic net on each coefficient, or on each
        feature's class coefficients as a group (group lasso for the L1 part).
    <<group_params>>

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The classes; with two, the second is the positive one.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients of the log-odds of ``classes_[1]`` (two classes), or of each
        class's linear predictor.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts, as ``coef_``.
    separation_ : dict or None
        With ``alpha=0``, where the classes are separable (the log-loss then has no
        minimum): its ``kind`` ("complete" or "quasi-complete"), the ``classes``, the
        ``features`` that weigh most in a separating direction (and their column
        ``indices``), ``strict_rows`` of
        ``n_rows`` samples strictly on their side, and a ``sentence`` saying so. None
        otherwise (and always with a penalty).
    <<fitted_attributes>>

    See Also
    --------
    LogisticRegressionCV : Alpha and l1_ratio chosen by cross-validation.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from shrinkage import LogisticRegression
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = LogisticRegression(alpha=0.01, l1_ratio=1.0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> from sklearn.datasets import load_wine
    >>> X, y = load_wine(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> wine = LogisticRegression(alpha=0.05, multinomial="grouped").fit(X, y)
    >>> wine.coef_.shape, int((abs(wine.coef_).sum(axis=0) > 0).sum()) < 13
    ((3, 13), True)
    """

    _loss = LOGISTIC

    def __init__(self, alpha=0.01, *, l1_ratio=1.0, fit_intercept=True, penalty_factor=None,
                 positive=False, lower_bounds=None, upper_bounds=None, tol=1e-4,
                 max_iter=1000, warm_start=False, class_weight=None,
                 multinomial="ungrouped",
                 feature_groups=None, group_l1_ratio=0.0, group_weights=None):
        _store_params(self, locals())

    _extras = ("class_weight",)

    def _spec_options(self):
        return {"multinomial": self.multinomial, "class_weight": self.class_weight}

    @fill_doc
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        <<fit_data>>
        y : array-like of shape (n_samples,)
            Two classes or more.
        <<fit_weights>>

        Returns
        -------
        <<returns_self>>
        """
        return self._fit(X, y, sample_weight)

    def _store_fit(self, result):
        self.classes_, self.separation_ = result.classes, result.separation
        return super()._store_fit(result)

    @fill_doc
    def decision_function(self, X):
        """Compute the log-odds (two classes) or the class scores (more).

        Parameters
        ----------
        <<samples>>

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
            ``X @ coef_[0] + intercept_[0]``, the log-odds of ``classes_[1]``, for two
            classes; ``X @ coef_.T + intercept_`` for more.
        """
        return self._decision(X)

    @fill_doc
    def predict_proba(self, X):
        """Estimate the probability of each class.

        Parameters
        ----------
        <<samples>>

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            One column per class, in the order of ``classes_`` (float64 whatever X's
            dtype, so that probabilities near 0 or 1 keep their digits).
        """
        z = self.decision_function(X).astype(np.float64)
        if z.ndim == 2:
            return softmax(z, axis=1)
        p = expit(z)
        return np.column_stack([1.0 - p, p])

    @fill_doc
    def predict_log_proba(self, X):
        """Compute the logarithm of ``predict_proba`` stably.

        Parameters
        ----------
        <<samples>>

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Log-probabilities, one column per class.
        """
        z = self.decision_function(X).astype(np.float64)
        if z.ndim == 2:
            return log_softmax(z, axis=1)
        return np.column_stack([-np.logaddexp(0.0, z), -np.logaddexp(0.0, -z)])

    @fill_doc
    def predict(self, X):
        """Predict the class with the largest probability.

        Parameters
        ----------
        <<samples>>

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        z = self.decision_function(X)
        index = np.argmax(z, axis=1) if z.ndim == 2 else (z > 0).astype(int)
        return self.classes_[index]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags
