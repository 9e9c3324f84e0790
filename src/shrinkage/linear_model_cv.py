"""Cross-validated estimators: the alpha (and l1_ratio) chosen along regularization paths.

Each fold is one warm-started path per l1_ratio, never independent fits; the folds and the
path on the whole data run in parallel threads (``n_jobs``). The refit model is the
whole-data path at the chosen alpha, as glmnet's ``cv.glmnet`` does.
"""

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot

from . import model_selection as _cv
from . import _validation as v
from .linear_model import (
    _PENALTY_PARAMS_DOC,
    ElasticNet,
    LogisticRegression,
    Ridge,
    _store_params,
)
from .path import resolve_alphas
from .penalties import ElasticNetPenalty
from .solvers.cd import duality_gap, make_problem
from .solvers.ridge import ridge_loo_path

_CV_PARAMS_DOC = """
    alphas : int or array-like, default=100
        An int builds that many log-spaced values from the exact ``alpha_max`` of the whole
        data down to ``eps * alpha_max``; an array is used as given (sorted decreasing).
    eps : float, default=None
        Ratio of the smallest to the largest generated alpha: 1e-3, or 1e-2 when n < p.
    cv : int, cross-validation splitter or iterable of (train, test), default=5
        As scikit-learn accepts it: an int is ``KFold`` (``StratifiedKFold`` for
        classifiers) without shuffling.
    selection : {"min", "1se"}, default="min"
        ``"min"``: the alpha with the best mean CV score. ``"1se"``: the largest alpha
        whose mean score is within one standard error of the best (glmnet's rule).
    n_jobs : int, default=None
        Threads over the folds (the solvers release the GIL); -1 uses every core.
"""

_CV_ATTRIBUTES_DOC = """
    Attributes
    ----------
    alpha_ : float
        The chosen alpha (``alpha_min_`` or ``alpha_1se_`` as ``selection`` says).
    alpha_min_, alpha_1se_ : float
    l1_ratio_ : float
        The l1_ratio of the best mean score.
    l1_ratios_ : list of float
        The l1_ratio of each row of the arrays below.
    alphas_ : ndarray of shape (n_l1_ratios, n_alphas)
        Decreasing grid of each l1_ratio.
    cv_mean_, cv_se_ : ndarray of shape (n_l1_ratios, n_alphas)
        Mean validation score over the folds and its standard error (sd / sqrt(n_folds)).
    cv_scores_ : ndarray of shape (n_l1_ratios, n_folds, n_alphas)
        Validation score of every fold.
    train_mean_ : ndarray of shape (n_l1_ratios, n_alphas)
        Score of the whole-data path on the data it was fitted to (beside ``cv_mean_``,
        it shows where the model over- and under-fits).
    coef_path_ : ndarray of shape (n_l1_ratios, n_alphas, n_features)
        The path on the whole data; ``coef_`` is its entry at the chosen alpha.
    intercept_path_ : ndarray of shape (n_l1_ratios, n_alphas)
    n_nonzero_path_ : ndarray of shape (n_l1_ratios, n_alphas)
    scoring_ : str
        What ``cv_mean_`` measures: ``"mse"`` for regression.
    coef_, intercept_, dual_gap_, n_features_in_
        The refit model.
    n_iter_ : int
        Coordinate-descent epochs of the whole-data path that gave the refit model.
"""


