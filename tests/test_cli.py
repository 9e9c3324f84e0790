"""`shrinkage compare` and `shrinkage predict` through typer's CliRunner."""

import hashlib
import json
import re
from html.parser import HTMLParser

import numpy as np
import polars as pl
import pytest
from sklearn.datasets import load_diabetes
from typer.testing import CliRunner

from shrinkage.cli import app
from shrinkage.model_file import load_model
from shrinkage.compare.narrative import format_number

from charts_helpers import assert_drawn, chart_specs, draw_charts

FAST = ["--cv", "3", "--n-alphas", "15", "--no-progress"]
#: for tests of what is read and coded, not of the fits
TINY = ["--cv", "2", "--n-alphas", "5", "--no-progress"]


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


class ReportParser(HTMLParser):
    """The numbers of the summary table, the figures and the verdict of report.html."""

    def __init__(self):
        super().__init__()
        self.cells, self.figures, self.verdict = [], {}, []
        self._cell = self._figure = None
        self._in_verdict = self._in_li = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "td" and "data-key" in attrs:
            self._cell = [attrs["data-key"], attrs["data-value"], ""]
        if tag == "figure":
            self._figure = attrs["id"]
            self.figures[self._figure] = []
        if self._figure:
            self.figures[self._figure].append(attrs.get("class"))
        if tag == "ul" and attrs.get("id") == "verdict":
            self._in_verdict = True
        if tag == "li" and self._in_verdict:
            self._in_li = True
            self.verdict.append("")

    def handle_endtag(self, tag):
        if tag == "td" and self._cell:
            self.cells.append(tuple(self._cell))
            self._cell = None
        if tag == "figure":
            self._figure = None
        if tag == "ul":
            self._in_verdict = False
        if tag == "li":
            self._in_li = False

    def handle_data(self, data):
        if self._cell:
            self._cell[2] += data
        if self._in_li:
            self.verdict[-1] += data


def lookup(results, dotted):
    value = results
    for part in dotted.split("."):
        value = value[part]
    return value


@pytest.fixture(scope="module")
def diabetes_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("diabetes") / "report"
    result = run("compare", "--out", out, *FAST)
    assert result.exit_code == 0, result.output
    return out, result


def test_default_run_writes_every_file(diabetes_report):
    out, result = diabetes_report
    for name in ("report.html", "results.json", "paths.csv", "model.skops"):
        assert (out / name).stat().st_size > 0
    results = json.loads((out / "results.json").read_text())
    assert set(results["penalties"]) == {"none", "l1", "l2", "elasticnet"}
    assert results["data"]["name"] == "demo:diabetes" and results["data"]["task"] == "regression"
    # the summary and the verdict reach the terminal
    assert "L1" in result.stdout and results["verdict"][0] in " ".join(result.stdout.split())


def test_report_numbers_are_the_json_numbers(diabetes_report):
    out, _ = diabetes_report
    results = json.loads((out / "results.json").read_text())
    parser = ReportParser()
    parser.feed((out / "report.html").read_text())
    # 8 rows (none, 3 penalties x 2 choices, the relaxed lasso) x 8 numbers
    assert len(parser.cells) == 8 * 8
    for key, raw, text in parser.cells:
        value = lookup(results, key)
        if value is None:
            assert raw == "" and text == "-"
        else:
            assert float(raw) == value, key
            assert text == format_number(value), key
    assert parser.verdict == results["verdict"]


def test_report_has_every_figure_and_each_is_drawn(diabetes_report, tmp_path):
    out, _ = diabetes_report
    html = (out / "report.html").read_text()
    parser = ReportParser()
    parser.feed(html)
    expected = {"coefficient-paths", "cv-curves", "elasticnet-map", "train-test", "sparsity",
                "top-coefficients", "selection-frequency"}
    assert set(parser.figures) == {f"figure-{k}" for k in expected}
    for name, classes in parser.figures.items():  # a place to draw in, and what to draw
        assert classes.count("chart") == 1 and classes.count("chart-spec") == 1, name
    specs = chart_specs(html)
    assert set(specs) == expected
    assert_drawn(draw_charts(specs, tmp_path), min_marks=20)


