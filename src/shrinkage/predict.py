"""Apply a model saved by ``shrinkage compare`` to a new table.

The model is applied from its recipe (:mod:`shrinkage.recipe`), without loading
scikit-learn, or from its pipeline loaded with skops where the file has no recipe. The
new table is read as compare read the training one, its feature columns are
brought to the types the model was fitted on, and everything the model cannot read
as it read its training rows is said: a value that is not a number, a missing value
the model cannot fill, a level it never saw, a column it does not use.
"""

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .model_file import check_archive, load_model
from .reading import read_path
from .recipe import read_recipe
from .tables import UserError

#: text read as True/False where the model was fitted on a True/False column
_FLAGS = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False}

#: how many unseen levels (or ignored columns) a note shows by name
SHOWN = 3


@dataclass(frozen=True)
class Predictions:
    """The predictions of a table and what the user should know about them.

    Attributes
    ----------
    frame : polars.DataFrame
        The ``--id`` columns, ``prediction``, and for a classifier one
        ``probability_<class>`` column per class.
    notes : tuple of str
        One line each: ignored columns, unseen levels, imputed values, the version
        that wrote the model.
    """

    frame: object
    notes: tuple = ()


class _SkopsModel:
    """A model without a recipe (written by an earlier shrinkage): its pipeline loaded
    with skops, offering what a ``recipe.Recipe`` offers."""

    def __init__(self, saved):
        self.metadata, self.pipeline = saved.metadata, saved.pipeline
        prepare = self.pipeline.named_steps["prepare"]
        self.features = [str(c) for c in prepare.feature_names_in_]
        self.numeric, self.categorical, self.levels, self.imputed = [], [], {}, False
        for name, transformer, columns in prepare.transformers_:
            if transformer == "drop" or not len(columns):
                continue
            steps = getattr(transformer, "steps", [(None, transformer)])
            self.imputed = self.imputed or type(steps[0][1]).__name__ == "SimpleImputer"
            if name == "categorical":
                self.categorical += list(columns)
                self.levels.update(zip(columns, (list(c) for c in steps[-1][1].categories_)))
            else:
                self.numeric += list(columns)
        self.classes = getattr(self.pipeline.named_steps["model"], "classes_", None)

    def transform(self, features):
        return np.asarray(self.pipeline.named_steps["prepare"].transform(features),
                          dtype=np.float64)

    def predict(self, X):
        model = self.pipeline.named_steps["model"]
        prediction = model.predict(X)
        return prediction, (np.asarray(model.predict_proba(X))
                            if hasattr(model, "predict_proba") else None)


def open_model(model_path):
    """The model of a model file: its recipe where it has one (read with json and numpy
    only), else its pipeline loaded with skops.

    Parameters
    ----------
    model_path : str or pathlib.Path
        The model.skops written by ``shrinkage compare``.

    Returns
    -------
    recipe.Recipe or _SkopsModel
        ``metadata``, ``features``, ``numeric``, ``categorical``, ``levels``,
        ``imputed``, ``classes``, ``transform(features)`` and ``predict(X)``.
    """
    path = Path(model_path)
    check_archive(path)
    recipe = read_recipe(path)
    return recipe if recipe is not None else _SkopsModel(load_model(path))


