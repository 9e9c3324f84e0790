"""``shrinkage compare --engine dask``: a folder of Parquet files compared on a real
LocalCluster, every number checked against scikit-learn's preprocessing and our
in-memory estimators on the same rows, split and folds."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
from sklearn.model_selection import PredefinedSplit

pytest.importorskip("distributed")
pytest.importorskip("dask.dataframe")

from shrinkage.model_file import load_model  # noqa: E402
from shrinkage.compare import (Options, _estimators, build_preprocessor,  # noqa: E402
                               run_comparison)
from shrinkage.compare.dask import Z95, OnDask  # noqa: E402
from shrinkage.scale.table import (label_rows, merge_sketches, sketch,  # noqa: E402
                                   sketch_quantile)

SCRIPT = Path(sys.executable).parent / "shrinkage"
OPTIONS = Options(n_alphas=20, cv=4, seed=3)


def _write_table(folder, n=1600, parts=4, seed=0, missing_features=False):
    """Parquet files of a linear truth: numeric columns far from centred, a text and a
    boolean column, some rows without a target."""
    rng = np.random.default_rng(seed)
    folder.mkdir()
    for k in range(parts):
        m = n // parts
        X = rng.standard_normal((m, 5)) * [1.0, 2.0, 3.0, 1.0, 0.5] + [0.0, 5.0, -2.0, 1e3, 0]
        city = rng.choice(["north", "south", "east"], m)
        y = (2.0 * X[:, 0] - X[:, 1] + 0.5 * X[:, 2] + 1.5 * (city == "north")
             + rng.standard_normal(m))
        frame = pd.DataFrame({f"x{j}": X[:, j] for j in range(5)})
        frame["city"], frame["flag"], frame["y"] = city, rng.random(m) < 0.3, y
        frame.loc[rng.random(m) < 0.02, "y"] = np.nan
        if missing_features:
            frame.loc[rng.random(m) < 0.05, "x1"] = np.nan
            frame.loc[rng.random(m) < 0.05, "city"] = None
        frame.to_parquet(folder / f"part-{k:02d}.parquet")
    return folder


def _in_memory_split(folder, options):
    """The rows in partition order with each one's group (fold, or k for the test)."""
    frames, groups = [], []
    for i, path in enumerate(sorted(folder.glob("*.parquet"))):
        rows, g, _ = label_rows(pd.read_parquet(path), i, "y", options.test_size,
                                options.cv, options.seed)
        frames.append(rows)
        groups.append(g)
    return pd.concat(frames, ignore_index=True), np.concatenate(groups)


def test_every_number_equals_scikit_learn_and_the_in_memory_fits(client, tmp_path):
    folder = _write_table(tmp_path / "table")
    engine = OnDask(folder, "y", OPTIONS)
    frame, groups = _in_memory_split(folder, OPTIONS)
    k = OPTIONS.cv
    train, test = groups < k, groups == k
    assert engine.counts == {"n_rows": len(frame), "n_train": int(train.sum()),
                             "n_test": int(test.sum()), "n_columns": 7}
    assert abs(test.mean() - OPTIONS.test_size) < 0.05  # the hash splits as asked
    features = frame.drop(columns="y")
    features["city"] = features["city"].astype(object)
    # scikit-learn's own fit of the same preprocessor on the training rows
    reference = build_preprocessor([f"x{j}" for j in range(5)], ["city", "flag"],
                                   "none").fit(features[train])
    expected = reference.transform(features)
    np.testing.assert_allclose(engine.preprocessor.transform(features), expected,
                               rtol=1e-10, atol=1e-10)
    assert engine.names == list(reference.get_feature_names_out())
    X_train, X_test = expected[train], expected[test]
    y = frame["y"].to_numpy()
    y_train, y_test = y[train], y[test]
    folds = PredefinedSplit(groups[train])
    for penalty, model in _estimators(engine.loss, k, OPTIONS).items():
        on_cluster = clone(model)
        engine.fit(on_cluster)
        in_memory = clone(model)
        if hasattr(in_memory, "cv"):
            in_memory.set_params(cv=folds)
        in_memory.fit(X_train, y_train)
        np.testing.assert_allclose(on_cluster.coef_, in_memory.coef_, atol=2e-6,
                                   err_msg=penalty)
        if hasattr(model, "cv"):
            assert on_cluster.alpha_ == pytest.approx(in_memory.alpha_, rel=1e-9)
            np.testing.assert_allclose(on_cluster.cv_mean_, in_memory.cv_mean_, rtol=1e-5)
        # the held-out metrics from the test split's sums against the rows themselves
        z = X_test @ on_cluster.coef_ + on_cluster.intercept_
        metrics = engine.held_out.metrics(on_cluster.coef_, on_cluster.intercept_)
        assert metrics["test_mse"] == pytest.approx(np.mean((y_test - z) ** 2), rel=1e-9)
        assert metrics["test_r2"] == pytest.approx(r2_score(y_test, z), rel=1e-9)
    # the no-penalty baseline: least squares on each fold, scikit-learn's
    mean, _ = engine.baseline_cv(None)
    errors = [np.mean((y_train[te] - LinearRegression().fit(X_train[tr], y_train[tr])
                       .predict(X_train[te])) ** 2) for tr, te in folds.split()]
    assert mean == pytest.approx(np.mean(errors), rel=1e-8)
    least_squares = LinearRegression().fit(X_train, y_train)
    residual = y_train - least_squares.predict(X_train)
    assert engine.residual_share(least_squares) == pytest.approx(
        np.mean(residual**2) / np.var(y_train), rel=1e-8)