def test_paths_csv_holds_each_path(diabetes_report):
    out, _ = diabetes_report
    results = json.loads((out / "results.json").read_text())
    paths = pl.read_csv(out / "paths.csv")
    for penalty in ("l1", "l2", "elasticnet"):
        rows = paths.filter(pl.col("penalty") == penalty)
        np.testing.assert_allclose(rows["cv_mean"].to_numpy(),
                                   results["penalties"][penalty]["path"]["cv_mean"])
        assert rows.height == 15


def test_verdict_is_computed_from_the_numbers(diabetes_report, tmp_path):
    out, _ = diabetes_report
    diabetes = json.loads((out / "results.json").read_text())
    other = tmp_path / "sparse"
    assert run("compare", "--demo", "sparse-signal", "--out", other, *FAST).exit_code == 0
    sparse = json.loads((other / "results.json").read_text())
    for results in (diabetes, sparse):
        comparison = results["comparison"]
        winner = comparison["winner"]
        key = comparison["key"]
        chosen = results["penalties"][winner]["choices"]["fit" if winner == "none" else "min"]
        first = results["verdict"][0]
        assert first.lower().startswith(results["penalties"][winner]["label"].lower())
        assert format_number(chosen[key]) in first
        l1 = results["penalties"]["l1"]["choices"]["min"]["n_nonzero"]
        assert f"kept {l1} of" in " ".join(results["verdict"]) or \
            f"kept all {l1}" in " ".join(results["verdict"])
    assert diabetes["verdict"] != sparse["verdict"]
    # the synthetic truth is scored, and its figure drawn
    recovery = sparse["recovery"]
    assert sum(v != 0 for v in recovery["true_standardized"].values()) == 5
    assert 0 <= recovery["l1"]["recall"] <= 1
    truth = chart_specs((other / "report.html").read_text())["truth"]
    for panel, p in zip(truth["hconcat"], ("l1", "l2", "elasticnet")):
        points = {r["feature"]: r for r in panel["layer"][1]["data"]["values"]}
        assert {f: r["true"] for f, r in points.items()} == pytest.approx(
            recovery["true_standardized"], rel=1e-5)
        assert {f: r["estimated"] for f, r in points.items()} == pytest.approx(
            recovery[p]["estimated_standardized"], rel=1e-5, abs=1e-12)
    assert_drawn(draw_charts({"truth": truth}, tmp_path))


def test_winner_is_the_lowest_test_loss_and_its_model_is_saved(diabetes_report):
    out, _ = diabetes_report
    results = json.loads((out / "results.json").read_text())
    key = results["comparison"]["key"]
    scores = {p: e["choices"]["fit" if p == "none" else "min"][key]
              for p, e in results["penalties"].items()}
    assert results["comparison"]["winner"] == min(scores, key=scores.get)
    pipeline = load_model(out / "model.skops").pipeline
    winner = results["penalties"][results["comparison"]["winner"]]
    chosen = winner["choices"].get("min", winner["choices"].get("fit"))
    coef = np.ravel(pipeline.named_steps["model"].coef_)
    np.testing.assert_allclose(coef, [chosen["coefficients"][n] for n in
                                          pipeline.named_steps["prepare"]
                                          .get_feature_names_out()])


def test_classification_demo(tmp_path):
    out = tmp_path / "cancer"
    result = run("compare", "--demo", "breast-cancer", "--out", out, *FAST)
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert results["data"]["task"] == "classification"
    assert results["data"]["classes"] == ["benign", "malignant"]
    for penalty in ("l1", "l2", "elasticnet"):
        assert 0.5 < results["penalties"][penalty]["choices"]["min"]["test_roc_auc"] <= 1
    specs = chart_specs((out / "report.html").read_text())
    assert "roc" in specs and "confusion" not in specs
    aucs = {r["penalty"] for r in specs["roc"]["layer"][1]["data"]["values"]}
    for p, entry in results["penalties"].items():  # the legend's areas are the table's
        choice = entry["choices"]["fit" if p == "none" else "min"]
        assert f"{entry['label']} (AUC = {choice['test_roc_auc']:.3f})" in aucs
    assert_drawn(draw_charts(specs, tmp_path), min_marks=20)


