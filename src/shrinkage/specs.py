"""The public description of a fit and of its result.

An estimator describes what to fit (a ``FitSpec``, and for cross-validation a ``CVSpec``)
and hands it, with the data, to the engine the data call for (``shrinkage.engines``);
the engine returns a ``FitResult`` or a ``CVResult`` that the estimator stores. The specs
hold the parameters as the user gave them: their checks are methods here, run by the
engine when it needs each value, so that the errors come in the order of the fit's steps.
"""

from dataclasses import dataclass, field

import numpy as np

from . import validation as v
from .penalties import ClassPenalty, ElasticNetPenalty

MULTINOMIAL_GROUPINGS = ("ungrouped", "grouped")


@dataclass(frozen=True)
class Features:
    """The columns a model was fitted on: their number, and their names (None when X
    had no string column names)."""

    n_features: int
    names: object = None


@dataclass(frozen=True)
class FitSpec:
    """One penalized fit, as the estimator's parameters describe it.

    Parameters
    ----------
    loss : shrinkage.losses.Loss
        The loss object (``losses.get_loss``).
    alpha, l1_ratio : float
        The penalty, unchecked.
    name : str
        Who fits (the estimator's class name), for the messages.
    fit_intercept, penalty_factor, positive, lower_bounds, upper_bounds, tol, max_iter
        As the estimators take them, unchecked.
    selection : str
        Coordinate-descent order (checked; cyclic is the one offered).
    warm_start : bool
        Whether a fit starts from the previous solution.
    warm_coef, warm_intercept : ndarray or None
        The fitted model to start from (with ``warm_start``); the engine uses it when
        its shape fits the data.
    delta : float, str or None
        The Huber threshold; with ``delta_rules`` None and ``"residuals"`` name
        ``HuberRegressor``'s rules, without it None is no threshold.
    multinomial : {"ungrouped", "grouped"}
        The grouping of a multinomial penalty.
    class_weight : dict, "balanced" or None
        A classifier's class weights, folded into the sample weights.
    closed_form : bool
        Ridge: the closed forms when no bound is set.
    multi_output : bool
        Whether a 2-d y fits each column on its own.
    extras : tuple of str
        The fit arguments that only in-memory data take (``class_weight``, ``groups``,
        ``offset``): the Dask engine refuses them by these names.
    """

    loss: object
    alpha: object
    l1_ratio: object
    name: str
    fit_intercept: object = True
    penalty_factor: object = None
    positive: object = False
    lower_bounds: object = None
    upper_bounds: object = None
    tol: object = 1e-4
    max_iter: object = 1000
    selection: object = "cyclic"
    warm_start: bool = False
    warm_coef: object = None
    warm_intercept: object = None
    delta: object = None
    delta_rules: bool = False
    multinomial: object = "ungrouped"
    class_weight: object = None
    closed_form: bool = False
    multi_output: bool = False
    extras: tuple = ()

    def penalty_arrays(self, n_features):
        """Checked penalty factors and bounds (and ``fit_intercept``), for any alpha:
        ``(factor, lower, upper)``."""
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise TypeError(f"fit_intercept must be True or False, got {self.fit_intercept!r}")
        factor = v.check_penalty_factor(self.penalty_factor, n_features)
        lower, upper = v.check_bounds(self.positive, self.lower_bounds, self.upper_bounds,
                                      n_features)
        return factor, lower, upper

    def penalty(self, n_features):
        """The checked penalty, and its alpha and penalty factors (for closed forms)."""
        alpha = v.check_alpha(self.alpha)
        l1_ratio = v.check_l1_ratio(self.l1_ratio)
        factor, lower, upper = self.penalty_arrays(n_features)
        penalty = ElasticNetPenalty.from_params(alpha, l1_ratio, factor, lower, upper)
        return penalty, alpha, factor

    def multinomial_options(self, n_features):
        """Checked penalty factors and grouping of a multinomial fit (no bounds: not
        offered there)."""
        if self.multinomial not in MULTINOMIAL_GROUPINGS:
            raise ValueError(f"multinomial must be 'ungrouped' or 'grouped', got "
                             f"{self.multinomial!r}")
        factor, lower, upper = self.penalty_arrays(n_features)
        if np.any(np.isfinite(lower)) or np.any(np.isfinite(upper)):
            raise ValueError("bounds (positive, lower_bounds, upper_bounds) are offered for "
                             "two classes only; the multinomial coefficients are unbounded")
        return factor, self.multinomial == "grouped"

    def class_penalty(self, n_features):
        """The checked penalty of a multinomial fit."""
        factor, grouped = self.multinomial_options(n_features)
        alpha, l1_ratio = v.check_alpha(self.alpha), v.check_l1_ratio(self.l1_ratio)
        return ClassPenalty.from_params(alpha, l1_ratio, factor, grouped)

    def checked_tol(self):
        return v.check_scalar_param(self.tol, "tol", low=0.0, low_open=True)

    def checked_max_iter(self):
        return v.check_scalar_param(self.max_iter, "max_iter", low=1, integer=True)


