"""``shrinkage compare --engine dask``: the comparison of a Parquet table that stays on
a Dask cluster's workers.

``OnDask`` is the comparison's engine for such a table (``engine.Engine``;
``memory.InMemory`` is the other). A pass summarizes the columns (``table.summarize``) and the preprocessing is
learned from it (with ``--impute median``, a quantile sketch of each numeric training
column too). Then the loss decides:

- the squared loss (``SquaredSums``): one pass returns the ``Sums`` of every
  cross-validation fold and of the test split, from the encoded rows; every model, its
  cross-validation and its test metrics along the path are computed on the client from
  p x p statistics;
- the logistic, multinomial, Poisson and Huber losses (``dask_glm.NewtonParts``):
  the encoded rows are kept on the workers and every model is fitted by distributed
  Newton passes over them, every fold in the same passes;

and a last pass returns the test losses of the four chosen models, reduced to their
means and covariance: the normal-theory interval of each paired difference.
"""

from pathlib import Path

import numpy as np

from ..linear_model_cv import RidgeCV
from ..scale.columns import check_schemas, column_plan, convert_partition, read_parquet
from ..prepared import cross_validate_sums, fit_squared_sums
from ..scale.squared import held_out_mse
from ..scale.statistics import Sums, add_sums, check_finite, group_sums, reduce_parts
from ..scale.table import is_numeric, label_rows, merge, sketch_quantile, summarize
from ..tables import UserError, check_drop, check_target
from .dask_glm import NewtonParts, encoded_part, pilot_huber_delta
from .dask_rows import encoded_rows, fitted_preprocessor, loss_moments, merge_moments
from .engine import warm_up_clones
from .prepare import (MAX_CLASSES, TargetSummary, choose_loss, detect_task,
                      integer_code_note, original_columns)

#: points of each numeric column's quantile sketch (for the medians of --impute median)
SKETCH_SIZE = 2048
#: the normal quantile of a two-sided 95% interval
Z95 = 1.959963984540054


class HeldOutSums:
    """The test split known by its squared-loss sums: its metrics are exact from them."""

    def __init__(self, sums, loss):
        self.sums, self.loss = sums, loss
        total = float(sums.sw[0])
        self.variance = float(sums.syy[0]) / total - (float(sums.sy[0]) / total) ** 2

    def metrics(self, coef, intercept):
        mse = float(held_out_mse(self.sums, np.ravel(coef), [np.ravel(intercept)[0]])[0])
        known = {"test_mse": mse,
                 "test_r2": 1.0 - mse / self.variance if self.variance > 0 else 0.0}
        return {k: known[k] for k in self.loss.test_columns}

    def path(self, coefs, intercepts):
        return held_out_mse(self.sums, coefs, intercepts)


