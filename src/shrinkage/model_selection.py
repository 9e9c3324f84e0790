"""Cross-validation along regularization paths: folds, scores, and the choice of alpha.

Every fold runs one warm-started path per l1_ratio on its training rows (the squared loss
in covariance mode shares one downdated Gram matrix across the fold's l1_ratios), and
scores every alpha of it on the held-out rows. The folds, and the path on the whole data
that gives ``coef_path_`` and the refit, run as parallel tasks in threads: the numba
kernels release the GIL.
"""

from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing

from . import validation as v
from .path import compute_path, resolve_alphas
# the scorers live in scorers.py; the callers of ``ms.get_scorer`` find them here too
from .scorers import SCORERS, Scorer, get_scorer, regression_scorer  # noqa: F401
from .solvers.blas import blas_threads
from .solvers.cd import make_problem
from .solvers.gram import gram_suits, share_covariance
from .supports import share_kept, stack_support, support_bits

@dataclass(frozen=True)
class CVPaths:
    """Scores of every (l1_ratio, fold, alpha), and the whole-data paths.

    Attributes
    ----------
    alphas : ndarray of shape (n_l1_ratios, n_alphas)
        Decreasing grid of each l1_ratio.
    test_scores : ndarray of shape (n_l1_ratios, n_folds, n_alphas)
    train_scores : ndarray of shape (n_l1_ratios, n_alphas)
        Scores of the whole-data paths on the whole data.
    paths : list of Path
        The path of each l1_ratio on all the data.
    gammas : ndarray of shape (n_gammas,) or None
        The relaxed lasso's blends (``relax.Relaxation``); None: not relaxed.
    relaxed_test_scores : ndarray of shape (n_l1_ratios, n_folds, n_gammas, n_alphas)
        Scores of each fold's relaxed models (None: not relaxed).
    refits : list of relax.Refits or None
        The unpenalized refit of each whole-data path's supports.
    fold_support : ndarray of uint8 or None
        Which features each fold's path keeps (non-zero; for the multinomial, non-zero in
        any class) at every (l1_ratio, alpha): booleans of shape (n_l1_ratios, n_folds,
        n_alphas, n_features) packed 8 to a byte along the features (``np.packbits``),
        so n_l1_ratios x n_folds x n_alphas x n_features bits in all (5 folds x 100
        alphas x 10,000 features: 625 kB). None where the fold paths are not kept.
    """

    alphas: np.ndarray
    test_scores: np.ndarray
    train_scores: np.ndarray
    paths: list
    gammas: np.ndarray = None
    relaxed_test_scores: np.ndarray = None
    refits: list = None
    fold_support: np.ndarray = None

    def selection_frequency(self, ratio, index):
        """The share of folds whose path keeps each feature at row ``ratio``, alpha
        ``index``: ndarray of shape (n_features,), or None without ``fold_support``."""
        if self.fold_support is None:
            return None
        return share_kept(self.fold_support[ratio, :, index],
                          np.shape(self.paths[ratio].coefs)[-1])


def make_folds(cv, X, y, groups, classifier):
    """The (train, test) index pairs of ``cv``, checked; raises naming ``cv``."""
    n = X.shape[0]
    if isinstance(cv, (int, np.integer)) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must be at least 2 folds, got {cv}")
        if cv > n:
            raise ValueError(f"cv={cv} folds but X has only {n} samples; "
                             f"use cv <= {n}")
    try:
        splitter = check_cv(cv, y, classifier=classifier)
        folds = [(np.asarray(train), np.asarray(test))
                 for train, test in splitter.split(X, y, groups)]
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"cv: {exc}") from None
    if len(folds) == 0:
        raise ValueError("cv gave no (train, test) split")
    for k, (train, test) in enumerate(folds):
        if len(train) < 2 or len(test) < 1:
            raise ValueError(f"cv: fold {k} has {len(train)} training and {len(test)} test "
                             "samples; each fold needs at least 2 and 1")
    return folds


