"""A battery of tables as users break them: each case is read exactly as asserted (the
frame's columns, types and values) or refused with one line naming what to fix."""

import datetime as dt
import decimal
import os

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from shrinkage.cli import app
from shrinkage.compare import Options, prepare
from shrinkage.reading import read_path
from shrinkage.tables import UserError, read_table


class Refused:
    """A case refused with a one-line ``UserError`` holding each of ``parts``."""

    def __init__(self, *parts):
        self.parts = parts


I, F, S, B = pl.Int64, pl.Float64, pl.String, pl.Boolean
BIG = 2 ** 63

#: (case id, file name, file content, {column: (dtype, values)} or Refused, note part)
CSV_CASES = [
    # encodings
    ("utf8", "t.csv", "a,b\n1,é\n", {"a": (I, [1]), "b": (S, ["é"])}, None),
    ("utf8-bom", "t.csv", b"\xef\xbb\xbfa,b\n1,2\n", {"a": (I, [1]), "b": (I, [2])}, None),
    ("utf16-bom", "t.csv", "a,b\n1,ü\n".encode("utf-16"), {"a": (I, [1]), "b": (S, ["ü"])},
     "UTF-16"),
    ("utf16-be-bom", "t.csv", b"\xfe\xff" + "a,b\n1,ü\n".encode("utf-16-be"),
     {"a": (I, [1]), "b": (S, ["ü"])}, "UTF-16"),
    ("cp1252", "t.csv", "a,b\n1,café\n".encode("cp1252"), {"a": (I, [1]),
                                                           "b": (S, ["café"])},
     "Windows-1252"),
    ("cp1252-euro", "t.csv", "a,b\n1,5€\n".encode("cp1252"), {"a": (I, [1]),
                                                             "b": (S, ["5€"])}, "line 2"),
    ("undecodable", "t.csv", b"a,b\n1,2\n3,\x81\n", Refused("line 3", "0x81"), None),
    ("emoji-values", "t.csv", "a,b\n1,🙂\n2,🙃\n", {"a": (I, [1, 2]),
                                                   "b": (S, ["🙂", "🙃"])}, None),
    # separators
    ("semicolon", "t.csv", "a;b\n1;2\n", {"a": (I, [1]), "b": (I, [2])}, "semicolon"),
    ("tab-in-csv", "t.csv", "a\tb\n1\t2\n", {"a": (I, [1]), "b": (I, [2])}, "tab"),
    ("pipe", "t.csv", "a|b\n1|2\n", {"a": (I, [1]), "b": (I, [2])}, "'|'"),
    ("tsv-with-commas", "t.tsv", "a\tb\n1,5\t2\n", {"a": (S, ["1,5"]), "b": (I, [2])},
     None),
    ("one-column", "t.csv", "a\n1\n2\n", {"a": (I, [1, 2])}, None),
    ("quoted-semicolons", "t.csv", 'a,b\n"x;y",1\n"z;w",2\n',
     {"a": (S, ["x;y", "z;w"]), "b": (I, [1, 2])}, None),
    ("semicolon-dot-thousands", "t.csv", "a;b\n1.234,5;1\n", {"a": (F, [1234.5]),
                                                            "b": (I, [1])},
     "dots between thousands"),
    ("semicolon-german-table", "t.csv", "preis;menge\n1.234;1,5\n12.000;3\n0,5;2\n",
     {"preis": (F, [1234.0, 12000.0, 0.5]), "menge": (F, [1.5, 3.0, 2.0])},
     "'preis'"),
    ("semicolon-leading-zero-dots", "t.csv", "a;b\n0.125;1\n0.250;2\n",
     {"a": (F, [0.125, 0.25]), "b": (I, [1, 2])}, None),
    ("semicolon-mixed-decimals", "t.csv", "a;b\n1,5;1\n2.5;2\n",
     {"a": (F, [1.5, 2.5]), "b": (I, [1, 2])}, "decimal commas"),
    # quoting
    ("quoted-comma", "t.csv", 'a,b\n"1,5x",2\n', {"a": (S, ["1,5x"]), "b": (I, [2])}, None),
    ("quoted-newline", "t.csv", 'a,b\n"x\ny",2\n', {"a": (S, ["x\ny"]), "b": (I, [2])},
     None),
    ("escaped-quotes", "t.csv", 'a,b\n"say ""hi""",2\n', {"a": (S, ['say "hi"']),
                                                         "b": (I, [2])}, None),
    ("quoted-numbers", "t.csv", 'a,b\n"1","2.5"\n', {"a": (I, [1]), "b": (F, [2.5])}, None),
    ("open-quote", "t.csv", 'a,b\n"x,1\n2,3\n', Refused("line 2 to line 3",
                                                       "quote left open on line 2"), None),
    # line endings
    ("crlf", "t.csv", b"a,b\r\n1,2\r\n3,4\r\n", {"a": (I, [1, 3]), "b": (I, [2, 4])}, None),
    ("cr-only", "t.csv", b"a,b\r1,2\r3,4\r", {"a": (I, [1, 3]), "b": (I, [2, 4])}, None),
    ("no-final-newline", "t.csv", "a,b\n1,2\n3,4", {"a": (I, [1, 3]), "b": (I, [2, 4])},
     None),
    ("blank-lines", "t.csv", "a,b\n\n1,2\n   \n3,4\n\n", {"a": (I, [1, 3]),
                                                       "b": (I, [2, 4])}, None),
    # whitespace
    ("spaced-header", "t.csv", " a ,b \n1,2\n", {"a": (I, [1]), "b": (I, [2])},
     "stripped the spaces"),
    ("spaced-values", "t.csv", "a,b\n  3 , x\n4,x \n", {"a": (I, [3, 4]),
                                                      "b": (S, ["x", "x"])}, None),
    # numbers, booleans, text
    ("bools", "t.csv", "a\ntrue\nFALSE\nTrue\n", {"a": (B, [True, False, True])}, None),
    ("bool-with-marker", "t.csv", "a\ntrue\nNA\n", {"a": (B, [True, None])}, None),
    ("yes-no", "t.csv", "a\nyes\nno\n", {"a": (S, ["yes", "no"])}, None),
    ("zero-one", "t.csv", "a\n0\n1\n", {"a": (I, [0, 1])}, None),
    ("int64-max", "t.csv", f"a\n{BIG - 1}\n1\n", {"a": (I, [BIG - 1, 1])}, None),
    ("int64-overflow", "t.csv", f"a\n{BIG}\n1\n", {"a": (F, [float(BIG), 1.0])}, None),
    ("huge-integer", "t.csv", "a\n" + "9" * 30 + "\n1\n", {"a": (F, [1e30, 1.0])}, None),
    ("int-and-float", "t.csv", "a\n1\n2.5\n", {"a": (F, [1.0, 2.5])}, None),
    ("percent", "t.csv", "a\n12%\n3%\n", {"a": (S, ["12%", "3%"])}, None),
    ("currency", "t.csv", 'a\n"$1,200"\n$5\n', {"a": (S, ["$1,200", "$5"])}, None),
    ("thousands", "t.csv", 'a\n"1,200"\n"-12,000.5"\n7\n',
     {"a": (F, [1200.0, -12000.5, 7.0])}, "thousands separators"),
    ("decimal-comma-in-csv", "t.csv", 'a\n"0,304"\n"1,5"\n', {"a": (S, ["0,304", "1,5"])},
     None),
    ("scientific", "t.csv", "a\n1e-3\n2.5E+4\n", {"a": (F, [1e-3, 2.5e4])}, None),
    ("negative-zero", "t.csv", "a\n-0.0\n1.5\n", {"a": (F, [-0.0, 1.5])}, None),
    ("negative-zero-int", "t.csv", "a\n-0\n2\n", {"a": (I, [0, 2])}, None),
    ("leading-zeros", "t.csv", "a\n007\n012\n", {"a": (S, ["007", "012"])}, None),
    ("zero-and-fraction", "t.csv", "a\n0\n0.5\n", {"a": (F, [0.0, 0.5])}, None),
    ("plus-sign", "t.csv", "a\n+5\n-3\n", {"a": (I, [5, -3])}, None),
    ("underscores", "t.csv", "a\n1_000\n2\n", {"a": (S, ["1_000", "2"])}, None),
    ("hex", "t.csv", "a\n0x10\n0x1F\n", {"a": (S, ["0x10", "0x1F"])}, None),
    ("all-markers", "t.csv", "a,b\nNA,1\n?,2\n", {"a": (S, [None, None]), "b": (I, [1, 2])},
     "'?', 'NA' in 'a'"),
    ("nan-spellings", "t.csv", "a\nnan\nNaN\n1\n", {"a": (I, [None, None, 1])}, None),
    ("infinity-words", "t.csv", "a\ninf\n-Infinity\n1\n",
     {"a": (F, [np.inf, -np.inf, 1.0])}, None),
    ("overflowing-float", "t.csv", "a\n1e400\n1\n", {"a": (F, [np.inf, 1.0])}, None),
    # dates
    ("us-dates", "t.csv", "a\n01/31/2024\n02/01/2024\n", {"a": (S, ["01/31/2024",
                                                                "02/01/2024"])}, None),
    ("invalid-date", "t.csv", "a\n2024-02-30\n2024-03-01\n",
     {"a": (S, ["2024-02-30", "2024-03-01"])}, None),
    ("epoch-date", "t.csv", "a\n1970-01-01\n1970-01-02\n",
     {"a": (F, [1970.0, 1970 + 1 / 365.2425])}, "as dates"),
    ("fractional-seconds", "t.csv", "a\n1970-01-01 12:00:00.5\n",
     {"a": (F, [1970 + (0.5 + 0.5 / 86400) / 365.2425])}, "as datetimes"),
    ("date-and-datetime", "t.csv", "a\n1970-01-01\n1970-01-01T06:00\n",
     {"a": (F, [1970.0, 1970 + 0.25 / 365.2425])}, "as datetimes"),
    ("date-with-marker", "t.csv", "a\n1970-01-01\nn/a\n", {"a": (F, [1970.0, None])},
     "as dates"),
    ("zulu-datetime", "t.csv", "a\n2024-01-01T00:00:00Z\n",
     {"a": (S, ["2024-01-01T00:00:00Z"])}, None),
    ("clock-times", "t.csv", "a\n10:30\n11:00\n", {"a": (S, ["10:30", "11:00"])}, None),
    # names
    ("unicode-names", "t.csv", "größe,ñ\n1,2\n", {"größe": (I, [1]), "ñ": (I, [2])}, None),
    ("emoji-names", "t.csv", "📈,y\n1,2\n", {"📈": (I, [1]), "y": (I, [2])}, None),
    ("empty-header", "t.csv", ",a\n0,1\n", {"column_1": (I, [0]), "a": (I, [1])},
     "by position: column_1"),
    ("blank-header", "t.csv", "a,   \n1,2\n", {"a": (I, [1]), "column_2": (I, [2])},
     "column_2"),
    ("numeric-header", "t.csv", "1,2\n3,4\n", {"1": (I, [3]), "2": (I, [4])}, None),
    ("long-name", "t.csv", "x" * 1000 + ",y\n1,2\n", {"x" * 1000: (I, [1]), "y": (I, [2])},
     None),
    ("case-differs", "t.csv", "a,A\n1,2\n", {"a": (I, [1]), "A": (I, [2])}, None),
    ("dotted-names", "t.csv", "a.b,c.d.e\n1,2\n", {"a.b": (I, [1]), "c.d.e": (I, [2])},
     None),
    ("quoted-names", "t.csv", '"say ""x""","a,b"\n1,2\n', {'say "x"': (I, [1]),
                                                          "a,b": (I, [2])}, None),
    ("newline-in-name", "t.csv", '"a\nb",c\n1,2\n', {"a\nb": (I, [1]), "c": (I, [2])},
     None),
    ("duplicate-after-strip", "t.csv", "a, a\n1,2\n", Refused("'a'", "twice",
                                                             "fields 1 and 2"), None),
    ("duplicate-renamed-empty", "t.csv", ",column_1,b\n1,2,3\n",
     Refused("'column_1'", "twice"), None),
    ("duplicate-three", "t.csv", "x,y,x,x\n1,2,3,4\n", Refused("'x'", "fields 1 and 3"),
     None),
    # ragged and empty
    ("more-fields", "t.csv", "a,b\n1,2\n3,4,5\n", Refused("line 3", "3 fields",
                                                         "header has 2"), None),
    ("fewer-fields", "t.csv", "a,b,c\n1,2,3\n4,5\n", Refused("line 3", "2 fields",
                                                             "header has 3"), None),
    ("ragged-after-blank", "t.csv", "a,b\n1,2\n\n\n3\n", Refused("line 5", "1 field "),
     None),
    ("ragged-semicolon", "t.csv", "a;b\n1;2\n" * 30 + "3;4;5\n",
     Refused("line 61", "';' (semicolon)"), None),
    ("empty", "t.csv", "", Refused("t.csv is empty"), None),
    ("spaces-only", "t.csv", " \n \n", Refused("is empty"), None),
    ("header-only", "t.csv", "a,b", {"a": (S, []), "b": (S, [])}, None),
    # what a file is
    ("upper-case-suffix", "T.CSV", "a,b\n1,2\n", {"a": (I, [1]), "b": (I, [2])}, None),
    ("txt", "t.txt", "a;b\n1;2\n", {"a": (I, [1]), "b": (I, [2])}, None),
    ("no-suffix", "table", "a,b\n1,2\n", {"a": (I, [1]), "b": (I, [2])}, None),
    ("parquet-that-is-csv", "t.parquet", "a,b\n1,2\n", Refused("as parquet", "name it .csv"),
     None),
    ("excel", "t.xlsx", b"PK\x03\x04rest", Refused("zip archive", "CSV"), None),
    ("binary", "t.csv", b"a,b\n\x00\x01\x02", Refused("zero bytes", "UTF-8"), None),
    ("utf16-no-bom", "t.csv", "a,b\n1,2\n".encode("utf-16-le"), Refused("zero bytes",
                                                                     "UTF-16"), None),
]