@dataclass(frozen=True)
class CVSpec:
    """Cross-validation along paths: what to fit (``fit``, its alpha unused) and how to
    choose.

    Parameters
    ----------
    fit : FitSpec
    l1_ratios : float or sequence of float
        The l1_ratios searched, unchecked (``fit.l1_ratio`` is not read).
    alphas, eps : int or array-like, float or None
        The grid, as ``regularization_path`` takes it.
    cv : None, int, splitter or iterable
        The folds.
    alpha_rule : {"min", "1se"}
    scoring : str or callable
        What the folds are scored by (the regressors without a ``scoring`` parameter:
        ``"mse"``).
    n_jobs : int or None
        Threads for the folds.
    relax : bool
        The relaxed lasso: each path's supports refitted without penalty, and
        (alpha, gamma) chosen jointly (``relax.py``); unchecked.
    gammas : array-like of float
        The blends searched with ``relax``, unchecked.
    """

    fit: FitSpec
    l1_ratios: object
    alphas: object = 100
    eps: object = None
    cv: object = 5
    alpha_rule: object = "min"
    scoring: object = "mse"
    n_jobs: object = None
    relax: object = False
    gammas: object = (0.0, 0.25, 0.5, 0.75, 1.0)

    # (model_selection, with scikit-learn's metrics, is imported where cross-validation
    # needs it: importing an estimator, or fitting one alpha, loads none of it)

    def checked_l1_ratios(self):
        from . import model_selection as ms

        return ms.check_l1_ratios(self.l1_ratios)

    def checked_alpha_rule(self):
        from . import model_selection as ms

        return ms.check_alpha_rule(self.alpha_rule)

    def checked_relax(self):
        """``relax`` as a bool, checked."""
        if not isinstance(self.relax, (bool, np.bool_)):
            raise TypeError(f"relax must be True or False, got {self.relax!r}")
        return bool(self.relax)

    def relaxation(self, lower, upper):
        """The ``relax.Relaxation`` that ``model_selection.cross_validate_paths`` takes,
        or None without ``relax``; ``lower``, ``upper``: the checked bounds, which the
        unpenalized refit cannot keep."""
        if not self.checked_relax():
            return None
        if not self.fit.loss.relaxes:
            raise ValueError(f"relax=True is not offered for loss={self.fit.loss.name!r} "
                             "yet; give relax=False")
        from .relax import Relaxation, check_gammas

        gammas = check_gammas(self.gammas)
        if np.any(np.isfinite(lower)) or np.any(np.isfinite(upper)):
            raise ValueError("relax=True refits each support without penalty and without "
                             "bounds; give positive=False and no lower_bounds or "
                             "upper_bounds, or relax=False")
        return Relaxation(gammas)

    def scorer(self, classes=None, delta=None):
        """The ``model_selection.Scorer`` of ``scoring`` (classes: a classifier's
        labels; delta: the Huber threshold)."""
        from . import model_selection as ms

        if self.fit.loss.numeric_target:
            return ms.regression_scorer(self.scoring, self.fit.loss, delta)
        return ms.get_scorer(self.scoring, classes)


@dataclass(frozen=True)
class FitResult:
    """A fitted model: what an estimator stores.

    Parameters
    ----------
    coef : ndarray
        (p,), (n_targets, p) for a 2-d y, (1, p) or (K, p) for a classifier.
    intercept : float or ndarray
    gap : float or ndarray
        Relative duality gap (or Newton decrement where no penalty).
    n_iter : int or ndarray
        Epochs (passes over dask data).
    features : Features
    classes : ndarray or None
        A classifier's classes.
    separation : dict or None
        Where an unpenalized logistic fit found separable classes.
    delta : float or None
        The Huber threshold used.
    """

    coef: object
    intercept: object
    gap: object
    n_iter: object
    features: Features
    classes: object = None
    separation: object = None
    delta: object = None