def check_fold_classes(folds, y, scorer):
    """Every training part must hold every class (and every test part too for ROC AUC)."""
    everything = np.unique(y)
    for k, (train, test) in enumerate(folds):
        parts = [("training", train)] + ([("test", test)] if scorer.needs_both_classes
                                         else [])
        for part, rows in parts:
            classes = np.unique(y[rows])
            if len(classes) < 2:
                raise ValueError(
                    f"fold {k}'s {part} part holds a single class ({classes[0]!r}); "
                    "use fewer folds or a stratified splitter (StratifiedKFold)")
            missing = np.setdiff1d(everything, classes)
            if missing.size:
                raise ValueError(
                    f"fold {k}'s {part} part lacks class {missing[0]!r}; use fewer folds "
                    "or a stratified splitter (StratifiedKFold)")


def path_decision_values(X, coefs, intercepts):
    """Decision values of every alpha of a path on ``X``: (n, n_alphas), or
    (n, n_alphas, n_classes) for the multinomial loss (``coefs`` of shape
    (n_alphas, n_classes, n_features))."""
    if coefs.ndim == 3:
        n_alphas, n_classes, n_features = coefs.shape
        flat = np.asarray(X @ coefs.reshape(-1, n_features).T)
        return flat.reshape(X.shape[0], n_alphas, n_classes) + intercepts[None]
    return X @ coefs.T + intercepts


def cross_validate_paths(X, y, sw, *, loss, l1_ratios, alphas, eps, factor, lower, upper,
                         fit_intercept, folds, scoring, tol, max_iter, n_jobs,
                         grouped=False, offset=None, delta=None, relax=None, blocks=None):
    """Fit every fold's paths and the whole data's, and score the folds.

    ``y`` is the float target (squared, Poisson, Huber) or labels in {-1, +1}
    (logistic); inputs are validated; ``scoring`` is a ``Scorer``; ``offset`` (Poisson,
    one per sample) follows the rows into the folds and their scores, ``delta`` (Huber)
    is the same for every fold. ``blocks`` (a ``penalties_group.GroupStructure``): the
    group penalty. ``relax`` (a ``relax.Relaxation``) refits each path's
    supports on the fold's training rows and scores every (gamma, alpha) blend too.
    Returns a ``CVPaths``.
    """
    options = {} if delta is None else {"delta": delta}
    if offset is not None:
        options["offset"] = offset
    full = make_problem(X, y, loss, sw, fit_intercept, **options)
    grids = np.array([np.sort(resolve_alphas(alphas, eps, full, r, factor, lower, upper,
                                             grouped, blocks))[::-1] for r in l1_ratios])
    share = blocks is None and gram_suits(full, factor == 0) and sw is None
    if share:
        share_covariance(full, full, X[:0], y[:0])  # the full sums, once, before threads
    fold_shift = np.zeros(X.shape[1]) if full.shift is None else full.shift
    ones = np.ones(X.shape[0]) if sw is None else sw

    def paths_of(problem, X_in, w_in):
        return [compute_path(problem, grid, r, factor, lower, upper, tol=tol,
                             max_iter=max_iter, X=X_in, sample_weight=w_in,
                             grouped=grouped, blocks=blocks)
                for r, grid in zip(l1_ratios, grids)]

    def fold_scores(train, test):
        X_in, X_out = _safe_indexing(X, train), _safe_indexing(X, test)
        w_in = None if sw is None else sw[train]
        fold_options = dict(options)
        if offset is not None:
            fold_options["offset"] = offset[train]
        # the whole data's shift of far-from-zero columns (none: none), so that the
        # fold's covariance terms can be downdated from the whole data's
        problem = make_problem(X_in, y[train], loss, w_in, fit_intercept, shift=fold_shift,
                               **fold_options)
        if share:
            share_covariance(full, problem, X_out, y[test])
        paths = paths_of(problem, X_in, w_in)
        X_out = X if scoring.whole_rows else X_out
        return ([scored(p, X_out, test, (X_in, y[train], w_in, fold_options)) for p in paths],
                support_bits([p.coefs for p in paths]))

    def score(z, rows):  # (z: the decision values of rows, or of all rows)
        if scoring.whole_rows:
            return scoring.function(y, z, ones, rows)
        z = z if offset is None else z + offset[rows][:, None]  # the rows' offsets
        return scoring.function(y[rows], z, ones[rows])

    def scored(path, X_out, rows, refit_on):
        """The path's scores on ``rows``, and its relaxed models' (None: no relax)."""
        z = path_decision_values(X_out, path.coefs, path.intercepts)
        lasso = score(z, rows)
        if relax is None:
            return lasso, None
        X_in, y_in, w_in, refit_options = refit_on
        refits = relax.refit(path, X_in, y_in, w_in, loss=loss, polish=False,
                             fit_intercept=fit_intercept, options=refit_options)
        z_refit = path_decision_values(X_out, refits.coefs, refits.intercepts)
        return lasso, [score(blended, rows) for blended in relax.decision_values(z, z_refit)]

    tasks = [delayed(fold_scores)(train, test) for train, test in folds]
    tasks.append(delayed(paths_of)(full, X, sw))
    # BLAS shares the cores with the folds running at once (solvers/blas.py)
    with blas_threads(X, min(effective_n_jobs(n_jobs), len(tasks))):
        *fold_results, full_paths = Parallel(n_jobs=n_jobs, prefer="threads")(tasks)
    test = np.array([[lasso for lasso, _ in fold] for fold, _ in fold_results])
    test = test.transpose(1, 0, 2)
    relaxed = {} if relax is None else _relaxed_fields(relax, [f for f, _ in fold_results], [
        relax.refit(p, X, y, sw, loss=loss, fit_intercept=fit_intercept, options=options)
        for p in full_paths])
    # training error of the whole-data fits: one product per l1_ratio, not one per fold
    everything = np.arange(X.shape[0])
    train = np.array([score(path_decision_values(X, p.coefs, p.intercepts), everything)
                      for p in full_paths])
    return CVPaths(alphas=grids, test_scores=test, train_scores=train, paths=full_paths,
                   fold_support=stack_support([bits for _, bits in fold_results]),
                   **relaxed)