def _check(reading_or_error, expected, note):
    if isinstance(expected, Refused):
        message = str(reading_or_error)
        assert isinstance(reading_or_error, UserError), reading_or_error
        assert "\n" not in message
        for part in expected.parts:
            assert part in message, message
        return
    frame = reading_or_error.frame
    assert frame.columns == list(expected)
    for column, (dtype, values) in expected.items():
        got = frame.get_column(column)
        assert got.dtype == dtype, (column, got.dtype)
        if dtype == F:
            want = np.array([np.nan if v is None else v for v in values], dtype=float)
            have = got.fill_null(np.nan).to_numpy()
            assert got.is_null().to_list() == [v is None for v in values]
            np.testing.assert_allclose(have, want, rtol=1e-12)
            assert (np.signbit(have) == np.signbit(want)).all()  # -0.0 stays -0.0
        else:
            assert got.to_list() == values
    if note is not None:
        assert any(note in n for n in reading_or_error.notes), reading_or_error.notes


def _read(path):
    try:
        return read_path(path)
    except UserError as exc:
        return exc


@pytest.mark.parametrize("name, content, expected, note",
                         [c[1:] for c in CSV_CASES], ids=[c[0] for c in CSV_CASES])
def test_text_files(tmp_path, name, content, expected, note):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    _check(_read(path), expected, note)


