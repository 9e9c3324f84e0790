"""The losses ``shrinkage compare`` can fit: one small class each, in a registry keyed by
name (``LOSSES``).

A loss's class holds all that the comparison asks of it: its four models (no penalty,
L1, L2, elastic net), its cross-validation scorer, its test loss per sample and every
test metric, its inverse link, the moments of its test losses and its terms for
distributed Newton passes. The name is resolved once (``loss_class``), where the task is
chosen; nothing after it asks a loss for its name. A new loss is a new class here and
one entry in ``LOSSES``.
"""

import warnings
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .. import model_selection as ms
from ..datafits_cox import Cox
from ..glm import HuberRegressor, PoissonRegressor
from ..glm_cv import HuberRegressorCV, PoissonRegressorCV
from ..linear_model import Ridge
from ..linear_model_cv import ElasticNetCV, LassoCV, LogisticRegressionCV, RidgeCV
from ..logistic import LogisticRegression
from ..survival import CoxRegressor, CoxRegressorCV
from ..losses import HUBER, LOGISTIC, MULTINOMIAL, POISSON, SQUARED, concordance_index
from ..scale.terms import HuberTerms, LogisticTerms, PoissonTerms
from ..scale.terms_multinomial import MultinomialTerms
from ..tables import UserError

#: l1_ratios searched for the elastic net, jointly with alpha
EN_RATIOS = (0.1, 0.3, 0.5, 0.7, 0.9, 0.95)
#: the grid of the Huber threshold's pilot lasso
PILOT_ALPHAS = 20
#: the penalties other than none, and the l1_ratio each CV model searches
PENALIZED_RATIOS = (("l1", 1.0), ("l2", 0.0), ("elasticnet", list(EN_RATIOS)))


@dataclass(frozen=True)
class CompareLoss:
    """One loss of the comparison (the base of every loss's class).

    ``CompareLoss(name, ...)`` builds the class registered under ``name`` (as
    ``pathlib.Path`` builds a ``PosixPath``); an unknown name is a ``ValueError``.

    Attributes
    ----------
    name : str
        The key of ``LOSSES``.
    cv_scoring : str
        What the folds are scored by (the models' ``scoring_``).
    test_key : str
        The test metric the penalties are ranked by (lower is better).
    test_columns : tuple of str
        Every test metric reported, the ranking one first.
    delta : float or None
        The Huber threshold, fixed once on the training target.
    least_squares : bool
        The unpenalized fit is least squares: its residual share is known, its folds
        share one Gram matrix, every fit follows from p x p sums, and a target that is
        an exact combination of the columns can be told.
    """

    name: str
    cv_scoring: str
    test_key: str
    test_columns: tuple
    delta: float = None

    least_squares: ClassVar[bool] = False
    #: a CV estimator that cross-validates alpha = 0 itself (``alphas=[0.0]``) on the
    #: penalized models' folds and scorer: the unpenalized model's CV score comes from
    #: it (else from refitting the unpenalized model on each fold)
    zero_alpha_cv: ClassVar[type] = None

    def __new__(cls, name=None, *args, **kwargs):
        return super().__new__(loss_class(name) if cls is CompareLoss else cls)

    @classmethod
    def check_target(cls, target):
        """Refuse a target (a ``prepare.TargetSummary``) the loss cannot fit."""

    @classmethod
    def on_training(cls, threshold):
        """The loss, with what it fixes once on the training rows: ``threshold()``
        gives the Huber threshold by ``HuberRegressorCV``'s ``"residuals"`` rule where
        the rows are (only a loss that needs it calls it)."""
        return cls()

    def estimators(self, common):
        """The four models, keyed by penalty; ``common`` are the CV models' settings."""
        raise NotImplementedError

    def scorer(self):
        """The CV scorer of ``(targets, decision values (n, k), weights)``."""
        return ms.regression_scorer(self.cv_scoring, self.name, self.delta)

    def per_sample(self, y, z):
        """The ranking test loss of each sample (broadcast over a path's columns)."""
        raise NotImplementedError

    def path_losses(self, y, z_path):
        """The ranking test loss of each column of ``z_path`` (n, n_alphas): a path's
        models on the rows ``y``."""
        return np.mean(self.per_sample(y[:, None], z_path), axis=0)

    @classmethod
    def strata(cls, target):
        """What the split and the folds are stratified by (None: not stratified)."""
        return None

    @classmethod
    def check_split(cls, train, test, n_folds):
        """Refuse a split whose held-out rows cannot judge the models, or whose training
        rows cannot fill ``n_folds`` folds (``UserError``)."""

    def mean(self, z):
        """The inverse link: the predicted mean of each decision value."""
        return z

    def metrics(self, y, z):
        """Every test metric of the decision values ``z`` (a regression's: the ranking
        loss, then R^2 and the mean absolute error of the mean as ``test_columns``
        ask)."""
        from sklearn.metrics import r2_score

        out = {self.test_key: float(np.mean(self.per_sample(y, z)))}
        mean = self.mean(z)
        extra = {"test_r2": r2_score(y, mean), "test_mae": np.mean(np.abs(y - mean))}
        out.update({k: float(extra[k]) for k in self.test_columns[1:]})
        return out

    def moments(self, y, decisions):
        """The rows' count, the mean test loss of each of the ``decisions`` (decision
        values of one model each) and the scatter matrix of the losses about their
        means."""
        m = len(decisions)
        if len(y) == 0:
            return 0, np.zeros(m), np.zeros((m, m))
        losses = np.column_stack([self.per_sample(y, z) for z in decisions])
        mean = losses.mean(axis=0)
        centred = losses - mean
        return len(y), mean, centred.T @ centred

    def newton_terms(self, classes, location):
        """The terms of distributed Newton passes (``scale.terms``); ``location(delta)``
        gives the Huber location of the training targets where the rows are."""
        raise NotImplementedError(f"the {self.name} loss is not fitted by Newton passes")


