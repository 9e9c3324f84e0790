"""The Cox datafit, loss and estimators against scikit-survival, KKT conditions written
out with an independent gradient, closed forms and the duality gap's bound."""

import numpy as np
import pytest

from shrinkage import CoxRegressor, CoxRegressorCV, regularization_path
from shrinkage.losses import COX
from shrinkage.penalties import ElasticNetPenalty
from shrinkage.solvers.certificates import duality_gap
from shrinkage.solvers.problem import make_problem

sksurv = pytest.importorskip("sksurv")
from sksurv.linear_model import CoxnetSurvivalAnalysis  # noqa: E402
from sksurv.metrics import concordance_index_censored  # noqa: E402
from sksurv.util import Surv  # noqa: E402


def survival_data(n=120, p=6, seed=0, ties=True):
    """Seeded data with censoring; integer times (many ties) when ``ties``."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    hazard = np.exp(X[:, 0] - 0.7 * X[:, 1] + 0.4 * X[:, 2])
    time = rng.exponential(1.0 / hazard)
    if ties:
        time = np.ceil(4.0 * time)
    event = rng.random(n) < 0.75
    return X, time, event


def partial_likelihood(X, time, event, w, sw=None):
    """The Breslow negative log partial likelihood over n and its gradient in w,
    written as the O(n^2) loop over risk sets (weights rescaled to sum to n)."""
    n = X.shape[0]
    sw = np.ones(n) if sw is None else sw * n / np.sum(sw)
    z = X @ w
    value, grad = 0.0, np.zeros(X.shape[1])
    for i in np.flatnonzero(event):
        risk = time >= time[i]
        share = sw[risk] * np.exp(z[risk])
        value += sw[i] * (np.log(share.sum()) - z[i])
        grad += sw[i] * (share @ X[risk] / share.sum() - X[i])
    return value / n, grad / n


def objective(X, time, event, w, alpha, l1_ratio, sw=None):
    penalty = alpha * (l1_ratio * np.abs(w).sum() + 0.5 * (1 - l1_ratio) * w @ w)
    return partial_likelihood(X, time, event, w, sw)[0] + penalty


@pytest.mark.parametrize("alpha,l1_ratio", [(0.05, 1.0), (0.02, 0.5), (0.1, 0.2),
                                            (0.005, 0.9)])
def test_coefficients_equal_scikit_survival_coxnet_with_ties(alpha, l1_ratio):
    X, time, event = survival_data()
    assert len(np.unique(time[event])) < event.sum()  # tied event times (Breslow)
    ours = CoxRegressor(alpha, l1_ratio=l1_ratio, tol=1e-14).fit(
        X, Surv.from_arrays(event, time))
    theirs = CoxnetSurvivalAnalysis(alphas=[alpha], l1_ratio=l1_ratio, tol=1e-14,
                                    max_iter=100_000, fit_baseline_model=False).fit(
        X, Surv.from_arrays(event, time))
    np.testing.assert_allclose(ours.coef_, theirs.coef_.ravel(), atol=1e-6)
    assert ours.intercept_ == 0.0
    np.testing.assert_allclose(ours.predict(X), X @ ours.coef_)
    assert ours.score(X, Surv.from_arrays(event, time)) == pytest.approx(
        theirs.score(X, Surv.from_arrays(event, time)), abs=1e-12)


def test_the_diagonal_newton_model_reaches_the_same_solution(monkeypatch):
    """Working sets beyond _EXACT_MAX_FEATURES take the Hessian's diagonal (centred) and
    the line search: forced here on a small problem, the same optimum."""
    from shrinkage.solvers import prox_newton

    X, time, event = survival_data(seed=8)
    y = np.column_stack([time, event])
    exact = CoxRegressor(0.01, l1_ratio=0.7, tol=1e-13).fit(X, y)
    monkeypatch.setattr(prox_newton, "_EXACT_MAX_FEATURES", 0)
    diagonal = CoxRegressor(0.01, l1_ratio=0.7, tol=1e-13).fit(X, y)
    assert diagonal.dual_gap_ <= 1e-13
    np.testing.assert_allclose(diagonal.coef_, exact.coef_, atol=1e-6)


def test_sparse_x_gives_the_dense_fit():
    import scipy.sparse as sp

    X, time, event = survival_data(seed=9)
    X[np.abs(X) < 0.8] = 0.0
    y = np.column_stack([time, event])
    dense = CoxRegressor(0.02, l1_ratio=0.9, tol=1e-13).fit(X, y)
    for matrix in (sp.csr_matrix(X), sp.csc_matrix(X)):
        np.testing.assert_allclose(CoxRegressor(0.02, l1_ratio=0.9, tol=1e-13).fit(
            matrix, y).coef_, dense.coef_, atol=1e-9)


def test_kkt_conditions_with_an_independent_gradient():
    X, time, event = survival_data(seed=1)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, X.shape[0])
    alpha, l1_ratio = 0.03, 0.6
    w = CoxRegressor(alpha, l1_ratio=l1_ratio, tol=1e-14).fit(
        X, np.column_stack([time, event]), sample_weight=sw).coef_
    grad = partial_likelihood(X, time, event, w, sw)[1] + alpha * (1 - l1_ratio) * w
    active = w != 0
    assert active.sum() >= 2 and (~active).sum() >= 1
    np.testing.assert_allclose(grad[active], -alpha * l1_ratio * np.sign(w[active]),
                               atol=1e-7)
    assert np.all(np.abs(grad[~active]) <= alpha * l1_ratio + 1e-9)


def test_two_subjects_one_feature_closed_forms():
    # x = (0, 1), both events, t1 < t2: F(w) = (log(1 + e^w) + log(e^w) - w) / 2, so
    # F'(w) = sigmoid(w) / 2; the lasso's optimum (w < 0) solves sigmoid(w) / 2 = alpha
    X, y = np.array([[0.0], [1.0]]), np.array([[1.0, 1.0], [2.0, 1.0]])
    alpha = 0.1
    # (a relative gap of 1e-14 certifies w to about sqrt(2e-14 F(0) / F'') ~ 3e-7)
    lasso = CoxRegressor(alpha, l1_ratio=1.0, tol=1e-14).fit(X, y)
    assert lasso.coef_[0] == pytest.approx(np.log(2 * alpha / (1 - 2 * alpha)), abs=1e-6)
    # ridge: sigmoid(w) / 2 + alpha w = 0, solved by bisection here
    lo, hi = -50.0, 0.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if 0.5 / (1 + np.exp(-mid)) + alpha * mid > 0 else (mid, hi)
    ridge = CoxRegressor(alpha, l1_ratio=0.0, tol=1e-14).fit(X, y)
    assert ridge.coef_[0] == pytest.approx(lo, abs=1e-6)
    # alpha_max of the lasso: F'(0) = 1/4
    path = regularization_path(X, y, loss="cox", alphas=3)
    assert path.alphas[0] == pytest.approx(0.25)


def test_duality_gap_bounds_the_suboptimality():
    X, time, event = survival_data(n=80, p=8, seed=2)
    y = np.column_stack([time, event])
    sw = np.random.default_rng(2).uniform(0.2, 3.0, X.shape[0])
    alpha, l1_ratio = 0.02, 0.7
    best = CoxRegressor(alpha, l1_ratio=l1_ratio, tol=1e-13).fit(X, y, sample_weight=sw)
    p_star = objective(X, time, event, best.coef_, alpha, l1_ratio, sw)
    problem = make_problem(X, y, COX, sw, False)
    penalty = ElasticNetPenalty.from_params(alpha, l1_ratio, np.ones(8), np.full(8, -np.inf),
                                           np.full(8, np.inf))
    rng = np.random.default_rng(3)
    points = [best.coef_ + 0.3 * rng.standard_normal(8) * (rng.random(8) < 0.5)
              for _ in range(20)]
    points += [CoxRegressor(alpha, l1_ratio=l1_ratio, tol=tol).fit(
        X, y, sample_weight=sw).coef_ for tol in (1e-2, 1e-4, 1e-6)]
    for w in points:
        gap = duality_gap(problem, penalty, w, 0.0) * problem.null_objective
        excess = objective(X, time, event, w, alpha, l1_ratio, sw) - p_star
        assert gap >= excess - 1e-12
        assert gap >= 0.0
    assert duality_gap(problem, penalty, best.coef_, 0.0) <= 1e-13


def test_sample_weights_equal_duplicated_rows():
    X, time, event = survival_data(n=60, seed=4)
    counts = np.random.default_rng(4).integers(1, 4, X.shape[0])
    y = np.column_stack([time, event])
    weighted = CoxRegressor(0.02, l1_ratio=0.8, tol=1e-13).fit(X, y, sample_weight=counts)
    rows = np.repeat(np.arange(X.shape[0]), counts)
    repeated = CoxRegressor(0.02, l1_ratio=0.8, tol=1e-13).fit(X[rows], y[rows])
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-7)


def test_alpha_max_gives_zeros_and_equals_scikit_survival():
    X, time, event = survival_data(seed=5)
    y = Surv.from_arrays(event, time)
    alpha_max = regularization_path(X, y, loss="cox", alphas=5, l1_ratio=0.5).alphas[0]
    theirs = CoxnetSurvivalAnalysis(n_alphas=5, l1_ratio=0.5,
                                    fit_baseline_model=False).fit(X, y)
    assert alpha_max == pytest.approx(theirs.alphas_[0], rel=1e-10)
    for factor, nonzero in ((1.0001, False), (0.99, True)):
        fit = CoxRegressor(alpha_max * factor, l1_ratio=0.5, tol=1e-12).fit(X, y)
        assert np.any(fit.coef_) == nonzero


def test_c_index_equals_scikit_survival_with_tied_times_and_risks():
    X, time, event = survival_data(n=90, seed=6)
    risk = np.round(X[:, 0], 1)  # tied risks too
    model = CoxRegressor().fit(X, np.column_stack([time, event]))
    model.coef_ = np.r_[1.0, np.zeros(X.shape[1] - 1)]
    X_round = X.copy()
    X_round[:, 0] = risk
    expected = concordance_index_censored(event, time, risk)[0]
    assert model.score(X_round, np.column_stack([time, event])) == pytest.approx(expected)


def _deviance(X, time, event, w):
    """2 n F: twice the negative log partial likelihood (unit weights)."""
    return 2.0 * X.shape[0] * partial_likelihood(X, time, event, w)[0]


@pytest.mark.filterwarnings("ignore::shrinkage.GridEdgeWarning")
def test_cv_grouped_deviance_recomputed_from_fold_fits():
    X, time, event = survival_data(n=60, p=4, seed=7, ties=False)
    y = np.column_stack([time, event])
    folds = [(np.arange(30, 60), np.arange(30)), (np.arange(30), np.arange(30, 60))]
    alphas = [0.1, 0.03, 0.01]
    cv = CoxRegressorCV(l1_ratio=1.0, alphas=alphas, cv=folds, tol=1e-12).fit(X, y)
    for k, (train, test) in enumerate(folds):
        for a, alpha in enumerate(alphas):
            w = CoxRegressor(alpha, l1_ratio=1.0, tol=1e-12).fit(X[train], y[train]).coef_
            grouped = (_deviance(X, time, event, w) -
                       _deviance(X[train], time[train], event[train], w)) / event[test].sum()
            assert cv.cv_scores_[0, k, a] == pytest.approx(grouped, rel=1e-6)
    assert cv.scoring_ == "deviance" and cv.alpha_ in alphas
    assert cv.selection_frequency_.shape == (4,)
    by_c = CoxRegressorCV(l1_ratio=1.0, alphas=alphas, cv=folds, scoring="c_index").fit(X, y)
    held_out = CoxRegressor(alphas[0], l1_ratio=1.0, tol=1e-12).fit(X[30:], y[30:])
    expected = concordance_index_censored(event[:30], time[:30], X[:30] @ held_out.coef_)[0]
    assert by_c.cv_scores_[0, 0, 0] == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("y,words", [
    (np.column_stack([[-1.0, 2, 3, 4], [1, 1, 0, 1]]), "row 0"),
    (np.column_stack([[1.0, np.nan, 3, 4], [1, 1, 0, 1]]), "NaN"),
    (np.column_stack([[1.0, 2, 3, 4], [1, 2, 0, 1]]), "events must be 0"),
    (np.column_stack([[1.0, 2, 3, 4], [0, 0, 0, 0]]), "no events"),
    (np.array([1.0, 2, 3, 4]), "survival data"),
    (np.array([(1.0, 2.0)] * 4, dtype=[("a", "f8"), ("b", "f8")]), "bool event field"),
])
def test_bad_targets_are_refused_naming_y(y, words):
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match="y") as caught:
        CoxRegressor().fit(X, y)
    assert words in str(caught.value)


def test_relax_is_refused_where_a_cv_spec_would_route_it():
    from shrinkage.specs import CVSpec

    spec = CVSpec(fit=CoxRegressor()._fit_spec(), l1_ratios=1.0, alphas=5, eps=None,
                  cv=3, alpha_rule="min", scoring="deviance", n_jobs=None, relax=True)
    with pytest.raises(ValueError, match="relax=True is not offered for loss='cox'"):
        spec.relaxation(np.full(3, -np.inf), np.full(3, np.inf))


def test_no_intercept_parameter_and_dask_refused():
    assert "fit_intercept" not in CoxRegressor().get_params()
    assert "fit_intercept" not in CoxRegressorCV().get_params()
    da = pytest.importorskip("dask.array")
    X, time, event = survival_data(n=20)
    y = np.column_stack([time, event])
    with pytest.raises(ValueError, match="loss='cox' is not available on dask"):
        CoxRegressor().fit(da.from_array(X), da.from_array(y))
    with pytest.raises(ValueError, match="loss='cox' is not available on dask"):
        regularization_path(da.from_array(X), da.from_array(y), loss="cox")


def test_a_feature_ordering_the_event_times_stops_short_without_dividing_by_zero():
    """A feature that orders every event time exactly: the partial likelihood has no
    finite maximum, and its risk sets' masses would underflow to 0 as the fit runs off.
    The value is +inf past MAX_SPAN, so the fit stops there, says it did not converge,
    and gives finite coefficients (it raised ZeroDivisionError before)."""
    from sklearn.exceptions import ConvergenceWarning

    from shrinkage.cox_kernels import MAX_SPAN
    from shrinkage.datafits_cox import Cox

    rng = np.random.default_rng(1)
    X = rng.standard_normal((80, 2))
    y = np.column_stack([np.exp(-X[:, 0]), np.ones(80)])
    for alpha in (0.0, 1e-4):
        with pytest.warns(ConvergenceWarning):
            coef = CoxRegressor(alpha=alpha, l1_ratio=1.0).fit(X, y).coef_
        assert np.all(np.isfinite(coef)) and coef[0] > 10
    datafit = Cox(y, np.ones(80), False)
    z = np.linspace(0.0, 1.0, 80)
    assert np.isfinite(datafit.value(z * (MAX_SPAN - 1)))
    assert datafit.value(z * (MAX_SPAN + 1)) == np.inf


@pytest.mark.parametrize("scoring", ["c_index", "deviance"])
def test_a_fold_without_held_out_events_is_left_out_of_the_cv_mean(scoring):
    """A fold whose held-out rows hold no event has no comparable pair (C-index) and no
    event weight (grouped deviance): it is left out, and the CV mean is that of the
    other folds, each scored as the scorer does alone."""
    from sklearn.model_selection import KFold

    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    y = np.column_stack([rng.exponential(np.exp(-X[:, 0])), np.ones(60)])
    y[:12, 1] = 0.0  # the first fold's held-out rows: all censored
    folds = list(KFold(5).split(X))
    model = CoxRegressorCV(l1_ratio=1.0, cv=folds, scoring=scoring, alphas=8).fit(X, y)
    assert np.all(np.isnan(model.cv_scores_[0, 0]))
    np.testing.assert_allclose(model.cv_mean_[0], model.cv_scores_[0, 1:].mean(axis=0))
    assert np.all(np.isfinite(model.cv_se_[0])) and model.coef_[0] != 0