def test_utf16_le_with_its_bom_reads_like_utf8(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xff\xfe" + "a,b\n1,ü\n".encode("utf-16-le"))
    assert read_path(path).frame.rows() == [(1, "ü")]


# sizes ---------------------------------------------------------------------------------

def test_two_thousand_columns(tmp_path):
    path = tmp_path / "wide.csv"
    header = ",".join(f"c{j}" for j in range(2000))
    path.write_text(header + "\n" + ",".join(map(str, range(2000))) + "\n"
                    + ",".join(f"{j}.5" for j in range(2000)) + "\n")
    frame = read_path(path).frame
    assert frame.shape == (2, 2000) and set(frame.schema.values()) == {F}
    assert frame.get_column("c1999").to_list() == [1999.0, 1999.5]


def test_a_hundred_thousand_rows(tmp_path):
    n = 100_000
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n)
    frame = pl.DataFrame({"x": x, "k": np.where(x > 0, "up", "down"), "i": np.arange(n)})
    frame = frame.with_columns(pl.when(pl.col("i") == n - 1).then(pl.lit("n/a"))
                               .otherwise(pl.col("x").cast(pl.String)).alias("x"))
    path = tmp_path / "long.csv"
    frame.write_csv(path)
    got = read_path(path).frame
    assert got.schema == pl.Schema({"x": F, "k": S, "i": I})
    np.testing.assert_array_equal(got.get_column("x").to_numpy()[:-1], x[:-1])
    assert got.get_column("x").null_count() == 1