@dataclass(frozen=True)
class SquaredLoss(CompareLoss):
    """Least squares: ranked by the test mean squared error."""

    name: str = "squared"
    cv_scoring: str = "mse"
    test_key: str = "test_mse"
    test_columns: tuple = ("test_mse", "test_r2")

    least_squares: ClassVar[bool] = True
    zero_alpha_cv: ClassVar[type] = RidgeCV  # its folds share one Gram matrix

    def estimators(self, common):
        return {"none": Ridge(alpha=0.0),  # minimum-norm least squares
                "l1": LassoCV(**common), "l2": RidgeCV(**common),
                "elasticnet": ElasticNetCV(l1_ratio=list(EN_RATIOS), **common)}

    def per_sample(self, y, z):
        return SQUARED.per_sample(y, z)


@dataclass(frozen=True)
class LogisticLoss(CompareLoss):
    """Classification, binary (labels in {-1, +1}) or multinomial (class codes with
    (n, K) scores): ranked by the test log loss."""

    name: str = "logistic"
    cv_scoring: str = "log_loss"
    test_key: str = "test_log_loss"
    test_columns: tuple = ("test_log_loss", "test_accuracy", "test_roc_auc")

    def estimators(self, common):
        return {"none": LogisticRegression(alpha=0.0, l1_ratio=0.0, max_iter=100),
                **{p: LogisticRegressionCV(l1_ratio=r, **common)
                   for p, r in PENALIZED_RATIOS}}

    def scorer(self):
        return ms.get_scorer(self.cv_scoring)

    @classmethod
    def strata(cls, target):
        return target

    def per_sample(self, y, z):
        if np.ndim(z) == np.ndim(y) + 1:  # class scores on the last axis
            return MULTINOMIAL.per_sample(np.ravel(y), z)
        return LOGISTIC.per_sample(y, z)

    def mean(self, z):
        """Class probabilities: of the positive class, or (n, K) of each."""
        return (MULTINOMIAL if np.ndim(z) == 2 else LOGISTIC).mean(z)

    def metrics(self, y, z):
        from sklearn.metrics import balanced_accuracy_score, roc_auc_score

        out = {self.test_key: float(np.mean(self.per_sample(y, z)))}
        if z.ndim == 2:
            K = z.shape[1]
            predicted = np.argmax(z, axis=1)
            auc = roc_auc_score(y, self.mean(z), multi_class="ovr", average="macro",
                                labels=np.arange(K))
            return {**out, "test_accuracy": float(np.mean(predicted == y)),
                    "test_balanced_accuracy": float(balanced_accuracy_score(y, predicted)),
                    "test_roc_auc": float(auc)}
        return {**out, "test_accuracy": float(np.mean(np.sign(z) == y)),
                "test_roc_auc": float(roc_auc_score(y, z))}

    def newton_terms(self, classes, location):
        if len(classes) == 2:
            return LogisticTerms(tuple(classes))
        return MultinomialTerms(tuple(classes))


