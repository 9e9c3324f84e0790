"""A user's file as a polars frame whose every column has the type its values say.

``read_path`` is the one reader of ``shrinkage compare`` and ``shrinkage predict``, so
that every conversion of a value (missing markers, separators, dates) is the same at
both. A CSV is decoded and split here with the ``csv`` module (its header read as
written: polars renames duplicates), then each text column is typed from ALL its values:
missing markers dropped, then booleans, numbers, ISO dates, else text.
"""

import codecs
import csv
import io
import itertools
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UserError, first_line

#: a number written with comma thousands separators ("1,234.56", "-12,000")
#: (a leading group of 0, as in "0,304", is a decimal comma, not a separator)
SEPARATED_NUMBER = r"^\s*[-+]?([1-9]\d{0,2}(,\d{3})+|\d+)(\.\d+)?\s*$"

#: values read as missing (after stripping whitespace), in CSV and in Parquet text columns
MISSING_MARKERS = ("", "NA", "N/A", "n/a", "na", "NaN", "nan", "null", "NULL", "None",
                   "#N/A", "?", "-")
#: separators told apart by sniffing, the first preferred when several fit
SEPARATORS = (",", ";", "\t", "|")
#: records of the file's start that sniffing compares
SNIFF_RECORDS = 50
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_DATETIME = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$"
#: a number written with a leading zero ("007", "-01"): an identifier's code, not a count
_LEADING_ZERO = r"^[-+]?0\d"
DAYS_PER_YEAR = 365.2425
TIME_WORDS = {"date": "the decimal year (1970 + days since 1970-01-01 / 365.2425)",
              "datetime": "the decimal year (1970 + days since 1970-01-01 / 365.2425, "
                          "fractions of a day included)",
              "time": "hours since midnight", "duration": "days"}


@dataclass
class Reading:
    """A file's frame, what was done to read it (``notes``), the columns that held
    dates or times (``kinds``: column -> ``date``, ``datetime``, ``time``, ``duration``)
    and those left out for their type (``left_out``: column -> the type)."""

    frame: object
    notes: list = field(default_factory=list)
    kinds: dict = field(default_factory=dict)
    left_out: dict = field(default_factory=dict)
    #: whether "1,5" is a number (a file separated by semicolons)
    decimal_comma: bool = False


