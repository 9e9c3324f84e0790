"""Docstring sections shared by several estimators, written once.

A class docstring names a shared section by a marker on a line of its own
(``<<penalty_params>>``); ``fill_doc`` replaces it when the class is defined, so that
``help(Lasso)`` and ``Lasso?`` show the whole text and the text lives in one place.
"""

import re

#: the attributes scikit-learn's validation sets on every fitted estimator
FEATURES = """\
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when X has string column names."""

#: the penalty's parameters (after ``fit_intercept`` where the model has an intercept)
PENALTY_PARAMS = """\
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multipliers ``f_j >= 0`` of the penalty; 0 leaves a feature
        unpenalized. Used as given (glmnet rescales them to sum to n_features; we do
        not).
    positive : bool, default=False
        Constrain every coefficient to be >= 0.
    lower_bounds : float or array-like of shape (n_features,), default=None
        Lower bound of each coefficient, <= 0 (None: unbounded).
    upper_bounds : float or array-like of shape (n_features,), default=None
        Upper bound of each coefficient, >= 0 (None: unbounded).
    tol : float, default=1e-4
        Target relative duality gap: (primal - dual) divided by the objective at
        w = 0 with the intercept fitted, so that it means the same on every problem
        and penalty.
    max_iter : int, default=1000
        Budget of coordinate-descent epochs."""