def predict_table(model_path, data_path, ids=()):
    """Predictions for every row of ``data_path``.

    Parameters
    ----------
    model_path : str or pathlib.Path
        The model.skops written by ``shrinkage compare``.
    data_path : str or pathlib.Path
        A CSV or Parquet table holding the model's feature columns (in any order).
    ids : sequence of str
        Columns passed through to the output, first and unchanged.

    Returns
    -------
    Predictions
        The output frame and the notes for the user.
    """
    import polars as pl

    from . import __version__

    model = open_model(model_path)
    metadata = model.metadata
    notes = []
    if metadata["shrinkage_version"] != __version__:
        notes.append(f"the model was written by shrinkage {metadata['shrinkage_version']}; "
                     f"this is {__version__}")
    name = Path(data_path).name
    reading = read_path(data_path)  # what compare's reading did, said the same way
    frame = reading.frame
    notes += reading.notes
    ids = list(dict.fromkeys(ids))
    needed = model.features
    _check_columns(frame.columns, needed, ids, name)
    notes += _ignored_columns(frame.columns, needed, ids, metadata["target"])
    features = _numbers(frame.select(needed), model.numeric, name)
    features = _levels(features, model.levels)
    try:
        notes += _missing_values(features, model.imputed, name)
    except UserError as exc:  # the values read as missing may be why
        said = [n for n in reading.notes if n.startswith("read these values as missing")]
        raise UserError(f"{exc} ({said[0]})" if said else str(exc)) from None
    notes += _unseen_levels(features, model.levels)
    if model.imputed:
        features = features.with_columns(pl.col(pl.Float64).fill_nan(None))
    labels = _output_names(model.classes)
    _check_id_names(ids, labels)
    if frame.height == 0:
        notes.append(f"{name} has no rows: the output holds the header only")
        empty = {c: frame.get_column(c) for c in ids}
        return Predictions(pl.DataFrame({**empty, **{c: [] for c in labels}}), tuple(notes))
    columns = {c: frame.get_column(c) for c in ids}
    columns.update(_apply(model, features, name))
    return Predictions(pl.DataFrame(columns), tuple(notes))


def _output_names(classes):
    """``prediction`` and, for a classifier, ``probability_<class>`` for each class."""
    return ["prediction"] + ([] if classes is None else
                             [f"probability_{c}" for c in classes])


def _check_columns(columns, needed, ids, name):
    """Every feature column and every ``--id`` column must be in the table."""
    absent = [c for c in ids if c not in columns]
    if absent:
        raise UserError(f"--id {absent[0]}: no such column in {name}{_alike(absent[0], columns)}")
    missing = [c for c in needed if c not in columns]
    if missing:
        many = len(missing) > 1
        hint = next((_alike(c, columns) for c in missing if _alike(c, columns)), "")
        raise UserError(f"{name} lacks {len(missing)} feature column"
                        f"{'s' if many else ''} the model needs: "
                        f"{', '.join(map(repr, missing))}; add {'them' if many else 'it'} "
                        "(with the same names as in the table the model was fitted on)"
                        + hint)


def _alike(column, columns):
    """`` (the table has 'BMI': names are case-sensitive)`` where only case differs."""
    same = [c for c in columns if c != column and c.casefold() == column.casefold()]
    return f" (the table has {same[0]!r} for {column!r}: names are case-sensitive)" \
        if same else ""


def _check_id_names(ids, labels):
    """An ``--id`` column may not take the name of an output column."""
    clash = [c for c in ids if c in labels]
    if clash:
        raise UserError(f"--id {clash[0]}: the output already has a column of that name "
                        "(the model's output); rename that column in the table")


def _ignored_columns(columns, needed, ids, target):
    """A note naming the table's columns the model does not use."""
    extra = [c for c in columns if c not in needed and c not in ids]
    if not extra:
        return []
    shown = [f"{c!r} (the model's target column)" if c == target else repr(c)
             for c in extra]
    if target in extra and len(extra) > SHOWN:  # the target is named whatever the count
        shown = [shown[extra.index(target)]] + [s for c, s in zip(extra, shown)
                                                if c != target]
    more = f" and {len(extra) - SHOWN} more" if len(extra) > SHOWN else ""
    return [f"ignored {len(extra)} column{'s' if len(extra) > 1 else ''} the model does "
            f"not use: {', '.join(shown[:SHOWN])}{more}"]


def _numbers(features, numeric, name):
    """The ``numeric`` columns as Float64: text that reads as numbers is converted; a
    value that does not is an error naming its column, row and value."""
    import polars as pl

    casts = []
    for column in numeric:
        series = features.get_column(column)
        if series.dtype.is_numeric() or series.dtype in (pl.Boolean, pl.Null):
            casts.append(series.cast(pl.Float64))
            continue
        if series.dtype not in (pl.String, pl.Categorical, pl.Enum):
            raise UserError(f"column {column!r} of {name} holds {series.dtype} values; the "
                            "model was fitted on numbers there")
        text = series.cast(pl.String).str.strip_chars()
        values = text.cast(pl.Float64, strict=False)
        bad = (values.is_null() & text.is_not_null() & (text != "")).arg_true()
        if len(bad):
            row = int(bad[0])
            raise UserError(f"column {column!r} of {name}, row {row + 1}, holds "
                            f"{series[row]!r}, not a number (the model was fitted on "
                            f"numbers there)" + (f"; {len(bad) - 1} more rows too"
                                                 if len(bad) > 1 else "")
                            + ": fix the value or leave it empty")
        casts.append(values.alias(column))
    return features.with_columns(casts) if casts else features