class OnDask:
    """A Parquet table on a Dask cluster, compared by squared-loss statistics.

    Parameters
    ----------
    source : str or Path
        A Parquet file, a folder of them, or a glob; read by the workers (a path they
        can reach).
    target : str
    options : compare.Options
    """

    engine = "dask"
    relaxes = False  # the folds' refits are not distributed yet

    def __init__(self, source, target, options):
        self.options = options
        self.name, self.target, self.truth = Path(str(source)).name, target, {}
        frame, numeric, categorical, dropped, column_notes = self._read(source)
        self._place = {"test_size": options.test_size, "n_folds": options.cv,
                       "seed": options.seed}
        summary = reduce_parts(
            self._partitions, summarize, merge, target, numeric, categorical,
            is_numeric(frame.dtypes[target]), indexed=True, limit=options.max_levels,
            target_limit=MAX_CLASSES + 1,
            sketch_size=SKETCH_SIZE if options.impute == "median" else 0, **self._place)
        self.notes = ["the table stayed on the Dask cluster's workers: its test split and "
                      "folds come from a seeded hash of each row's position, and the "
                      "intervals of the test differences are normal-theory ones"]
        if dropped:
            self.notes.append(f"left out {len(dropped)} column"
                              f"{'s' if len(dropped) > 1 else ''} as asked (--drop): "
                              f"{', '.join(map(repr, dropped))}")
        self.notes.extend(column_notes)
        numeric, categorical = self._check_columns(summary, numeric, categorical)
        self.task, loss = self._task(summary, frame.dtypes[target])
        medians = self._medians(summary, numeric)
        self.preprocessor = fitted_preprocessor(summary, numeric, categorical, medians,
                                                options.impute)
        self.names = [str(n) for n in self.preprocessor.get_feature_names_out()]
        self.columns_of = original_columns(self.preprocessor)
        self._features = numeric + categorical
        self.folds = options.cv
        self.classes = _classes(summary) if self.task == "classification" else None
        self.feature_groups = None  # the Dask fits take no feature groups yet
        self.backend = self._backend(loss, summary.n_train)
        self.loss, self.held_out = self.backend.loss, self.backend.held_out
        self.counts = {"n_rows": summary.n_train + summary.n_test,
                       "n_train": summary.n_train, "n_test": summary.n_test,
                       "n_columns": len(self._features)}
        self._moments = None

    def _read(self, source):
        """The Parquet table's lazy frame, its columns checked and converted; returns
        ``(frame, numeric, categorical, dropped, notes)`` and keeps its partitions."""
        target, options = self.target, self.options
        frame, schemas = read_parquet(source)
        check_target(list(frame.columns), target, self.name)
        dropped = check_drop(list(frame.columns), options.drop, target, self.name)
        features = [c for c in frame.columns if c != target and c not in dropped]
        check_schemas(schemas, [target] + features)
        plan, unencodable, column_notes = column_plan(next(iter(schemas.values())),
                                                      target, features)
        features = [c for c in features if c not in unencodable]
        frame = frame[[target] + features]
        if plan:
            frame = frame.map_partitions(convert_partition, plan,
                                         meta=convert_partition(frame._meta, plan))
        numeric = [c for c in features if is_numeric(frame.dtypes[c])]
        categorical = [c for c in features if c not in numeric]
        self._partitions = frame.to_delayed()
        return frame, numeric, categorical, dropped, column_notes

    def _backend(self, loss, n_train):
        """What fits the models of ``loss`` (a class): least squares from the sums of
        one pass (``SquaredSums``), any other loss by Newton passes over encoded rows
        persisted on the workers (``NewtonParts``), its Huber threshold found there."""
        import dask
        from dask import delayed

        if loss.least_squares:
            return SquaredSums(self, loss.on_training(None))
        parts = list(dask.persist(*[
            delayed(encoded_part, pure=True)(part, i, self.target, self._features,
                                             self.preprocessor, self.classes, **self._place)
            for i, part in enumerate(self._partitions)]))
        n_features, k = len(self.names), self.folds
        fixed = loss.on_training(lambda: pilot_huber_delta(parts, n_train, n_features, k))
        return NewtonParts(parts, n_train, n_features, k, fixed, self.classes)

    def _check_columns(self, summary, numeric, categorical):
        """Drop identifier-like text columns, refuse missing values without --impute;
        the notes ``prepare`` writes in memory. Returns the kept columns."""
        options = self.options
        if summary.n_dropped:
            self.notes.append(f"dropped {summary.n_dropped} row"
                              f"{'s' if summary.n_dropped != 1 else ''} with a missing "
                              f"target ({self.target!r})")
        if summary.n_train + summary.n_test == 0:
            raise UserError(f"the table has no row with a value in the target column "
                            f"{self.target!r}; fill it in or choose another --target")
        if summary.target_infinite:
            raise UserError(f"the target {self.target!r} is inf or -inf on "
                            f"{summary.target_infinite} row(s); remove those rows")
        too_many = [c for c in categorical if summary.seen[c] is None]
        if too_many:
            categorical = [c for c in categorical if c not in too_many]
            self.notes.append(
                f"ignored {len(too_many)} text column(s) with more than "
                f"{options.max_levels} distinct values ({', '.join(map(repr, too_many))}); "
                "raise --max-levels to encode them")
        numeric, categorical = self._leave_out_constant(summary, numeric, categorical)
        infinite = [c for c in numeric if summary.infinite[c]]
        if infinite and options.impute != "median":
            c = infinite[0]
            raise UserError(f"column {c!r} holds inf or -inf on {summary.infinite[c]} "
                            f"row(s){' (and more columns)' if len(infinite) > 1 else ''}: "
                            "give --impute median, which treats them as missing, or "
                            "remove them")
        nulls = [c for c in numeric + categorical
                 if summary.missing[c] or summary.infinite.get(c)]
        if nulls and options.impute != "median":
            raise UserError(f"missing values in feature column{'s' if len(nulls) > 1 else ''}"
                            f" {', '.join(map(repr, nulls[:10]))}: give --impute median or "
                            "remove them")
        if nulls:
            self.notes.append(f"imputed missing values in {len(nulls)} column(s) (median, "
                              "approximate; most frequent for categorical)")
        n_train = summary.n_train
        if n_train < 2 * options.cv or summary.n_test == 0:
            raise UserError(f"the table has {summary.n_train + summary.n_test} rows with a "
                            f"target, {n_train} of them for training: too few for --cv "
                            f"{options.cv} and a test split; use fewer folds or more rows")
        return numeric, categorical

    def _leave_out_constant(self, summary, numeric, categorical):
        """The columns with one value, or none, on every row left out with a note (as
        in memory); none left: a ``UserError``."""
        constant = [c for c in numeric if not summary.low[c] < summary.high[c]] + \
            [c for c in categorical if summary.seen[c] is not None
             and len(summary.seen[c]) <= 1]
        if constant:
            self.notes.append(f"left out {len(constant)} constant or empty column"
                              f"{'s' if len(constant) > 1 else ''} (one value, or none, "
                              f"on every row): {', '.join(map(repr, constant))}")
        numeric = [c for c in numeric if c not in constant]
        categorical = [c for c in categorical if c not in constant]
        if not numeric + categorical:
            why = f" (constant or empty: {', '.join(map(repr, constant))})" \
                if constant else ""
            raise UserError(f"the table has no usable column besides the target "
                            f"{self.target!r}{why}")
        return numeric, categorical

    def _task(self, summary, dtype):
        values = summary.target_values
        target = TargetSummary(name=self.target, dtype=str(dtype),
                               numeric=is_numeric(dtype),
                               n_unique=MAX_CLASSES + 1 if values is None else len(values),
                               minimum=summary.target_min, maximum=summary.target_max,
                               whole=summary.target_whole)
        options = self.options
        task = detect_task(target, options.task, options.loss)
        if target.n_unique <= 1:
            raise UserError(f"the target {self.target!r} takes one value on every row: "
                            "there is nothing to predict; choose another --target")
        loss, count_note = choose_loss(target, task, options.loss)
        note = integer_code_note(target, task) if options.loss == "auto" else None
        self.notes.extend(n for n in (note, count_note) if n)
        return task, loss  # the loss's class

    def _medians(self, summary, numeric):
        """The numeric training columns' medians from the summary's quantile sketches
        (approximate: a rank error of at most a few 1/SKETCH_SIZE); None when nothing
        is imputed."""
        if self.options.impute != "median":
            return None
        return {c: sketch_quantile(summary.sketches[c], 0.5) for c in numeric}

    def fit(self, model):
        self.backend.fit(model)

    def warm_up(self, estimators):
        return self.backend.warm_up(estimators)

    def residual_share(self, least_squares):
        return self.backend.residual_share(least_squares)

    def baseline_cv(self, model):
        return self.backend.baseline_cv(model)

    def interval(self, models, winner, other):
        """The mean test-loss difference of ``other`` over ``winner`` and its 95% normal
        interval, from the test losses' means and covariance (one pass for every pair)."""

        if self._moments is None:
            order = sorted(models)
            moments = self.backend.interval_moments(
                [(models[p].coef_, models[p].intercept_) for p in order])
            self._moments = dict(zip(order, range(len(order)))), moments
        index, (n, mean, scatter) = self._moments
        a, b = index[winner], index[other]
        difference = float(mean[b] - mean[a])
        variance = (scatter[a, a] + scatter[b, b] - 2 * scatter[a, b]) / max(n - 1, 1)
        half = Z95 * float(np.sqrt(max(variance, 0.0) / n))
        return difference, difference - half, difference + half

    def interval_method(self):
        return {"method": "paired normal-theory"}

    def leaks(self):
        """Single-column determination is checked in memory only (it needs the rows'
        ranks); the exact-combination and perfect-fit checks run on the statistics."""
        return []

    def extras(self, models):
        """What the figures read beside the results: for classes, each model's test ROC
        curve and confusion matrix, summed on the workers (no rows come back)."""
        out = {"columns_of": self.columns_of}
        if self.classes is not None:
            curves = {p: self.held_out.curves(m.coef_, m.intercept_)
                      for p, m in models.items()}
            out["roc"] = {p: c["roc"] for p, c in curves.items()}
            out["confusion"] = {p: c["confusion"] for p, c in curves.items()}
        return out


