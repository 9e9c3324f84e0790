"""A Parquet table's columns as the Dask comparison reads them.

The Parquet schema decides each column's fate before any row is read: dates and
datetimes become one number, the decimal year (``1970 + days since 1970-01-01 /
365.2425``, fractions of a day included, as the in-memory comparison reads them), times
of day hours since midnight, durations days, decimals floats; lists, structs, maps and
binary values cannot be encoded and are left out with a note. The workers convert each
partition as they read it (``convert_partition``).
"""

import glob
from pathlib import Path

import numpy as np

from ..errors import UserError, first_line
from ..reading import DAYS_PER_YEAR, MISSING_MARKERS, time_notes

#: days in the mean Gregorian year
#: file names of Parquet files in a folder read with other files beside them
PARQUET_SUFFIXES = (".parquet", ".pq")
#: file names the in-memory engine reads as text tables
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
#: ticks per day of each Arrow time unit
TICKS_PER_DAY = {"s": 86_400, "ms": 86_400e3, "us": 86_400e6, "ns": 86_400e9}


def read_parquet(source):
    """A dask DataFrame of a Parquet file, a folder of them, or a glob, and the Arrow
    schema of each of its files (``{file: schema}``, read from their footers)."""
    import dask.dataframe as dd
    import pyarrow.parquet as pq

    text = str(source)
    files = parquet_files(text)
    try:
        schemas = [pq.read_schema(f) for f in files]  # the footers only
        frame = dd.read_parquet(files if Path(text).is_dir() and any(
            f.suffix.lower() not in PARQUET_SUFFIXES for f in Path(text).rglob("*")
            if f.is_file() and not f.name.startswith((".", "_"))) else text)
    except Exception as exc:  # pyarrow raises many kinds; all mean "unreadable"
        raise UserError(f"cannot read {text} as Parquet: {first_line(exc)}") from None
    return frame, dict(zip(files, schemas))


def parquet_files(text):
    """The files a Parquet source names, sorted; a ``UserError`` for none, or for text
    tables (which --engine dask does not read)."""
    path = Path(text)
    if glob.has_magic(text):
        files = sorted(p for p in glob.glob(text) if Path(p).is_file())
        if not files:
            raise UserError(f"no file matches {text}; give a Parquet file, folder or glob")
    elif not path.exists():
        raise UserError(f"not found: {text}; give a Parquet file, folder or glob")
    elif path.is_dir():
        files = sorted(str(p) for p in path.rglob("*") if p.is_file()
                       and p.suffix.lower() in PARQUET_SUFFIXES
                       and not p.name.startswith((".", "_")))
        text_tables = sorted(p.name for p in path.rglob("*")
                             if p.suffix.lower() in TEXT_SUFFIXES)
        if not files and text_tables:
            _refuse_text(str(path / text_tables[0]))
        if not files:
            raise UserError(f"{text} holds no Parquet file; --engine dask reads a Parquet "
                            "file, folder or glob")
    else:
        files = [text]
    text_tables = [f for f in files if Path(f).suffix.lower() in TEXT_SUFFIXES]
    if text_tables:
        _refuse_text(text_tables[0])
    return files


def _refuse_text(name):
    parquet = str(Path(name).with_suffix(".parquet"))
    # shrinkage's own reader: the separators, decimal commas and missing markers the
    # in-memory comparison reads
    raise UserError(f"--engine dask reads Parquet, and {name} is a text table: convert it "
                    f"first (python -c \"from shrinkage.reading import read_path; "
                    f"read_path({name!r}).frame.write_parquet({parquet!r})\") or drop "
                    "--engine dask")


def check_schemas(schemas, columns):
    """Every file of ``schemas`` (``{file: schema}``) must have the ``columns`` read
    that the first has (a hive-partitioned folder's keys are in its paths)."""
    first = next(iter(schemas.values()))
    columns = [c for c in columns if c in first.names]
    for name, schema in schemas.items():
        lacking = [c for c in columns if c not in schema.names]
        if lacking:
            first = next(iter(schemas))
            raise UserError(f"{name} has no column {', '.join(map(repr, lacking))}, which "
                            f"{first} has: give files of one schema (or --drop a "
                            "feature column that some files lack)")