def _table_with_categories(tmp_path, n_missing_target=3):
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    frame = pl.from_pandas(X.assign(target=y))
    region = np.array(["north", "south", "east", "west"])[np.arange(frame.height) % 4]
    frame = frame.with_columns(pl.Series("region", region))
    target = frame["target"].to_numpy().copy()
    target[:n_missing_target] = np.nan
    frame = frame.with_columns(pl.Series("target", target))
    path = tmp_path / "table.csv"
    frame.write_csv(path)
    return path


def test_csv_with_categories_and_missing_targets(tmp_path):
    data = _table_with_categories(tmp_path)
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    out = tmp_path / "out"
    result = run("compare", data, "--target", "target", "--out", out, *FAST)
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert "dropped 3 rows with a missing target ('target')" in results["data"]["notes"]
    assert "note: dropped 3 rows with a missing target" in result.stderr
    assert results["data"]["n_rows"] == 439 and results["data"]["n_columns"] == 11
    assert results["data"]["n_features"] == 14  # 10 numeric + region's 4 levels
    kept = results["penalties"]["l2"]["choices"]["min"]["kept_columns"]
    assert "region" in kept and not any("=" in c for c in kept)
    # the input is untouched
    assert hashlib.sha256(data.read_bytes()).hexdigest() == digest
    # predict applies the saved model to a table (the target column is ignored)
    predictions = run("predict", out / "model.skops", data)
    assert predictions.exit_code == 0, predictions.output
    assert predictions.stderr == ("note: read these values as missing: 'NaN' in 'target'\n"
                                  "note: ignored 1 column the model does not use: 'target' "
                                  "(the model's target column)\n")
    lines = predictions.stdout.strip().splitlines()
    assert lines[0] == "prediction" and len(lines) == 443
    table = pl.read_csv(data)
    expected = load_model(out / "model.skops").pipeline.predict(table.drop("target"))
    np.testing.assert_allclose([float(v) for v in lines[1:]], expected, rtol=1e-9)


def test_parquet_input_and_imputation(tmp_path):
    X, y = load_diabetes(return_X_y=True)
    X = X.copy()
    X[::7, 2] = np.nan
    frame = pl.DataFrame(X, schema=[f"f{j}" for j in range(10)]).with_columns(
        pl.Series("y", y))
    path = tmp_path / "table.parquet"
    frame.write_parquet(path)
    result = run("compare", path, "--target", "y", "--out", tmp_path / "a", *FAST)
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: missing values in feature column 'f2': give "
                                     "--impute median or remove them")
    result = run("compare", path, "--target", "y", "--impute", "median",
                 "--out", tmp_path / "b", *FAST)
    assert result.exit_code == 0, result.output


def _one_line_error(result, pattern):
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and re.search(pattern, lines[0]), result.stderr
    assert "Traceback" not in result.output


def test_bad_inputs_exit_1_with_one_line(tmp_path):
    data = _table_with_categories(tmp_path, n_missing_target=0)
    out = tmp_path / "out"
    _one_line_error(run("compare", tmp_path / "none.csv", "--target", "y", "--out", out),
                    r"^error: file not found: .*none\.csv; give the path")
    _one_line_error(run("compare", data, "--target", "price", "--out", out),
                    r"target column 'price' is not in table\.csv; its columns are age, sex")
    _one_line_error(run("compare", data, "--out", out), r"--target is required")
    small = tmp_path / "small.csv"
    pl.read_csv(data).head(8).write_csv(small)
    _one_line_error(run("compare", small, "--target", "target", "--out", out),
                    r"the table has 8 rows; .* needs at least 14: use fewer folds")
    one_class = tmp_path / "one.csv"
    pl.read_csv(data).with_columns(pl.lit("a").alias("label")).write_csv(one_class)
    _one_line_error(run("compare", one_class, "--target", "label", "--out", out),
                    r"target 'label' has 1 class: classification needs two or more")
    garbage = tmp_path / "broken.parquet"
    garbage.write_bytes(b"this is not parquet")
    _one_line_error(run("compare", garbage, "--target", "y", "--out", out),
                    r"^error: cannot read broken\.parquet as parquet")
    _one_line_error(run("compare", "--demo", "iris", "--out", out), r"unknown demo 'iris'")
    empty = tmp_path / "empty.csv"
    empty.write_text("a,b,y\n1,2,\n3,4,\n")
    _one_line_error(run("compare", empty, "--target", "y", "--out", out),
                    r"the table has no row with a value in the target column 'y'")
    _one_line_error(run("predict", tmp_path / "no.skops", data), r"model file not found")
    assert not out.exists()  # nothing was written for a failed run