def read_path(path):
    """Read a CSV (any of , ; tab | as separator) or Parquet file, told apart by its
    content, into a typed ``Reading``; a ``UserError`` saying what to fix otherwise."""
    import polars as pl

    path = Path(path)
    if not path.exists():
        raise UserError(f"file not found: {path}; give the path of a CSV or Parquet file")
    if path.is_dir():
        raise UserError(f"{path} is a folder; give the path of a CSV or Parquet file")
    if not path.is_file():  # a device or a pipe: reading would never end, or never begin
        raise UserError(f"{path} is not a regular file; give the path of a CSV or Parquet "
                        "file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    if data[:4] == b"PAR1":
        try:
            frame = pl.read_parquet(io.BytesIO(data))
        except Exception as exc:  # polars raises many kinds; all mean "unreadable"
            raise UserError(f"cannot read {path.name} as Parquet: {first_line(exc)}") \
                from None
        reading = Reading(frame)
    elif path.suffix.lower() in (".parquet", ".pq"):
        raise UserError(f"cannot read {path.name} as parquet: it lacks Parquet's magic bytes"
                        " (if it is CSV text, name it .csv)")
    elif data[:4] == b"PK\x03\x04":
        raise UserError(f"{path.name} is a zip archive (an Excel workbook?): save the sheet "
                        "as CSV or Parquet")
    else:
        reading = _read_csv(data, path)
    return _typed(reading)


def _decode(data, name):
    """The text of a CSV file and a note on its encoding (None for UTF-8)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), f"read {name} as UTF-16 (its byte-order mark)"
        except UnicodeDecodeError as exc:
            raise UserError(f"{name} starts as UTF-16 but is not (byte {exc.start}): save "
                            "it as UTF-8") from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    if b"\x00" in data[:65536]:
        raise UserError(f"{name} holds zero bytes: it is binary, or UTF-16 without a "
                        "byte-order mark; save it as UTF-8 CSV")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start]
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise UserError(f"{name} is neither UTF-8 nor Windows-1252 (line {line}: byte "
                        f"0x{byte:02x}): save it as UTF-8") from None
    return text, (f"{name} is not UTF-8 (line {line}: byte 0x{byte:02x}): read it as "
                  "Windows-1252 (Latin-1); save it as UTF-8 if its letters look wrong")


def _records(text, separator, limit=None):
    """``(first line, last line, fields)`` of each non-blank record (quotes respected:
    a quoted value may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, quotechar='"')
    end = 0
    for fields in itertools.islice(reader, limit):
        start, end = end + 1, reader.line_num
        if fields:
            yield start, end, fields


def _sniff(text, suffix):
    """The separator that gives the same count (> 1) of fields on the first records;
    tab for ``.tsv``; else the one that splits the header most."""
    if suffix == ".tsv":
        return "\t"
    sample = text[:1 << 16]
    if len(text) > len(sample):  # a record cut in two would look ragged
        sample = sample[:sample.rfind("\n") + 1] or sample
    header_fields = {}
    for separator in SEPARATORS:
        try:
            counts = [len(f) for *_, f in _records(sample, separator, SNIFF_RECORDS + 1)]
        except csv.Error:
            continue
        if counts and counts[0] > 1 and len(set(counts)) == 1:
            return separator
        header_fields[separator] = counts[0] if counts else 0
    return max(SEPARATORS, key=lambda s: header_fields.get(s, 0))


def _read_csv(data, path):
    import polars as pl

    name = path.name
    text, note = _decode(data, name)
    notes = [note] if note else []
    if not text.strip():
        raise UserError(f"{name} is empty: give a CSV file with a header line and rows")
    separator = _sniff(text, path.suffix.lower())
    if separator != ",":
        notes.append(f"read {name} with {_SEPARATOR_NAMES[separator]} as the separator")
    frame, renamed = _read_fast(text, separator, name)
    if frame is not None:
        return Reading(frame, notes + renamed, decimal_comma=separator == ";")
    records = _records(text, separator)
    try:
        *_, header = next(records)
        header, renamed = _header_names(header, name)
        rows = []
        for start, end, fields in records:
            if len(fields) != len(header) and not (len(fields) == 1 and not fields[0].strip()):
                raise UserError(_ragged(name, start, end, len(fields), len(header),
                                        separator))
            if len(fields) == len(header):  # (a line of spaces is blank)
                rows.append(fields)
    except csv.Error as exc:
        raise UserError(f"cannot read {name} as CSV: {exc}") from None
    notes += renamed
    # no rows is a header's columns, empty: compare refuses it, predict writes a header
    columns = list(zip(*rows)) or [[] for _ in header]
    frame = pl.DataFrame([pl.Series(n, c, dtype=pl.String) for n, c in zip(header, columns)])
    return Reading(frame, notes, decimal_comma=separator == ";")


def _read_fast(text, separator, name):
    """The table split by polars (every column text, as the record-by-record reader
    leaves it), or ``(None, [])`` where the file needs that reader: quotes, a line whose
    count of fields is not the header's (the reader names it; polars would fill it in),
    a blank line, line ends of a lone CR. Without quotes a line's fields are its
    separators plus one, which a pass over the lines checks fast."""
    import polars as pl

    if '"' in text or ("\r" in text and "\r\n" not in text):
        return None, []
    lines = text.splitlines()
    expected = lines[0].count(separator)
    if any(line.count(separator) != expected or not line.strip() for line in lines):
        return None, []
    header, renamed = _header_names(lines[0].split(separator), name)
    try:
        frame = pl.read_csv(text.encode("utf-8"), separator=separator, has_header=True,
                            new_columns=header, infer_schema=False, quote_char=None,
                            empty_string_is_null=False, raise_if_empty=False)
    except Exception:  # polars raises many kinds: the careful reader says what
        return None, []
    return (frame, renamed) if frame.shape == (len(lines) - 1, len(header)) else (None, [])


def _ragged(name, start, end, n_fields, n_header, separator):
    """The message of a record whose count of fields is not the header's."""
    fields = f"{n_fields} field{'s' if n_fields != 1 else ''}"
    if end > start:  # a quoted value ran over several lines: most often an open quote
        return (f"the record from line {start} to line {end} of {name} has {fields} but "
                f"its header has {n_header}: is a quote left open on line {start}?")
    return (f"line {end} of {name} has {fields} but its header has {n_header} "
            f"(separator {_SEPARATOR_NAMES[separator]}): fix that line (quote a value "
            "that holds the separator)")


_SEPARATOR_NAMES = {",": "',' (comma)", ";": "';' (semicolon)", "\t": "tab", "|": "'|'"}


def _header_names(header, name):
    """The header's names, stripped; an empty one named ``column_N``; duplicates refused.
    Returns the names and the notes of what was changed."""
    names = [h.strip() for h in header]
    notes = []
    stripped = [h for h, n in zip(header, names) if h != n and n]
    if stripped:
        notes.append(f"stripped the spaces around {len(stripped)} column name"
                     f"{'s' if len(stripped) > 1 else ''}: {', '.join(map(repr, stripped))}")
    empty = [j for j, n in enumerate(names) if not n]
    for j in empty:
        names[j] = f"column_{j + 1}"
    if empty:
        notes.append(f"named the column{'s' if len(empty) > 1 else ''} without a name by "
                     f"position: {', '.join(names[j] for j in empty)}")
    seen = {}
    for j, n in enumerate(names):
        if n in seen:
            raise UserError(f"the header of {name} names column {n!r} twice (fields "
                            f"{seen[n] + 1} and {j + 1}): rename one of them")
        seen[n] = j
    return names, notes


def _typed(reading):
    """Each column typed from its values: text columns by ``_text_column``, dates and
    times to one number each, decimals to floats; columns of lists, structs, binary or
    objects left out."""
    import polars as pl

    frame = reading.frame
    columns, markers, kinds, left_out = [], {}, {}, []
    for column in frame.get_columns():
        dtype = column.dtype
        if dtype == pl.String:
            column, found, kind = _text_column(column, reading.decimal_comma)
            if found:
                markers[column.name] = found
            if kind:
                kinds.setdefault(kind, []).append(column.name)
            elif column.dtype == pl.String:
                reading.notes += _almost(column)
        elif dtype in (pl.Categorical, pl.Enum):
            column, found, _ = _text_column(column.cast(pl.String), None)
            if found:
                markers[column.name] = found
        elif dtype.is_temporal():
            kind = _temporal_kind(dtype)
            column = _time_number(column, kind)
            kinds.setdefault(kind, []).append(column.name)
        elif dtype.is_decimal():
            column = column.cast(pl.Float64)
        elif dtype.is_nested() or dtype in (pl.Binary, pl.Object):
            left_out.append(f"{column.name!r} ({dtype})")
            reading.left_out[column.name] = str(dtype)
            continue
        columns.append(column)
    reading.frame = pl.DataFrame(columns) if columns else pl.DataFrame()
    reading.notes += _notes(markers, kinds, left_out)
    reading.kinds = {c: k for k, names in kinds.items() for c in names if k in TIME_WORDS}
    return reading


def _almost(column, share=0.9):
    """A note where a text column holds numbers or ISO dates but for a few values (a
    stray "abc", a 2024-02-30): the user most likely meant numbers or dates, and one
    value made the column text."""
    import polars as pl

    values = column.drop_nulls()
    if len(values) < 10:
        return []
    for (one, what), good in (
            (("a number", "numbers"), column.cast(pl.Float64, strict=False).is_not_null()),
            (("a date", "dates"), column.str.contains(_DATETIME)
                        & column.str.to_date("%Y-%m-%d", strict=False).is_not_null()
                        | column.str.contains(r"^\d{4}-\d{2}-\d{2}[T ]"))):
        bad = column.is_not_null() & ~good.fill_null(False)
        n_bad = int(bad.sum())
        if 0 < n_bad <= (1 - share) * len(values):
            row = int(bad.arg_true()[0])
            return [f"{column.name!r} stays text: {n_bad} of its {len(values)} values "
                    f"{'is not ' + one if n_bad == 1 else 'are not ' + what} (the first, "
                    f"{column[row]!r}, in row {row + 1}); fix {'it' if n_bad == 1 else 'them'}"
                    f" or leave {'it' if n_bad == 1 else 'them'} empty to read the column as "
                    f"{what}"]
    return []


def _temporal_kind(dtype):
    import polars as pl

    return next(kind for base, kind in ((pl.Date, "date"), (pl.Datetime, "datetime"),
                                        (pl.Time, "time"), (pl.Duration, "duration"))
                if dtype == base)


def _notes(markers, kinds, left_out):
    notes = []
    if markers:
        notes.append("read these values as missing: " + "; ".join(
            f"{', '.join(map(repr, found))} in {column!r}" for column, found in markers.items()))
    for kind, words in (("separators", "written with thousands separators"),
                        ("decimal_comma", "written with decimal commas"),
                        ("dot_thousands", "written with dots between thousands (the "
                                          "file's fields are separated by semicolons: "
                                          "'1.234' read as 1234)")):
        if kinds.get(kind):
            notes.append(f"read text column{'s' if len(kinds[kind]) > 1 else ''} {words} as "
                         f"numbers: {', '.join(map(repr, kinds[kind]))}")
    notes += time_notes(kinds)
    if left_out:
        notes.append(f"left out {len(left_out)} column{'s' if len(left_out) > 1 else ''} "
                     f"whose type holds no number or text to fit: {', '.join(left_out)}")
    return notes


def time_notes(kinds):
    """The notes on the columns read as dates or times (``kinds``: kind -> the column
    names), the same in memory and on a Dask cluster."""
    notes = []
    for kind, words in TIME_WORDS.items():
        if kinds.get(kind):
            trend = (": a linear trend in time; season and weekday are not extracted"
                     if kind in ("date", "datetime") else "")
            notes.append(f"read {', '.join(map(repr, kinds[kind]))} as {kind}s: each became "
                         f"one number, {words}{trend}")
    return notes


def _text_column(column, decimal_comma):
    """A text column with its missing markers nulled, typed from all its values.

    Returns ``(column, markers found, kind)``: kind None (numbers or booleans as they are
    written, or text), ``separators``, ``decimal_comma``, ``date`` or ``datetime``.
    ``decimal_comma`` None keeps the column text (a categorical type says so)."""
    stripped = column.str.strip_chars()
    is_marker = stripped.is_in(MISSING_MARKERS)
    found = stripped.filter(is_marker & (stripped != "")).unique().sort().to_list()
    column = stripped.replace(list(MISSING_MARKERS), None)
    values = column.drop_nulls()
    if decimal_comma is None or not len(values):
        return column, found, None
    if values.str.to_lowercase().is_in(["true", "false"]).all():
        return column.str.to_lowercase() == "true", found, None
    if not values.str.contains(_LEADING_ZERO).any():
        number, kind = _number(column, values, decimal_comma)
        if number is not None:
            return number, found, kind
    if values.str.contains(_DATETIME).all():
        if values.str.contains(_DATE).all():
            parsed, kind = column.str.to_date("%Y-%m-%d", strict=False), "date"
        else:
            parsed = (column.str.replace("T", " ", literal=True)
                      .str.replace(r"^(\d{4}-\d{2}-\d{2})$", "${1} 00:00:00")
                      .str.replace(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2})$", "${1}:00")
                      .str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False, time_unit="us"))
            kind = "datetime"
        if parsed.null_count() == column.null_count():  # no 2024-02-30
            return _time_number(parsed, kind), found, kind
    return column, found, None