def _relaxed_fields(relax, fold_results, refits):
    """The ``CVPaths`` fields of a relaxed cross-validation: the gammas, the folds'
    relaxed scores as (n_l1_ratios, n_folds, n_gammas, n_alphas), the whole data's
    refits."""
    scores = np.array([[blends for _, blends in fold] for fold in fold_results])
    return {"gammas": relax.gammas, "relaxed_test_scores": scores.transpose(1, 0, 2, 3),
            "refits": refits}


def summarize(scores):
    """Mean over folds and its standard error, ``sd / sqrt(n_folds)`` (glmnet's cvsd).

    ``scores`` has shape (n_l1_ratios, n_folds, n_alphas) (or, relaxed, with the gammas
    before the alphas); one fold gives an SE of 0.
    A fold scored NaN at every alpha had nothing to score (a Cox fold whose held-out
    rows hold no event, so no comparable pair and no event weight): it is left out.
    """
    # (the folds are axis 1: of (l1_ratio, fold, alpha), or the relaxed lasso's
    # (l1_ratio, fold, gamma, alpha))
    scorable = ~np.all(np.isnan(scores), axis=tuple(a for a in range(scores.ndim) if a != 1))
    if not scorable.any():
        raise ValueError("no cross-validation fold could be scored (every score is "
                         "NaN): use fewer folds (cv), or data with more events")
    scores = scores[:, scorable]
    n_folds = scores.shape[1]
    mean = scores.mean(axis=1)
    if n_folds < 2:
        return mean, np.zeros_like(mean)
    return mean, scores.std(axis=1, ddof=1) / np.sqrt(n_folds)