class _CrossValidated:
    """Shared fit of the cross-validated estimators (mixed in before the plain model)."""

    _scoring_default = "mse"

    def _l1_ratios(self):
        return _cv.check_l1_ratios(self.l1_ratio)

    def _scoring(self):
        return self._scoring_default

    def _cross_validate(self, X, y, sw, groups, labels=None):
        """Run the folds and store every fitted attribute; ``labels`` for logistic.
        Returns the refit model's coefficients and intercept."""
        l1_ratios = self._l1_ratios()
        selection = _cv.check_selection(self.selection)
        scoring = self._scoring()
        factor, lower, upper = self._penalty_arrays(X.shape[1])
        target = y if labels is None else labels
        folds = _cv.make_folds(self.cv, X, y, groups, classifier=labels is not None)
        if labels is not None:
            _cv.check_fold_classes(folds, y, scoring)
        result = _cv.cross_validate_paths(
            X, target, sw, loss=self._loss, l1_ratios=l1_ratios, alphas=self.alphas,
            eps=self.eps, factor=factor, lower=lower, upper=upper,
            fit_intercept=self.fit_intercept, folds=folds, scoring=scoring,
            tol=v.check_scalar_param(self.tol, "tol", low=0.0, low_open=True),
            max_iter=v.check_scalar_param(self.max_iter, "max_iter", low=1, integer=True),
            n_jobs=self.n_jobs)
        self.cv_scores_ = result.test_scores
        self.cv_mean_, self.cv_se_ = _cv.summarize(result.test_scores)
        self.train_mean_ = result.train_scores
        self.alphas_ = result.alphas
        self.coef_path_ = np.array([p.coefs for p in result.paths])
        self.intercept_path_ = np.array([p.intercepts for p in result.paths])
        self.n_nonzero_path_ = np.array([p.n_nonzero for p in result.paths])
        self.scoring_ = scoring
        ratio, chosen = self._store_choice(l1_ratios, selection)
        self.dual_gap_ = float(result.paths[ratio].gaps[chosen])
        # the refit is read off the warm-started path: its cost is the whole path's
        self.n_iter_ = int(np.sum(result.paths[ratio].n_iter))
        return self.coef_path_[ratio, chosen], float(self.intercept_path_[ratio, chosen])

    def _store_choice(self, l1_ratios, selection):
        greater = _cv.SCORERS[self.scoring_][1]
        ratio, i_min, i_1se = _cv.choose_alpha(self.cv_mean_, self.cv_se_, self.alphas_,
                                               greater)
        chosen = i_min if selection == "min" else i_1se
        self.l1_ratios_ = list(l1_ratios)
        self.l1_ratio_ = l1_ratios[ratio]
        self.alpha_min_ = float(self.alphas_[ratio, i_min])
        self.alpha_1se_ = float(self.alphas_[ratio, i_1se])
        self.alpha_ = float(self.alphas_[ratio, chosen])
        return ratio, chosen


class ElasticNetCV(_CrossValidated, ElasticNet):
    """Elastic net with alpha and l1_ratio chosen by cross-validation along paths.

    Parameters
    ----------
    l1_ratio : float or list of float, default=0.5
        A list is searched jointly with alpha (each l1_ratio has its own grid).
    """ + _CV_PARAMS_DOC + _PENALTY_PARAMS_DOC.split("    warm_start")[0] + \
        _CV_ATTRIBUTES_DOC

    def __init__(self, *, l1_ratio=0.5, alphas=100, eps=None, cv=5, selection="min",
                 fit_intercept=True, penalty_factor=None, positive=False,
                 lower_bounds=None, upper_bounds=None, tol=1e-4, max_iter=1000,
                 n_jobs=None):
        _store_params(self, locals())

    def fit(self, X, y, sample_weight=None, groups=None):
        """Cross-validate the paths, choose alpha (and l1_ratio), keep the refit model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the fits and of the validation errors.
        groups : array-like of shape (n_samples,), default=None
            Group labels for a group splitter given as ``cv``.

        Returns
        -------
        self
        """
        X, y, sw = self._validate_fit_input(X, y, sample_weight)
        self.coef_, self.intercept_ = self._cross_validate(X, y, sw, groups)
        return self


class LassoCV(ElasticNetCV):
    """Lasso with alpha chosen by cross-validation along warm-started paths.

    ``ElasticNetCV`` with ``l1_ratio=1``; it has no ``l1_ratio`` parameter.

    Parameters
    ----------
    """ + _CV_PARAMS_DOC + _PENALTY_PARAMS_DOC.split("    warm_start")[0] + \
        _CV_ATTRIBUTES_DOC

    def __init__(self, *, alphas=100, eps=None, cv=5, selection="min", fit_intercept=True,
                 penalty_factor=None, positive=False, lower_bounds=None, upper_bounds=None,
                 tol=1e-4, max_iter=1000, n_jobs=None):
        _store_params(self, locals())

    def _l1_ratios(self):
        return [1.0]


class LogisticRegressionCV(_CrossValidated, LogisticRegression):
    """Binary logistic regression with alpha (and l1_ratio) chosen by cross-validation.

    Folds are stratified when ``cv`` is an int.

    Parameters
    ----------
    l1_ratio : float or list of float, default=1.0
    scoring : {"log_loss", "accuracy", "roc_auc"}, default="log_loss"
        What the folds are scored by; ``cv_mean_`` holds it (log loss: lower is better;
        accuracy and ROC AUC: higher is better).
    """ + _CV_PARAMS_DOC + _PENALTY_PARAMS_DOC.split("    warm_start")[0] + \
        _CV_ATTRIBUTES_DOC

    def __init__(self, *, l1_ratio=1.0, alphas=100, eps=None, cv=5, scoring="log_loss",
                 selection="min", fit_intercept=True, penalty_factor=None, positive=False,
                 lower_bounds=None, upper_bounds=None, tol=1e-4, max_iter=1000,
                 n_jobs=None):
        _store_params(self, locals())

    def _scoring(self):
        if self.scoring not in ("log_loss", "accuracy", "roc_auc"):
            raise ValueError("scoring must be 'log_loss', 'accuracy' or 'roc_auc', got "
                             f"{self.scoring!r}")
        return self.scoring

    def fit(self, X, y, sample_weight=None, groups=None):
        """Cross-validate the paths and keep the refit model; see ``ElasticNetCV.fit``."""
        X, y, sw = self._validate_fit_input(X, y, sample_weight)
        labels, self.classes_ = v.binary_labels(y, sw)
        coef, intercept = self._cross_validate(X, y, sw, groups, labels=labels)
        self.coef_, self.intercept_ = coef[None, :], np.array([intercept])
        return self