def test_usage_errors_exit_2_and_debug_raises(tmp_path):
    assert run("compare", "--bogus").exit_code == 2
    assert run("compare", "--cv", "1").exit_code == 2
    result = run("compare", tmp_path / "none.csv", "--target", "y", "--debug")
    assert result.exit_code == 1 and type(result.exception).__name__ == "UserError"


def test_predict_names_missing_columns(diabetes_report, tmp_path):
    out, _ = diabetes_report
    table = tmp_path / "partial.csv"
    pl.DataFrame({"age": [0.1, 0.2], "sex": [0.0, 1.0]}).write_csv(table)
    _one_line_error(run("predict", out / "model.skops", table),
                    r"lacks 8 feature columns the model needs: 'bmi', 'bp', 's1'")
    # the model's first column missing is a missing feature too, not a missing target
    names = load_diabetes(as_frame=True).data.columns
    pl.DataFrame({c: [0.1, 0.2] for c in names if c not in ("age", "s3")}).write_csv(table)
    _one_line_error(run("predict", out / "model.skops", table),
                    r"lacks 2 feature columns the model needs: 'age', 's3'; add them")


def test_bootstrap_interval_covers_the_normal_one():
    """The paired bootstrap of a mean difference agrees with the normal-theory interval."""
    from shrinkage.compare.memory import _bootstrap_means

    rng = np.random.default_rng(0)
    diff = rng.normal(0.3, 2.0, size=4000)
    boot = _bootstrap_means(diff, np.random.default_rng(1))
    low, high = np.quantile(boot, [0.025, 0.975])
    half = 1.96 * diff.std(ddof=1) / np.sqrt(diff.size)
    assert low == pytest.approx(diff.mean() - half, abs=0.15 * half)
    assert high == pytest.approx(diff.mean() + half, abs=0.15 * half)


def test_progress_bar_draws_on_a_terminal_only(monkeypatch, capsys):
    """Stages reach a rich bar when stderr is a terminal; nothing is drawn otherwise."""
    from rich.console import Console

    from shrinkage import cli

    with cli._progress(True, total=3) as step:  # CliRunner / pytest: not a terminal
        step("stage one")
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(Console, "is_terminal", property(lambda self: True))
    with cli._progress(True, total=3) as step:
        step("stage one")
        step("stage two", done=2, total=3)
    assert "stage two" in capsys.readouterr().err
    with cli._progress(False, total=3) as step:
        step("hidden")
    assert "hidden" not in capsys.readouterr().err


def test_no_penalty_cv_score_is_least_squares_on_the_folds():
    """The baseline's CV score (shared Gram matrices) equals per-fold least squares."""
    from sklearn.linear_model import LinearRegression
    from sklearn.model_selection import KFold

    from shrinkage.compare.memory import _baseline_cv
    from shrinkage.compare.losses import compare_loss
    from shrinkage.linear_model import Ridge

    X, y = load_diabetes(return_X_y=True)
    folds = list(KFold(4, shuffle=True, random_state=0).split(X))
    mean, se = _baseline_cv(Ridge(alpha=0.0), X, y, folds, compare_loss("squared"))
    errors = [np.mean((y[te] - LinearRegression().fit(X[tr], y[tr]).predict(X[te])) ** 2)
              for tr, te in folds]
    assert mean == pytest.approx(np.mean(errors), rel=1e-9)
    assert se == pytest.approx(np.std(errors, ddof=1) / 2, rel=1e-6)


