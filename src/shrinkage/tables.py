"""Tables for ``shrinkage compare``: a user's CSV or Parquet file, or an embedded demo.

Files are read by ``reading.read_path`` (the types of every column decided from all its
values); demos come from scikit-learn's bundled tables or are drawn
from a known linear truth, so that a report can score which penalty found it.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import UserError  # noqa: F401  (raised here, and imported from here)


DEMOS = ("diabetes", "breast-cancer", "sparse-signal", "dense-signal", "correlated-groups")


@dataclass(frozen=True)
class Table:
    """A table and what is known about it.

    Attributes
    ----------
    frame : polars.DataFrame
        Features and target.
    target : str
        Name of the target column.
    name : str
        Where it came from (a file name or ``demo:NAME``).
    truth : dict
        For synthetic demos, the true coefficient of every feature column (zeros
        included), in the units of the raw columns; empty otherwise.
    """

    frame: object
    target: str
    name: str
    truth: dict = field(default_factory=dict)
    notes: tuple = ()


def read_table(path, target):
    """Read a CSV or Parquet file (``reading.read_path``); ``target`` must be a column,
    and not one of dates."""
    from .reading import read_path

    path = Path(path)
    reading = read_path(path)
    if reading.frame.height == 0:
        raise UserError(f"{path.name} has no data rows (a header at most): give a table "
                        "with rows")
    if target in reading.left_out:
        raise UserError(f"the target {target!r} holds {reading.left_out[target]} values: "
                        "compare predicts a number or a class; choose another --target")
    check_target(reading.frame.columns, target, path.name)
    kind = reading.kinds.get(target)
    if kind in ("date", "datetime"):
        raise UserError(f"the target {target!r} holds {kind}s: compare predicts a number or "
                        "a class, not a date; choose another --target")
    return Table(frame=reading.frame, target=target, name=path.name,
                 notes=tuple(reading.notes))


def check_target(columns, target, name):
    """``target`` must be one of the table's ``columns`` (a list of names); ``name``
    says which table in the message."""
    if target is None:
        raise UserError("--target is required with a data file: name the column to predict "
                        f"(columns: {_column_list(columns)})")
    if target not in columns:
        alike = [c for c in columns if str(c).casefold() == str(target).casefold()]
        if alike:
            raise UserError(f"target column {target!r} is not in {name}; did you mean "
                            f"{alike[0]!r}? (names are case-sensitive)")
        raise UserError(f"target column {target!r} is not in {name}; its columns are "
                        f"{_column_list(columns)}")


def check_drop(columns, drop, target, name):
    """The columns of ``--drop``: each must be a column of the table (``name``), not the
    target; an unknown one gets the nearest names as suggestions."""
    import difflib

    columns = [str(c) for c in columns]
    for column in drop:
        if column == target:
            raise UserError(f"--drop {column}: that is the target; choose another --target "
                            "instead")
        if column not in columns:
            alike = [c for c in columns if c.casefold() == column.casefold()] or \
                difflib.get_close_matches(column, columns, n=3, cutoff=0.6)
            hint = (f"did you mean {' or '.join(map(repr, alike))}?" if alike
                    else f"its columns are {_column_list(columns)}")
            raise UserError(f"--drop {column}: no such column in {name}; {hint}")
    return list(dict.fromkeys(drop))


def read_frame(path):
    """A CSV or Parquet file as a typed polars frame (``reading.read_path``: the same
    conversions at ``compare`` and ``predict`` time)."""
    from .reading import read_path

    return read_path(path).frame


def _column_list(columns, limit=12):
    shown = ", ".join(columns[:limit])
    return shown + (f", ... ({len(columns)} in all)" if len(columns) > limit else "")


def demo_table(name, seed=0):
    """An embedded table: ``diabetes`` (the LARS paper's data), ``breast-cancer``, or a
    synthetic regression with a known truth."""
    import polars as pl

    if name not in DEMOS:
        raise UserError(f"unknown demo {name!r}; choose one of {', '.join(DEMOS)}")
    if name in ("diabetes", "breast-cancer"):
        from sklearn.datasets import load_breast_cancer, load_diabetes

        data = (load_diabetes if name == "diabetes" else load_breast_cancer)()
        frame = pl.DataFrame(data.data, schema=[str(c) for c in data.feature_names])
        target = data.target if name == "diabetes" else \
            np.asarray(data.target_names)[data.target]
        return Table(frame=frame.with_columns(pl.Series("target", target)),
                     target="target", name=f"demo:{name}")
    X, coef = _synthetic(name, np.random.default_rng(seed))
    columns = [f"x{j:02d}" for j in range(X.shape[1])]
    signal = X @ coef
    noise = np.random.default_rng(seed + 1).standard_normal(len(signal))
    y = signal + noise * signal.std() / SNR
    frame = pl.DataFrame(X, schema=columns).with_columns(pl.Series("target", y))
    return Table(frame=frame, target="target", name=f"demo:{name}",
                 truth=dict(zip(columns, coef.tolist())))


#: sample size, features and signal-to-noise ratio (sd of signal / sd of noise) of the
#: synthetic demos
N_SAMPLES, N_FEATURES, SNR = 300, 60, 2.0


def _synthetic(name, rng):
    n, p = N_SAMPLES, N_FEATURES
    if name == "correlated-groups":
        # 6 groups of 10 columns, correlation 0.9 within a group; 2 groups carry signal
        group = np.repeat(np.arange(6), 10)
        latent = rng.standard_normal((n, 6))
        X = np.sqrt(0.9) * latent[:, group] + np.sqrt(0.1) * rng.standard_normal((n, p))
        coef = np.where(group < 2, 1.0, 0.0)
    else:
        X = rng.standard_normal((n, p))
        if name == "sparse-signal":  # 5 strong effects among 60
            coef = np.zeros(p)
            coef[rng.choice(p, 5, replace=False)] = rng.choice([-1, 1], 5) * 2.0
        else:  # dense-signal: every column matters a little
            coef = rng.standard_normal(p) * 0.5
    return X, coef
