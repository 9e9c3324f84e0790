"""Tables for ``shrinkage compare``: a user's CSV or Parquet file, or an embedded demo.

Files are read by polars; demos come from scikit-learn's bundled tables or are drawn
from a known linear truth, so that a report can score which penalty found it.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


class UserError(ValueError):
    """A problem with the user's input, said in one line with how to fix it."""


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
    """Read a CSV (comma, or tab for .tsv) or Parquet file; ``target`` must be a column."""
    path = Path(path)
    frame = read_frame(path)
    check_target(frame.columns, target, path.name)
    frame, converted = numbers_with_separators(frame)
    notes = (f"read {len(converted)} text column{'s' if len(converted) > 1 else ''} "
             f"written with thousands separators as numbers: "
             f"{', '.join(map(repr, converted))}",) if converted else ()
    return Table(frame=frame, target=target, name=path.name, notes=notes)


#: a number written with comma thousands separators ("1,234.56", "-12,000")
#: (a leading group of 0, as in "0,304", is a decimal comma, not a separator)
_SEPARATED = r"^\s*[-+]?([1-9]\d{0,2}(,\d{3})+|\d+)(\.\d+)?\s*$"


def numbers_with_separators(frame):
    """Text columns whose every value is a number, some written with comma thousands
    separators ("1,234.56"), read as numbers. Returns ``(frame, converted columns)``."""
    import polars as pl

    converted = []
    for name, dtype in frame.schema.items():
        if dtype != pl.String:
            continue
        values = frame.get_column(name).drop_nulls()
        if len(values) and values.str.contains(_SEPARATED).all() and \
                values.str.contains(",", literal=True).any():
            converted.append(name)
    if converted:
        frame = frame.with_columns(pl.col(c).str.replace_all(",", "").str.strip_chars()
                                   .cast(pl.Float64) for c in converted)
    return frame, converted


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
    """A CSV (comma, or tab for .tsv) or Parquet file as a polars frame."""
    import polars as pl

    path = Path(path)
    if not path.exists():
        raise UserError(f"file not found: {path}; give the path of a CSV or Parquet file")
    if path.is_dir():
        raise UserError(f"{path} is a folder; give the path of a CSV or Parquet file")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            frame = pl.read_parquet(path)
        elif suffix in (".csv", ".tsv", ".txt"):
            frame = pl.read_csv(path, separator="\t" if suffix == ".tsv" else ",",
                                infer_schema_length=10_000, null_values=["", "NA", "NaN"])
        else:
            raise UserError(f"cannot tell the format of {path.name}: name it .csv, .tsv "
                            "or .parquet")
    except UserError:
        raise
    except Exception as exc:  # polars raises many kinds; all mean "unreadable"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"cannot read {path.name} as {suffix[1:]}: {first}") from None
    return frame


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
