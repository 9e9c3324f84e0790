"""scikit-learn estimators: thin shells that validate, call a solver and store results.

Every estimator minimises the objective of glmnet's scale::

    datafit + alpha * sum_j f_j * (l1_ratio * |w_j| + (1 - l1_ratio) / 2 * w_j^2)

with the squared datafit ``(1 / 2n) sum_i s_i (y_i - x_i.w - b)^2`` or the weighted mean
log-loss, sample weights ``s_i`` rescaled to sum to ``n``.
"""

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _validation as v
from .penalties import ElasticNetPenalty
from .solvers.cd import duality_gap, make_problem, solve
from .solvers.ridge import ridge_path

_PENALTY_PARAMS_DOC = """
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multipliers ``f_j >= 0`` of the penalty; 0 leaves a feature
        unpenalized. Used as given (glmnet rescales them to sum to n_features; we do not).
    positive : bool, default=False
        Constrain every coefficient to be >= 0.
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), default=None
        Box constraints per coefficient; ``lower_bounds <= 0 <= upper_bounds``.
    tol : float, default=1e-4
        Target relative duality gap: (primal - dual) / (objective at w = 0 with the
        intercept fitted). It means the same on every problem and penalty.
    max_iter : int, default=1000
        Budget of coordinate-descent epochs.
    warm_start : bool, default=False
        Start from the previous solution when fitting again.
"""


def _store_params(estimator, init_locals):
    """Store the ``__init__`` arguments untouched, as scikit-learn's contract asks."""
    for name, value in init_locals.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