SECTIONS = {
    "penalty_params": """\
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
""" + PENALTY_PARAMS,
    "penalty_params_no_intercept": PENALTY_PARAMS,
    "alpha_l1_ratio": """\
    alpha : float, default=0.01
        Penalty strength, >= 0.
    l1_ratio : float, default=0.5
        1 is the L1 penalty, 0 the L2 penalty.""",
    "warm_start": """\
    warm_start : bool, default=False
        Start from the previous solution when fitting again (one-column y only).""",
    "selection": """\
    selection : {"cyclic"}, default="cyclic"
        scikit-learn's coordinate order, accepted so that ported code runs:
        coordinates are visited in the order of working sets built from the KKT
        violations, and ``"random"`` raises a ValueError that says so.""",
    "cv_params": """\
    alphas : int or array-like, default=100
        An int builds that many log-spaced values per l1_ratio from the data (see
        ``eps``); an array is used as given, sorted decreasing. A float or a bool is
        an error, as in scikit-learn.
    eps : float, default=None
        Ratio of the smallest to the largest generated alpha. None: the lasso runs
        from its exact ``alpha_max`` down to glmnet's ``1e-3 * alpha_max`` (``1e-2``
        when n < p); ridge over the effective degrees of freedom from 0.01 to nearly
        the rank of X (down to where no direction of the data loses more than 1e-4 of
        its least-squares coefficient); an elastic-net row down to the lower of the
        lasso's end and the alpha whose L2 part is ridge's end.
    cv : int, cross-validation splitter or iterable of (train, test), default=5
        As scikit-learn accepts it: an int is ``KFold`` (``StratifiedKFold`` for
        classifiers) without shuffling.
    alpha_rule : {"min", "1se"}, default="min"
        ``"min"``: the alpha with the best mean CV score. ``"1se"``: the largest
        alpha whose mean score is within one standard error of the best (glmnet's
        ``lambda.1se``).""",
    "relax_params": """\
    relax : bool, default=False
        The relaxed lasso (glmnet's ``relax = TRUE``): at each alpha the support is
        refitted without penalty on its columns (for the squared loss, least squares,
        minimum-norm where they are rank-deficient), and the model searched is the blend
        ``gamma * lasso + (1 - gamma) * refit``; each fold scores every (alpha,
        gamma) on its held-out rows and ``alpha_rule`` chooses both jointly. Not
        offered with bounds, nor on dask data yet.
    gammas : array-like of float in [0, 1], default=(0, 0.25, 0.5, 0.75, 1)
        The blends searched with ``relax=True`` (1: the lasso, 0: the refit).""",
    "relax_attributes": """\
    gamma_ : float
        With ``relax=True``: the chosen blend; ``coef_`` and ``intercept_`` are the
        relaxed model ``gamma_ * lasso + (1 - gamma_) * refit`` at ``alpha_``, and
        ``alpha_min_`` / ``alpha_1se_`` the alphas of the joint choice. ``"1se"``
        takes, on the best l1_ratio's row, the simplest model within one standard
        error of the best: the largest alpha, then the largest gamma. ``dual_gap_``
        and ``n_iter_`` stay those of the lasso path the blend starts from.
    gamma_min_, gamma_1se_ : float
        The gammas of the best and of the one-standard-error relaxed models.
    gammas_ : ndarray of shape (n_gammas,)
        The gammas searched, increasing.
    relaxed_cv_mean_, relaxed_cv_se_ : ndarray of shape (n_l1_ratios, n_gammas, n_alphas)
        Mean validation score of the relaxed models and its standard error
        (``cv_mean_`` stays the lasso's: it equals the row of gamma = 1).
    refit_coef_path_ : ndarray of shape (n_l1_ratios, n_alphas, n_features)
        The unpenalized refit of each alpha's support on the whole data.
    refit_intercept_path_ : ndarray of shape (n_l1_ratios, n_alphas)
        Its intercepts.""",
    "n_jobs": """\
    n_jobs : int, default=None
        Threads over the folds (the solvers release the GIL); -1 uses every core.""",
    "fitted_attributes": """\
    n_iter_ : int
        Epochs run.
    dual_gap_ : float
        Relative duality gap reached: the certificate of the solution.
""" + FEATURES,
    "regressor_attributes": """\
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients.
    intercept_ : float or ndarray of shape (n_targets,)
        Intercept (0 when ``fit_intercept=False``).
    n_iter_ : int or ndarray of shape (n_targets,)
        Coordinate-descent epochs run (1 for a closed form).
    dual_gap_ : float or ndarray of shape (n_targets,)
        Relative duality gap reached: the certificate of the solution.
""" + FEATURES,
    "cv_refit_attributes": """\
    coef_ : ndarray of shape (n_features,)
        Coefficients of the refit model.
    intercept_ : float
        Its intercept.
    dual_gap_ : float
        Relative duality gap of the refit model.
    n_iter_ : int
        Coordinate-descent epochs of the whole-data path that gave the refit model.
""" + FEATURES,
    "features": FEATURES,
    "samples": """\
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Samples.""",
    "fit_data": """\
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.""",
    "fit_weights": """\
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights, rescaled internally to sum to n_samples.""",
    "cv_fit_weights": """\
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the fits and of the validation scores.
    groups : array-like of shape (n_samples,), default=None
        Group labels for a group splitter given as ``cv``.""",
    "returns_self": """\
    self
        The fitted estimator.""",
    "display_estimator": """\
    estimator : fitted cross-validated estimator
        LassoCV, ElasticNetCV, RidgeCV, LogisticRegressionCV, PoissonRegressorCV or
        HuberRegressorCV, or a Pipeline ending in one.""",
    "display_ax": """\
    ax : matplotlib Axes, default=None
        Where to draw (a new figure by default).""",
    "cv_attributes": """\
    alpha_ : float
        The chosen alpha (``alpha_min_`` or ``alpha_1se_`` as ``alpha_rule`` says).
    alpha_min_ : float
        The alpha of the best mean CV score.
    alpha_1se_ : float
        The largest alpha within one standard error of the best.
    alpha_at_edge_ : {"smallest", "largest"} or None
        The end of the grid where the best alpha lies while the CV score still
        improves there (a ``GridEdgeWarning`` says so); None when it is inside.
    l1_ratio_ : float
        The l1_ratio of the best mean score.
    l1_ratios_ : list of float
        The l1_ratio of each row of the arrays below.
    alphas_ : ndarray of shape (n_l1_ratios, n_alphas)
        Decreasing grid of each l1_ratio.
    cv_mean_ : ndarray of shape (n_l1_ratios, n_alphas)
        Mean validation score over the folds.
    cv_se_ : ndarray of shape (n_l1_ratios, n_alphas)
        Its standard error, sd / sqrt(n_folds).
    cv_scores_ : ndarray of shape (n_l1_ratios, n_folds, n_alphas)
        Validation score of every fold.
    train_mean_ : ndarray of shape (n_l1_ratios, n_alphas)
        Score of the whole-data path on the data it was fitted to.
    coef_path_ : ndarray of shape (n_l1_ratios, n_alphas, n_features)
        The path on the whole data; ``coef_`` is its entry at the chosen alpha.
    intercept_path_ : ndarray of shape (n_l1_ratios, n_alphas)
        Intercepts of that path.
    n_nonzero_path_ : ndarray of shape (n_l1_ratios, n_alphas)
        Non-zero coefficients along it.
    scoring_ : str
        What ``cv_mean_`` measures.
    selection_frequency_ : ndarray of shape (n_features,)
        For each feature, the share of the folds whose path keeps it (a non-zero
        coefficient; with several classes, non-zero in any class) at the chosen
        l1_ratio and alpha: how stable the selection is. The folds' supports are kept
        as bits, n_l1_ratios x n_folds x n_alphas x n_features of them. Ridge keeps
        every feature at alpha > 0: all 1 (leave-one-out reads it so without keeping
        its n fits). Dask input gives it too (the folds' paths are on the client).""",
}


def fill_doc(obj):
    """Decorator: replace each ``<<name>>`` line of a class or function docstring by its
    section, indented as the marker is (sections are written for 4 spaces)."""
    def section(match):
        extra = " " * (len(match.group(1)) - 4)
        return "\n".join(extra + line if line else line
                         for line in SECTIONS[match.group(2)].splitlines())

    doc = re.sub(r"^( +)<<(\w+)>>$", section, obj.__doc__, flags=re.MULTILINE)
    if "<<" in doc:
        raise ValueError(f"{obj.__name__}: unknown docstring section in {doc!r}")
    obj.__doc__ = doc
    return obj
