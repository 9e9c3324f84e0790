"""`shrinkage compare --event`: a survival comparison of Cox models, its held-out
deviance and C-index recomputed independently, its Kaplan-Meier chart against
scikit-survival, and the one-line answers to bad survival options."""

import json

import numpy as np
import polars as pl
import pytest

from shrinkage import CoxRegressor
from shrinkage.compare import Options, run_comparison
from shrinkage.compare.losses import CoxLoss
from shrinkage.compare.memory import InMemory
from shrinkage.losses.cox import cox_deviances
from shrinkage.report.charts import all_charts
from shrinkage.report.charts_survival import kaplan_meier, risk_groups
from shrinkage.tables import Table
from test_cli import TINY, run

QUICK = Options(cv=3, n_alphas=10, event="status")


def survival_frame(n=240, seed=0, ties=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 5))
    hazard = np.exp(0.9 * X[:, 0] - 0.7 * X[:, 1])
    time = rng.exponential(1.0 / hazard)
    censor = rng.exponential(1.5, n)
    observed = np.minimum(time, censor)
    if ties:
        observed = np.round(observed, 1) + 0.1  # many tied times, all > 0
    return pl.DataFrame({**{f"x{j}": X[:, j] for j in range(5)},
                         "grade": rng.choice(["a", "b", "c"], n),
                         "time": observed, "status": (time <= censor).astype(int)})


@pytest.fixture(scope="module")
def comparison():
    return run_comparison(Table(frame=survival_frame(), target="time", name="surv"), QUICK)


def _deviance(y, z, sw):
    return cox_deviances(y, np.asarray(z)[:, None], sw)[0]


def _deviance_by_hand(y, z):
    """2 * sum over events of (log sum_{t_j >= t_i} exp(z_j) - z_i): Breslow's partial
    likelihood written out, one risk set at a time."""
    total = 0.0
    for i in np.flatnonzero(y[:, 1] > 0):
        total += np.log(np.sum(np.exp(z[y[:, 0] >= y[i, 0]]))) - z[i]
    return 2.0 * total


@pytest.mark.parametrize("ties", [False, True])
def test_per_row_deviance_sums_to_the_partial_likelihood(ties):
    frame = survival_frame(n=60, seed=3, ties=ties)
    y = np.column_stack([frame["time"].to_numpy(), frame["status"].to_numpy()])
    z = np.random.default_rng(1).standard_normal((60, 3))
    rows = CoxLoss().per_sample(y, z)
    assert rows.shape == (60, 3)
    for k in range(3):
        # the mean is the deviance per row (the datafit's, with its floor) ...
        assert rows[:, k].mean() == pytest.approx(_deviance(y, z[:, k], np.ones(60)) / 60,
                                                  rel=1e-10)
        # ... which differs from the partial likelihood written out by the floor only
        # (0 without tied event times)
        gap = _deviance_by_hand(y, z[:, k]) - rows[:, k].sum()
        if not ties:
            assert gap == pytest.approx(0.0, abs=1e-9)
        assert gap == pytest.approx(_deviance_by_hand(y, z[:, 0]) - rows[:, 0].sum(),
                                    rel=1e-9)  # the same floor for every model
    # censored rows carry only the floor's share
    censored = y[:, 1] == 0
    assert np.ptp(rows[censored, 0]) == pytest.approx(0.0, abs=1e-12)


def test_held_out_metrics_are_recomputed_from_the_models(comparison):
    sksurv = pytest.importorskip("sksurv.metrics")
    results = comparison.results
    assert results["data"]["task"] == "survival"
    assert results["metric"]["loss"] == "cox"
    X_test, y_test = comparison.extras["X_test"], comparison.extras["y_test"]
    assert results["data"]["n_events"] == int(
        np.sum(comparison.extras["y_train"][:, 1]) + np.sum(y_test[:, 1]))
    for p, model in comparison.models.items():
        choice = results["penalties"][p]["choices"]["fit" if p == "none" else "min"]
        risk = X_test @ model.coef_
        assert choice["test_cox_deviance"] == pytest.approx(
            _deviance(y_test, risk, np.ones(len(risk))) / len(risk), rel=1e-9)
        c = sksurv.concordance_index_censored(y_test[:, 1] > 0, y_test[:, 0], risk)[0]
        assert choice["test_c_index"] == pytest.approx(c, rel=1e-12)
    assert "C-index" in " ".join(results["verdict"])