#: a number with dots as thousands separators and perhaps a decimal comma, as written
#: where a semicolon separates the fields ("1.234", "12.000,5", "-1.234.567")
_DOT_THOUSANDS = r"^\s*[-+]?[1-9]\d{0,2}(\.\d{3})+(,\d+)?\s*$"
_PLAIN_OR_COMMA = r"^\s*[-+]?\d+(,\d+)?\s*$"


def _number(column, values, decimal_comma):
    """The column as numbers (integers where all are) and how it was written, or
    ``(None, None)``."""
    import polars as pl

    if decimal_comma:
        # a file of decimal commas writes thousands with dots: "1.234" is 1234 there, not
        # 1.234, wherever the column or a neighbour shows the convention (a "12.000,5",
        # a "1.234.567", or decimal commas in the file)
        dotted = values.str.contains(_DOT_THOUSANDS)
        if dotted.any() and (dotted | values.str.contains(_PLAIN_OR_COMMA)).all():
            number = (column.str.replace_all(".", "", literal=True)
                      .str.replace(",", ".", literal=True).cast(pl.Float64, strict=False))
            return number, "dot_thousands"
    for dtype in (pl.Int64, pl.Float64):
        number = column.cast(dtype, strict=False)
        if number.null_count() == column.null_count():
            return number, None
    if decimal_comma:
        number = column.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
        if number.null_count() == column.null_count():
            return number, "decimal_comma"
    elif values.str.contains(SEPARATED_NUMBER).all():
        number = column.str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)
        return number, "separators"
    return None, None


def _time_number(column, kind):
    """A date or datetime as its decimal year, a time as hours since midnight, a duration
    as days (floats)."""
    import polars as pl

    if kind == "date":
        days = column.cast(pl.Int32).cast(pl.Float64)
    elif kind == "datetime":  # the instant in UTC, whatever the time zone it is shown in
        days = column.dt.epoch("us").cast(pl.Float64) / 86_400e6
    elif kind == "time":
        return (column.cast(pl.Int64).cast(pl.Float64) / 3.6e12).alias(column.name)
    else:
        return (column.dt.total_microseconds().cast(pl.Float64) / 86_400e6).alias(column.name)
    return (1970.0 + days / DAYS_PER_YEAR).alias(column.name)