@dataclass(frozen=True)
class _GeneralizedLoss(CompareLoss):
    """A loss fitted by the GLM estimators (``plain`` unpenalized, ``cv`` penalized)."""

    plain: ClassVar[type] = None
    cv: ClassVar[type] = None

    def _settings(self):
        """What every model of the loss is given beside the penalty."""
        return {}

    def estimators(self, common):
        extra = self._settings()
        return {"none": self.plain(alpha=0.0, **extra),
                **{p: self.cv(l1_ratio=r, **extra, **common) for p, r in PENALIZED_RATIOS}}


@dataclass(frozen=True)
class HuberLoss(_GeneralizedLoss):
    """The Huber loss at a threshold fixed once for every model: ranked by the test
    mean Huber loss."""

    name: str = "huber"
    cv_scoring: str = "huber"
    test_key: str = "test_huber"
    test_columns: tuple = ("test_huber", "test_mae")

    plain: ClassVar[type] = HuberRegressor
    cv: ClassVar[type] = HuberRegressorCV

    @classmethod
    def on_training(cls, threshold):
        return cls(delta=threshold())

    def _settings(self):
        return {"delta": self.delta}

    def per_sample(self, y, z):
        return HUBER.per_sample(y, z, self.delta)

    def newton_terms(self, classes, location):
        # the null model's intercept: the Huber location of the training targets (the
        # folds start there too, and reach their own at the top of their paths)
        return HuberTerms(self.delta, location(self.delta))


@dataclass(frozen=True)
class PoissonLoss(_GeneralizedLoss):
    """Counts, on a log link: ranked by the test mean Poisson deviance."""

    name: str = "poisson"
    cv_scoring: str = "poisson_deviance"
    test_key: str = "test_poisson_deviance"
    test_columns: tuple = ("test_poisson_deviance", "test_mae")

    plain: ClassVar[type] = PoissonRegressor
    cv: ClassVar[type] = PoissonRegressorCV

    @classmethod
    def check_target(cls, target):
        """A Poisson fit needs a target >= 0 that is not 0 on every row."""
        if target.minimum < 0:
            raise UserError(f"--loss poisson needs a target >= 0 (counts); {target.name!r} "
                            f"goes down to {target.minimum:g}: use --loss squared or huber")
        if target.maximum <= 0:
            raise UserError(f"--loss poisson: the target {target.name!r} is 0 on every row; "
                            "there is nothing to fit")

    def per_sample(self, y, z):
        return POISSON.per_sample(y, z)

    def mean(self, z):
        return POISSON.mean(z)

    def newton_terms(self, classes, location):
        return PoissonTerms()


