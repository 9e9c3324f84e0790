"""The relaxed lasso's row in `shrinkage compare`: its numbers recomputed from
scikit-learn's fits on the comparison's own rows, when it is fitted and when not."""

import numpy as np
import polars as pl
import pytest
from sklearn.datasets import load_diabetes, make_classification
from sklearn.linear_model import Lasso, LinearRegression

from shrinkage.compare import Options, run_comparison
from shrinkage.compare import run as compare_run
from shrinkage.tables import Table

QUICK = {"cv": 3, "n_alphas": 12}


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    frame = pl.from_pandas(X.assign(target=y))
    return run_comparison(Table(frame=frame, target="target", name="diabetes"),
                          Options(**QUICK))


def test_the_relaxed_choice_is_the_blend_of_the_lasso_and_least_squares(diabetes):
    """The relaxed coefficients are gamma * lasso + (1 - gamma) * least squares on the
    lasso's support: the lasso is the compare's own L1 path at the relaxed alpha (the
    same grid; it agrees with scikit-learn's Lasso to the path's tolerance), the least
    squares scikit-learn's on the training rows; the test MSE is recomputed on the
    held-out rows."""
    relaxed = diabetes.results["penalties"]["l1"]["choices"]["relaxed"]
    X, y = diabetes.extras["X_train"], diabetes.extras["y_train"]
    names = diabetes.feature_names
    l1 = diabetes.models["l1"]
    k = int(np.flatnonzero(l1.alphas_[0] == relaxed["alpha"])[0])
    path_coef, path_intercept = l1.coef_path_[0, k], l1.intercept_path_[0, k]
    lasso = Lasso(alpha=relaxed["alpha"], tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(path_coef, lasso.coef_, atol=1e-2 * np.abs(lasso.coef_).max())
    support = np.flatnonzero(path_coef)
    assert np.array_equal(support, np.flatnonzero(lasso.coef_))
    refit = np.zeros(X.shape[1])
    ls = LinearRegression().fit(X[:, support], y)
    refit[support] = ls.coef_
    gamma = relaxed["gamma"]
    assert 0 <= gamma <= 1
    expected = gamma * path_coef + (1 - gamma) * refit
    mine = np.array([relaxed["coefficients"][n] for n in names])
    np.testing.assert_allclose(mine, expected, rtol=1e-8, atol=1e-8 * np.abs(expected).max())
    assert relaxed["n_nonzero"] == support.size
    intercept = gamma * path_intercept + (1 - gamma) * ls.intercept_
    assert relaxed["intercept"] == pytest.approx(intercept, rel=1e-8)
    X_test, y_test = diabetes.extras["X_test"], diabetes.extras["y_test"]
    mse = np.mean((y_test - X_test @ mine - relaxed["intercept"]) ** 2)
    assert relaxed["test_mse"] == pytest.approx(mse, rel=1e-9)
    assert relaxed["fit_seconds"] > 0


def test_relaxed_against_lasso_is_the_paired_test_loss_difference(diabetes):
    results = diabetes.results
    l1 = results["penalties"]["l1"]
    X_test, y_test = diabetes.extras["X_test"], diabetes.extras["y_test"]

    def row_losses(choice):
        coef = np.array([choice["coefficients"][n] for n in diabetes.feature_names])
        return (y_test - X_test @ coef - choice["intercept"]) ** 2

    diff = row_losses(l1["choices"]["min"]) - row_losses(l1["choices"]["relaxed"])
    versus = l1["relaxed_vs_lasso"]
    assert versus["difference"] == pytest.approx(diff.mean(), rel=1e-9, abs=1e-9)
    low, high = versus["ci95"]
    assert low <= diff.mean() <= high
    assert versus["separated"] == (low > 0)
    sentence = [s for s in results["verdict"] if s.startswith("Relaxed lasso:")]
    assert len(sentence) == 1
    gamma = l1["choices"]["relaxed"]["gamma"]
    assert ("gamma 0)" in sentence[0]) == (gamma == 0)
    assert ("gamma 1)" in sentence[0]) == (gamma == 1)
    assert ("excludes zero" in sentence[0]) == (versus["separated"] or high < 0)


def test_no_relax_leaves_the_row_out(diabetes):
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    frame = pl.from_pandas(X.assign(target=y))
    plain = run_comparison(Table(frame=frame, target="target", name="diabetes"),
                           Options(relax=False, **QUICK))
    l1 = plain.results["penalties"]["l1"]
    assert "relaxed" not in l1["choices"] and "relaxed_vs_lasso" not in l1
    assert not any(s.startswith("Relaxed lasso") for s in plain.results["verdict"])
    # the rest is the same comparison
    assert l1["choices"]["min"] == diabetes.results["penalties"]["l1"]["choices"]["min"]


def _binary_table(n=240):
    X, y = make_classification(n_samples=n, n_features=8, n_informative=3, random_state=0)
    frame = pl.DataFrame({**{f"x{j}": X[:, j] for j in range(X.shape[1])},
                          "label": np.where(y == 1, "yes", "no")})
    return Table(frame=frame, target="label", name="binary")


def test_two_classes_get_the_relaxed_row_and_a_large_table_a_note(monkeypatch):
    results = run_comparison(_binary_table(), Options(**QUICK)).results
    relaxed = results["penalties"]["l1"]["choices"]["relaxed"]
    assert 0 <= relaxed["gamma"] <= 1 and "test_log_loss" in relaxed
    # past the default's size the row is left out, and a note says how to have it
    monkeypatch.setattr(compare_run, "RELAX_AUTO_MAX_WORK", 10.0)
    skipped = run_comparison(_binary_table(), Options(**QUICK)).results
    assert "relaxed" not in skipped["penalties"]["l1"]["choices"]
    assert any("--relax fits it" in note for note in skipped["data"]["notes"])
    forced = run_comparison(_binary_table(), Options(relax=True, **QUICK)).results
    forced = forced["penalties"]["l1"]["choices"]["relaxed"]
    assert {k: v for k, v in forced.items() if k != "fit_seconds"} == \
        {k: v for k, v in relaxed.items() if k != "fit_seconds"}


def test_huber_relaxes_and_three_classes_say_so_only_when_asked():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    frame = pl.from_pandas(X.assign(target=y))
    table = Table(frame=frame, target="target", name="diabetes")
    huber = run_comparison(table, Options(loss="huber", **QUICK)).results
    relaxed = huber["penalties"]["l1"]["choices"]["relaxed"]
    assert "test_huber" in relaxed and 0 <= relaxed["gamma"] <= 1
    X, y = make_classification(n_samples=240, n_features=6, n_informative=4,
                               n_classes=3, random_state=0)
    three = Table(frame=pl.DataFrame({**{f"x{j}": X[:, j] for j in range(6)},
                                      "label": y.astype(str)}), target="label", name="3")
    quiet = run_comparison(three, Options(**QUICK)).results
    assert "relaxed" not in quiet["penalties"]["l1"]["choices"]
    assert not any("relaxed" in note for note in quiet["data"]["notes"])
    asked = run_comparison(three, Options(relax=True, **QUICK)).results
    assert any(note.startswith("relaxed lasso: not fitted") and "multinomial" in note
               for note in asked["data"]["notes"])
