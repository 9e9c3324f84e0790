"""`shrinkage compare --loss poisson|huber`: a count table end to end through the
installed console script, its numbers checked against scikit-learn's metrics."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from sklearn.linear_model import PoissonRegressor as SklearnPoisson
from sklearn.metrics import mean_absolute_error, mean_poisson_deviance
from sklearn.model_selection import train_test_split

from shrinkage.model_file import load_model

from test_cli import FAST, run

SCRIPT = Path(sys.executable).parent / "shrinkage"


def _count_table(path, n=600, seed=0):
    """Rentals per hour: a log-linear mean in hour, temperature, humidity and season."""
    rng = np.random.default_rng(seed)
    hour, temp = rng.integers(0, 24, n), rng.normal(15, 8, n)
    hum, season = rng.uniform(0.2, 1, n), rng.choice(["winter", "summer"], n)
    eta = 1.5 + 0.6 * np.sin(hour / 24 * 2 * np.pi) + 0.05 * temp - 0.8 * hum \
        + np.where(season == "summer", 0.4, 0.0)
    frame = pl.DataFrame({"hour": hour, "temp": temp, "hum": hum, "season": season,
                          **{f"noise{j}": rng.standard_normal(n) for j in range(4)},
                          "bikers": rng.poisson(np.exp(eta))})
    frame.write_csv(path)
    return path


def _test_split(table, target):
    frame = pd.read_csv(table)
    y = frame.pop(target).to_numpy()
    return train_test_split(frame, y, test_size=0.25, random_state=0)


@pytest.fixture(scope="module")
def poisson_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("counts")
    table = _count_table(folder / "bikes.csv")
    out = folder / "report"
    done = subprocess.run([str(SCRIPT), "compare", str(table), "--target", "bikers",
                           "--loss", "poisson", "--out", str(out), *FAST],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return table, out, json.loads((out / "results.json").read_text()), done.stdout


def test_poisson_compare_end_to_end(poisson_report):
    table, out, results, stdout = poisson_report
    assert results["metric"]["loss"] == "poisson"
    assert results["metric"]["cv"] == "poisson_deviance"
    assert results["metric"]["test_columns"] == ["test_poisson_deviance", "test_mae"]
    assert "Poisson deviance" in " ".join(results["verdict"])
    assert "poisson loss" in stdout
    html = (out / "report.html").read_text()
    assert "poisson_deviance" in html and "figure-cv-curves" in html
    assert "poisson loss: every penalty, and no penalty, fits it" in html
    _, X_test, _, y_test = _test_split(table, "bikers")
    model = load_model(out / "model.skops").pipeline
    mean = model.predict(X_test)
    assert mean.min() > 0  # counts' means, never negative
    winner = results["comparison"]["winner"]
    choice = results["penalties"][winner]["choices"]["fit" if winner == "none" else "min"]
    assert choice["test_poisson_deviance"] == pytest.approx(
        mean_poisson_deviance(y_test, mean), rel=1e-9)
    assert choice["test_mae"] == pytest.approx(mean_absolute_error(y_test, mean), rel=1e-9)


def test_no_penalty_is_the_unpenalized_poisson_fit(poisson_report):
    table, out, results, _ = poisson_report
    X_train, _, y_train, _ = _test_split(table, "bikers")
    model = load_model(out / "model.skops").pipeline
    X = model[0].transform(X_train)
    reference = SklearnPoisson(alpha=0.0, tol=1e-12, max_iter=10_000).fit(X, y_train)
    ours = results["penalties"]["none"]["choices"]["fit"]
    names = list(model[0].get_feature_names_out())
    coef = np.array([ours["coefficients"][name] for name in names])
    # the one-hot levels beside the intercept leave the fit's split among them free:
    # ours is coded against each categorical's first level (0), so compare differences
    expected = reference.coef_.copy()
    references = results["penalties"]["none"]["reference_levels"]
    for column, level in references.items():
        group = [j for j, name in enumerate(names) if name.startswith(f"{column}=")]
        assert names[group[0]] == f"{column}={level}" and coef[group[0]] == 0.0
        expected[group] -= expected[group[0]]
    np.testing.assert_allclose(coef, expected, atol=1e-5)
    # and the same predictions on every training row
    np.testing.assert_allclose(np.exp(X @ coef + ours["intercept"]), reference.predict(X),
                               rtol=1e-5)


def test_auto_suggests_poisson_for_counts(tmp_path):
    table = _count_table(tmp_path / "bikes.csv", n=300)
    result = run("compare", table, "--target", "bikers", "--out", tmp_path / "r", *FAST)
    assert result.exit_code == 0, result.output
    assert "--loss poisson" in result.output
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    assert results["metric"]["loss"] == "squared"


def test_huber_compare_reports_huber_loss_and_mae(tmp_path):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((400, 6))
    y = X[:, 0] * 3.0 - X[:, 1] + rng.standard_normal(400)
    y[:20] += rng.choice([-1, 1], 20) * 60.0
    frame = pl.DataFrame({**{f"x{j}": X[:, j] for j in range(6)}, "y": y})
    frame.write_csv(tmp_path / "wild.csv")
    result = run("compare", tmp_path / "wild.csv", "--target", "y", "--loss", "huber",
                 "--out", tmp_path / "r", *FAST)
    assert result.exit_code == 0, result.output
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    metric = results["metric"]
    assert (metric["loss"], metric["cv"], metric["test"]) == ("huber", "huber",
                                                               "test_huber")
    _, X_test, y_train, y_test = _test_split(tmp_path / "wild.csv", "y")
    # one delta for every model, on the noise's scale (sd 1), not on y's
    assert 0.8 < metric["huber_delta"] < 2.5
    model = load_model(tmp_path / "r" / "model.skops").pipeline
    assert model[-1].delta_ == metric["huber_delta"]
    residual = np.abs(y_test - model.predict(X_test))
    delta = metric["huber_delta"]
    huber = np.mean(np.where(residual <= delta, 0.5 * residual**2,
                             delta * residual - 0.5 * delta**2))
    winner = results["comparison"]["winner"]
    choice = results["penalties"][winner]["choices"]["fit" if winner == "none" else "min"]
    assert choice["test_huber"] == pytest.approx(huber, rel=1e-9)
    assert choice["test_mae"] == pytest.approx(residual.mean(), rel=1e-9)


def test_poisson_on_a_negative_or_text_target_exits_1(tmp_path):
    frame = pl.DataFrame({"x": np.arange(40.0), "y": np.arange(40.0) - 5,
                          "label": ["a", "b"] * 20})
    frame.write_csv(tmp_path / "t.csv")
    result = run("compare", tmp_path / "t.csv", "--target", "y", "--loss", "poisson",
                 "--out", tmp_path / "r", *FAST)
    assert result.exit_code == 1
    assert "--loss poisson needs a target >= 0" in result.output
    assert len(result.output.strip().splitlines()) == 1
    result = run("compare", tmp_path / "t.csv", "--target", "label", "--loss", "huber",
                 "--out", tmp_path / "r", *FAST)
    assert result.exit_code == 1
    assert "--loss huber fits a numeric target" in result.output
    assert not (tmp_path / "r").exists()


def test_predict_writes_expected_counts(poisson_report, tmp_path):
    table, out, _, _ = poisson_report
    written = tmp_path / "predictions.csv"
    done = subprocess.run([str(SCRIPT), "predict", str(out / "model.skops"), str(table),
                           "--out", str(written)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    predictions = pl.read_csv(written).get_column("prediction").to_numpy()
    frame = pd.read_csv(table).drop(columns="bikers")
    expected = load_model(out / "model.skops").pipeline.predict(frame)
    np.testing.assert_allclose(predictions, expected, rtol=1e-12)
    assert predictions.min() > 0