def test_the_lasso_is_coxs_at_its_chosen_alpha(comparison):
    """The compare's L1 model is the Cox lasso of the training rows at its alpha
    (refitted here to a tight tolerance), and it finds the two true features."""
    choice = comparison.results["penalties"]["l1"]["choices"]["min"]
    X, y = comparison.extras["X_train"], comparison.extras["y_train"]
    tight = CoxRegressor(alpha=choice["alpha"], l1_ratio=1.0, tol=1e-10).fit(X, y)
    mine = comparison.models["l1"].coef_
    np.testing.assert_allclose(mine, tight.coef_, atol=2e-2 * np.abs(tight.coef_).max())
    assert {"x0", "x1"} <= set(choice["kept_columns"])


def test_the_unpenalized_cv_score_is_the_grouped_deviance_of_fold_refits():
    table = Table(frame=survival_frame(), target="time", name="surv")
    data = InMemory(table, QUICK)
    X, y = data.X_train, data.y_train
    scores = []
    for train, test in data.folds:
        z = X @ CoxRegressor(alpha=0.0, tol=1e-10).fit(X[train], y[train]).coef_
        everything, kept = _deviance(y, z, np.ones(len(y))), \
            _deviance(y[train], z[train], np.ones(len(train)))
        scores.append((everything - kept) / y[test, 1].sum())
    none = InMemory.baseline_cv(data, CoxRegressor(alpha=0.0))
    assert none[0] == pytest.approx(np.mean(scores), rel=1e-5)
    # the folds keep the share of events alike
    shares = [y[test, 1].mean() for _, test in data.folds]
    assert np.ptp(shares) < 0.05


def test_kaplan_meier_is_scikit_survivals():
    nonparametric = pytest.importorskip("sksurv.nonparametric")
    frame = survival_frame(n=80, seed=5, ties=True)
    time, event = frame["time"].to_numpy(), frame["status"].to_numpy()
    times, survival = kaplan_meier(time, event)
    ref_times, ref_survival = nonparametric.kaplan_meier_estimator(event > 0, time)
    # scikit-survival steps at every distinct time; the curve changes at event times
    at_events = np.isin(ref_times, times)
    np.testing.assert_allclose(times[1:], ref_times[at_events])
    np.testing.assert_allclose(survival[1:], ref_survival[at_events], rtol=1e-12)


def test_risk_groups_are_cut_at_the_training_tertiles(comparison):
    # the tertiles of 0..29 are 29/3 and 58/3
    train, test = np.arange(30.0), np.array([-1.0, 9.6, 9.7, 15.0, 19.3, 19.4, 99.0])
    np.testing.assert_array_equal(risk_groups(train, test), [0, 0, 1, 1, 1, 2, 2])
    charts = {key: spec for key, (_, spec) in all_charts(comparison).items()}
    panels = charts["risk-groups"]["hconcat"]
    assert [p["title"]["text"] for p in panels] == ["L1 (lasso)", "L2 (ridge)",
                                                    "elastic net"]
    sizes = [int(r["group"].split("(")[1].split()[0])
             for r in panels[0]["data"]["values"] if r["time"] == 0]
    assert sum(sizes) == comparison.results["data"]["n_test"]


