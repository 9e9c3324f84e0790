"""alpha = 0 for the logistic loss: Newton's method against scikit-learn's C=inf fit,
its certificate, and the warning on separable classes."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk
from sklearn.datasets import make_classification

from shrinkage import LogisticRegression, SeparationWarning, regularization_path
from test_cli import FAST, run


def log_loss_of(X, y, coef, intercept, sw=None):
    labels = np.where(y == np.unique(y)[1], 1.0, -1.0)
    sw = np.ones(len(y)) if sw is None else sw
    return float(sw @ np.logaddexp(0.0, -labels * (X @ np.ravel(coef) + intercept))
                 / sw.sum())


@pytest.fixture(scope="module")
def overlapping():
    X, y = make_classification(400, 8, n_informative=5, n_redundant=0, flip_y=0.2,
                               random_state=0)
    return X, y


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_equals_scikit_learn_unpenalized(overlapping, fit_intercept):
    X, y = overlapping
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no separation, no convergence trouble
        ours = LogisticRegression(alpha=0.0, tol=1e-12,
                                  fit_intercept=fit_intercept).fit(X, y)
    ref = sk.LogisticRegression(C=np.inf, tol=1e-12, max_iter=100_000,
                                fit_intercept=fit_intercept).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-6)
    assert log_loss_of(X, y, ours.coef_, ours.intercept_[0]) <= \
        log_loss_of(X, y, ref.coef_, ref.intercept_[0]) + 1e-12
    assert np.count_nonzero(ours.coef_) == X.shape[1]
    # the certificate: the relative Newton decrement, at the tolerance asked
    assert 0 <= ours.dual_gap_ <= 1e-12 and 1 <= ours.n_iter_ < 30


def test_certificate_bounds_the_distance_to_the_optimum(overlapping):
    """tol is met by the decrement's estimate of f - f*, and the objective is then
    within that of the optimum (here a tight fit's)."""
    X, y = overlapping
    best = LogisticRegression(alpha=0.0, tol=1e-14).fit(X, y)
    f_star = log_loss_of(X, y, best.coef_, best.intercept_[0])
    null = log_loss_of(X, y, np.zeros(X.shape[1]), np.log(y.mean() / (1 - y.mean())))
    for tol in (1e-2, 1e-4):
        loose = LogisticRegression(alpha=0.0, tol=tol).fit(X, y)
        excess = log_loss_of(X, y, loose.coef_, loose.intercept_[0]) - f_star
        assert loose.dual_gap_ <= tol
        assert excess / null <= max(4 * loose.dual_gap_, 1e-13)


def test_sparse_and_weights(overlapping):
    X, y = overlapping
    dense = LogisticRegression(alpha=0.0, tol=1e-12).fit(X, y)
    sparse = LogisticRegression(alpha=0.0, tol=1e-12).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-8, atol=1e-10)
    reps = np.random.default_rng(0).integers(1, 4, len(y))
    weighted = LogisticRegression(alpha=0.0, tol=1e-12).fit(X, y, sample_weight=reps)
    repeated = LogisticRegression(alpha=0.0, tol=1e-12).fit(np.repeat(X, reps, axis=0),
                                                            np.repeat(y, reps))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-7, atol=1e-9)


def test_complete_separation_is_warned_with_classes_and_features():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"noise": rng.standard_normal(60),
                          "dose": np.r_[rng.uniform(0, 1, 30), rng.uniform(2, 3, 30)]})
    y = np.array(["low"] * 30 + ["high"] * 30)
    with pytest.warns(SeparationWarning,
                      match=r"'high' and 'low' are completely separated by a linear "
                            r"combination of dose: "):
        model = LogisticRegression(alpha=0.0).fit(frame, y)
    assert np.abs(model.coef_).max() > 10  # where Newton stopped: large, not zero
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LogisticRegression(alpha=0.01).fit(frame, y)  # a penalty: no warning


def test_quasi_complete_separation_is_warned():
    """One feature separates the classes except for ties on the boundary."""
    x = np.r_[np.zeros(10), np.ones(10), np.full(10, 2.0)]
    y = np.r_[np.zeros(10), np.r_[np.zeros(5), np.ones(5)], np.ones(10)].astype(int)
    X = np.column_stack([x, np.random.default_rng(1).standard_normal(30)])
    with pytest.warns(SeparationWarning, match=r"quasi-completely separated \(20 of 30 "
                      "samples strictly on their side"):
        model = LogisticRegression(alpha=0.0).fit(X, y)
    assert model.separation_["kind"] == "quasi-complete"
    assert model.separation_["features"][0] == "x0"


