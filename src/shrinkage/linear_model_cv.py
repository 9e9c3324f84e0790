"""Cross-validated estimators: the alpha (and l1_ratio) chosen along regularization paths.

Each fold is one warm-started path per l1_ratio, never independent fits; the folds and the
path on the whole data run in parallel threads (``n_jobs``). The refit model is the
whole-data path at the chosen alpha, as glmnet's ``cv.glmnet`` does.
"""

import warnings

import numpy as np

from . import model_selection as _cv
from ._docs import fill_doc
from .engines import engine_for
from .linear_model import ElasticNet, Ridge, _store_params
from .logistic import LogisticRegression
from .specs import CVSpec


class _CrossValidated:
    """Shared fit of the cross-validated estimators (mixed in before the plain model)."""

    _multi_output = False  # one target: the choice of alpha is the target's
    _extras = ()

    def _penalty_params(self):
        return None, None  # the grid's: the CVSpec's

    def _l1_ratio_grid(self):
        return self.l1_ratio

    def _cv_spec(self):
        """The ``CVSpec`` of the parameters, unchecked (the engine checks them)."""
        relax = {name: getattr(self, name) for name in ("relax", "gammas")
                 if hasattr(self, name)}
        return CVSpec(fit=self._fit_spec(), l1_ratios=self._l1_ratio_grid(),
                      alphas=self.alphas, eps=self.eps, cv=self.cv,
                      alpha_rule=self.alpha_rule, scoring=getattr(self, "scoring", "mse"),
                      n_jobs=self.n_jobs, **relax)

    def _cross_validate(self, X, y, sample_weight=None, groups=None, **extras):
        """Cross-validate on the engine the data call for (``extras``: ``offset``) and
        store every fitted attribute; returns the estimator."""
        engine = engine_for(X, y, sample_weight, *extras.values())
        result = engine.cross_validate(self, self._cv_spec(), X, y, sample_weight, groups,
                                       **extras)
        return self._store_cv(result)

    def _store_cv(self, result):
        """Store the fitted attributes of a ``CVResult``; returns the estimator."""
        self._store_features(result.features)
        if result.classes is not None:
            self.classes_ = result.classes
        if result.delta is not None:
            self.delta_ = result.delta
        if result.n_passes is not None:
            self.n_passes_ = result.n_passes
        if result.constant_target is not None:
            self._warn_constant(result.constant_target)
        paths = result.paths
        self.cv_scores_ = paths.test_scores
        self.cv_mean_, self.cv_se_ = result.summary()
        self.train_mean_ = paths.train_scores
        self.alphas_ = paths.alphas
        self.coef_path_ = np.array([p.coefs for p in paths.paths])
        self.intercept_path_ = np.array([p.intercepts for p in paths.paths])
        self.n_nonzero_path_ = np.array([p.n_nonzero for p in paths.paths])
        self.scoring_ = result.scoring.name
        ratio, chosen = self._store_choice(result)
        if paths.refits is not None:
            ratio, chosen = self._store_relaxed(result)
        coef, intercept = result.refit()
        if result.classes is not None:
            coef, intercept = (coef[None, :], np.array([intercept])) if coef.ndim == 1 \
                else (coef, np.asarray(intercept))
        elif np.ndim(intercept) == 0:
            intercept = float(intercept)
        else:  # an intercept per output (the multi-task loss)
            intercept = np.asarray(intercept)
        self.coef_, self.intercept_ = coef, intercept
        self.selection_frequency_ = result.selection_frequency(ratio, chosen)
        self.dual_gap_ = float(paths.paths[ratio].gaps[chosen]) if result.certify is None \
            else result.certify(self.alpha_, coef, intercept)
        # the refit is read off the warm-started path: its cost is the whole path's
        self.n_iter_ = int(np.sum(paths.paths[ratio].n_iter)) if result.n_iter is None \
            else result.n_iter
        return self

    def _store_relaxed(self, result):
        """Store the relaxed lasso's scores, refits and joint choice of (alpha, gamma)
        (after the lasso's, whose grid-edge check they keep); returns the chosen
        ``(ratio, alpha index)``."""
        paths = result.paths
        self.gammas_ = paths.gammas
        self.relaxed_cv_mean_, self.relaxed_cv_se_ = result.relaxed_summary()
        self.refit_coef_path_ = np.array([r.coefs for r in paths.refits])
        self.refit_intercept_path_ = np.array([r.intercepts for r in paths.refits])
        ratio, best, simplest, chosen = result.relaxed_choice()
        self.l1_ratio_ = result.l1_ratios[ratio]

        def gamma_alpha(indices):
            return float(paths.gammas[indices[0]]), float(self.alphas_[ratio, indices[1]])

        self.gamma_min_, self.alpha_min_ = gamma_alpha(best)
        self.gamma_1se_, self.alpha_1se_ = gamma_alpha(simplest)
        self.gamma_, self.alpha_ = gamma_alpha(chosen)
        return ratio, chosen[1]

    def _warn_constant(self, value):
        warnings.warn(
            f"{type(self).__name__}: y is constant ({value:g}); every alpha gives the "
            "same model (coefficients 0, the intercept that constant), so "
            "cross-validation cannot choose: alpha_ is the largest of the grid",
            UserWarning, stacklevel=5)  # the caller of fit

    def _store_choice(self, result):
        ratio, i_min, i_1se, chosen = result.choice()
        self.l1_ratios_ = list(result.l1_ratios)
        self.l1_ratio_ = result.l1_ratios[ratio]
        self.alpha_min_ = float(self.alphas_[ratio, i_min])
        self.alpha_1se_ = float(self.alphas_[ratio, i_1se])
        self.alpha_ = float(self.alphas_[ratio, chosen])
        self._check_grid_edge(ratio, result.scoring.greater_is_better)
        return ratio, chosen

    def _check_grid_edge(self, ratio, greater):
        """Warn when the best alpha sits on an end of its grid with the error still
        falling there; ``alpha_at_edge_`` says which end (None: the minimum is inside)."""
        loss = -self.cv_mean_[ratio] if greater else self.cv_mean_[ratio]
        top_is_null = not np.any(self.coef_path_[ratio, 0])
        self.alpha_at_edge_ = _cv.grid_edge(loss, self.cv_se_[ratio], top_is_null)
        if self.alpha_at_edge_ is None:
            return
        fix = ("a smaller eps (or alphas that reach lower)"
               if self.alpha_at_edge_ == "smallest" else "alphas that reach higher")
        warnings.warn(
            f"{type(self).__name__}: the best alpha ({self.alpha_min_:.3g}) is the "
            f"{self.alpha_at_edge_} of its grid and the cross-validated {self.scoring_} "
            f"still improves there; a better alpha may lie beyond it: give {fix}",
            _cv.GridEdgeWarning, stacklevel=6)  # the caller of fit