@pytest.mark.parametrize("rows, parts", [
    (1, ("has 1 row", "--cv 3")), (2, ("has 2 rows",)),
])
def test_too_few_rows_are_refused(tmp_path, rows, parts):
    path = tmp_path / "t.csv"
    path.write_text("x,y\n" + "".join(f"{i},{i * 2}\n" for i in range(rows)))
    with pytest.raises(UserError) as info:
        prepare(read_table(path, "y"), Options(cv=3))
    assert all(p in str(info.value) for p in parts), info.value


# targets -------------------------------------------------------------------------------

@pytest.mark.parametrize("target, parts", [
    (["NA"] * 12, ("no row with a value in the target", "'y'")),
    (["a"] * 12 + ["n/a"] * 6, ("has 1 class",)),
    ([""] * 6 + ["b"] * 12, ("has 1 class",)),
    (["a"] + ["n/a"] * 11, ("has 1 row",)),
])
def test_targets_refused(tmp_path, target, parts):
    path = tmp_path / "t.csv"
    path.write_text("x,y\n" + "".join(f"{i},{t}\n" for i, t in enumerate(target)))
    with pytest.raises(UserError) as info:
        prepare(read_table(path, "y"), Options(cv=3))
    assert "\n" not in str(info.value)
    assert all(p in str(info.value) for p in parts), info.value