def choose_alpha(mean, se, alphas, greater_is_better=False):
    """Indices of the best score and of the one-standard-error choice.

    Parameters
    ----------
    mean, se, alphas : ndarray of shape (n_l1_ratios, n_alphas)
    greater_is_better : bool

    Returns
    -------
    (ratio, i_min, i_1se) : the row of the best mean, its column, and the column of the
        largest alpha of that row whose mean lies within one standard error of the best
        (glmnet's ``lambda.1se``). Ties go to the larger alpha.
    """
    loss = -mean if greater_is_better else mean
    if not np.any(np.isfinite(loss)):
        raise ValueError("every cross-validation score is NaN or infinite")
    loss = np.where(np.isfinite(loss), loss, np.inf)
    # among equal losses, prefer the larger alpha (the simpler model)
    order = np.lexsort((-alphas.ravel(), loss.ravel()))
    ratio, i_min = np.unravel_index(order[0], loss.shape)
    threshold = loss[ratio, i_min] + se[ratio, i_min]
    within = np.flatnonzero(loss[ratio] <= threshold)
    i_1se = within[np.argmax(alphas[ratio, within])]
    return int(ratio), int(i_min), int(i_1se)


class GridEdgeWarning(UserWarning):
    """Warning that the best alpha of a cross-validation lies on an end of its grid.

    Given when the validation error still improves at that end: a wider grid (``eps``,
    or ``alphas`` reaching further) may hold a better alpha. The estimator's
    ``alpha_at_edge_`` says which end.

    See Also
    --------
    RidgeCV : Its default grid spans the effective degrees of freedom.
    LassoCV : Its default grid ends at glmnet's 1e-3 alpha_max.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklearn.datasets import make_regression
    >>> from shrinkage import GridEdgeWarning, RidgeCV
    >>> X, y = make_regression(200, 10, noise=1.0, random_state=1)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     model = RidgeCV(alphas=np.logspace(-1, 3, 20)).fit(X, y)
    >>> caught[0].category is GridEdgeWarning, model.alpha_at_edge_
    (True, 'smallest')
    """


#: the CV error "still falls" at an end of the grid when the last step lowers it by more
#: than this fraction of its standard error (a plateau, where the fits no longer change,
#: does not count)
EDGE_FALL = 1e-2


def grid_edge(loss, se, top_is_null):
    """Which end of a decreasing grid holds the minimum of ``loss`` while it still falls.

    Parameters
    ----------
    loss, se : ndarray of shape (n_alphas,)
        Mean validation loss (lower is better) along the grid and its standard error.
    top_is_null : bool
        Whether the largest alpha already gives the null model (every penalized
        coefficient zero): no larger alpha can then do better.

    Returns
    -------
    "smallest", "largest" or None
    """
    if loss.size < 2 or not np.all(np.isfinite(loss)):
        return None
    best = int(np.argmin(loss))
    for end, neighbour, name in ((loss.size - 1, loss.size - 2, "smallest"),
                                 (0, 1, "largest")):
        if best != end or (name == "largest" and top_is_null):
            continue
        margin = EDGE_FALL * se[end] if se[end] > 0 else 1e-12 * abs(loss[end])
        if loss[neighbour] - loss[end] > margin:
            return name
    return None


def check_alpha_rule(alpha_rule):
    if alpha_rule not in ("min", "1se"):
        raise ValueError(f"alpha_rule must be 'min' or '1se', got {alpha_rule!r}")
    return alpha_rule


def check_l1_ratios(l1_ratio):
    """A float or a non-empty sequence of floats in [0, 1], as a list."""
    values = np.atleast_1d(np.asarray(l1_ratio, dtype=object))
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"l1_ratio must be a float or a non-empty list, got {l1_ratio!r}")
    return [v.check_l1_ratio(r) for r in values]