def test_identifier_columns_are_ignored_with_a_note(tmp_path):
    X, y = load_diabetes(return_X_y=True)
    frame = pl.DataFrame(X, schema=[f"f{j}" for j in range(10)]).with_columns(
        pl.Series("customer", [f"id-{i:04d}" for i in range(len(y))]), pl.Series("y", y))
    path = tmp_path / "ids.csv"
    frame.write_csv(path)
    out = tmp_path / "out"
    result = run("compare", path, "--target", "y", "--out", out, *TINY)
    assert result.exit_code == 0, result.output
    assert "note: ignored 1 text column(s) with more than 50 distinct values ('customer')" \
        in result.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["data"]["n_columns"] == 10 and results["data"]["n_features"] == 10
    kept = run("compare", path, "--target", "y", "--max-levels", "1000", "--out",
               tmp_path / "all", *TINY)
    assert kept.exit_code == 0, kept.output
    assert json.loads((tmp_path / "all" / "results.json").read_text())["data"][
        "n_features"] > 300


def _without_times(results):
    for entry in results["penalties"].values():
        entry.pop("fit_seconds")
        for choice in entry["choices"].values():
            choice.pop("fit_seconds", None)  # the relaxed lasso's own
    results.pop("timing")  # the first run compiles the kernels, a later one does not
    results.pop("run")  # each run has its own id
    return results


def test_same_seed_same_results(diabetes_report, tmp_path):
    out, _ = diabetes_report
    again = tmp_path / "again"
    assert run("compare", "--out", again, *FAST).exit_code == 0
    first = _without_times(json.loads((out / "results.json").read_text()))
    second = _without_times(json.loads((again / "results.json").read_text()))
    assert first == second
    other = tmp_path / "other"
    assert run("compare", "--out", other, "--seed", "1", *FAST).exit_code == 0
    third = _without_times(json.loads((other / "results.json").read_text()))
    assert third["penalties"]["l1"] != first["penalties"]["l1"]  # another split and folds


def test_summary_table_fits_80_columns(diabetes_report, tmp_path):
    """Short headers and two significant digits: nothing is cut off at 80 columns."""
    from rich.console import Console

    from shrinkage.compare.console import print_summary as _print_summary

    out, _ = diabetes_report
    classification = tmp_path / "cancer"
    assert run("compare", "--demo", "breast-cancer", "--out", classification,
               *FAST).exit_code == 0
    for folder in (out, classification):
        console = Console(width=80, record=True)
        _print_summary(json.loads((folder / "results.json").read_text()), console)
        text = console.export_text()
        assert "…" not in text and max(len(line.rstrip()) for line in
                                       text.splitlines()) <= 80
        assert " penalty  rule " in text


def test_first_run_compilation_is_noted_and_not_timed(monkeypatch, tmp_path):
    from shrinkage.compare import memory as compare_memory

    monkeypatch.setattr(compare_memory, "_warm_up", lambda *a: 9.0)
    out = tmp_path / "slow"
    slow = run("compare", "--out", out, *FAST)
    assert slow.exit_code == 0
    assert "note: the solvers' kernels were compiled on this first run (9 s" in slow.stderr
    assert json.loads((out / "results.json").read_text())["timing"] == {
        "warm_up_seconds": 9.0}
    monkeypatch.setattr(compare_memory, "_warm_up", lambda *a: 0.1)
    warm = run("compare", "--out", tmp_path / "warm", *FAST)
    assert warm.exit_code == 0 and "compiled" not in warm.stderr


def test_a_target_differing_in_case_is_suggested(tmp_path):
    table = tmp_path / "wages.csv"
    pl.DataFrame({"Salary": [1.0, 2.0, 3.0], "age": [20, 30, 40]}).write_csv(table)
    _one_line_error(run("compare", table, "--target", "salary"),
                    r"target column 'salary' is not in wages.csv; did you mean 'Salary'\?")