@dataclass(frozen=True)
class CVResult:
    """A cross-validated fit: the paths and scores, and how alpha is to be chosen.

    Parameters
    ----------
    paths : model_selection.CVPaths
    l1_ratios : list of float
    alpha_rule : {"min", "1se"}
    scoring : model_selection.Scorer
    features : Features
    classes : ndarray or None
    delta : float or None
        The Huber threshold used.
    n_iter : int or None
        The refit's cost when it is not the whole path's epochs (closed forms: 1).
    n_passes : int or None
        Passes over dask data.
    certify : callable or None
        ``certify(alpha, coef, intercept)``: the refit model's gap, where the paths carry
        none (leave-one-out certifies the chosen model only).
    constant_target : float or None
        The value of a constant target (cross-validation then cannot choose).
    mean, se : ndarray or None
        The scores' mean and standard error over the folds, where not
        ``model_selection.summarize``'s of ``paths.test_scores``.
    keeps_every_feature : bool
        The folds' fits keep every feature at every alpha (ridge's leave-one-out, whose
        fits are not kept): the selection frequencies are all 1.
    """

    paths: object
    l1_ratios: list
    alpha_rule: str
    scoring: object
    features: Features
    classes: object = None
    delta: object = None
    n_iter: object = None
    n_passes: object = None
    certify: object = field(default=None, compare=False)
    constant_target: object = None
    mean: object = None
    se: object = None
    keeps_every_feature: bool = False

    def selection_frequency(self, ratio, index):
        """The share of folds whose fit keeps each feature at row ``ratio`` and alpha
        ``index`` (``CVPaths.selection_frequency``), or None where none is known."""
        if self.keeps_every_feature:
            return np.ones(self.features.n_features)
        return self.paths.selection_frequency(ratio, index)

    def summary(self):
        """The mean score over the folds and its standard error: ``(mean, se)``."""
        if self.mean is not None:
            return self.mean, self.se
        from . import model_selection as ms

        return ms.summarize(self.paths.test_scores)

    def choice(self):
        """``(ratio, i_min, i_1se, chosen)``: the l1_ratio's row, the indices of the best
        alpha and of the one-standard-error alpha, and the one ``alpha_rule`` keeps."""
        mean, se = self.summary()
        from . import model_selection as ms

        ratio, i_min, i_1se = ms.choose_alpha(mean, se, self.paths.alphas,
                                              self.scoring.greater_is_better)
        return ratio, i_min, i_1se, (i_min if self.alpha_rule == "min" else i_1se)

    def relaxed_summary(self):
        """The relaxed models' mean score over the folds and its standard error, each of
        shape (n_l1_ratios, n_gammas, n_alphas); None without ``relax``."""
        if self.paths.relaxed_test_scores is None:
            return None
        from . import model_selection as ms

        return ms.summarize(self.paths.relaxed_test_scores)

    def relaxed_choice(self):
        """``(ratio, (g_min, i_min), (g_1se, i_1se), (g, i))``: the l1_ratio's row, the
        (gamma, alpha) indices of the best relaxed model, of the one-standard-error one
        (``relax.choose_relaxed``) and of the one ``alpha_rule`` keeps."""
        from .relax import choose_relaxed

        mean, se = self.relaxed_summary()
        ratio, best, simplest = choose_relaxed(mean, se, self.paths.alphas,
                                               self.paths.gammas,
                                               self.scoring.greater_is_better)
        return ratio, best, simplest, (best if self.alpha_rule == "min" else simplest)

    def refit(self):
        """The chosen model's ``(coef, intercept)``, as the whole-data path holds them
        (relaxed: the chosen blend of the path and its refit)."""
        if self.paths.refits is not None:
            from .relax import relaxed_model

            ratio, _, _, (i_gamma, i_alpha) = self.relaxed_choice()
            return relaxed_model(self.paths.paths[ratio], self.paths.refits[ratio],
                                 self.paths.gammas, i_gamma, i_alpha)
        ratio, _, _, chosen = self.choice()
        path = self.paths.paths[ratio]
        return path.coefs[chosen], path.intercepts[chosen]