def test_the_command_line_writes_a_survival_report_and_predicts_risk(tmp_path):
    table = tmp_path / "surv.csv"
    survival_frame().write_csv(table)
    out = tmp_path / "report"
    result = run("compare", table, "--target", "time", "--event", "status", "--out", out,
                 *TINY)
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert results["data"]["task"] == "survival" and "C" in result.output
    new = tmp_path / "new.csv"
    survival_frame(n=5, seed=9).drop(["time", "status"]).write_csv(new)
    predicted = tmp_path / "risk.csv"
    assert run("predict", out / "model.skops", new, "--out", predicted).exit_code == 0
    risk = pl.read_csv(predicted)["prediction"].to_numpy()
    assert risk.shape == (5,) and np.all(np.isfinite(risk))


@pytest.mark.parametrize("args, message", [
    (["--event", "nope"], "--event 'nope' is not a column"),
    (["--event", "time"], "is the target"),
    (["--event", "x0"], "must hold 1 (the event happened) or 0"),
    (["--event", "status", "--loss", "huber"], "drop --loss huber"),
    (["--event", "status", "--task", "regression"], "drop --task regression"),
    (["--task", "survival"], "--task survival needs --event"),
    (["--event", "status", "--drop", "status"], "also given to --drop"),
    (["--event", "status", "--engine", "dask"], "runs in memory only"),
])
def test_bad_survival_options_get_one_line(tmp_path, args, message):
    table = tmp_path / "surv.csv"
    survival_frame(n=40).write_csv(table)
    result = run("compare", table, "--target", "time", *args, "--out", tmp_path / "r", *TINY)
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output


def test_a_table_without_events_or_with_negative_times_is_refused(tmp_path):
    frame = survival_frame(n=40)
    for bad, message in ((frame.with_columns(pl.lit(0).alias("status")), "0 on every row"),
                         (frame.with_columns(-pl.col("time")), "a time >= 0")):
        path = tmp_path / "bad.csv"
        bad.write_csv(path)
        result = run("compare", path, "--target", "time", "--event", "status", "--out",
                     tmp_path / "r", *TINY)
        assert result.exit_code == 1 and message in result.output, result.output


def test_the_unpenalized_cox_model_keeps_no_intercept(tmp_path):
    """The reference-level recoding moves a categorical's shift into an intercept for
    models that have one; a Cox model's baseline hazard absorbs it, so it stays 0 and
    the saved pipeline predicts ``X @ coef_``."""
    table = Table(frame=survival_frame(), target="time", name="surv")
    comparison = run_comparison(table, QUICK)
    none = comparison.models["none"]
    assert none.intercept_ == 0.0
    assert comparison.results["penalties"]["none"]["choices"]["fit"]["intercept"] == 0.0
    X_test = comparison.extras["X_test"]
    np.testing.assert_allclose(none.predict(X_test), X_test @ none.coef_)


def _with_events(frame, n_events):
    status = np.zeros(frame.height, dtype=int)
    status[np.random.default_rng(0).choice(frame.height, n_events, replace=False)] = 1
    return frame.with_columns(pl.Series("status", status))


@pytest.mark.parametrize("n_events, args, message", [
    (3, [], "the training rows hold 2 event(s): 3-fold cross-validation needs at least 6"),
    (7, ["--test-size", "0.05"], "the held-out rows hold 0 event(s)"),
])
def test_too_few_events_get_one_line(tmp_path, n_events, args, message):
    path = tmp_path / "few.csv"
    _with_events(survival_frame(n=200), n_events).write_csv(path)
    result = run("compare", path, "--target", "time", "--event", "status", "--cv", "3",
                 "--n-alphas", "5", "--no-progress", *args, "--out", tmp_path / "r")
    assert result.exit_code == 1 and message in result.output, result.output


def test_one_censored_row_splits_unstratified():
    frame = survival_frame(n=120).with_columns(pl.lit(1).alias("status"))
    frame = frame.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(0)
                               .otherwise(pl.col("status")).alias("status"))
    results = run_comparison(Table(frame=frame, target="time", name="one"), QUICK).results
    assert results["data"]["n_events"] == 119
    for entry in results["penalties"].values():
        for choice in entry["choices"].values():
            assert 0.0 <= choice["test_c_index"] <= 1.0
