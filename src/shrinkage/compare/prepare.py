"""The table of ``shrinkage compare`` made ready to fit: what was asked (``Options``),
the rows and columns kept (``prepare``), the task and the loss (``detect_task``,
``choose_loss``) and the preprocessor that encodes the features.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ..column_checks import encoded_collisions, huge_values, infinite_values, rare_classes
from ..tables import UserError, check_drop
from .losses import TASK_LOSSES, loss_class

#: a classification target has at most this many classes
MAX_CLASSES = 50


@dataclass(frozen=True)
class Options:
    """What ``shrinkage compare`` was asked to do (already parsed)."""

    task: str = "auto"
    loss: str = "auto"
    test_size: float = 0.25
    cv: int = 5
    seed: int = 0
    n_jobs: int = 1
    impute: str = "none"
    selection: str = "min"
    n_alphas: int = 50
    max_levels: int = 50
    drop: tuple = ()
    #: the event column of a survival target (1: the event happened at the target's
    #: time, 0: censored then); None: no survival
    event: str = None
    #: the relaxed lasso's row: True, False, or None (fitted where it is cheap:
    #: ``run.relax_by_default``)
    relax: bool = None
    #: the penalized models keep or drop a categorical's one-hot columns together
    groups: bool = True




@dataclass(frozen=True)
class TargetSummary:
    """What task detection needs to know of a target column.

    Attributes
    ----------
    name : str
    dtype : str
        The column's type, for messages.
    numeric : bool
    n_unique : int
        Distinct non-missing values, exact up to ``MAX_CLASSES + 1`` (a larger count is
        reported as that).
    minimum, maximum : float
        Of a numeric target (NaN otherwise).
    whole : bool
        Every value of a numeric target is a whole number.
    """

    name: str
    dtype: str
    numeric: bool
    n_unique: int
    minimum: float = float("nan")
    maximum: float = float("nan")
    whole: bool = False

    @classmethod
    def of(cls, series):
        """The summary of a polars Series."""
        numeric = series.dtype.is_numeric()
        kept = series.drop_nulls()
        values = kept.cast(float) if numeric else None
        return cls(name=series.name, dtype=str(series.dtype), numeric=numeric,
                   n_unique=min(kept.n_unique(), MAX_CLASSES + 1),
                   minimum=float(values.min()) if numeric and len(values) else float("nan"),
                   maximum=float(values.max()) if numeric and len(values) else float("nan"),
                   whole=bool((values % 1 == 0).all()) if numeric else False)


def _summary(target):
    return target if isinstance(target, TargetSummary) else TargetSummary.of(target)


def detect_task(target, forced, loss="auto"):
    """'regression' or 'classification' from the target column (a polars Series or its
    ``TargetSummary``); a regression loss (``--loss squared|huber|poisson``) makes it
    regression."""
    target = _summary(target)
    numeric, n_classes = target.numeric, target.n_unique
    if loss != "auto":
        if forced == "classification" or not numeric:
            raise UserError(f"--loss {loss} fits a numeric target; {target.name!r} "
                            + ("is classified (--task classification): drop one of them"
                               if numeric else f"holds {target.dtype}: drop --loss"))
        forced = "regression"
    if forced == "regression":
        if not numeric:
            raise UserError(f"--task regression needs a numeric target; {target.name!r} "
                            f"holds {target.dtype}: drop --task or choose another column")
        return "regression"
    if forced == "classification" or not numeric or n_classes == 2:
        if n_classes < 2:
            raise UserError(
                f"target {target.name!r} has {n_classes} class{'es' if n_classes != 1 else ''}: "
                "classification needs two or more; choose another target")
        if n_classes > MAX_CLASSES:
            raise UserError(
                f"target {target.name!r} has more than {MAX_CLASSES} distinct values, too "
                f"many to be classes" + (
                    ": give --task regression for a numeric one" if numeric else
                    ": choose another target"))
        return "classification"
    return "regression"


def choose_loss(target, task, loss):
    """The class of the loss to fit (``losses.LOSSES``): the one asked for, which checks
    the target (``check_target``), else squared (regression) or logistic
    (classification); with a note suggesting ``--loss poisson`` for a count target left
    on ``auto``. Returns ``(loss class, note or None)``."""
    if task == "classification":
        return TASK_LOSSES[task], None
    target = _summary(target)
    if loss != "auto":
        chosen = loss_class(loss)
        chosen.check_target(target)
        return chosen, None
    if target.minimum >= 0 and target.whole and target.n_unique > 2:
        return TASK_LOSSES[task], (f"the target {target.name!r} holds non-negative whole numbers: "
                             "if they are counts, --loss poisson fits them on their own "
                             "scale (least squares can predict negative counts)")
    return TASK_LOSSES[task], None


def integer_code_note(target, task):
    """A note when a numeric target with few distinct whole values is treated as
    regression: it may be class codes."""
    target = _summary(target)
    if task != "regression" or not target.numeric:
        return None
    if 2 < target.n_unique <= 10 and target.whole:
        return (f"the target {target.name!r} takes {target.n_unique} whole values: if they "
                "are class codes, give --task classification")
    return None


def split_columns(frame):
    """Numeric and categorical feature columns of a polars frame."""
    numeric = [c for c, t in frame.schema.items() if t.is_numeric()]
    categorical = [c for c, t in frame.schema.items() if not t.is_numeric()]
    return numeric, categorical


def _dummy_name(column, value):
    """``column=value``: a module-level function, so that the saved model pickles."""
    return f"{column}={value}"


# a saved model names this function by its module's path (skops, pickle): the files
# written before compare became a package say ``shrinkage.compare``, which exports it
# and which model_file.TRUSTED_TYPES trusts; new files say the same
_dummy_name.__module__ = "shrinkage.compare"


def build_preprocessor(numeric, categorical, impute, categories="auto"):
    """Standardize the ``numeric`` columns, one-hot encode the ``categorical`` ones (named
    ``column=value``; ``categories`` as OneHotEncoder takes them)."""
    num_steps, cat_steps = [StandardScaler()], [
        OneHotEncoder(categories=categories, handle_unknown="ignore", sparse_output=False,
                      feature_name_combiner=_dummy_name)]
    if impute == "median":
        num_steps.insert(0, SimpleImputer(strategy="median"))
        cat_steps.insert(0, SimpleImputer(strategy="most_frequent", missing_values=None))
    parts = []
    if numeric:
        parts.append(("numeric", make_pipeline(*num_steps), numeric))
    if categorical:
        parts.append(("categorical", make_pipeline(*cat_steps), categorical))
    return ColumnTransformer(parts, verbose_feature_names_out=False)


def original_columns(preprocessor):
    """Encoded feature name -> the table column it came from (a one-hot encoder's
    features counted off its categories, column by column: a name such as ``a=b=c``
    cannot tell its column apart by itself)."""
    mapping = {}
    for _, transformer, columns in preprocessor.transformers_:
        if transformer == "drop" or not len(columns):
            continue
        names = [str(n) for n in transformer.get_feature_names_out(columns)]
        encoder = transformer[-1] if hasattr(transformer, "steps") else transformer
        if hasattr(encoder, "categories_"):
            sizes = [len(c) for c in encoder.categories_]
            owners = [c for c, size in zip(columns, sizes) for _ in range(size)]
            mapping.update(zip(names, owners))
        else:  # one feature per column, under its own name
            mapping.update((name, name) for name in names)
    return mapping


def column_groups(names, columns_of):
    """The table column of each encoded feature, as the penalized models' feature groups
    (a categorical's one-hot columns one group, every other column its own); None when
    no column made several features (the groups would be the columns themselves)."""
    labels = [columns_of.get(name, name) for name in names]
    return labels if len(set(labels)) < len(labels) else None


class PreparedTable(NamedTuple):
    """A table made ready to split: ``features`` (a polars frame), ``target`` (a numpy
    array), ``task``, ``loss`` (its class, ``losses.LOSSES``) and the ``notes``."""

    features: object
    target: object
    task: str
    loss: type
    notes: list


def prepare(table, options):
    """Drop rows without a target, check missing features, detect the task.

    Returns ``(features, target, task, loss, notes)`` with ``features`` a polars frame
    and ``loss`` the name of the loss to fit (``prepare_table`` gives its class).
    """
    prepared = prepare_table(table, options)
    return prepared._replace(loss=prepared.loss.name)


def prepare_table(table, options):
    """``prepare``'s work: a ``PreparedTable``, its loss resolved to a class."""
    notes = list(table.notes)
    event = _event_column(table, options)
    frame, dropped = _rows_with_target(table, options, notes, event)
    features = _usable_features(frame.drop([table.target, *([event] if event else [])]),
                                table, options, dropped, notes)
    summary = TargetSummary.of(frame.get_column(table.target))
    if event is not None:
        return PreparedTable(features, _survival_target(frame, summary, event), "survival",
                             TASK_LOSSES["survival"], notes)
    task = detect_task(summary, options.task, options.loss)
    if task == "classification":
        rare_classes(frame.get_column(table.target), options)
    if summary.n_unique <= 1:  # (a class target says it has one class, above)
        raise UserError(f"the target {table.target!r} takes one value on every row: there "
                        "is nothing to predict; choose another --target")
    loss, count_note = choose_loss(summary, task, options.loss)
    note = integer_code_note(summary, task) \
        if options.loss == "auto" else None
    notes.extend(n for n in (note, count_note) if n)
    target = frame.get_column(table.target)
    if task == "classification" and target.dtype.is_float() and not summary.whole:
        # scikit-learn reads numbers that are not whole (0.0 / 1.5) as a continuous
        # target, never as labels: as classes they are their text; numpy's -0.0 + 0.0
        # is 0.0 (polars drops a "+ 0.0"): the one number 0 is one class, not two
        import polars as pl

        target = pl.Series(target.name, target.to_numpy() + 0.0).cast(str)
    return PreparedTable(features, target.to_numpy(), task, loss, notes)


def _event_column(table, options):
    """The survival target's event column (``--event``), checked against the table and
    the other options; None without one."""
    event = options.event
    if event is None:
        if options.task == "survival":
            raise UserError("--task survival needs --event COL: the column that says "
                            "whether each row's event happened (1) or was censored (0)")
        return None
    if options.task not in ("auto", "survival"):
        raise UserError(f"--event makes a survival comparison; drop --task {options.task}")
    if options.loss not in ("auto", "cox"):
        raise UserError(f"--event fits Cox models; drop --loss {options.loss}")
    if event not in table.frame.columns:
        raise UserError(f"--event {event!r} is not a column of {table.name}; its columns "
                        f"include {', '.join(map(repr, table.frame.columns[:12]))}")
    if event == table.target:
        raise UserError(f"--event {event!r} is the target: the target is the time, the "
                        "event the column saying whether it was observed")
    if event in options.drop:
        raise UserError(f"--event {event!r} is also given to --drop: drop one of them")
    return event


def _survival_target(frame, summary, event):
    """The survival target ``[time, event]`` (n, 2) of the rows: times >= 0, events
    1/0 (true/false)."""
    TASK_LOSSES["survival"].check_target(summary)
    column = frame.get_column(event)
    if column.dtype.is_numeric() or str(column.dtype) == "Boolean":
        codes = column.cast(float).to_numpy()
        bad = [float(v) for v in sorted(set(np.unique(codes)) - {0.0, 1.0})][:5]
    else:
        codes, bad = None, sorted(column.unique().to_list())[:5]
    if bad:
        raise UserError(f"--event {event!r} must hold 1 (the event happened) or 0 "
                        f"(censored), or true/false; it also holds {bad}"
                        + (" and more" if len(bad) == 5 else ""))
    if not codes.any():
        raise UserError(f"--event {event!r} is 0 on every row: with no event there is "
                        "nothing to fit")
    return np.column_stack([frame.get_column(summary.name).cast(float).to_numpy(), codes])


def _rows_with_target(table, options, notes, event=None):
    """The frame without the ``--drop`` columns and the rows without a target (or
    without an ``event``), checked for enough rows; returns it and the dropped
    columns."""
    frame = table.frame
    dropped = check_drop(frame.columns, options.drop, table.target, table.name)
    if dropped:
        frame = frame.drop(dropped)
        notes.append(f"left out {len(dropped)} column{'s' if len(dropped) > 1 else ''} as "
                     f"asked (--drop): {', '.join(map(repr, dropped))}")
    frame, infinite = infinite_values(frame, table.target, options.impute)
    notes += infinite
    huge_values(frame, table.target)
    missing = None
    for name in (table.target, *([event] if event else [])):
        column = frame.get_column(name)
        gone = column.is_null() | column.is_nan() if column.dtype.is_float() \
            else column.is_null()
        missing = gone if missing is None else missing | gone
    n_missing = int(missing.sum())
    if n_missing:
        frame = frame.filter(~missing)
        notes.append(f"dropped {n_missing} row{'s' if n_missing != 1 else ''} with a missing "
                     f"target ({table.target!r}" + (f" or event, {event!r})" if event else ")"))
    if frame.height == 0:
        raise UserError(f"the table has no row with a value in the target column "
                        f"{table.target!r}; fill it in or choose another --target")
    n_rows, folds = frame.height, options.cv
    n_train = n_rows - int(np.ceil(options.test_size * n_rows))
    if n_train < 2 * folds:  # (before the columns: one row makes every column constant)
        raise UserError(f"the table has {n_rows} row{'s' if n_rows != 1 else ''}; with "
                        f"--test-size {options.test_size} "
                        f"and --cv {folds} it needs at least "
                        f"{int(np.ceil(2 * folds / (1 - options.test_size)))}: use "
                        + ("fewer folds (--cv 2 is the fewest) or " if folds > 2 else "")
                        + "more rows")
    return frame, dropped


def _usable_features(features, table, options, dropped, notes):
    """The feature columns that can be encoded: identifier-like text and constant
    columns left out with a note, missing values refused or imputed."""
    import polars as pl

    _, categorical = split_columns(features)
    too_many = [c for c in categorical
                if features.get_column(c).n_unique() > options.max_levels]
    if too_many:
        # an identifier or free text: one-hot encoding would add a feature per row
        features = features.drop(too_many)
        notes.append(f"ignored {len(too_many)} text column(s) with more than "
                     f"{options.max_levels} distinct values ({', '.join(map(repr, too_many))}); "
                     "raise --max-levels to encode them")
    constant = [c for c in features.columns
                if features.get_column(c).drop_nulls().n_unique() <= 1]
    if constant:
        # one value on every row: nothing to learn from, and standardizing divides by 0
        features = features.drop(constant)
        notes.append(f"left out {len(constant)} constant or empty column"
                     f"{'s' if len(constant) > 1 else ''} (one value, or none, on every "
                     f"row): {', '.join(map(repr, constant))}")
    if features.width == 0:
        why = [f"--drop left out {', '.join(map(repr, dropped))}"] if dropped else []
        why += [f"constant or empty: {', '.join(map(repr, constant))}"] if constant else []
        raise UserError(f"the table has no usable column besides the target "
                        f"{table.target!r}" + (f" ({'; '.join(why)})" if why else ""))
    encoded_collisions(features, *split_columns(features), _dummy_name)
    nulls = [c for c in features.columns if features.get_column(c).null_count()
             or (features.schema[c].is_float() and features.get_column(c).is_nan().any())]
    if nulls and options.impute != "median":
        raise UserError(f"missing values in feature column{'s' if len(nulls) > 1 else ''} "
                        f"{', '.join(map(repr, nulls[:10]))}: give --impute median or "
                        "remove them")
    if nulls:
        notes.append(f"imputed missing values in {len(nulls)} column(s) (median; most "
                     "frequent for categorical)")
        features = features.with_columns(pl.col(pl.Float32, pl.Float64).fill_nan(None))
    return features