def test_separation_is_named_complete_or_quasi_complete_as_a_linear_program_finds():
    """Checked against scipy's LP directly: a direction with y_i (x_i.d + d0) >= 0 for
    every row exists; a margin of 1 on every row exists only for complete separation."""
    from scipy.optimize import linprog

    rng = np.random.default_rng(3)
    X = rng.standard_normal((60, 3))
    y = (X[:, 0] > 0).astype(int)
    X[:, 1] = np.where(y == 1, np.abs(X[:, 1]), 0.0)  # non-zero only in one class
    for flip, expected in ((False, "complete"), (True, "quasi-complete")):
        Xs = X.copy()
        if flip:  # rows of both classes on the boundary x0 = 0, x1 = 0
            Xs[:5, :2] = 0.0
        with pytest.warns(SeparationWarning):
            model = LogisticRegression(alpha=0.0).fit(Xs, y)
        A = np.column_stack([Xs, np.ones(60)]) * np.where(y == 1, 1.0, -1.0)[:, None]
        margin_one = linprog(np.zeros(4), A_ub=-A, b_ub=-np.ones(60),
                             bounds=[(None, None)] * 4, method="highs")
        assert (margin_one.status == 0) == (expected == "complete")
        assert model.separation_["kind"] == expected


def test_collinear_columns_give_the_least_norm_fit(overlapping):
    """A duplicated column: the minimiser is not unique; Newton's least-norm steps split
    the weight evenly and the fit is that of the single column."""
    X, y = overlapping
    single = LogisticRegression(alpha=0.0, tol=1e-12).fit(X, y)
    doubled = LogisticRegression(alpha=0.0, tol=1e-12).fit(np.column_stack([X, X[:, 0]]), y)
    np.testing.assert_allclose(doubled.coef_[0, [0, -1]], single.coef_[0, 0] / 2, rtol=1e-6)
    np.testing.assert_allclose(doubled.coef_[0, 1:-1], single.coef_[0, 1:], rtol=1e-6)


def test_bounds_need_a_penalty(overlapping):
    with pytest.raises(ValueError, match="bounds .* need alpha > 0"):
        LogisticRegression(alpha=0.0, positive=True).fit(*overlapping)


def test_path_ending_at_zero_uses_newton(overlapping):
    X, y = overlapping
    path = regularization_path(X, y, loss="logistic", alphas=[0.1, 0.01, 0.0], tol=1e-10)
    ref = sk.LogisticRegression(C=np.inf, tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(path.coefs[-1], ref.coef_[0], rtol=1e-5, atol=1e-6)
    assert path.gaps[-1] <= 1e-10


def test_compare_baseline_is_fitted_for_real(tmp_path):
    out = tmp_path / "report"
    result = run("compare", "--demo", "breast-cancer", "--out", out, *FAST)
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    none = results["penalties"]["none"]["choices"]["fit"]
    assert none["n_nonzero"] == 30 and none["test_roc_auc"] > 0.9
    # breast cancer's 30 features separate its classes: the report says so
    assert any("separable" in note for note in results["data"]["notes"])
    assert "SeparationWarning" not in result.stderr  # a note, not a raw warning


@pytest.mark.parametrize("n_classes", [2, 3])
def test_compare_baseline_cv_equals_per_fold_scikit_learn(n_classes):
    """The baseline's CV log-loss (folds warm-started from the whole fit)
    equals scikit-learn's unpenalized fit on each fold, scored by sklearn's log_loss."""
    from sklearn.metrics import log_loss
    from sklearn.model_selection import StratifiedKFold

    from shrinkage.compare.memory import _baseline_cv
    from shrinkage.compare.losses import compare_loss

    X, y = make_classification(400, 6, n_informative=4, n_redundant=0, flip_y=0.2,
                               n_classes=n_classes, random_state=1)
    folds = list(StratifiedKFold(4, shuffle=True, random_state=0).split(X, y))
    whole = LogisticRegression(alpha=0.0, l1_ratio=0.0, tol=1e-12).fit(X, y)
    mean, se = _baseline_cv(whole, X, y, folds, compare_loss("logistic"))
    losses = []
    for train, test in folds:
        ref = sk.LogisticRegression(C=np.inf, tol=1e-12, max_iter=100_000)
        ref.fit(X[train], y[train])
        losses.append(log_loss(y[test], ref.predict_proba(X[test]), labels=ref.classes_))
    assert np.isclose(mean, np.mean(losses), rtol=1e-6)
    assert np.isclose(se, np.std(losses, ddof=1) / 2.0, rtol=1e-4)