def column_plan(schema, target, features):
    """How each feature column is read: ``{column: kind}`` for those converted (kind one
    of ``date``, ``time``, ``duration``, ``decimal``, or ``text``: its missing markers
    made missing), the columns left out with their
    Arrow types, and the notes saying so. A target that is no number or class: a
    ``UserError``."""
    plan, left_out = {}, {}
    for name in [target] + list(features):
        kind = _kind(schema.field(name).type) if name in schema.names else None
        if kind == "unencodable":
            left_out[name] = str(schema.field(name).type)
        elif kind is not None:
            plan[name] = kind
    if target in left_out or plan.get(target) in ("date", "time", "duration"):
        kind = left_out.get(target) or plan[target]
        raise UserError(f"the target {target!r} is a {kind} column: the comparison "
                        "predicts a number or a class; choose another --target")
    notes = []
    if left_out:
        notes.append(f"left out {len(left_out)} column{'s' if len(left_out) > 1 else ''} "
                     "whose values are not single numbers or categories: "
                     + ", ".join(f"{c!r} ({t})" for c, t in left_out.items()))
    kinds = {}
    for column, kind in plan.items():
        kinds.setdefault(kind, []).append(column)
    notes += time_notes(kinds)
    return plan, list(left_out), notes


def _kind(arrow_type):
    import pyarrow as pa

    t = pa.types
    if t.is_date(arrow_type) or t.is_timestamp(arrow_type):
        return "date"
    if t.is_time(arrow_type):
        return "time"
    if t.is_duration(arrow_type):
        return "duration"
    if t.is_decimal(arrow_type):
        return "decimal"
    if t.is_string(arrow_type) or t.is_large_string(arrow_type) or (
            t.is_dictionary(arrow_type) and (t.is_string(arrow_type.value_type)
                                             or t.is_large_string(arrow_type.value_type))):
        return "text"
    if t.is_nested(arrow_type) or t.is_binary(arrow_type) or \
            t.is_large_binary(arrow_type) or t.is_fixed_size_binary(arrow_type):
        return "unencodable"
    return None


def convert_partition(frame, plan):
    """A partition with the columns of ``plan`` as float numbers (runs on a worker)."""
    if not plan:
        return frame
    frame = frame.copy()
    for name, kind in plan.items():
        frame[name] = (markers_missing(frame[name]) if kind == "text"
                       else as_number(frame[name], kind))
    return frame


def markers_missing(values):
    """A text column with the missing markers ("NA", "n/a", "?", ...) made missing, as
    the in-memory reading makes them (``reading.MISSING_MARKERS``)."""
    stripped = values.astype("string").str.strip()
    return values.where(~stripped.isin(MISSING_MARKERS).fillna(False).to_numpy(bool))


def as_number(values, kind):
    """A date, time, duration or decimal column as float numbers (missing: NaN)."""
    import pyarrow as pa

    array = pa.array(values, from_pandas=True)
    if pa.types.is_null(array.type):  # an empty partition of an object column
        return np.full(len(values), np.nan)
    if kind == "decimal":
        return _floats(array.cast(pa.float64()))
    if pa.types.is_date32(array.type):
        days = _floats(array.cast(pa.int32()))
    elif pa.types.is_date64(array.type):
        days = _floats(array.cast(pa.int64())) / TICKS_PER_DAY["ms"]
    else:
        # timestamps are stored as UTC ticks, whatever their time zone
        days = _floats(array.cast(pa.int64())) / TICKS_PER_DAY[array.type.unit]
    if kind == "date":
        return 1970.0 + days / DAYS_PER_YEAR
    return days * 24.0 if kind == "time" else days


def _floats(array):
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.float64)