@fill_doc
class ElasticNetCV(_CrossValidated, ElasticNet):
    """Elastic net with alpha and l1_ratio chosen by cross-validation along paths.

    Each fold runs one warm-started path per l1_ratio (the squared loss with n >> p on a
    Gram matrix downdated from the whole data's); the folds and the path on the whole
    data run in threads. The refit model is the whole-data path at the chosen alpha,
    as glmnet's ``cv.glmnet`` does. A best alpha on an end of its grid, with the CV
    error still improving there, gives a ``GridEdgeWarning``.

    Parameters
    ----------
    l1_ratio : float or list of float, default=0.5
        A list is searched jointly with alpha (each l1_ratio has its own grid).
    <<cv_params>>
    <<selection>>
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
    LassoCV : The lasso with alpha chosen by cross-validation.
    RidgeCV : Ridge with exact leave-one-out.
    CVCurveDisplay : The CV curves or the l1_ratio x alpha map.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from shrinkage import ElasticNetCV
    >>> X, y = make_regression(200, 10, n_informative=4, noise=5.0, random_state=0)
    >>> model = ElasticNetCV(l1_ratio=[0.5, 1.0], cv=5).fit(X, y)
    >>> model.cv_mean_.shape
    (2, 100)
    >>> bool(model.alpha_ == model.alpha_min_)
    True
    """

    def __init__(self, *, l1_ratio=0.5, alphas=100, eps=None, cv=5, alpha_rule="min",
                 selection="cyclic", fit_intercept=True, penalty_factor=None,
                 positive=False, lower_bounds=None, upper_bounds=None, tol=1e-4,
                 max_iter=1000, n_jobs=None, relax=False,
                 gammas=(0.0, 0.25, 0.5, 0.75, 1.0),
                 feature_groups=None, group_l1_ratio=0.0, group_weights=None):
        _store_params(self, locals())

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


