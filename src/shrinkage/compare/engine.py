"""The one protocol of the comparison's engines, and what every engine shares.

An engine holds the split table where its rows are and answers every question
``run_comparison`` asks of the rows: ``memory.InMemory`` (numpy arrays in this process)
and ``dask.OnDask`` (a Parquet table on a Dask cluster's workers) both implement
``Engine``. ``run_comparison`` is given one, and never asks which it got.
"""

import time
import warnings
from typing import Protocol

import numpy as np


class Engine(Protocol):
    """What an engine of the comparison provides.

    Attributes
    ----------
    engine : str
        Its name in results.json (``settings.engine``).
    relaxes : bool
        Whether it fits the relaxed lasso (``relax=True``).
    name, target : str
        The table's name and its target column.
    truth : dict
        A synthetic table's true coefficients by column (empty otherwise).
    task : str
        ``"regression"`` or ``"classification"``.
    loss : losses.CompareLoss
        The loss to fit, resolved once where the task was chosen.
    names : list of str
        The encoded features' names; ``columns_of`` maps each to its table column.
    columns_of : dict
    preprocessor : sklearn.compose.ColumnTransformer
        Fitted; it becomes the saved pipeline's first step.
    folds : list or int
        What the CV models take as ``cv``.
    classes : ndarray or None
    feature_groups : list or None
        The table column of each encoded feature, for the penalized models that take
        ``feature_groups`` (``prepare.column_groups``); None: no groups.
    counts : dict
        ``n_rows``, ``n_train``, ``n_test``, ``n_columns`` (and the majority class).
    notes : list of str
    held_out
        The test split: ``metrics(coef, intercept)`` and ``path(coefs, intercepts)``.
    """

    engine: str
    relaxes: bool
    name: str
    target: str
    truth: dict
    task: str
    loss: object
    names: list
    columns_of: dict
    preprocessor: object
    folds: object
    classes: object
    feature_groups: object
    counts: dict
    notes: list
    held_out: object

    def fit(self, model):
        """Fit ``model`` (an estimator of ``loss.estimators``) on the training rows."""

    def warm_up(self, estimators):
        """Compile the kernels on a few rows; returns the seconds it took."""

    def residual_share(self, least_squares):
        """The share of the training target's variance left by a least-squares fit."""

    def baseline_cv(self, model):
        """The unpenalized model's CV score on the penalized models' folds: (mean, se)."""

    def interval(self, models, winner, other):
        """The mean test-loss difference of ``other`` over ``winner`` and its 95%
        interval: ``(mean, low, high)``."""

    def interval_method(self):
        """How ``interval`` is made (a dict for results.json)."""

    def leaks(self):
        """The columns that alone determine the target: ``[(column, evidence)]``."""

    def extras(self, models):
        """What the figures read beside the results."""


def decision_values(X, coef, intercept):
    """``X @ coef + intercept`` for any fitted linear model's arrays: (n,), or (n, K) for
    a multinomial model (a row of ``coef`` per class)."""
    coef = np.asarray(coef)
    if coef.ndim == 2 and coef.shape[0] > 1:
        return X @ coef.T + np.asarray(intercept)
    return X @ np.ravel(coef) + float(np.ravel(intercept)[0])


def warm_up_clones(estimators, fit, settings):
    """Call ``fit`` on a clone of each estimator set to the quick ``settings`` it takes
    (a short grid, a loose tolerance), its warnings silenced: the kernels compile before
    anything is timed. Returns the seconds it took."""
    from sklearn.base import clone

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for model in estimators.values():
            quick = clone(model)
            quick.set_params(**{k: v for k, v in settings.items()
                                if k in quick.get_params()})
            fit(quick)
    return time.perf_counter() - start