class _PenalizedLinearModel(BaseEstimator):
    """Shared fit logic; subclasses fix the loss and how alpha / l1_ratio are read."""

    _loss = "squared"

    def _penalty_params(self):
        return self.alpha, self.l1_ratio

    def _validate_fit_input(self, X, y, sample_weight):
        numeric = self._loss == "squared"
        v.check_lengths(X, y)
        v.check_y(y, numeric=numeric)
        X, y = v.name_x_errors(validate_data, self, X, y, accept_sparse=("csc", "csr"),
                               dtype=np.float64, order="F", y_numeric=numeric)
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

    def _solve(self, X, y, sw, penalty):
        tol = v.check_scalar_param(self.tol, "tol", low=0.0, low_open=True)
        max_iter = v.check_scalar_param(self.max_iter, "max_iter", low=1, integer=True)
        problem = make_problem(X, y, self._loss, sw, self.fit_intercept)
        coef_init = intercept_init = None
        if getattr(self, "warm_start", False) and hasattr(self, "coef_") \
                and np.shape(self.coef_)[-1] == X.shape[1]:
            coef_init = np.ravel(self.coef_)
            intercept_init = float(np.ravel(self.intercept_)[0])
        sol = solve(problem, penalty, coef_init, intercept_init, tol=tol, max_iter=max_iter)
        self.n_iter_ = sol.n_iter
        self.dual_gap_ = sol.gap
        return sol

    def _decision(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=("csr", "csc"), dtype=np.float64,
                          reset=False)
        return safe_sparse_dot(X, np.ravel(self.coef_)) + np.ravel(self.intercept_)[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class ElasticNet(RegressorMixin, _PenalizedLinearModel):
    """Linear regression with a combined L1 and L2 penalty.

    Minimises ``(1/2n) ||y - Xw - b||^2 + alpha * (l1_ratio ||w||_1
    + (1 - l1_ratio)/2 ||w||_2^2)``: the scale of scikit-learn's ``ElasticNet`` and glmnet.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength, >= 0.
    l1_ratio : float, default=0.5
        Mix of L1 (1) and L2 (0).
    """ + _PENALTY_PARAMS_DOC + """
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
        Coordinate-descent epochs run.
    dual_gap_ : float
        Relative duality gap reached.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when X has string column names.
    """

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, penalty_factor=None,
                 positive=False, lower_bounds=None, upper_bounds=None, tol=1e-4,
                 max_iter=1000, warm_start=False):
        _store_params(self, locals())

    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights, rescaled internally to sum to n_samples.

        Returns
        -------
        self
        """
        X, y, sw = self._validate_fit_input(X, y, sample_weight)
        penalty, alpha, factor = self._validate_penalty(X.shape[1])
        sol = self._solve(X, y, sw, penalty)
        self.coef_ = sol.coef
        self.intercept_ = sol.intercept
        return self

    def predict(self, X):
        """Predicted values ``X @ coef_ + intercept_``."""
        return self._decision(X)


class Lasso(ElasticNet):
    """Linear regression with an L1 penalty: ``ElasticNet`` with ``l1_ratio=1``.

    Minimises ``(1/2n) ||y - Xw - b||^2 + alpha ||w||_1``, the scale of scikit-learn's
    ``Lasso``.

    Parameters
    ----------
    alpha : float, default=1.0
    """ + _PENALTY_PARAMS_DOC

    def __init__(self, alpha=1.0, *, fit_intercept=True, penalty_factor=None,
                 positive=False, lower_bounds=None, upper_bounds=None, tol=1e-4,
                 max_iter=1000, warm_start=False):
        _store_params(self, locals())

    def _penalty_params(self):
        return self.alpha, 1.0


class Ridge(RegressorMixin, _PenalizedLinearModel):
    """Linear regression with an L2 penalty, solved by closed forms.

    Minimises ``(1/2n) ||y - Xw - b||^2 + alpha/2 ||w||^2``, so ``Ridge(alpha)`` here
    equals scikit-learn's ``Ridge(alpha * n_samples)`` (with weights: ``alpha`` times the
    sum of the sample weights). Dense X uses Cholesky on the Gram matrix when
    n >= p and on the kernel (dual) when p > n; sparse X conjugate gradients without
    densifying. Bounds switch to coordinate descent.

    Parameters
    ----------
    alpha : float, default=1.0
    """ + _PENALTY_PARAMS_DOC

    def __init__(self, alpha=1.0, *, fit_intercept=True, penalty_factor=None,
                 positive=False, lower_bounds=None, upper_bounds=None, tol=1e-4,
                 max_iter=1000, warm_start=False):
        _store_params(self, locals())

    def _penalty_params(self):
        return self.alpha, 0.0

    def fit(self, X, y, sample_weight=None):
        """Fit the model; see ``ElasticNet.fit``."""
        X, y, sw = self._validate_fit_input(X, y, sample_weight)
        penalty, alpha, factor = self._validate_penalty(X.shape[1])
        bounded = np.any(np.isfinite(penalty.lower)) or np.any(np.isfinite(penalty.upper))
        if bounded:
            sol = self._solve(X, y, sw, penalty)
            self.coef_, self.intercept_ = sol.coef, sol.intercept
            return self
        coefs, intercepts, _ = ridge_path(X, y, [alpha], sw, self.fit_intercept, factor)
        self.coef_, self.intercept_ = coefs[0], float(intercepts[0])
        problem = make_problem(X, y, "squared", sw, self.fit_intercept)
        self.dual_gap_ = duality_gap(problem, penalty, self.coef_, self.intercept_)
        self.n_iter_ = 1  # one factorization
        return self

    def predict(self, X):
        """Predicted values ``X @ coef_ + intercept_``."""
        return self._decision(X)


class LogisticRegression(ClassifierMixin, _PenalizedLinearModel):
    """Binary logistic regression with an L1, L2 or elastic-net penalty.

    Minimises ``(1/n) sum_i s_i log(1 + exp(-y_i (x_i.w + b))) + alpha * (l1_ratio
    ||w||_1 + (1 - l1_ratio)/2 ||w||^2)``; scikit-learn's ``C`` is ``1 / (n alpha)``.

    Parameters
    ----------
    alpha : float, default=0.01
    l1_ratio : float, default=1.0
        1 is the L1 penalty, 0 the L2 penalty.
    """ + _PENALTY_PARAMS_DOC + """
    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The second class is the positive one.
    coef_ : ndarray of shape (1, n_features)
    intercept_ : ndarray of shape (1,)
    """

    _loss = "logistic"

    def __init__(self, alpha=0.01, *, l1_ratio=1.0, fit_intercept=True, penalty_factor=None,
                 positive=False, lower_bounds=None, upper_bounds=None, tol=1e-4,
                 max_iter=1000, warm_start=False):
        _store_params(self, locals())

    def fit(self, X, y, sample_weight=None):
        """Fit the model; y must hold exactly two classes."""
        X, y, sw = self._validate_fit_input(X, y, sample_weight)
        labels, self.classes_ = v.binary_labels(y, sw)
        penalty, alpha, factor = self._validate_penalty(X.shape[1])
        sol = self._solve(X, labels, sw, penalty)
        self.coef_ = sol.coef[None, :]
        self.intercept_ = np.array([sol.intercept])
        return self

    def decision_function(self, X):
        """Log-odds of the positive class ``classes_[1]``."""
        return self._decision(X)

    def predict_proba(self, X):
        """Probabilities of ``classes_[0]`` and ``classes_[1]``, shape (n_samples, 2)."""
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba``, computed stably."""
        d = self.decision_function(X)
        return np.column_stack([-np.logaddexp(0.0, d), -np.logaddexp(0.0, -d)])

    def predict(self, X):
        """The class with the larger probability."""
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(int)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags
