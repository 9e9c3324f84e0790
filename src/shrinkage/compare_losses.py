"""The losses ``shrinkage compare`` can fit, as a table: for each, its four models (no
penalty, L1, L2, elastic net), its cross-validation score, and its test metrics.

A row per loss keeps compare.py free of branches on the loss: a new loss is a new row.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.special import softmax

from . import model_selection as ms
from .glm import HuberRegressor, PoissonRegressor
from .glm_cv import HuberRegressorCV, PoissonRegressorCV
from .linear_model import Ridge
from .linear_model_cv import ElasticNetCV, LassoCV, LogisticRegressionCV, RidgeCV
from .logistic import LogisticRegression

#: l1_ratios searched for the elastic net, jointly with alpha
EN_RATIOS = (0.1, 0.3, 0.5, 0.7, 0.9, 0.95)
REGRESSION_LOSSES = ("squared", "huber", "poisson")
#: the grid of the Huber threshold's pilot lasso
PILOT_ALPHAS = 20


@dataclass(frozen=True)
class CompareLoss:
    """One loss of the comparison.

    Attributes
    ----------
    name : str
        ``"squared"``, ``"huber"``, ``"poisson"`` or ``"logistic"`` (classification,
        binary or multinomial).
    cv_scoring : str
        What the folds are scored by (the models' ``scoring_``).
    test_key : str
        The test metric the penalties are ranked by (lower is better).
    test_columns : tuple of str
        Every test metric reported, the ranking one first.
    delta : float or None
        The Huber threshold, fixed once on the training target.
    """

    name: str
    cv_scoring: str
    test_key: str
    test_columns: tuple
    delta: float = None

    def estimators(self, common):
        """The four models, keyed by penalty; ``common`` are the CV models' settings."""
        ratios = list(EN_RATIOS)
        if self.name == "squared":
            return {"none": Ridge(alpha=0.0),  # minimum-norm least squares
                    "l1": LassoCV(**common), "l2": RidgeCV(**common),
                    "elasticnet": ElasticNetCV(l1_ratio=ratios, **common)}
        if self.name == "logistic":
            return {"none": LogisticRegression(alpha=0.0, l1_ratio=0.0, max_iter=100),
                    **{p: LogisticRegressionCV(l1_ratio=r, **common)
                       for p, r in (("l1", 1.0), ("l2", 0.0), ("elasticnet", ratios))}}
        if self.name == "huber":
            plain, cv, extra = HuberRegressor, HuberRegressorCV, {"delta": self.delta}
        else:
            plain, cv, extra = PoissonRegressor, PoissonRegressorCV, {}
        return {"none": plain(alpha=0.0, **extra),
                **{p: cv(l1_ratio=r, **extra, **common)
                   for p, r in (("l1", 1.0), ("l2", 0.0), ("elasticnet", ratios))}}

    def scorer(self):
        """The CV scorer of ``(targets, decision values (n, k), weights)``."""
        if self.name == "logistic":
            return ms.get_scorer(self.cv_scoring)
        return ms.regression_scorer(self.cv_scoring, self.name, self.delta)

    def per_sample(self, y, z):
        """The ranking test loss of each sample (broadcast over a path's columns)."""
        if self.name == "squared":
            return (y - z) ** 2
        if self.name == "huber":
            return ms.huber_losses(y - z, self.delta)
        if self.name == "poisson":
            return ms.poisson_deviances(y, z)
        if np.ndim(z) == np.ndim(y) + 1:  # class scores on the last axis
            return ms.class_log_losses(np.ravel(y), z)
        return np.logaddexp(0.0, -y * z)

    def metrics(self, y, z):
        """Every test metric of the decision values ``z`` (labels in {-1, +1}, or class
        codes with (n, K) scores, for classification)."""
        from sklearn.metrics import balanced_accuracy_score, r2_score, roc_auc_score

        out = {self.test_key: float(np.mean(self.per_sample(y, z)))}
        if self.name in REGRESSION_LOSSES:
            mean = np.exp(z) if self.name == "poisson" else z
            extra = {"test_r2": r2_score(y, mean), "test_mae": np.mean(np.abs(y - mean))}
            out.update({k: float(extra[k]) for k in self.test_columns[1:]})
            return out
        if z.ndim == 2:
            K = z.shape[1]
            predicted = np.argmax(z, axis=1)
            auc = roc_auc_score(y, softmax(z, axis=1), multi_class="ovr", average="macro",
                                labels=np.arange(K))
            return {**out, "test_accuracy": float(np.mean(predicted == y)),
                    "test_balanced_accuracy": float(balanced_accuracy_score(y, predicted)),
                    "test_roc_auc": float(auc)}
        return {**out, "test_accuracy": float(np.mean(np.sign(z) == y)),
                "test_roc_auc": float(roc_auc_score(y, z))}


def compare_loss(name, X_train=None, y_train=None, folds=None, delta=None):
    """The row of ``name``. The Huber threshold is fixed once for every model, by
    ``HuberRegressorCV``'s ``"residuals"`` rule on the training split (its lasso), or
    given as ``delta`` (found where the rows are)."""
    if name == "squared":
        return CompareLoss("squared", "mse", "test_mse", ("test_mse", "test_r2"))
    if name == "huber":
        if delta is None:
            pilot = HuberRegressorCV(l1_ratio=1.0, alphas=PILOT_ALPHAS, cv=folds,
                                     delta="residuals")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the models fitted next say their own
                delta = pilot.fit(X_train, y_train).delta_
        return CompareLoss("huber", "huber", "test_huber", ("test_huber", "test_mae"),
                           delta=delta)
    if name == "poisson":
        return CompareLoss("poisson", "poisson_deviance", "test_poisson_deviance",
                           ("test_poisson_deviance", "test_mae"))
    return CompareLoss("logistic", "log_loss", "test_log_loss",
                       ("test_log_loss", "test_accuracy", "test_roc_auc"))
