"""`shrinkage compare` and `shrinkage predict` on a three-class table, through the
installed console script, checked against scikit-learn's metrics."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy.special import softmax
from sklearn.datasets import load_wine
from sklearn.metrics import balanced_accuracy_score, confusion_matrix, log_loss

from shrinkage.compare import detect_task, integer_code_note
from shrinkage.tables import UserError
from charts_helpers import assert_drawn, chart_specs, draw_charts
from test_cli import FAST

SCRIPT = Path(sys.executable).parent / "shrinkage"
CULTIVARS = np.array(["barolo", "grignolino", "barbera"])


@pytest.fixture(scope="module")
def wine_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wine")
    data = load_wine(as_frame=True)
    frame = pl.from_pandas(data.data).with_columns(
        pl.Series("cultivar", CULTIVARS[data.target]))
    table = folder / "wine.csv"
    frame.write_csv(table)
    out = folder / "report"
    done = subprocess.run([str(SCRIPT), "compare", str(table), "--target", "cultivar",
                           "--out", str(out), *FAST], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    return table, out, json.loads((out / "results.json").read_text())


def test_three_classes_end_to_end(wine_report, tmp_path):
    table, out, results = wine_report
    assert results["data"]["task"] == "classification"
    assert results["data"]["classes"] == ["barbera", "barolo", "grignolino"]
    html = (out / "report.html").read_text()
    specs = chart_specs(html)
    for chart in ("confusion", "class-coefficients", "cv-curves"):
        assert f'id="figure-{chart}"' in html and chart in specs
    assert "roc" not in specs
    assert_drawn(draw_charts(specs, tmp_path), min_marks=20)
    from shrinkage.model_file import load_model

    # the columns of coefficients_by_class, in the model's order
    features = load_model(out / "model.skops").pipeline[0].get_feature_names_out()
    for panel, p in zip(specs["class-coefficients"]["hconcat"], ("l1", "l2", "elasticnet")):
        choice = results["penalties"][p]["choices"]["min"]
        names = list(features)
        for cell in panel["data"]["values"]:
            k = results["data"]["classes"].index(cell["class"])
            expected = choice["coefficients_by_class"][k][names.index(cell["feature"])]
            assert cell["coef"] == pytest.approx(expected, rel=1e-5, abs=1e-12)
    for penalty, entry in results["penalties"].items():
        choice = entry["choices"]["fit" if penalty == "none" else "min"]
        assert np.shape(choice["coefficients_by_class"]) == (3, 13)
        assert 0.8 < choice["test_balanced_accuracy"] <= 1.0


def test_test_metrics_agree_with_scikit_learn(wine_report):
    """Refit nothing: the saved model's test predictions, scored by scikit-learn, are the
    report's numbers (the split is compare's: seed 0, a quarter held out)."""
    from sklearn.model_selection import train_test_split

    table, out, results = wine_report
    import pandas as pd

    frame = pd.read_csv(table)
    target = frame.pop("cultivar").to_numpy()
    _, X_test, _, y_test = train_test_split(frame, target, test_size=0.25, random_state=0,
                                            stratify=target)
    from shrinkage.model_file import load_model

    model = load_model(out / "model.skops").pipeline
    winner = results["comparison"]["winner"]
    choice = results["penalties"][winner]["choices"]["fit" if winner == "none" else "min"]
    proba = model.predict_proba(X_test)
    assert choice["test_log_loss"] == pytest.approx(
        log_loss(y_test, proba, labels=model[-1].classes_), rel=1e-6)
    assert choice["test_balanced_accuracy"] == pytest.approx(
        balanced_accuracy_score(y_test, model.predict(X_test)))
    # the report's coefficients are the model's
    np.testing.assert_allclose(choice["coefficients_by_class"], model[-1].coef_)
    Z = model[0].transform(X_test) @ model[-1].coef_.T + model[-1].intercept_
    np.testing.assert_allclose(softmax(Z, axis=1), proba, rtol=1e-10)
    # the winner's confusion-matrix chart counts what scikit-learn counts
    classes = list(model[-1].classes_)
    expected = confusion_matrix(y_test, model.predict(X_test), labels=classes)
    panels = chart_specs((out / "report.html").read_text())["confusion"]["hconcat"]
    label = results["penalties"][winner]["label"]
    (panel,) = [q for q in panels if q["title"] == label]
    counts = np.zeros_like(expected)
    for cell in panel["data"]["values"]:
        counts[classes.index(cell["true"]), classes.index(cell["predicted"])] = cell["count"]
    np.testing.assert_array_equal(counts, expected)


def test_predict_writes_a_probability_per_class(wine_report, tmp_path):
    table, out, _ = wine_report
    written = tmp_path / "predictions.csv"
    done = subprocess.run([str(SCRIPT), "predict", str(out / "model.skops"), str(table),
                           "--out", str(written)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    predictions = pl.read_csv(written)
    columns = [f"probability_{c}" for c in ("barbera", "barolo", "grignolino")]
    assert predictions.columns == ["prediction", *columns]
    np.testing.assert_allclose(predictions.select(columns).to_numpy().sum(axis=1), 1.0)


def test_integer_codes_get_a_note_and_too_many_classes_an_error():
    codes = pl.Series("grade", [1, 2, 3, 1, 2, 3, 2])
    assert detect_task(codes, "auto") == "regression"
    assert "give --task classification" in integer_code_note(codes, "regression")
    assert detect_task(codes, "classification") == "classification"
    assert integer_code_note(pl.Series("y", [0.5, 1.5, 2.0]), "regression") is None
    with pytest.raises(UserError, match="too many to be classes"):
        detect_task(pl.Series("id", [f"c{i}" for i in range(60)]), "auto")