@fill_doc
class LassoCV(ElasticNetCV):
    """Lasso with alpha chosen by cross-validation along warm-started paths.

    ``ElasticNetCV`` with ``l1_ratio=1``; it has no ``l1_ratio`` parameter. The default
    grid is glmnet's, from the exact ``alpha_max`` down to ``1e-3`` times it: on a
    strong signal the best alpha may lie below it, which a ``GridEdgeWarning`` says.

    Parameters
    ----------
    <<cv_params>>
    <<selection>>
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
    Lasso : The lasso at one alpha.
    ElasticNetCV : The l1_ratio searched too.
    CoefficientPathDisplay : The coefficient paths with the chosen alphas.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from shrinkage import LassoCV
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = LassoCV(cv=5, alpha_rule="1se").fit(X, y)
    >>> bool(model.alpha_1se_ >= model.alpha_min_)
    True
    """

    def __init__(self, *, alphas=100, eps=None, cv=5, alpha_rule="min",
                 selection="cyclic", fit_intercept=True, penalty_factor=None,
                 positive=False, lower_bounds=None, upper_bounds=None, tol=1e-4,
                 max_iter=1000, n_jobs=None, relax=False,
                 gammas=(0.0, 0.25, 0.5, 0.75, 1.0),
                 feature_groups=None, group_l1_ratio=0.0, group_weights=None):
        _store_params(self, locals())

    def _l1_ratio_grid(self):
        return [1.0]


@fill_doc
class LogisticRegressionCV(_CrossValidated, LogisticRegression):
    """Logistic regression with alpha (and l1_ratio) chosen by cross-validation.

    Binary or multinomial, as the target says (``LogisticRegression``). Folds are
    stratified when ``cv`` is an int; each runs one warm-started path per l1_ratio,
    scored at every alpha without refitting. With ``relax=True`` (two classes only) the
    refit is the unpenalized logistic fit on the support; where the classes are
    separable on it (no finite fit), the refit is the lasso's own model at that alpha,
    so that every gamma gives the lasso there.

    Parameters
    ----------
    l1_ratio : float or list of float, default=1.0
        A list is searched jointly with alpha.
    <<cv_params>>
    scoring : str or callable, default="log_loss"
        What the folds are scored by: ``"log_loss"``, ``"accuracy"`` or ``"roc_auc"``
        (macro average of one class against the rest for more than two; computed on
        the whole path at once), any scikit-learn scorer name
        (``"neg_log_loss"``, ``"f1"``, ``"balanced_accuracy"``, ...) or a callable
        ``scorer(estimator, X, y)``. ``cv_mean_`` holds it (log loss: lower is better;
        scikit-learn scorers: higher is better).
    <<penalty_params>>
    <<n_jobs>>
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into ``sample_weight`` for the fits and
        the validation scores.
    multinomial : {"ungrouped", "grouped"}, default="ungrouped"
        With more than two classes: the elastic net on each coefficient, or on each
        feature's class coefficients as a group.
    <<relax_params>>
    <<group_params>>

    Attributes
    ----------
    <<cv_attributes>>
    <<relax_attributes>>
    classes_ : ndarray of shape (n_classes,)
        The classes; with two, the second is the positive one.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients of the refit model.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Its intercepts.
    dual_gap_ : float
        Relative duality gap of the refit model.
    n_iter_ : int
        Epochs of the whole-data path that gave the refit model.
    <<features>>

    See Also
    --------
    LogisticRegression : One alpha.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from shrinkage import LogisticRegressionCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(),
    ...                     LogisticRegressionCV(alphas=20, scoring="roc_auc"))
    >>> bool(clf.fit(X, y).score(X, y) > 0.9)
    True
    """

    def __init__(self, *, l1_ratio=1.0, alphas=100, eps=None, cv=5, alpha_rule="min",
                 scoring="log_loss", fit_intercept=True, penalty_factor=None, positive=False,
                 lower_bounds=None, upper_bounds=None, tol=1e-4, max_iter=1000,
                 n_jobs=None, class_weight=None, multinomial="ungrouped", relax=False,
                 gammas=(0.0, 0.25, 0.5, 0.75, 1.0),
                 feature_groups=None, group_l1_ratio=0.0, group_weights=None):
        _store_params(self, locals())

    _extras = ("class_weight", "groups")

    @fill_doc
    def fit(self, X, y, sample_weight=None, groups=None):
        """Cross-validate the paths and keep the refit model.

        Parameters
        ----------
        <<fit_data>>
        y : array-like of shape (n_samples,)
            Two classes or more.
        <<cv_fit_weights>>

        Returns
        -------
        <<returns_self>>
        """
        return self._cross_validate(X, y, sample_weight, groups)


