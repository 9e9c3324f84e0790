"""The twelve ways a user trial broke `shrinkage compare`'s reading of a table (issue 29):
each is now read correctly or refused in one line that says what to do."""

import datetime as dt
import decimal
import json
import re
from html import escape as html_escape

import numpy as np
import polars as pl
import pytest
from sklearn.model_selection import train_test_split
from typer.testing import CliRunner

from shrinkage.cli import app
from shrinkage.compare import Options, prepare, run_comparison
from shrinkage.compare.narrative import _top_columns
from shrinkage.tables import Table, UserError, read_frame, read_table

from charts_helpers import assert_drawn, chart_specs, draw_charts

QUICK = Options(cv=3, n_alphas=5)
N = 30


def _xy(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(N)
    return x, 2 * x + rng.standard_normal(N)


def _csv(tmp_path, text, name="t.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def _frame_table(frame, target="y"):
    return Table(frame=frame, target=target, name="t")


def _one_line(exc_info, *parts):
    message = str(exc_info.value)
    assert "\n" not in message
    for part in parts:
        assert part in message, message


# 1. missing markers ----------------------------------------------------------------

def test_missing_markers_make_a_numeric_column_and_median_imputes_it(tmp_path):
    x, y = _xy()
    markers = ["n/a", "NA", "?", "-", "NULL", " None ", "#N/A", ""]
    cells = [markers[i] if i < len(markers) else repr(float(x[i])) for i in range(N)]
    path = _csv(tmp_path, "x,y\n" + "".join(f"{c},{float(v)!r}\n" for c, v in zip(cells, y)))
    table = read_table(path, "y")
    column = table.frame.get_column("x")
    assert column.dtype == pl.Float64
    assert column.null_count() == len(markers)
    np.testing.assert_array_equal(column.to_numpy()[len(markers):], x[len(markers):])
    note = next(n for n in table.notes if n.startswith("read these values as missing"))
    for marker in ("'n/a'", "'NA'", "'?'", "'-'", "'NULL'", "'None'", "'#N/A'", "'x'"):
        assert marker in note
    comparison = run_comparison(table, Options(cv=3, n_alphas=5, impute="median"))
    assert any("imputed missing values" in n for n in comparison.results["data"]["notes"])


def test_types_come_from_the_whole_column(tmp_path):
    rows = "".join(f"{i},{i % 7}\n" for i in range(20_000)) + "abc,3\n"
    frame = read_frame(_csv(tmp_path, "id,y\n" + rows))
    assert frame.schema["id"] == pl.String and frame.schema["y"] == pl.Int64
    assert frame.get_column("id")[-1] == "abc"


def test_parquet_text_columns_drop_markers_too(tmp_path):
    path = tmp_path / "t.parquet"
    pl.DataFrame({"x": ["1.5", "n/a", " 2 ", "?"], "y": [1, 2, 3, 4]}).write_parquet(path)
    assert read_frame(path).get_column("x").to_list() == [1.5, None, 2.0, None]


# 2. dates and times ------------------------------------------------------------------

def _decimal_year(moment):
    epoch = dt.datetime(1970, 1, 1, tzinfo=moment.tzinfo) if isinstance(moment, dt.datetime) \
        else dt.date(1970, 1, 1)
    delta = moment - epoch
    return 1970 + (delta.days + delta.seconds / 86400) / 365.2425


def test_iso_dates_and_datetimes_become_the_decimal_year(tmp_path):
    path = _csv(tmp_path, "d,t,y\n2024-01-31,2024-01-31 10:00:00,1\n"
                          "1969-12-31,2024-01-31T18:30:00,2\n2000-02-29,2024-02-01 06:00,3\n")
    table = read_table(path, "y")
    days = [dt.date(2024, 1, 31), dt.date(1969, 12, 31), dt.date(2000, 2, 29)]
    times = [dt.datetime(2024, 1, 31, 10), dt.datetime(2024, 1, 31, 18, 30),
             dt.datetime(2024, 2, 1, 6)]
    np.testing.assert_allclose(table.frame.get_column("d").to_numpy(),
                               [_decimal_year(d) for d in days], rtol=1e-13)
    np.testing.assert_allclose(table.frame.get_column("t").to_numpy(),
                               [_decimal_year(t) for t in times], rtol=1e-13)
    notes = " ".join(table.notes)
    assert "'d' as dates" in notes and "'t' as datetimes" in notes
    assert "a linear trend in time; season and weekday are not extracted" in notes


def test_parquet_temporal_types_become_numbers(tmp_path):
    path = tmp_path / "t.parquet"
    moment = dt.datetime(2024, 1, 31, 12, tzinfo=dt.timezone.utc)
    pl.DataFrame({
        "when": pl.Series([moment, moment], dtype=pl.Datetime("us", "Europe/Paris")),
        "day": [dt.date(2024, 1, 31), dt.date(1970, 1, 1)],
        "clock": [dt.time(10, 30), dt.time(0, 0)],
        "span": [dt.timedelta(days=1, hours=12), dt.timedelta(0)], "y": [1, 2],
    }).write_parquet(path)
    table = read_table(path, "y")
    frame = table.frame
    assert frame.get_column("when").to_list() == [pytest.approx(_decimal_year(moment))] * 2
    assert frame.get_column("day").to_list() == [_decimal_year(dt.date(2024, 1, 31)), 1970.0]
    assert frame.get_column("clock").to_list() == [10.5, 0.0]
    assert frame.get_column("span").to_list() == [1.5, 0.0]
    assert any("hours since midnight" in n for n in table.notes)


def test_a_date_target_is_refused(tmp_path):
    path = _csv(tmp_path, "x,when\n1,2024-01-01\n2,2024-01-02\n")
    with pytest.raises(UserError) as info:
        read_table(path, "when")
    _one_line(info, "'when'", "dates", "--target")


# 3. duplicate headers ----------------------------------------------------------------

def test_a_duplicate_header_is_refused_by_name(tmp_path):
    with pytest.raises(UserError) as info:
        read_frame(_csv(tmp_path, "a,b,a\n1,2,3\n"))
    _one_line(info, "'a'", "twice", "fields 1 and 3")


def test_a_real_duplicated_suffix_is_a_plain_name(tmp_path):
    frame = read_frame(_csv(tmp_path, "a,a_duplicated_0\n1,2\n"))
    assert frame.columns == ["a", "a_duplicated_0"]


# 4. a constant target ----------------------------------------------------------------

@pytest.mark.parametrize("target, said", [(["a"] * 10, "has 1 class"),
                                          ([3.0] * 10, "takes one value on every row")])
def test_a_constant_target_is_refused(target, said):
    frame = pl.DataFrame({"x": np.arange(10.0), "y": target})
    with pytest.raises(UserError) as info:
        prepare(_frame_table(frame), QUICK)
    _one_line(info, said, "'y'")


# 5. infinities -----------------------------------------------------------------------

def test_infinite_features_are_refused_then_imputed(tmp_path):
    x, y = _xy()
    cells = ["inf" if i == 4 else "-Infinity" if i == 9 else repr(float(v))
             for i, v in enumerate(x)]
    path = _csv(tmp_path, "x,y\n" + "".join(f"{c},{float(v)!r}\n" for c, v in zip(cells, y)))
    table = read_table(path, "y")
    assert np.isinf(table.frame.get_column("x").to_numpy()).sum() == 2
    with pytest.raises(UserError) as info:
        prepare(table, QUICK)
    _one_line(info, "'x'", "data row 5", "2 rows", "--impute median")
    features, *_, notes = prepare(table, Options(cv=3, n_alphas=5, impute="median"))
    assert features.get_column("x").null_count() == 2
    assert any("infinite values as missing" in n and "'x' (2 rows)" in n for n in notes)


def test_an_infinite_target_is_refused():
    frame = pl.DataFrame({"x": np.arange(10.0), "y": [1.0] * 8 + [np.inf, 2.0]})
    with pytest.raises(UserError) as info:
        prepare(_frame_table(frame), Options(impute="median"))
    _one_line(info, "target 'y'", "data row 9")


# 6. magnitudes too large to standardize ---------------------------------------------

def test_a_huge_value_is_refused_without_naming_an_estimator():
    frame = pl.DataFrame({"x": [1.0, 2.0, 1e308, 4.0] * 5, "y": np.arange(20.0)})
    with pytest.raises(UserError) as info:
        prepare(_frame_table(frame), QUICK)
    _one_line(info, "'x'", "1e+308", "data row 3", "rescale")
    assert "Gradient" not in str(info.value) and "sklearn" not in str(info.value)


# 7. Parquet types --------------------------------------------------------------------

def test_parquet_types_without_numbers_are_left_out_and_decimals_read(tmp_path):
    path = tmp_path / "t.parquet"
    x, y = _xy()
    pl.DataFrame({
        "x": x, "y": y,
        "tags": [[1, 2]] * N, "point": [{"a": 1, "b": 2.0}] * N, "blob": [b"\x00"] * N,
        "vec": pl.Series([[1.0, 2.0]] * N, dtype=pl.Array(pl.Float64, 2)),
        "price": pl.Series([decimal.Decimal(f"{i}.25") for i in range(N)],
                           dtype=pl.Decimal(10, 2)),
        "flag": [i % 2 == 0 for i in range(N)],
        "kind": pl.Series(["a", "b", "c"] * 10, dtype=pl.Categorical),
        "size": pl.Series(["s", "m"] * 15, dtype=pl.Enum(["s", "m"])),
    }).write_parquet(path)
    table = read_table(path, "y")
    assert table.frame.columns == ["x", "y", "price", "flag", "kind", "size"]
    assert table.frame.get_column("price").to_list() == [i + 0.25 for i in range(N)]
    note = next(n for n in table.notes if n.startswith("left out 4 columns"))
    assert "'tags' (List(Int64))" in note and "'blob' (Binary)" in note
    comparison = run_comparison(table, QUICK)
    assert {"flag", "kind", "size"} <= set(comparison.results["penalties"]["none"]
                                           ["choices"]["fit"]["kept_columns"])


# 8. columns empty where the median is taken ------------------------------------------

def test_a_column_empty_on_every_training_row_is_left_out():
    x, y = _xy()
    train, test = train_test_split(np.arange(N), test_size=0.25, random_state=0)
    only_test = np.full(N, np.nan)
    only_test[test] = np.arange(len(test), dtype=float)
    frame = pl.DataFrame({"x": x, "late": only_test, "y": y})
    comparison = run_comparison(_frame_table(frame), Options(cv=3, n_alphas=5,
                                                             impute="median"))
    assert "left out 1 column missing on every training row: 'late'" in \
        comparison.results["data"]["notes"]
    assert comparison.feature_names == ["x"]
    with pytest.raises(UserError) as info:
        run_comparison(_frame_table(frame.drop("x")), Options(cv=3, n_alphas=5,
                                                              impute="median"))
    _one_line(info, "every feature column is missing on every training row", "'late'")


@pytest.mark.parametrize("dtype", [pl.Float64, pl.Int64, pl.String, pl.Boolean, pl.Null])
def test_an_all_null_column_of_any_type_is_left_out(dtype):
    x, y = _xy()
    frame = pl.DataFrame({"x": x, "empty": pl.Series([None] * N, dtype=dtype), "y": y})
    features, *_, notes = prepare(_frame_table(frame), Options(cv=3, impute="median"))
    assert features.columns == ["x"]
    assert any("constant or empty column" in n and "'empty'" in n for n in notes)


# 9. names that are not TeX, nor HTML -------------------------------------------------

def test_names_are_drawn_and_written_literally(tmp_path):
    """Names are data to the charts, never markup or TeX: the page holds them only as
    JSON strings, and Vega draws them as the text they are."""
    x, y = _xy()
    names = ["$\\frac{a}{$", "a_b^c\\d", "x$y$", "<script>alert(1)</script>", "a & b"]
    rng = np.random.default_rng(1)
    frame = pl.DataFrame({n: x + rng.standard_normal(N) for n in names}).with_columns(
        pl.Series("y", y))
    data = tmp_path / "names.parquet"
    frame.write_parquet(data)
    result = CliRunner().invoke(app, ["compare", str(data), "--target", "y", "--cv", "3",
                                      "--n-alphas", "5", "--no-progress", "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert set(results["penalties"]["none"]["choices"]["fit"]["coefficients"]) == set(names)
    html = (tmp_path / "out" / "report.html").read_text()
    assert "<script>alert(1)</script>" not in html
    specs = chart_specs(html)
    assert {b["feature"] for b in specs["top-coefficients"]["data"]["values"]} == set(names)
    drawn = draw_charts({"top-coefficients": specs["top-coefficients"]}, tmp_path)
    assert_drawn(drawn)
    svg = drawn["top-coefficients"]["svg"]
    for name in names:  # each label as its literal text, escaped for SVG
        assert html_escape(name, quote=False) in svg, name


# 10. separators, ragged rows, encodings, empty files ----------------------------------

def test_a_ragged_line_is_named(tmp_path):
    with pytest.raises(UserError) as info:
        read_frame(_csv(tmp_path, "a,b\n1,2\n3,4\n5,6,7\n"))
    _one_line(info, "line 4 of t.csv has 3 fields but its header has 2")


def test_semicolons_with_decimal_commas(tmp_path):
    table = read_table(_csv(tmp_path, "a;b;y\n1,5;x;2\n-0,25;y;3\n"), "y")
    assert table.frame.get_column("a").to_list() == [1.5, -0.25]
    assert table.frame.get_column("b").to_list() == ["x", "y"]
    assert any("';' (semicolon) as the separator" in n for n in table.notes)


@pytest.mark.parametrize("encoding, note", [("utf-8-sig", None), ("utf-16", "UTF-16"),
                                            ("cp1252", "Windows-1252")])
def test_encodings(tmp_path, encoding, note):
    table = read_table(_csv(tmp_path, "città,y\nperché,1\nnaïve,2\n", encoding=encoding),
                       "y")
    assert table.frame.columns == ["città", "y"]
    assert table.frame.get_column("città").to_list() == ["perché", "naïve"]
    assert any(note in n for n in table.notes) if note else not table.notes


def test_neither_utf8_nor_cp1252_is_refused_with_its_line(tmp_path):
    with pytest.raises(UserError) as info:
        read_frame(_csv(tmp_path, b"a,b\n1,2\n\x81\x90,3\n"))
    _one_line(info, "line 3", "0x81", "UTF-8")


@pytest.mark.parametrize("text, said", [("", "is empty"), ("  \n\n", "is empty"),
                                        ("a,b\n", "no data rows"),
                                        ("a,b\n\n\n", "no data rows")])
def test_empty_files(tmp_path, text, said):
    with pytest.raises(UserError) as info:
        read_table(_csv(tmp_path, text), "b")
    _one_line(info, said)


def test_a_header_alone_is_an_empty_frame_for_predict(tmp_path):
    frame = read_frame(_csv(tmp_path, "a,b\n"))
    assert frame.columns == ["a", "b"] and frame.height == 0


# 11. names holding "=" ---------------------------------------------------------------

def test_a_column_named_with_an_equals_sign_keeps_its_name():
    choice = {"coefficients": {"a=1": 3.0, "b=x": 2.0, "b=y": 1.0}}
    assert _top_columns(choice, columns_of={"a=1": "a=1", "b=x": "b", "b=y": "b"}) == \
        ["a=1", "b"]
    x, y = _xy()
    frame = pl.DataFrame({"a=1": x, "y": y, "b": ["u", "v"] * 15})
    comparison = run_comparison(_frame_table(frame), QUICK)
    assert "'a=1'" not in " ".join(comparison.results["verdict"])
    assert any("led by a=1" in s for s in comparison.results["verdict"])


def test_encoded_names_that_collide_are_refused():
    frame = pl.DataFrame({"a=1": np.arange(10.0), "a": ["1", "x"] * 5, "y": np.arange(10.0)})
    with pytest.raises(UserError) as info:
        prepare(_frame_table(frame), QUICK)
    _one_line(info, "'a=1'", "'a' (level '1')", "rename one")


# 12. a bounded grid ------------------------------------------------------------------

def test_n_alphas_is_bounded(tmp_path):
    result = CliRunner().invoke(app, ["compare", "--demo", "diabetes", "--n-alphas",
                                      "100000", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert re.search(r"less than or equal to\s+1000", result.output)


def test_a_column_that_one_value_keeps_text_is_said(tmp_path):
    rows = "".join(f"{i},2024-01-{1 + i % 28:02d},{i}\n" for i in range(30))
    rows = rows.replace("5,2024-01-06", "abc,2024-02-30", 1)
    table = read_table(_csv(tmp_path, "x,d,y\n" + rows), "y")
    assert table.frame.schema["x"] == pl.String and table.frame.schema["d"] == pl.String
    assert "'x' stays text: 1 of its 30 values is not a number (the first, 'abc', in row " \
        "6); fix it or leave it empty to read the column as numbers" in table.notes
    assert any(n.startswith("'d' stays text: 1 of its 30 values is not a date (the first, "
                            "'2024-02-30', in row 6)") for n in table.notes)
    codes = read_table(_csv(tmp_path, "id,y\n" + "".join(f"00{i},{i}\n" for i in range(30)),
                            name="codes.csv"), "y")
    assert not any("stays text" in n for n in codes.notes)  # codes, all alike
