"""The table of ``shrinkage compare`` in memory: split, preprocessed and fitted on numpy
arrays in this process.

``InMemory`` is one of the comparison's engines (``engine.Engine``; ``dask.OnDask`` is
the other, for tables that stay on a Dask cluster): ``run_comparison`` asks an engine
for the prepared data, the fits, the held-out metrics and the confidence intervals of
the test differences, and never touches rows itself.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from .. import model_selection as ms
from ..column_checks import empty_in_training
from ..tables import UserError
from .checks import single_column_leaks
from .engine import decision_values, warm_up_clones
from .losses import residuals_rule_delta
from .prepare import (build_preprocessor, column_groups, original_columns, prepare_table,
                      split_columns)

#: resamples of the paired bootstrap of test-loss differences
N_BOOTSTRAP = 2000


class HeldOut:
    """The test split's rows: every metric of a fitted model computed on them."""

    def __init__(self, X, y, loss):
        self.X, self.y, self.loss = X, y, loss

    def metrics(self, coef, intercept):
        """Every test metric of one model (the ranking one first)."""
        return self.loss.metrics(self.y, decision_values(self.X, coef, intercept))

    def path(self, coefs, intercepts):
        """The ranking test loss of each model along a path."""
        return self.loss.path_losses(self.y, ms.path_decision_values(self.X, coefs,
                                                                       intercepts))

    def losses(self, model):
        """The ranking test loss of each test row under a fitted model."""
        return self.loss.per_sample(self.y, decision_values(self.X, model.coef_,
                                                            model.intercept_))


class InMemory:
    """A polars table split, preprocessed and fitted in this process.

    ``prepare.prepare_table`` fixes the task and the loss; the split is
    scikit-learn's ``train_test_split`` (stratified for classes), the folds its
    ``KFold`` / ``StratifiedKFold``, shuffled by ``options.seed``.
    """

    engine = "memory"
    relaxes = True

    def __init__(self, table, options):
        self.options = options
        self.name, self.target, self.truth = table.name, table.target, table.truth
        features, target, self.task, loss, self.notes = prepare_table(table, options)
        stratify = _usable_strata(loss.strata(target), 2)
        try:
            f_train, f_test, y_train, y_test = train_test_split(
                features, target, test_size=options.test_size, random_state=options.seed,
                stratify=stratify)
        except ValueError as exc:
            raise UserError(f"cannot split the table: {exc}") from None
        loss.check_split(y_train, y_test, options.cv)
        f_train, f_test = empty_in_training(f_train, f_test, self.notes)
        self.preprocessor = build_preprocessor(*split_columns(f_train), options.impute)
        self.X_train = np.asfortranarray(self.preprocessor.fit_transform(f_train),
                                         dtype=np.float64)
        self.X_test = np.asarray(self.preprocessor.transform(f_test), dtype=np.float64)
        self.y_train = y_train
        self.names = [str(n) for n in self.preprocessor.get_feature_names_out()]
        self.columns_of = original_columns(self.preprocessor)
        strata = _usable_strata(loss.strata(y_train), options.cv)
        splitter = (KFold if strata is None else StratifiedKFold)(
            options.cv, shuffle=True, random_state=options.seed)
        self.folds = list(splitter.split(self.X_train, strata))
        self.loss = loss.on_training(
            lambda: residuals_rule_delta(self.X_train, y_train, self.folds))
        self.classes = np.unique(y_train) if self.task == "classification" else None
        # (more than two classes: a row of coefficients per class has no groups yet)
        self.feature_groups = column_groups(self.names, self.columns_of) \
            if options.groups and (self.classes is None or len(self.classes) == 2) else None
        if self.classes is None:  # numbers (a survival target: [time, event] rows)
            y_test_num = y_test.astype(float)
        elif len(self.classes) > 2:
            y_test_num = np.searchsorted(self.classes, y_test)  # class codes
        else:
            y_test_num = np.where(y_test == self.classes[1], 1.0, -1.0)
        self.held_out = HeldOut(self.X_test, y_test_num, self.loss)
        self.counts = {"n_rows": len(target), "n_train": len(y_train),
                       "n_test": len(y_test), "n_columns": int(features.width)}
        if target.ndim == 2:
            self.counts["n_events"] = int(np.sum(target[:, 1] > 0))
        if self.task == "classification":
            # what always predicting the most common class scores: accuracy's yardstick
            values, counts = np.unique(y_test, return_counts=True)
            self.counts["majority_class"] = str(values[np.argmax(counts)])
            self.counts["majority_share"] = float(counts.max() / counts.sum())
        self._losses = {}

    def fit(self, model):
        model.fit(self.X_train, self.y_train)

    def warm_up(self, estimators):
        return _warm_up(estimators, self.X_train, self.y_train)

    def residual_share(self, least_squares):
        """The share of the training target's variance left in the least-squares
        residual."""
        y = self.y_train
        residual = y - decision_values(self.X_train, least_squares.coef_,
                                       least_squares.intercept_)
        return float(residual @ residual) / max(float(np.sum((y - y.mean()) ** 2)), 1e-300)

    def baseline_cv(self, model):
        return _baseline_cv(model, self.X_train, self.y_train, self.folds, self.loss)

    def interval(self, models, winner, other):
        """The mean test-loss difference of ``other`` over ``winner`` with its 95% paired
        bootstrap interval (the same resamples for every pair: one seed)."""
        for p in (winner, other):
            if p not in self._losses:
                self._losses[p] = self.held_out.losses(models[p])
        diff = self._losses[other] - self._losses[winner]
        boot = _bootstrap_means(diff, np.random.default_rng(self.options.seed))
        low, high = np.quantile(boot, [0.025, 0.975])
        return float(diff.mean()), float(low), float(high)

    def interval_method(self):
        return {"method": "paired bootstrap", "n_bootstrap": N_BOOTSTRAP}

    def leaks(self):
        """The columns that alone determine the target on the training rows."""
        y, task = self.y_train, self.task
        if y.ndim == 2:  # survival: a column that gives the time away
            y, task = y[:, 0], "regression"
        return single_column_leaks(self.X_train, y, self.columns_of, self.names, task)

    def extras(self, models):
        """What the figures read beside the results: the rows themselves."""
        return {"X_train": self.X_train, "X_test": self.X_test, "y_train": self.y_train,
                "y_test": self.held_out.y, "columns_of": self.columns_of}


