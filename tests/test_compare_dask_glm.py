"""``shrinkage compare --engine dask`` for classification (two classes and three) and
counts: the fits, cross-validation scores, test metrics and intervals checked against
scikit-learn and our in-memory estimators on the same rows, split and folds."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.linear_model import PoissonRegressor as SkPoisson
from sklearn.metrics import (accuracy_score, balanced_accuracy_score, confusion_matrix,
                             log_loss, mean_absolute_error, mean_poisson_deviance,
                             roc_auc_score)
from sklearn.model_selection import PredefinedSplit

pytest.importorskip("distributed")
pytest.importorskip("dask.dataframe")

from shrinkage.model_file import load_model  # noqa: E402
from shrinkage.compare import Options, _estimators  # noqa: E402
from shrinkage.compare.dask import Z95, OnDask  # noqa: E402
from shrinkage.compare.dask_glm import histogram_auc  # noqa: E402
from test_compare_dask import _in_memory_split  # noqa: E402

SCRIPT = Path(sys.executable).parent / "shrinkage"


def _write_table(folder, kind, n=2400, parts=4, seed=0):
    """Parquet files with a text column and a target of ``kind``: "binary", "three"
    classes or "counts"."""
    rng = np.random.default_rng(seed)
    folder.mkdir()
    for k in range(parts):
        m = n // parts
        X = rng.standard_normal((m, 4)) * [1.0, 2.0, 3.0, 0.5] + [0.0, 5.0, -2.0, 0.0]
        city = rng.choice(["north", "south", "east"], m)
        score = 1.2 * X[:, 0] - 0.5 * (X[:, 1] - 5.0) + 0.8 * (city == "north")
        if kind == "binary":
            y = np.where(rng.uniform(size=m) < 1 / (1 + np.exp(-score)), "yes", "no")
        elif kind == "three":
            cuts = np.digitize(score + rng.logistic(size=m), [-0.5, 0.8])
            y = np.array(["ant", "bee", "cat"])[cuts]
        elif kind == "outliers":
            y = 2.0 * score + rng.standard_t(3, m)
            y[rng.uniform(size=m) < 0.05] += 40.0
        else:
            y = rng.poisson(np.exp(0.3 * score + 0.5)).astype(float)
        frame = pd.DataFrame({f"x{j}": X[:, j] for j in range(4)})
        frame["city"], frame["y"] = city, y
        frame.to_parquet(folder / f"part-{k:02d}.parquet")
    return folder


def _scores(model, X):
    z = X @ np.asarray(model.coef_).T + model.intercept_
    return z[:, 0] if z.ndim == 2 and z.shape[1] == 1 else z


LOSS_OF = {"counts": "poisson", "outliers": "huber"}


@pytest.mark.parametrize("kind", ["binary", "three", "counts", "outliers"])
def test_fits_scores_and_metrics_equal_the_in_memory_ones(client, tmp_path, kind):
    options = Options(n_alphas=6, cv=3, seed=2, loss=LOSS_OF.get(kind, "auto"))
    folder = _write_table(tmp_path / "table", kind)
    engine = OnDask(folder, "y", options)
    frame, groups = _in_memory_split(folder, options)
    k = options.cv
    train, test = groups < k, groups == k
    X = engine.preprocessor.transform(frame.drop(columns="y"))
    y = frame["y"].to_numpy()
    X_train, y_train, X_test, y_test = X[train], y[train], X[test], y[test]
    folds = PredefinedSplit(groups[train])
    classes = None if kind in LOSS_OF else np.unique(y_train)
    if classes is not None:
        assert list(engine.classes) == list(classes)
    for penalty, model in _estimators(engine.loss, k, options).items():
        if penalty == "none":
            continue
        on_cluster = clone(model).set_params(tol=1e-10)
        engine.fit(on_cluster)
        in_memory = clone(model).set_params(tol=1e-10, cv=folds).fit(X_train, y_train)
        np.testing.assert_allclose(on_cluster.alphas_, in_memory.alphas_, rtol=1e-8)
        # both paths certified to a gap of 1e-10: with the weak curvature of a small
        # alpha the coefficients are then known to ~1e-4, the scores to ~1e-6 (checked
        # against fits to 1e-14: each side is off by about that, in either direction)
        np.testing.assert_allclose(on_cluster.cv_mean_, in_memory.cv_mean_, rtol=1e-5,
                                   err_msg=penalty)
        assert on_cluster.alpha_ == pytest.approx(in_memory.alpha_, rel=1e-10)
        assert on_cluster.l1_ratio_ == in_memory.l1_ratio_
        np.testing.assert_allclose(on_cluster.coef_, in_memory.coef_, atol=1e-4,
                                   err_msg=penalty)
        # the test metrics, summed on the workers, against scikit-learn's on the rows
        metrics = engine.held_out.metrics(on_cluster.coef_, on_cluster.intercept_)
        z = _scores(on_cluster, X_test)
        if kind in LOSS_OF:
            mean = np.exp(z) if kind == "counts" else z
            if kind == "counts":
                assert metrics["test_poisson_deviance"] == pytest.approx(
                    mean_poisson_deviance(y_test, mean), rel=1e-9)
            else:
                r, delta = np.abs(y_test - z), engine.loss.delta
                huber = np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta))
                assert metrics["test_huber"] == pytest.approx(huber.mean(), rel=1e-9)
            assert metrics["test_mae"] == pytest.approx(
                mean_absolute_error(y_test, mean), rel=1e-9)
            continue
        proba = on_cluster.predict_proba(X_test)
        assert metrics["test_log_loss"] == pytest.approx(
            log_loss(y_test, proba, labels=classes), rel=1e-9)
        assert metrics["test_accuracy"] == pytest.approx(
            accuracy_score(y_test, on_cluster.predict(X_test)), abs=1e-12)
        auc = roc_auc_score(y_test, proba[:, 1]) if len(classes) == 2 else \
            roc_auc_score(y_test, proba, multi_class="ovr", average="macro")
        assert metrics["test_roc_auc"] == pytest.approx(auc, abs=2e-4)
        if len(classes) > 2:
            assert metrics["test_balanced_accuracy"] == pytest.approx(
                balanced_accuracy_score(y_test, on_cluster.predict(X_test)), abs=1e-12)
        # the report's curves: counts of (true, predicted) and the binned ROC
        curves = engine.held_out.curves(on_cluster.coef_, on_cluster.intercept_)
        np.testing.assert_array_equal(curves["confusion"], confusion_matrix(
            y_test, on_cluster.predict(X_test), labels=classes))
        if len(classes) == 2:
            fpr, tpr = curves["roc"]
            area = np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2)
            assert area == pytest.approx(metrics["test_roc_auc"], abs=1e-12)
        # the test loss along the path: the same per-sample losses, averaged
        row = on_cluster.l1_ratios_.index(on_cluster.l1_ratio_)
        path = engine.held_out.path(on_cluster.coef_path_[row],
                                    on_cluster.intercept_path_[row])
        chosen = int(np.flatnonzero(on_cluster.alphas_[row] == on_cluster.alpha_)[0])
        assert path[chosen] == pytest.approx(metrics["test_log_loss"], rel=1e-9)


@pytest.mark.parametrize("kind", ["binary", "counts"])
def test_the_unpenalized_model_and_its_folds_equal_scikit_learns(client, tmp_path, kind):
    options = Options(n_alphas=8, cv=3, seed=1, loss="poisson" if kind == "counts"
                      else "auto")
    folder = _write_table(tmp_path / "table", kind, n=1800)
    engine = OnDask(folder, "y", options)
    frame, groups = _in_memory_split(folder, options)
    k = options.cv
    train = groups < k
    X = engine.preprocessor.transform(frame.drop(columns="y"))[train]
    y = frame["y"].to_numpy()[train]
    model = clone(_estimators(engine.loss, k, options)["none"]).set_params(tol=1e-12,
                                                                          max_iter=100)
    engine.fit(model)

    def reference(rows):
        if kind == "counts":
            return SkPoisson(alpha=0.0, tol=1e-12, max_iter=10_000).fit(X[rows], y[rows])
        return SkLogistic(C=np.inf, tol=1e-12, max_iter=10_000).fit(X[rows], y[rows])

    whole = reference(np.ones(len(y), dtype=bool))
    # the city's one-hot columns and the intercept are collinear: the coefficients are
    # not unique, the model's predictions are
    np.testing.assert_allclose(_scores(model, X), _scores(whole, X), atol=1e-6)
    mean, se = engine.baseline_cv(model)
    scores = []
    for f in range(k):
        fitted = reference(groups[train] != f)
        held = groups[train] == f
        if kind == "counts":
            scores.append(mean_poisson_deviance(y[held], fitted.predict(X[held])))
        else:
            scores.append(log_loss(y[held], fitted.predict_proba(X[held])))
    assert mean == pytest.approx(np.mean(scores), rel=1e-6)
    assert se == pytest.approx(np.std(scores, ddof=1) / np.sqrt(k), rel=1e-4)


def test_the_interval_is_the_normal_one_of_the_paired_log_losses(client, tmp_path):
    options = Options(n_alphas=8, cv=3, seed=4)
    folder = _write_table(tmp_path / "table", "three", n=1800)
    engine = OnDask(folder, "y", options)
    estimators = _estimators(engine.loss, options.cv, options)
    models = {p: estimators[p] for p in ("l1", "l2")}
    for model in models.values():
        engine.fit(model)
    difference, low, high = engine.interval(models, "l1", "l2")
    frame, groups = _in_memory_split(folder, options)
    test = groups == options.cv
    X = engine.preprocessor.transform(frame.drop(columns="y"))[test]
    codes = np.searchsorted(engine.classes, frame["y"].to_numpy()[test])
    losses = {p: -np.log(m.predict_proba(X)[np.arange(len(codes)), codes])
              for p, m in models.items()}
    diff = losses["l2"] - losses["l1"]
    half = Z95 * diff.std(ddof=1) / np.sqrt(diff.size)
    assert difference == pytest.approx(diff.mean(), rel=1e-8, abs=1e-12)
    np.testing.assert_allclose([low, high], [diff.mean() - half, diff.mean() + half],
                               rtol=1e-6, atol=1e-12)


def test_the_huber_threshold_follows_the_in_memory_rule(client, tmp_path):
    """The rule on y, a cross-validated lasso pilot, the rule on its residuals: exact
    medians on the cluster. The reference pilot is solved to 1e-10: at its default 1e-4
    the in-memory pilot's residuals move delta by 0.3% (the distributed pilot, whose
    Newton steps overshoot its tolerance, is as close as the 1e-10 one)."""
    from shrinkage import HuberRegressorCV
    from shrinkage.datafits_glm import default_huber_delta
    from shrinkage.compare.dask_glm import train_targets
    from shrinkage.scale.robust import huber_delta

    options = Options(n_alphas=8, cv=3, seed=5, loss="huber")
    folder = _write_table(tmp_path / "table", "outliers", n=1800)
    engine = OnDask(folder, "y", options)
    frame, groups = _in_memory_split(folder, options)
    train = groups < options.cv
    X = engine.preprocessor.transform(frame.drop(columns="y"))[train]
    y = frame["y"].to_numpy()[train]
    assert huber_delta(engine.backend.parts, train_targets) == pytest.approx(
        default_huber_delta(y), rel=1e-12)
    pilot = HuberRegressorCV(l1_ratio=1.0, alphas=20, cv=PredefinedSplit(groups[train]),
                             delta="residuals", tol=1e-10).fit(X, y)
    assert engine.loss.delta == pytest.approx(pilot.delta_, rel=1e-6)


def test_distributed_medians_are_the_in_memory_ones(client):
    """Odd and even counts, ties, a value repeated on more than half the rows (the
    standard deviation's fallback), parts of very different sizes."""
    from dask import delayed

    from shrinkage.datafits_glm import _weighted_median, default_huber_delta
    from shrinkage.compare.dask_glm import train_targets
    from shrinkage.scale.robust import distributed_median, huber_delta

    rng = np.random.default_rng(1)
    cases = [rng.standard_normal(4001), np.round(rng.standard_normal(5000), 1),
             np.r_[np.zeros(3000), rng.standard_normal(2000)], rng.lognormal(size=20_000)]
    for values in cases:
        cuts = np.sort(rng.choice(values.size, 6, replace=False))
        parts = [delayed(lambda v: (None, v, np.ones(v.size), None))(piece)
                 for piece in np.split(values, cuts)]
        median = distributed_median(parts, train_targets)
        assert median == _weighted_median(values, np.ones(values.size))
        assert huber_delta(parts, train_targets) == pytest.approx(
            default_huber_delta(values), rel=1e-12)


def test_histogram_auc_counts_ties_as_half():
    """Against scikit-learn on scores that fall on a few values (ties across classes)."""
    rng = np.random.default_rng(0)
    bins = rng.integers(0, 50, 3000)
    positive = rng.uniform(size=3000) < bins / 60
    hist = [np.bincount(bins[mask], minlength=50) for mask in (positive, ~positive)]
    assert histogram_auc(*hist) == pytest.approx(roc_auc_score(positive, bins), rel=1e-12)


def test_the_console_script_compares_classes_on_a_parquet_folder(tmp_path):
    folder = _write_table(tmp_path / "table", "three", n=1500)
    out = tmp_path / "report"
    done = subprocess.run([str(SCRIPT), "compare", str(folder), "--target", "y",
                           "--engine", "dask", "--workers", "2", "--n-alphas", "5",
                           "--cv", "3", "--out", str(out), "--no-progress"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["data"]["task"] == "classification"
    assert results["data"]["classes"] == ["ant", "bee", "cat"]
    assert results["metric"]["loss"] == "logistic" and results["settings"]["engine"] == "dask"
    choice = results["penalties"]["l1"]["choices"]["min"]
    assert {"test_log_loss", "test_accuracy", "test_roc_auc"} <= set(choice)
    assert len(choice["coefficients_by_class"]) == 3
    # the saved model predicts class probabilities on raw pandas columns
    pipeline = load_model(out / "model.skops").pipeline
    rows = pd.read_parquet(folder / "part-00.parquet").drop(columns="y").head(40)
    proba = pipeline.predict_proba(rows)
    assert proba.shape == (40, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert set(pipeline.predict(rows)) <= {"ant", "bee", "cat"}


def test_a_models_metrics_and_curves_share_one_pass(client):
    """The report asks for a chosen model's metrics, then its ROC curve and confusion
    counts: one reduction over the test rows serves both."""
    from dask import delayed

    from shrinkage.compare.losses import compare_loss
    from shrinkage.compare.dask_glm import TestParts

    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 3))
    y = np.where(X[:, 0] + rng.standard_normal(400) > 0, 1.0, -1.0)
    part = delayed(lambda: (X, y, np.zeros(400), np.full(400, 2)))()
    test = TestParts([part], 2, compare_loss("logistic"), np.array(["no", "yes"]))
    calls = []
    reduce = test._reduce
    test._reduce = lambda *args: calls.append(args[0]) or reduce(*args)
    metrics = test.metrics(np.array([[1.0, 0.0, 0.0]]), np.array([0.0]))
    curves = test.curves(np.array([[1.0, 0.0, 0.0]]), np.array([0.0]))
    assert len(calls) == 1
    assert metrics["test_accuracy"] == pytest.approx(np.mean(np.sign(X[:, 0]) == y))
    assert curves["confusion"].sum() == 400