def _levels(features, levels):
    """Categorical columns in the kind of value their training levels are: text (a
    column of codes that now reads as numbers) or True/False."""
    import polars as pl

    casts = []
    for column, seen in levels.items():
        series = features.get_column(column)
        if all(isinstance(v, (bool, np.bool_)) for v in seen):
            text = series.cast(pl.String).str.strip_chars().str.to_lowercase()
            flags = text.replace_strict(_FLAGS, default=None, return_dtype=pl.Boolean)
            if series.dtype == pl.Boolean:
                continue
            odd = flags.is_null() & series.is_not_null()
            if odd.any():  # read as text, every row would be an unseen level
                row = int(odd.arg_true()[0])
                raise UserError(f"column {column!r} holds {series[row]!r} in row {row + 1} "
                                f"({int(odd.sum())} row{'s' if odd.sum() > 1 else ''} in "
                                "all), where the model was fitted on true/false values: "
                                "write true or false, or leave it empty")
            casts.append(flags.alias(column))
        elif series.dtype != pl.String:
            casts.append(series.cast(pl.String))
    return features.with_columns(casts) if casts else features


def _missing_rows(features, column):
    series = features.get_column(column)
    missing = series.is_null()
    return missing | series.is_nan() if series.dtype.is_float() else missing


def _missing_values(features, imputed, name):
    """Without --impute median a missing value is an error naming its column, first row
    and count; with it, a note of what was filled."""
    counts = {c: _missing_rows(features, c) for c in features.columns}
    counts = {c: m for c, m in counts.items() if m.any()}
    if not counts:
        return []
    if imputed:
        return [f"filled {sum(int(m.sum()) for m in counts.values())} missing values in "
                f"{', '.join(map(repr, counts))} with the training medians (most frequent "
                "level for text), as the model was fitted with --impute median"]
    column, missing = next(iter(counts.items()))
    others = [c for c in counts if c != column]
    also = f" (and in {', '.join(map(repr, others))})" if others else ""
    raise UserError(f"column {column!r} of {name} has {int(missing.sum())} missing "
                    f"value{'s' if missing.sum() > 1 else ''}, the first in row "
                    f"{int(missing.arg_true()[0]) + 1}{also}, and the model was fitted "
                    "without --impute median: fill them in, or run compare again with "
                    "--impute median")


def _unseen_levels(features, levels):
    """A note on rows holding categorical levels the model never saw."""
    import polars as pl

    unseen_rows = pl.repeat(False, features.height, eager=True)
    described = []
    for column, seen in levels.items():
        series = features.get_column(column)
        # python's == decides, as in the one-hot encoder (where 1 == True)
        known = set(seen)
        values = [v for v in series.drop_nulls().unique(maintain_order=True).to_list()
                  if v not in known]
        if values:
            unseen_rows |= series.is_in(pl.Series(values, dtype=series.dtype).implode())
            more = f" and {len(values) - SHOWN} more" if len(values) > SHOWN else ""
            described.append(f"{column!r} ({', '.join(map(repr, values[:SHOWN]))}{more})")
    if not described:
        return []
    n = int(unseen_rows.sum())
    return [f"{n} row{'s' if n > 1 else ''} hold{'' if n > 1 else 's'} levels unseen in "
            f"training: {'; '.join(described)}; each is read as none of its column's "
            "levels (all that column's one-hot features 0)"]


