"""The report's charts: Vega-Lite specs built from the fits, checked against the fitted
estimators and results.json, drawn headless by the vendored Vega (Node) and, where
Chromium is installed, in a real browser."""

import hashlib
import json
import shutil
import subprocess
from importlib import resources

import numpy as np
import polars as pl
import pytest
from sklearn.datasets import load_diabetes

from shrinkage.compare import Options, run_comparison
from shrinkage.report import render_html
from shrinkage.report.charts import all_charts
from shrinkage.report.charts_paths import chosen_row
from shrinkage.report.vega import VENDORED, numbers, script_json
from shrinkage.tables import Table

from charts_helpers import assert_drawn, chart_specs, draw_charts

PENALIZED = ("l1", "l2", "elasticnet")


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    frame = pl.from_pandas(X.assign(target=y))
    comparison = run_comparison(Table(frame=frame, target="target", name="diabetes"),
                                Options(cv=3, n_alphas=12))
    comparison.record_run("test-run", "test")
    return comparison


@pytest.fixture(scope="module")
def charts(diabetes):
    return {key: spec for key, (_, spec) in all_charts(diabetes).items()}


def _layer_data(panel, index=0):
    return panel["layer"][index]["data"]["values"]


def test_vendored_scripts_are_the_listed_ones():
    folder = resources.files("shrinkage.report") / "vendor"
    readme = (folder / "README.md").read_text()
    for name, digest in VENDORED.items():
        data = (folder / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name
        assert f"| {name} |" in readme and digest in readme, name
        assert b"</script" not in data.lower()  # inlined, it must not end its element


def test_report_inlines_the_scripts_and_every_spec(diabetes, charts):
    html = render_html(diabetes, all_charts(diabetes))
    folder = resources.files("shrinkage.report") / "vendor"
    for name in VENDORED:  # offline: the scripts themselves, nothing fetched
        assert (folder / name).read_text(encoding="utf-8") in html
    assert "src=\"http" not in html and "src='http" not in html
    assert chart_specs(html) == json.loads(json.dumps(charts))


def test_coefficient_paths_are_the_estimators_paths(diabetes, charts):
    names = list(diabetes.feature_names)
    for panel, p in zip(charts["coefficient-paths"]["hconcat"], PENALIZED):
        model = diabetes.models[p]
        row = chosen_row(model)
        coefs = np.asarray(model.coef_path_[row])
        rows = _layer_data(panel)
        assert len(rows) == coefs.size
        for r in rows:
            i = int(np.argmin(np.abs(model.alphas_[row] - r["alpha"])))
            j = names.index(r["feature"])
            np.testing.assert_allclose(r["alpha"], model.alphas_[row][i], rtol=1e-5)
            np.testing.assert_allclose(r["coef"], coefs[i, j], rtol=1e-5, atol=1e-12)
            assert r["nonzero"] == np.count_nonzero(coefs[i])
        rules = {r["rule_color"]: r["alpha"] for r in _layer_data(panel, 1)}
        np.testing.assert_allclose([rules["black"], rules["gray"]],
                                   [model.alpha_min_, model.alpha_1se_], rtol=1e-5)
        assert f"alpha_min = {model.alpha_min_:.3g}" in panel["title"]["subtitle"]


def test_cv_curves_are_the_cv_means_and_their_bands(diabetes, charts):
    for panel, p in zip(charts["cv-curves"]["hconcat"], PENALIZED):
        model = diabetes.models[p]
        rows = panel["data"]["values"]
        assert len(rows) == np.size(model.cv_mean_)
        for k, ratio in enumerate(model.l1_ratios_):
            mine = [r for r in rows if r["l1_ratio"] == f"{ratio:g}"]
            np.testing.assert_allclose([r["mean"] for r in mine], model.cv_mean_[k],
                                       rtol=1e-5)
            for side, sign in (("low", -1), ("high", 1)):
                np.testing.assert_allclose([r[side] for r in mine],
                                           model.cv_mean_[k] + sign * model.cv_se_[k],
                                           rtol=1e-5)
            assert all(r["chosen"] == (k == chosen_row(model)) for r in mine)


def test_train_test_and_top_coefficients_are_the_results(diabetes, charts):
    results = diabetes.results
    for panel, p in zip(charts["train-test"]["hconcat"], PENALIZED):
        path = results["penalties"][p]["path"]
        rows = _layer_data(panel)
        for key, name in (("train", "training"), ("cv_mean", "cross-validated"),
                          ("test", "held-out test")):
            np.testing.assert_allclose([r["value"] for r in rows if r["series"] == name],
                                       path[key], rtol=1e-5)
    bars = charts["top-coefficients"]["data"]["values"]
    chosen = {e["label"]: e["choices"]["fit" if p == "none" else "min"]["coefficients"]
              for p, e in results["penalties"].items()}
    relaxed = results["penalties"]["l1"]["choices"]["relaxed"]
    chosen[f"L1 (lasso), relaxed (gamma {relaxed['gamma']:g})"] = relaxed["coefficients"]
    assert {bar["penalty"] for bar in bars} == set(chosen)
    for bar in bars:
        np.testing.assert_allclose(bar["coef"], chosen[bar["penalty"]][bar["feature"]],
                                   rtol=1e-5, atol=1e-12)
    largest = sorted(diabetes.feature_names,
                     key=lambda n: -max(abs(chosen[results["penalties"][p]["label"]][n])
                                        for p in PENALIZED))
    assert {b["feature"] for b in bars} == set(largest[:15])


def test_selection_frequency_chart_is_each_cv_models_fold_share(diabetes, charts):
    """The chart's shares are the CV estimators' own ``selection_frequency_`` (recounted
    here from fold fits of scikit-learn's Lasso on the same folds, alphas and rows is
    test_selection_frequency's job), in the coefficient chart's feature order."""
    cells = charts["selection-frequency"]["data"]["values"]
    names = list(diabetes.feature_names)
    for p in ("l1", "elasticnet"):
        model = diabetes.models[p]
        label = diabetes.results["penalties"][p]["label"]
        mine = {c["feature"]: c for c in cells if c["penalty"] == label}
        for name, cell in mine.items():
            j = names.index(name)
            assert cell["share"] == pytest.approx(model.selection_frequency_[j])
            assert cell["kept"] == (model.coef_.ravel()[j] != 0)
            assert cell["label"].endswith("(out)") == (not cell["kept"])
    bars = charts["top-coefficients"]["encoding"]["y"]["sort"]
    assert charts["selection-frequency"]["encoding"]["y"]["sort"] == bars


def test_elastic_net_map_stars_the_choice_in_its_cell(diabetes, charts):
    model = diabetes.models["elasticnet"]
    cells, star = (layer["data"]["values"] for layer in charts["elasticnet-map"]["layer"])
    assert len(cells) == np.size(model.cv_mean_)
    for cell in cells:
        assert cell["right"] <= cell["alpha"] <= cell["left"]  # a decreasing grid
    (mark,) = star
    assert mark["l1_ratio"] == f"{model.l1_ratio_:g}"
    np.testing.assert_allclose(mark["alpha"], model.alpha_min_, rtol=1e-5)


def test_script_json_cannot_end_its_element():
    name = '</script><script>alert(1)</script><!-- "$x$"'
    text = script_json({"feature": name, "values": numbers([1.0, np.nan, -np.inf])})
    assert "</" not in text and "<!--" not in text
    assert json.loads(text) == {"feature": name, "values": [1.0, None, None]}


def test_every_chart_draws_without_a_warning(charts, tmp_path):
    drawn = draw_charts(charts, tmp_path)
    assert set(drawn) == set(charts)
    assert_drawn(drawn, min_marks=20)


def test_the_report_draws_in_a_real_browser(diabetes, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed")
    page = tmp_path / "report.html"
    page.write_text(render_html(diabetes, all_charts(diabetes)), encoding="utf-8")
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                          "--virtual-time-budget=10000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert 'class="chart-error"' not in dom
    for key in all_charts(diabetes):
        start = dom.index(f'id="chart-{key}"')
        assert dom.index('class="marks"', start) < dom.index("</figure>", start), key


STUB_LABELS = {"none": "no penalty", "l1": "L1", "l2": "L2", "elasticnet": "EN"}


def _binary_stub(models, extras):
    """What roc_curves reads of a binary comparison: labels, models and the test split
    (or the Dask engine's summed curves)."""
    from types import SimpleNamespace

    results = {"penalties": {p: {"label": label} for p, label in STUB_LABELS.items()}}
    return SimpleNamespace(results=results, models=models, extras=extras)


def _roc_lines(spec):
    """Penalty legend -> the (fpr, tpr) points of its line, in drawing order."""
    (reference, curves) = spec["layer"]
    assert curves["mark"].get("interpolate", "linear") == "linear"
    lines = {}
    for row in sorted(curves["data"]["values"], key=lambda r: r["order"]):
        lines.setdefault(row["penalty"], []).append((row["fpr"], row["tpr"]))
    return {name: np.array(points) for name, points in lines.items()}


def test_roc_lines_are_drawn_straight_so_their_area_is_the_auc():
    """A model with no non-zero coefficient scores every row alike: its ROC curve is
    the diagonal (AUC 0.5), which a step drawn between its two points would show as
    AUC 0. The area under each line as drawn is scikit-learn's AUC."""
    from types import SimpleNamespace

    from sklearn.metrics import roc_auc_score

    from shrinkage.report.charts_models import roc_curves

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40).astype(float)
    coefs = {"none": [1.0, -0.5, 0.2], "l1": [0.0, 0.0, 0.0], "l2": [0.3, 0.0, 0.0],
             "elasticnet": [0.0, 0.0, 0.0]}
    models = {p: SimpleNamespace(coef_=np.array([c]), intercept_=np.array([0.1]))
              for p, c in coefs.items()}
    lines = _roc_lines(roc_curves(_binary_stub(models, {"X_test": X, "y_test": y})))
    for p, coef in coefs.items():
        (name,) = [n for n in lines if n.startswith(f"{STUB_LABELS[p]} (")]
        fpr, tpr = lines[name].T
        expected = roc_auc_score(y, X @ np.array(coef))
        assert float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2)) == \
            pytest.approx(expected, abs=2e-4), p
        assert f"(AUC = {expected:.3f})" in name
    assert len(lines["L1 (AUC = 0.500)"]) == 2  # the diagonal: its two ends


def test_a_binned_roc_curve_keeps_only_its_corners():
    """The Dask engine's curve has a point per score bin (16385), most of them repeats:
    the chart keeps the points where the line turns, so the report stays small, and
    the line through them is the same."""
    from types import SimpleNamespace

    from shrinkage.compare.dask_glm import histogram_roc
    from shrinkage.report.charts_models import roc_curves

    positives, negatives = np.zeros(16384), np.zeros(16384)
    positives[[9000, 12000, 12001]] = [3, 1, 2]
    negatives[[100, 9000, 12002]] = [4, 2, 1]
    fpr, tpr = histogram_roc(positives, negatives)
    models = {p: SimpleNamespace() for p in ("none", "l1", "l2", "elasticnet")}
    extras = {"roc": {p: (fpr, tpr) for p in models}}
    for points in _roc_lines(roc_curves(_binary_stub(models, extras))).values():
        # from the top bin down: 1 negative; 2 then 1 positives (one straight rise);
        # 3 positives with 2 negatives (a diagonal: a tie); 4 negatives
        expected = [(0, 0), (1 / 7, 0), (1 / 7, 1 / 2), (3 / 7, 1), (1, 1)]
        np.testing.assert_allclose(points, expected, atol=1e-4)