class RidgeCV(_CrossValidated, Ridge):
    """Ridge regression with alpha chosen by exact leave-one-out or k-fold CV.

    With ``cv=None`` the leave-one-out errors of every alpha come from one
    eigendecomposition (of the Gram matrix when n >= p, of the kernel when p > n), with
    no refit: the residual of sample ``i`` divided by ``1 - H_ii``. Given ``cv``, each fold
    solves its ridge path by the same closed forms. ``alpha`` is on this package's scale:
    scikit-learn's ``RidgeCV`` alpha is ``alpha * n_samples``.

    Parameters
    ----------
    alphas : int or array-like, default=100
        An int builds a log grid from glmnet's ridge ``alpha_max`` (that of
        ``l1_ratio=1e-3``) down to ``eps`` times it; an array is used as given.
    eps : float, default=None
        1e-3, or 1e-2 when n < p.
    cv : None, int, cross-validation splitter or iterable of (train, test), default=None
        None: exact leave-one-out.
    selection : {"min", "1se"}, default="min"
    fit_intercept : bool, default=True
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multipliers of the penalty (k-fold only: leave-one-out needs them
        all equal to one).
    n_jobs : int, default=None
        Threads over the folds (k-fold).
    """ + _CV_ATTRIBUTES_DOC

    def __init__(self, *, alphas=100, eps=None, cv=None, selection="min",
                 fit_intercept=True, penalty_factor=None, n_jobs=None):
        _store_params(self, locals())

    # what the shared k-fold code reads: no bounds, closed forms (tol only scores the gap)
    positive, lower_bounds, upper_bounds, tol, max_iter = False, None, None, 1e-10, 1

    def fit(self, X, y, sample_weight=None, groups=None):
        """Choose alpha by leave-one-out (``cv=None``) or k-fold CV and refit."""
        X, y, sw = self._validate_fit_input(X, y, sample_weight)
        if self.cv is not None:
            self.coef_, self.intercept_ = self._cross_validate(X, y, sw, groups)
            self.n_iter_ = 1  # closed forms: one factorization per fold
            return self
        selection = _cv.check_selection(self.selection)
        factor, _, _ = self._penalty_arrays(X.shape[1])
        if not np.all(factor == 1.0):
            raise ValueError("penalty_factor needs k-fold cross-validation: leave-one-out "
                             "(cv=None) supports equal factors only; give cv=5, say")
        self._leave_one_out(X, y, sw, selection)
        return self

    def _leave_one_out(self, X, y, sw, selection):
        problem = make_problem(X, y, "squared", sw, self.fit_intercept)
        n, p = X.shape
        bounds = np.ones(p), np.full(p, -np.inf), np.full(p, np.inf)
        grid = resolve_alphas(self.alphas, self.eps, problem, 0.0, *bounds)
        grid = np.sort(grid)[::-1]
        errors, coefs, intercepts = ridge_loo_path(X, y, grid, sw, self.fit_intercept)
        # errors: (n, n_alphas) weighted squared leave-one-out errors s_i e_i^2
        self.cv_scores_ = errors.T[None, :, :]
        self.cv_mean_ = errors.mean(axis=0)[None, :]
        self.cv_se_ = (errors.std(axis=0, ddof=1) / np.sqrt(n))[None, :]
        residual = y[:, None] - safe_sparse_dot(X, coefs.T) - intercepts
        weights = np.ones(n) if sw is None else sw
        self.train_mean_ = (weights @ residual**2 / weights.sum())[None, :]
        self.alphas_ = grid[None, :]
        self.coef_path_ = coefs[None, :, :]
        self.intercept_path_ = intercepts[None, :]
        self.n_nonzero_path_ = np.count_nonzero(coefs, axis=1)[None, :]
        self.scoring_ = "mse"
        _, k = self._store_choice([0.0], selection)
        self.coef_, self.intercept_ = coefs[k], float(intercepts[k])
        penalty = ElasticNetPenalty.from_params(self.alpha_, 0.0, *bounds)
        self.dual_gap_ = duality_gap(problem, penalty, self.coef_, self.intercept_)
        self.n_iter_ = 1  # one eigendecomposition

    def _l1_ratios(self):
        return [0.0]