def _apply(model, features, name):
    """``prediction`` (and the class probabilities) for every row; a value too large to
    compute with is an error naming its column and row."""
    for column in model.numeric:
        values = features.get_column(column)
        bad = (values.is_infinite()).arg_true()
        if len(bad):
            raise UserError(f"column {column!r} of {name}, row {int(bad[0]) + 1}, holds "
                            f"{values[int(bad[0])]}: the model needs finite numbers; fix "
                            "the value or leave it empty")
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            X = model.transform(features)
            _check_finite(X, features, name, "once standardized")
            prediction, proba = model.predict(X)
    except AttributeError as exc:  # a model file that passed the checks but is no fit
        raise UserError(f"the model cannot be applied: it lacks {exc.name or 'a part'!r} of "
                        "a fitted model; give the model.skops that `shrinkage compare` "
                        "wrote") from exc
    except (ValueError, TypeError) as exc:
        if isinstance(exc, UserError):
            raise
        # scikit-learn's own words name its estimators and advise on them: not ours to
        # repeat (--debug shows them)
        raise UserError(f"cannot apply the model to {name}: its feature columns do not "
                        f"read as the training ones did ({type(exc).__name__}); rerun "
                        "with --debug for the details") from exc
    out = {"prediction": prediction}
    if proba is not None:
        out.update({f"probability_{c}": proba[:, k] for k, c in enumerate(model.classes)})
    scores = np.column_stack([v for v in out.values() if v.dtype.kind == "f"] or
                             [np.zeros(len(X))])
    _check_finite(scores, features, name, "in the model's prediction")
    return out


def _check_finite(values, features, name, where):
    """Values that overflowed name the first row and its largest feature."""
    bad = ~np.isfinite(values).all(axis=1)
    if not bad.any():
        return
    row = int(np.argmax(bad))
    numeric = [c for c in features.columns if features.schema[c].is_float()]
    largest = max(numeric, key=lambda c: abs(features.get_column(c)[row] or 0.0),
                  default=None)
    culprit = f"{largest!r} holds {features.get_column(largest)[row]:g}" if largest else \
        "its values"
    raise UserError(f"row {row + 1} of {name} overflows {where} ({culprit}), too far "
                    "outside the training range to compute: fix that value")


def check_output(out, inputs, force):
    """The ``--out`` path to write, checked before any work is done.

    Parameters
    ----------
    out : str or pathlib.Path
        The path given (``~`` is expanded).
    inputs : dict
        ``{"DATA": path, "MODEL": path}``: files never written over, even with
        ``force`` (compared as resolved paths and as inodes: symlinks, hard links,
        ``./x``).
    force : bool
        Whether an existing file (not an input) may be replaced.

    Returns
    -------
    pathlib.Path
        The path to write.

    Raises
    ------
    UserError
        For a folder, a missing or unwritable folder, an input file, or an existing file
        without ``force``.
    """
    out = Path(os.path.expanduser(out))
    if out.is_dir():
        raise UserError(f"--out {out} is a folder; give a file name, such as "
                        f"{out / 'predictions.csv'}")
    for role, path in inputs.items():
        if _same_file(out, Path(path)):
            raise UserError(f"--out {out} is the {role} file {path}: predictions never "
                            "overwrite their input (not even with --force); choose "
                            "another name")
    folder = out.parent
    if not folder.is_dir():
        raise UserError(f"--out {out}: the folder {folder} does not exist; create it or "
                        "choose another")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"--out {out}: cannot write in the folder {folder} (permission "
                        "denied); choose another")
    if (out.exists() or out.is_symlink()) and not force:
        raise UserError(f"--out {out} exists; give --force to replace it, or another name")
    return out


def _same_file(a, b):
    """Whether ``a`` and ``b`` name one file: resolved paths (symlinks, ``./x``) or the
    same inode (hard links)."""
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist
        return False


def write_predictions(frame, out, force=False):
    """Write ``frame`` atomically to ``out``: Parquet for .parquet/.pq, else CSV; over a
    file there only with ``force`` (one made there since ``check_output`` included).

    Parameters
    ----------
    frame : polars.DataFrame
        The predictions.
    out : pathlib.Path
        A path checked by :func:`check_output`; left as it was if the write fails.
    """
    from ._atomic import atomic_write

    parquet = out.suffix.lower() in (".parquet", ".pq")
    try:
        atomic_write(out, frame.write_parquet if parquet else frame.write_csv,
                     overwrite=force)
    except FileExistsError:
        raise UserError(f"--out {out} appeared while the predictions were made (another "
                        "program wrote it); nothing was replaced: give --force to replace "
                        "it, or another --out") from None
    except OSError as exc:  # a full disk, a folder removed meanwhile: out is as it was
        raise UserError(f"cannot write --out {out}: {exc.strerror or exc}") from None
