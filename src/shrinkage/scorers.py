"""The cross-validation scorers: a score per alpha of a path from its decision values
on the held-out rows, by name (ours, a loss's own, scikit-learn's) or a callable.

``model_selection`` re-exports ``get_scorer``, ``regression_scorer``, ``Scorer`` and
``SCORERS``: its callers ask it for them.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import roc_auc_score

from .losses import class_log_losses, get_loss, poisson_deviances

#: scorer name -> (function of (labels or targets, decision values, weights), greater is
#: better). Decision values have shape (n_test, n_alphas); each returns (n_alphas,).
SCORERS = {}


def _scorer(name, greater_is_better):
    def register(function):
        SCORERS[name] = (function, greater_is_better)
        return function
    return register


@_scorer("mse", False)
def _mse(y, z, sw):
    squares = (y[:, None] - z) ** 2
    if squares.ndim == 3:  # several outputs (n, n_alphas, T): their mean, as sklearn's
        squares = squares.mean(axis=2)
    return sw @ squares / sw.sum()


@_scorer("mae", False)
def _mae(y, z, sw):
    return sw @ np.abs(y[:, None] - z) / sw.sum()


@_scorer("poisson_deviance", False)
def _poisson_deviance(y, z, sw):
    return sw @ poisson_deviances(y[:, None], z) / sw.sum()


#: the scorers on the mean scale: they see the loss's mean (``exp(z)`` for Poisson's log
#: link); each loss lists the scorers it offers (``Loss.scorings``, the default first)
MEAN_SCALE_SCORERS = ("mse", "mae")


# Classification scorers take labels in {-1, +1} with decision values (n_test, n_alphas),
# or, for more than two classes, class codes with scores (n_test, n_alphas, n_classes).


@_scorer("log_loss", False)
def _log_loss(labels, z, sw):
    if z.ndim == 3:
        return sw @ class_log_losses(labels, z) / sw.sum()
    # labels in {-1, +1}: log(1 + exp(-y z)), computed without overflow
    return sw @ np.logaddexp(0.0, -labels[:, None] * z) / sw.sum()


@_scorer("accuracy", True)
def _accuracy(labels, z, sw):
    if z.ndim == 3:
        return sw @ (np.argmax(z, axis=2) == labels[:, None]) / sw.sum()
    # the positive class is predicted where z > 0, as LogisticRegression.predict does
    return sw @ (np.where(z > 0, 1.0, -1.0) == labels[:, None]) / sw.sum()


@_scorer("roc_auc", True)
def _roc_auc(labels, z, sw):
    if z.ndim == 3:  # macro average of one class against the rest
        return np.array([roc_auc_score(labels, softmax(z[:, k], axis=1), sample_weight=sw,
                                       multi_class="ovr", average="macro",
                                       labels=np.arange(z.shape[2]))
                         for k in range(z.shape[1])])
    return np.array([roc_auc_score(labels, z[:, k], sample_weight=sw)
                     for k in range(z.shape[1])])


@dataclass(frozen=True)
class Scorer:
    """A score per column of z: ``function(y, z, sw)``, or all rows' ``(y, z, sw, test)``."""

    name: str
    function: object
    greater_is_better: bool
    needs_both_classes: bool = False
    whole_rows: bool = False


class _DecisionShell(ClassifierMixin, BaseEstimator):
    """A fitted-looking binary classifier whose input is its own decision values.

    scikit-learn scorers call ``predict`` / ``predict_proba`` / ``decision_function`` on
    an estimator; this one answers from the column of decision values it is given, so
    that a path's alphas are scored without refitting anything.
    """

    def __init__(self, classes=None):
        self.classes = classes

    def fit(self, z, y):
        """Nothing to fit: the decision values are the input."""
        return self

    @property
    def classes_(self):
        return self.classes

    def decision_function(self, z):
        z = np.asarray(z)
        return z[:, 0] if z.shape[1] == 1 else z

    def predict_proba(self, z):
        from scipy.special import expit

        z = self.decision_function(z)
        if z.ndim == 2:
            return softmax(z, axis=1)
        p = expit(z)
        return np.column_stack([1.0 - p, p])

    def predict(self, z):
        z = self.decision_function(z)
        return self.classes_[np.argmax(z, axis=1) if z.ndim == 2 else (z > 0).astype(int)]


def regression_scorer(scoring, loss, delta=None):
    """The ``Scorer`` named ``scoring`` for a regression ``loss`` (a loss or its name;
    ``scoring`` one of its ``scorings``); ``delta`` is the Huber threshold. A scorer
    named as the loss is its mean loss per sample; the mean-scale scorers see the
    loss's inverse link of the decision values."""
    loss = get_loss(loss)
    offered = loss.scorings
    if scoring not in offered:
        raise ValueError(f"scoring must be one of {', '.join(map(repr, offered))} for the "
                         f"{loss.name} loss, got {scoring!r}")
    if (own := loss.scorer_function(scoring)) is not None:  # (function, greater, whole)
        return Scorer(scoring, *own[:2], whole_rows=own[2])
    if scoring in SCORERS:
        function = SCORERS[scoring][0]
    else:
        def function(y, z, sw):  # the loss's own: its mean per sample
            return sw @ loss.per_sample(y[:, None], z, delta) / sw.sum()
    if scoring in MEAN_SCALE_SCORERS and not loss.identity_link:
        plain = function

        def function(y, z, sw):  # the mean, not the linear predictor, is compared with y
            return plain(y, loss.mean(z), sw)
    return Scorer(scoring, function, False)


def get_scorer(scoring, classes=None):
    """A ``Scorer`` from one of our names, a scikit-learn scorer name or a callable
    ``scorer(estimator, X, y)`` (classification: ``classes`` are the labels)."""
    if isinstance(scoring, str) and scoring in SCORERS:
        function, greater = SCORERS[scoring]
        return Scorer(scoring, function, greater, needs_both_classes=scoring == "roc_auc")
    if classes is None:
        raise ValueError(f"scoring must be one of {sorted(SCORERS)}, got {scoring!r}")
    from sklearn.metrics import get_scorer as sklearn_scorer

    if callable(scoring):
        scorer = scoring
    else:
        try:
            scorer = sklearn_scorer(scoring)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"scoring: {exc}") from None
    shell = _DecisionShell(classes)

    def score(labels, z, sw):
        if z.ndim == 3:
            return np.array([scorer(shell, z[:, k], classes[labels], sample_weight=sw)
                             for k in range(z.shape[1])])
        y = classes[(labels > 0).astype(int)]
        return np.array([scorer(shell, z[:, [k]], y, sample_weight=sw)
                         for k in range(z.shape[1])])

    name = scoring if isinstance(scoring, str) else getattr(scoring, "__name__", "scorer")
    return Scorer(name, score, True)