@dataclass(frozen=True)
class CoxLoss(_GeneralizedLoss):
    """Survival (right-censored times, ``[time, event]`` rows), Cox's proportional
    hazards: ranked by the held-out partial-likelihood deviance per row (risk sets
    within the held-out rows, Breslow's ties), with Harrell's C-index beside it."""

    name: str = "cox"
    cv_scoring: str = "deviance"
    test_key: str = "test_cox_deviance"
    test_columns: tuple = ("test_cox_deviance", "test_c_index")

    plain: ClassVar[type] = CoxRegressor
    cv: ClassVar[type] = CoxRegressorCV
    zero_alpha_cv: ClassVar[type] = CoxRegressorCV  # its grouped deviance needs all rows

    @classmethod
    def check_target(cls, target):
        """Survival times are numbers >= 0."""
        if not target.numeric or target.minimum < 0:
            raise UserError(f"a survival target is a time >= 0; {target.name!r} "
                            + (f"goes down to {target.minimum:g}" if target.numeric
                               else f"holds {target.dtype}") + ": choose the time column")

    @classmethod
    def strata(cls, target):
        return target[:, 1]  # censored and not alike in every split and fold

    @classmethod
    def check_split(cls, train, test, n_folds):
        """The held-out rows need a comparable pair (an event before another row's
        time) for a C-index, and the training rows two events per fold."""
        events = test[:, 1] > 0
        if not np.any(events & (test[:, 0] < test[:, 0].max())):
            raise UserError(
                f"the held-out rows hold {int(events.sum())} event(s) and no pair whose "
                f"order the models could be judged on ({int(np.sum(train[:, 1] > 0))} "
                "events in training): raise --test-size, or compare on a table with "
                "more events")
        n_events = int(np.sum(train[:, 1] > 0))
        if n_events < 2 * n_folds:
            raise UserError(
                f"the training rows hold {n_events} event(s): {n_folds}-fold "
                f"cross-validation needs at least {2 * n_folds} (two per fold); lower "
                "--cv (2 is the fewest) or --test-size, or compare on a table with more "
                "events")

    def per_sample(self, y, z):
        """Each row's share of the partial-likelihood deviance on these rows:
        ``2 (log S_i - z_i)`` for an event (``S_i`` the sum of ``exp(z)`` over its risk
        set among the rows), 0 when censored, less the saturated model's floor spread
        evenly (it is 0 without tied event times), so that the mean is the deviance per
        row. ``z`` may hold a column per model."""
        z = np.asarray(z, dtype=np.float64)
        Z = z if z.ndim == 2 else z[:, None]
        time, event = y[:, 0], y[:, 1] > 0
        order = np.argsort(-time, kind="stable")  # latest first: risk sets accumulate
        log_risk = np.logaddexp.accumulate(Z[order], axis=0)
        sorted_time = time[order]
        # tied times share the risk set of the last of them in this order (Breslow)
        last_of_tie = np.searchsorted(-sorted_time, -sorted_time, side="right") - 1
        terms = np.zeros_like(Z)
        terms[order] = np.where(event[order, None], log_risk[last_of_tie] - Z[order], 0.0)
        # the saturated model's deviance (Cox.floor_value is it per row, halved): the
        # same for every model, so computed once, not once per column
        saturated = Cox(np.asarray(y, dtype=np.float64), np.ones(len(Z)), True)
        floor = 2.0 * saturated.floor_value()
        rows = 2.0 * terms - floor
        return rows if z.ndim == 2 else rows[:, 0]

    def path_losses(self, y, z_path):
        return np.mean(self.per_sample(y, z_path), axis=0)

    def mean(self, z):
        """The relative hazard ``exp(z)``."""
        return np.exp(z)

    def metrics(self, y, z):
        return {self.test_key: float(np.mean(self.per_sample(y, z))),
                "test_c_index": float(concordance_index(y, z))}


#: every loss of the comparison, by name
LOSSES = {loss.name: loss for loss in (SquaredLoss, LogisticLoss, HuberLoss, PoissonLoss,
                                       CoxLoss)}
#: the loss of each task when none is asked for
TASK_LOSSES = {"regression": SquaredLoss, "classification": LogisticLoss,
               "survival": CoxLoss}


def loss_class(name):
    """The class of the loss ``name``: a ``ValueError`` for a name not in ``LOSSES``."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}: one of {', '.join(LOSSES)}") from None


def residuals_rule_delta(X, y, folds):
    """``HuberRegressorCV``'s ``"residuals"`` rule on rows in memory: the threshold of a
    cross-validated lasso pilot."""
    pilot = HuberRegressorCV(l1_ratio=1.0, alphas=PILOT_ALPHAS, cv=folds, delta="residuals")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the models fitted next say their own
        return pilot.fit(X, y).delta_


def compare_loss(name, X_train=None, y_train=None, folds=None, delta=None):
    """The loss ``name``, with its Huber threshold ``delta`` or else fixed by the
    ``"residuals"`` rule on the training rows (``residuals_rule_delta``)."""
    return loss_class(name).on_training(
        lambda: delta if delta is not None else residuals_rule_delta(X_train, y_train, folds))