@fill_doc
class RidgeCV(_CrossValidated, Ridge):
    """Ridge regression with alpha chosen by exact leave-one-out or k-fold CV.

    With ``cv=None`` the leave-one-out errors of every alpha come from one
    eigendecomposition (of the Gram matrix when n >= p, of the kernel when p > n), with
    no refit: the residual of sample ``i`` divided by ``1 - H_ii``. Given ``cv``, each
    fold solves its ridge path by the same closed forms. ``alpha`` is on this package's
    scale: scikit-learn's ``RidgeCV`` alpha is ``alpha * n_samples``. The default grid
    spans the effective degrees of freedom ``sum_k e_k / (e_k + alpha)`` (``e_k``: the
    eigenvalues of the centred Gram matrix) from 0.01 to nearly the rank of X, so that
    it reaches least squares' neighbourhood however strong the signal.

    Parameters
    ----------
    alphas : int or array-like, default=100
        An int builds that many log-spaced values over the degrees of freedom, as
        above; an array is used as given. A float or a bool is an error.
    eps : float, default=None
        Ratio of the smallest to the largest generated alpha; None: as above.
    cv : None, int, cross-validation splitter or iterable of (train, test), default=None
        None: exact leave-one-out.
    alpha_rule : {"min", "1se"}, default="min"
        ``"min"``: the alpha with the best mean CV error. ``"1se"``: the largest alpha
        within one standard error of it.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multipliers of the penalty (k-fold only: leave-one-out needs them
        all equal to one).
    <<n_jobs>>

    Attributes
    ----------
    <<cv_attributes>>
    coef_ : ndarray of shape (n_features,)
        Coefficients of the refit model.
    intercept_ : float
        Its intercept.
    dual_gap_ : float
        Relative duality gap of the refit model.
    n_iter_ : int
        1: one factorization.
    <<features>>

    See Also
    --------
    Ridge : One alpha.
    ElasticNetCV : With ``l1_ratio=0`` in its list, ridge rows beside the others.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from shrinkage import RidgeCV
    >>> X, y = make_regression(300, 20, noise=1.0, random_state=0)
    >>> model = RidgeCV().fit(X, y)
    >>> model.alpha_at_edge_ is None
    True
    """

    def __init__(self, *, alphas=100, eps=None, cv=None, alpha_rule="min",
                 fit_intercept=True, penalty_factor=None, n_jobs=None):
        _store_params(self, locals())

    # what the shared k-fold code reads: no bounds, closed forms (tol only scores the gap)
    positive, lower_bounds, upper_bounds, tol, max_iter = False, None, None, 1e-10, 1
    _closed_form = True

    @fill_doc
    def fit(self, X, y, sample_weight=None, groups=None):
        """Choose alpha by leave-one-out (``cv=None``) or k-fold CV and refit.

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

    def _l1_ratio_grid(self):
        return [0.0]