class SquaredSums:
    """The squared loss's fits and test numbers from the sums of every fold and of the
    test split (one pass over the table)."""

    def __init__(self, table, loss):
        self.table, self.loss, k = table, loss, table.folds
        sums = check_finite(reduce_parts(
            table._partitions, _encoded_sums, add_sums, table.target, table._features,
            table.preprocessor, indexed=True, **table._place))
        self.train_folds = Sums(*(a[:k] for a in sums._fields()))
        self.train_total = self.train_folds.total()
        self.held_out = HeldOutSums(sums.fold(k), self.loss)
        self.folds = k

    def fit(self, model):
        if hasattr(model, "cv"):
            cross_validate_sums(model, self.train_folds)
        else:
            fit_squared_sums(model, self.train_total)

    def warm_up(self, estimators):
        """Fit clones on a short grid from the statistics (compiles the kernels)."""
        return warm_up_clones(estimators, self.fit, {"alphas": 3, "tol": 1e-3})

    def residual_share(self, least_squares):
        total = self.train_total
        w = float(total.sw[0])
        variance = float(total.syy[0]) / w - (float(total.sy[0]) / w) ** 2
        mse = float(held_out_mse(total, least_squares.coef_,
                                 [least_squares.intercept_])[0])
        return mse / max(variance, 1e-300)

    def baseline_cv(self, model):
        ridge = RidgeCV(alphas=[0.0], cv=self.folds)
        cross_validate_sums(ridge, self.train_folds)
        return float(ridge.cv_mean_[0, 0]), float(ridge.cv_se_[0, 0])

    def interval_moments(self, fitted):
        """The test rows' count, mean loss of each of the ``fitted`` ``(coef,
        intercept)`` and the scatter matrix of the losses (a pass over the table)."""
        t = self.table
        return reduce_parts(t._partitions, _test_loss_moments, merge_moments, t.target,
                            t._features, t.preprocessor, fitted, self.loss, indexed=True,
                            **t._place)


def _classes(summary):
    """The classes of a classification target, sorted as ``np.unique`` sorts them."""
    return np.unique(np.asarray(sorted(summary.target_values)))


def _encoded_sums(frame, partition, target, features, preprocessor, *, test_size,
                  n_folds, seed):
    """One partition's squared-loss sums per fold, and the test split's (a worker's)."""
    rows, groups, _ = label_rows(frame, partition, target, test_size, n_folds, seed)
    X = encoded_rows(preprocessor, rows, features)
    y = rows[target].to_numpy(dtype=np.float64)
    return group_sums(X, y, None, groups, n_folds + 1)


def _test_loss_moments(frame, partition, target, features, preprocessor, fitted, loss, *,
                       test_size, n_folds, seed):
    """The test rows' loss moments of each fitted model (a worker's)."""
    rows, groups, _ = label_rows(frame, partition, target, test_size, n_folds, seed)
    rows = rows[groups == n_folds]
    X = encoded_rows(preprocessor, rows, features)
    return loss_moments(X, rows[target].to_numpy(dtype=np.float64), fitted, loss)