def _usable_strata(strata, needed):
    """``strata`` where each of its values occurs at least ``needed`` times (what a
    stratified split or ``needed`` stratified folds need), else None: unstratified (a
    survival table with one censored row is ordinary data; a class that rare was
    refused before, ``column_checks.rare_classes``)."""
    if strata is None:
        return None
    _, counts = np.unique(strata, return_counts=True)
    return strata if counts.min() >= needed else None


def _bootstrap_means(values, rng, chunk=100):
    """Means of ``N_BOOTSTRAP`` resamples of ``values``, drawn ``chunk`` at a time so that
    a large test split never needs an N_BOOTSTRAP x n index matrix."""
    n = len(values)
    means = np.empty(N_BOOTSTRAP)
    for start in range(0, N_BOOTSTRAP, chunk):
        stop = min(start + chunk, N_BOOTSTRAP)
        means[start:stop] = values[rng.integers(0, n, size=(stop - start, n))].mean(axis=1)
    return means


def _warm_up(estimators, X, y, rows=60):
    """Fit clones of the estimators on a few rows (a short grid, two folds), so that the
    numba kernels are compiled (or loaded from their cache) before anything is timed.
    Returns the seconds it took."""
    take = np.arange(min(rows, len(y)))

    def fit(quick):
        try:
            quick.fit(X[take], y[take])
        except ValueError:
            pass  # too few rows of a class here: the real fit compiles instead

    return warm_up_clones(estimators, fit, {"alphas": 3, "cv": 2, "tol": 1e-3})


def _baseline_cv(model, X, y, folds, loss):
    """CV score of the unpenalized model on the same folds as the penalized ones."""
    from sklearn.base import clone

    if loss.zero_alpha_cv is not None:
        # least squares is ridge at alpha 0 (RidgeCV's folds share one Gram matrix); a
        # Cox model's grouped deviance scores a fold with all the rows
        try:
            zero = loss.zero_alpha_cv(alphas=[0.0], cv=folds).fit(X, y)
        except ValueError as exc:  # e.g. a fold whose unpenalized fit runs off
            raise UserError(f"cannot cross-validate the unpenalized model: {exc}") \
                from None
        return float(zero.cv_mean_[0, 0]), float(zero.cv_se_[0, 0])

    score = loss.scorer().function

    def fold_score(train, test):
        # each fold starts from the whole training fit, a few Newton steps away
        fitted = clone(model).set_params(warm_start=True)
        fitted.coef_, fitted.intercept_ = model.coef_.copy(), np.copy(model.intercept_)
        with warnings.catch_warnings():
            # separation in a fold is that of the whole: the main fit's note says it
            warnings.simplefilter("ignore", ConvergenceWarning)
            fitted.fit(X[train], y[train])
        z = decision_values(X[test], fitted.coef_, fitted.intercept_)[:, None]
        classes = getattr(fitted, "classes_", None)
        if classes is None:
            target = y[test].astype(float)
        elif len(classes) > 2:
            target = np.searchsorted(classes, y[test])
        else:
            target = np.where(y[test] == classes[1], 1.0, -1.0)
        return float(score(target, z, np.ones(len(test)))[0])

    # in sequence: each Newton step is a BLAS product that already uses every core
    scores = np.array([fold_score(train, test) for train, test in folds])
    return float(scores.mean()), float(scores.std(ddof=1) / np.sqrt(len(scores)))