def test_a_text_target_with_markers_loses_those_rows(tmp_path):
    path = tmp_path / "t.csv"
    labels = ["a", "b", "?", "a", "b", "-"] * 4
    path.write_text("x,y\n" + "".join(f"{i},{t}\n" for i, t in enumerate(labels)))
    _, target, task, _, notes = prepare(read_table(path, "y"), Options(cv=3))
    assert task == "classification" and sorted(set(target)) == ["a", "b"]
    assert len(target) == 16 and "dropped 8 rows with a missing target ('y')" in notes


def test_a_boolean_target_is_two_classes(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("x,y\n" + "".join(f"{i},{'true' if i % 2 else 'false'}\n"
                                      for i in range(20)))
    _, target, task, loss, _ = prepare(read_table(path, "y"), Options(cv=3))
    assert task == "classification" and loss == "logistic" and target.dtype == bool


@pytest.mark.parametrize("asked, parts", [("z", ("'z' is not in", "x, y")),
                                          ("Y", ("did you mean 'y'",))])
def test_an_unknown_target_is_named(tmp_path, asked, parts):
    path = tmp_path / "t.csv"
    path.write_text("x,y\n1,2\n")
    with pytest.raises(UserError) as info:
        read_table(path, asked)
    assert all(p in str(info.value) for p in parts), info.value


# Parquet types -------------------------------------------------------------------------

PARQUET_CASES = [
    ("int8", pl.Series([1, -2], dtype=pl.Int8), pl.Int8, [1, -2]),
    ("int16", pl.Series([1, -2], dtype=pl.Int16), pl.Int16, [1, -2]),
    ("int32", pl.Series([1, -2], dtype=pl.Int32), pl.Int32, [1, -2]),
    ("uint8", pl.Series([1, 255], dtype=pl.UInt8), pl.UInt8, [1, 255]),
    ("uint16", pl.Series([1, 2], dtype=pl.UInt16), pl.UInt16, [1, 2]),
    ("uint32", pl.Series([1, 2], dtype=pl.UInt32), pl.UInt32, [1, 2]),
    ("uint64", pl.Series([1, BIG], dtype=pl.UInt64), pl.UInt64, [1, BIG]),
    ("float32", pl.Series([1.5, -2.25], dtype=pl.Float32), pl.Float32, [1.5, -2.25]),
    ("decimal", pl.Series([decimal.Decimal("1.25"), decimal.Decimal("-3.50")],
                          dtype=pl.Decimal(8, 2)), F, [1.25, -3.5]),
    ("date", pl.Series([dt.date(1970, 1, 1), dt.date(1971, 1, 1)]), F,
     [1970.0, 1970 + 365 / 365.2425]),
    ("datetime-tz", pl.Series([dt.datetime(1970, 1, 2, tzinfo=dt.timezone.utc)] * 2,
                              dtype=pl.Datetime("ms", "America/New_York")),
     F, [1970 + 1 / 365.2425] * 2),
    ("datetime-ns", pl.Series([dt.datetime(1970, 1, 1, 12)] * 2, dtype=pl.Datetime("ns")),
     F, [1970 + 0.5 / 365.2425] * 2),
    ("time", pl.Series([dt.time(6), dt.time(18, 15)]), F, [6.0, 18.25]),
    ("duration", pl.Series([dt.timedelta(hours=6), dt.timedelta(days=-2)]), F, [0.25, -2.0]),
    ("categorical", pl.Series(["a", "n/a"], dtype=pl.Categorical), S, ["a", None]),
    ("enum", pl.Series(["lo", "hi"], dtype=pl.Enum(["lo", "hi"])), S, ["lo", "hi"]),
    ("categorical-of-numbers", pl.Series(["1", "2"], dtype=pl.Categorical), S, ["1", "2"]),
    ("boolean", pl.Series([True, None]), B, [True, None]),
    ("null", pl.Series([None, None]), pl.Null, [None, None]),
    ("string-numbers", pl.Series([" 1.5", "NULL"]), F, [1.5, None]),
    ("string-dates", pl.Series(["2024-01-01", "1970-01-01"]), F,
     [1970 + 19723 / 365.2425, 1970.0]),
    ("list", pl.Series([[1], [2, 3]]), None, "'c' (List(Int64))"),
    ("struct", pl.Series([{"a": 1}, {"a": 2}]), None, "'c' (Struct({'a': Int64}))"),
    ("binary", pl.Series([b"x", b"y"]), None, "'c' (Binary)"),
    ("array", pl.Series([[1, 2], [3, 4]], dtype=pl.Array(pl.Int64, 2)), None,
     "'c' (Array(Int64, shape=(2,)))"),
]


@pytest.mark.parametrize("series, dtype, expected", [c[1:] for c in PARQUET_CASES],
                         ids=[c[0] for c in PARQUET_CASES])
def test_parquet_types(tmp_path, series, dtype, expected):
    path = tmp_path / "t.parquet"
    pl.DataFrame([series.alias("c"), pl.Series("y", [1, 2])]).write_parquet(path)
    reading = read_path(path)
    if dtype is None:  # left out, with a note naming it and its type
        assert reading.frame.columns == ["y"]
        assert any(expected in n for n in reading.notes), reading.notes
        return
    got = reading.frame.get_column("c")
    assert got.dtype == dtype
    if dtype.is_float():
        np.testing.assert_allclose(got.fill_null(np.nan).to_numpy(),
                                   [np.nan if v is None else v for v in expected], rtol=1e-7)
    else:
        assert got.to_list() == expected


def test_a_csv_file_holding_parquet_is_read_as_parquet(tmp_path):
    path = tmp_path / "t.csv"
    pl.DataFrame({"a": [1, 2]}).write_parquet(path)
    assert read_path(path).frame.get_column("a").to_list() == [1, 2]


# files that are not there or not files -----------------------------------------------

def _one_line_exit_1(*args, part):
    result = CliRunner().invoke(app, ["compare", *map(str, args), "--no-progress"])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and part in lines[0], result.stderr


def test_a_folder_missing_file_and_unreadable_file(tmp_path):
    _one_line_exit_1(tmp_path, "--target", "y", "--out", tmp_path / "o", part="is a folder")
    _one_line_exit_1(tmp_path / "nope.csv", "--target", "y", "--out", tmp_path / "o",
                     part="file not found")
    _one_line_exit_1(_ragged(tmp_path), "--target", "b", "--out", tmp_path / "o",
                     part="line 3 of r.csv has 3 fields")
    assert not (tmp_path / "o").exists()  # nothing written
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    locked = tmp_path / "locked.csv"
    locked.write_text("a,b\n1,2\n")
    locked.chmod(0)
    _one_line_exit_1(locked, "--target", "b", "--out", tmp_path / "o", part="cannot read")


def _ragged(folder):
    path = folder / "r.csv"
    path.write_text("a,b\n1,2\n3,4,5\n")
    return path