def test_the_interval_is_the_normal_one_of_the_paired_test_losses(client, tmp_path):
    folder = _write_table(tmp_path / "table", seed=1)
    engine = OnDask(folder, "y", OPTIONS)
    comparison = run_comparison(None, OPTIONS, engine=engine)
    frame, groups = _in_memory_split(folder, OPTIONS)
    test = frame[groups == OPTIONS.cv]
    X_test = engine.preprocessor.transform(test.drop(columns="y"))
    losses = {p: (test["y"].to_numpy() - X_test @ m.coef_ - m.intercept_) ** 2
              for p, m in comparison.models.items()}
    result = comparison.results["comparison"]
    assert result["interval"] == {"method": "paired normal-theory"}
    for other, against in result["against"].items():
        diff = losses[other] - losses[result["winner"]]
        half = Z95 * diff.std(ddof=1) / np.sqrt(diff.size)
        assert against["difference"] == pytest.approx(diff.mean(), rel=1e-8, abs=1e-12)
        np.testing.assert_allclose(against["ci95"], [diff.mean() - half, diff.mean() + half],
                                   rtol=1e-6, atol=1e-12)
    assert "normal-theory 95% interval" in comparison.results["verdict"][1]


def test_imputation_learns_medians_and_modes_on_the_workers(client, tmp_path):
    folder = _write_table(tmp_path / "table", missing_features=True)
    options = Options(n_alphas=10, cv=3, impute="median")
    engine = OnDask(folder, "y", options)
    frame, groups = _in_memory_split(folder, options)
    train = frame[groups < options.cv]
    numeric = engine.preprocessor.named_transformers_["numeric"]
    median = numeric[0].statistics_[1]
    values = train["x1"].dropna().to_numpy()
    # half the training values lie below it (the sketch holds them all at this size)
    assert abs(np.mean(values < median) - 0.5) <= 1.0 / values.size
    filled = train["x1"].fillna(median)
    assert numeric[-1].mean_[1] == pytest.approx(filled.mean(), rel=1e-10)
    assert numeric[-1].var_[1] == pytest.approx(filled.var(ddof=0), rel=1e-10)
    mode = engine.preprocessor.named_transformers_["categorical"][0].statistics_[0]
    assert mode == train["city"].mode()[0]
    assert any("imputed missing values in 2 column(s)" in n for n in engine.notes)


def test_quantile_sketches_merged_by_a_tree_keep_the_rank_error_small():
    rng = np.random.default_rng(0)
    parts = [rng.lognormal(size=rng.integers(1000, 30_000)) for _ in range(37)]
    sketches = [sketch(p, 512) for p in parts]
    while len(sketches) > 1:  # pairwise, as the workers reduce
        sketches = [merge_sketches(*sketches[i:i + 2], 512) if i + 1 < len(sketches)
                    else sketches[i] for i in range(0, len(sketches), 2)]
    values = np.concatenate(parts)
    for q in (0.1, 0.5, 0.9):
        assert abs(np.mean(values < sketch_quantile(sketches[0], q)) - q) < 0.01


def _run(*args):
    return subprocess.run([str(SCRIPT), "compare", *map(str, args), "--no-progress"],
                          capture_output=True, text=True, timeout=600)


def test_the_console_script_compares_a_parquet_folder(tmp_path):
    folder = _write_table(tmp_path / "table", n=2000)
    out = tmp_path / "report"
    done = _run(folder, "--target", "y", "--engine", "dask", "--workers", "2",
                "--n-alphas", "5", "--cv", "3", "--out", out)
    assert done.returncode == 0, done.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["comparison"]["interval"]["method"] == "paired normal-theory"
    assert results["settings"]["engine"] == "dask"
    assert "seeded hash of each row" in (out / "report.html").read_text()
    assert results["data"]["n_rows"] == results["data"]["n_train"] + results["data"]["n_test"]
    assert "dropped" in done.stderr and "wrote" in done.stdout
    # the saved model predicts on a pandas frame of raw columns, as the in-memory one
    pipeline = load_model(out / "model.skops").pipeline
    rows = pd.read_parquet(folder / "part-00.parquet").drop(columns="y").head(50)
    model = pipeline.named_steps["model"]
    expected = pipeline.named_steps["prepare"].transform(rows) @ np.ravel(model.coef_) \
        + model.intercept_
    np.testing.assert_allclose(pipeline.predict(rows), expected, rtol=1e-12)


def test_a_running_scheduler_is_used_and_left_running(client, tmp_path):
    folder = _write_table(tmp_path / "table", n=800)
    done = _run(folder, "--target", "y", "--engine", "dask", "--scheduler",
                client.scheduler.address, "--n-alphas", "5", "--cv", "3",
                "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert len(client.scheduler_info()["workers"]) == 2  # still up


@pytest.mark.parametrize(("make", "args", "message"), [
    ("table", ["--target", "nope"], r"target column 'nope' is not in table"),
    ("empty", ["--target", "y"], r"holds no Parquet file"),
    ("table", ["--target", "y", "--loss", "poisson"], r"--loss poisson needs a target >= 0"),
])
def test_errors_are_one_line(tmp_path, make, args, message):
    import re

    if make == "empty":
        folder = tmp_path / "empty"
        folder.mkdir()
    else:
        folder = _write_table(tmp_path / "table", n=400, parts=2)
    done = _run(folder, *args, "--engine", "dask", "--workers", "1",
                "--out", tmp_path / "out")
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in \
        done.stderr
    assert re.search(message, lines[0]), lines[0]


def test_scheduler_without_the_dask_engine_is_a_usage_error(tmp_path):
    done = _run(tmp_path, "--target", "y", "--scheduler", "tcp://127.0.0.1:1")
    assert done.returncode == 2 and "--engine dask" in done.stderr
