"""Solver internals: gap-safe screening and Anderson extrapolation change speed only."""

import numpy as np
import pytest
import sklearn.linear_model as sk

from shrinkage.penalties import ElasticNetPenalty
from shrinkage.solvers import options as solver_options
from shrinkage.solvers.cd import duality_gap, make_problem, solve
from shrinkage.solvers.iterates import SquaredIterate
from shrinkage.solvers.options import DEFAULT, SolverOptions
from conftest import make_classification_problem, make_regression_problem


def _penalty(alpha, l1_ratio, p):
    return ElasticNetPenalty.from_params(alpha, l1_ratio, np.ones(p), np.full(p, -np.inf),
                                         np.full(p, np.inf))


@pytest.mark.parametrize("loss", ["squared", "logistic"])
def test_screened_features_are_zero_in_an_independent_solution(loss):
    if loss == "squared":
        X, y = make_regression_problem(60, 300, seed=1)
        alpha = 0.5
        ref = sk.Lasso(alpha=alpha, tol=1e-12, max_iter=10**6).fit(X, y).coef_
    else:
        X, labels = make_classification_problem(80, 200, seed=1)
        y = np.where(labels == "yes", 1.0, -1.0)
        alpha = 0.02
        # liblinear visits the coordinates in a random order: unseeded, it took 4,000 to
        # the full 100,000 epochs (0.4-12 s) from run to run; this order converges in 4,298
        ref = sk.LogisticRegression(C=1 / (80 * alpha), l1_ratio=1.0, solver="liblinear",
                                    tol=1e-12, max_iter=10**5,
                                    random_state=1).fit(X, y).coef_[0]
    problem = make_problem(X, y, loss)
    sol = solve(problem, _penalty(alpha, 1.0, X.shape[1]), tol=1e-10)
    assert sol.screened.sum() > 0  # screening did some work
    assert np.all(ref[sol.screened] == 0)
    plain = solve(problem, _penalty(alpha, 1.0, X.shape[1]), tol=1e-10, screening=False)
    assert not plain.screened.any()
    np.testing.assert_allclose(sol.coef, plain.coef, atol=1e-6)


@pytest.mark.parametrize("anderson_k", [0, 3, 5])
def test_anderson_does_not_change_the_solution(anderson_k):
    X, y = make_regression_problem(100, 50, seed=2)
    problem = make_problem(X, y)
    penalty = _penalty(0.01, 0.9, 50)
    sol = solve(problem, penalty, tol=1e-12, anderson_k=anderson_k, max_iter=100_000)
    assert sol.gap <= 1e-12
    ref = sk.ElasticNet(alpha=0.01, l1_ratio=0.9, tol=1e-14, max_iter=10**6).fit(X, y)
    np.testing.assert_allclose(sol.coef, ref.coef_, atol=1e-6)


def test_duality_gap_of_a_poor_point_is_large():
    X, y = make_regression_problem(50, 20, seed=3)
    problem = make_problem(X, y)
    penalty = _penalty(0.1, 1.0, 20)
    good = solve(problem, penalty, tol=1e-12)
    assert duality_gap(problem, penalty, good.coef, good.intercept) <= 1e-12
    assert duality_gap(problem, penalty, good.coef * 0.5, good.intercept) > 1e-3


def test_warm_start_inputs_are_copied():
    X, y = make_regression_problem(50, 20, seed=4)
    problem = make_problem(X, y)
    start = np.ones(20)
    solve(problem, _penalty(0.1, 1.0, 20), start)
    np.testing.assert_array_equal(start, np.ones(20))


def test_orthant_newton_lands_on_the_lasso_solution(monkeypatch):
    """Support near n, correlated columns: Newton steps must agree with plain CD."""

    X, y = make_regression_problem(60, 100, seed=5)
    problem = make_problem(X, y)
    penalty = _penalty(0.005, 1.0, 100)
    with_newton = solve(problem, penalty, tol=1e-13, max_iter=200_000, newton=True)
    assert "gram" in problem.cache  # the Newton steps ran
    plain_problem = make_problem(X, y)
    no_rescue = SolverOptions(newton_rescue=False)  # (a stalled working set gets them)
    plain = solve(plain_problem, penalty, tol=1e-13, max_iter=200_000, options=no_rescue)
    assert "gram" not in plain_problem.cache
    ref = sk.Lasso(alpha=0.005, tol=1e-14, max_iter=10**7).fit(X, y)
    np.testing.assert_allclose(with_newton.coef, plain.coef, atol=1e-6)
    np.testing.assert_allclose(with_newton.coef, ref.coef_, atol=1e-5)


def test_orthant_newton_in_covariance_mode():
    X, y = make_regression_problem(300, 40, seed=6)
    problem = make_problem(X, y)
    penalty = _penalty(0.002, 0.8, 40)
    sol = solve(problem, penalty, tol=1e-13, newton=True)
    assert "covariance" in problem.cache
    ref = sk.ElasticNet(alpha=0.002, l1_ratio=0.8, tol=1e-14, max_iter=10**7).fit(X, y)
    np.testing.assert_allclose(sol.coef, ref.coef_, atol=1e-6)


def test_longest_step_stops_at_the_first_sign_change_or_bound():
    from shrinkage.solvers.orthant_newton import _longest_step

    w = np.array([1.0, -2.0, 0.5, 0.2])
    d = np.array([-4.0, 1.0, 1.0, 0.1])  # w0 hits 0 at t = 0.25
    signs = np.sign(w)
    lower = np.array([-np.inf, -np.inf, -np.inf, -np.inf])
    upper = np.array([np.inf, np.inf, 0.6, np.inf])  # w2 hits 0.6 at t = 0.1
    step, stops = _longest_step(w, d, signs, lower, upper)
    assert step == pytest.approx(0.1)
    assert list(stops) == [-1, -1, 2, -1]
    step, stops = _longest_step(w, d, signs, lower, np.full(4, np.inf))
    assert step == pytest.approx(0.25) and list(stops) == [0, -1, -1, -1]
    step, stops = _longest_step(w, d * 0.01, signs, lower, np.full(4, np.inf))
    assert step == 1.0 and list(stops) == [-1, -1, -1, -1]


@pytest.mark.parametrize("sparse_input", [False, True])
def test_covariance_mode_agrees_with_residual_mode(monkeypatch, sparse_input):
    """n >> p uses Gram updates; the answer must be the one of plain coordinate descent."""
    import scipy.sparse as sp

    from shrinkage.solvers import gram

    X, y = make_regression_problem(400, 30, seed=6, density=0.5 if sparse_input else 1.0)
    X = sp.csc_matrix(X) if sparse_input else X
    sw = np.random.default_rng(0).uniform(0.5, 2, 400)
    penalty = _penalty(0.02, 0.7, 30)
    problem = make_problem(X, y, sample_weight=sw)
    fast = solve(problem, penalty, tol=1e-12)
    assert "covariance" in problem.cache  # the Gram mode ran
    monkeypatch.setattr(gram, "MAX_FEATURES", 0)
    plain_problem = make_problem(X, y, sample_weight=sw)
    plain = solve(plain_problem, penalty, tol=1e-12)
    assert "covariance" not in plain_problem.cache
    np.testing.assert_allclose(fast.coef, plain.coef, atol=1e-8)
    assert fast.intercept == pytest.approx(plain.intercept, abs=1e-8)
    # its gap, recomputed from residuals, is what it reported
    assert duality_gap(problem, penalty, fast.coef, fast.intercept) <= 1e-11


@pytest.mark.parametrize("sparse_input", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_downdated_covariance_equals_direct(sparse_input, fit_intercept):
    """A fold's Gram terms from the full data minus the left-out rows = computed directly."""
    import scipy.sparse as sp

    from shrinkage.solvers.gram import gram_terms, share_covariance

    X, y = make_regression_problem(200, 15, seed=9, density=0.6 if sparse_input else 1.0)
    X = sp.csc_matrix(X) if sparse_input else X
    train, test = np.arange(40, 200), np.arange(40)
    full = make_problem(X, y, fit_intercept=fit_intercept)
    fold = make_problem(X[train], y[train], fit_intercept=fit_intercept)
    direct = make_problem(X[train], y[train], fit_intercept=fit_intercept)
    assert share_covariance(full, fold, X[test], y[test])
    for got, want in zip(gram_terms(fold), gram_terms(direct)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    # the same from a full problem whose centred Gram terms are already cached (the
    # raw sums are then undone from them instead of a second pass over X)
    cached, again = make_problem(X, y, fit_intercept=fit_intercept), make_problem(
        X[train], y[train], fit_intercept=fit_intercept)
    gram_terms(cached)
    assert share_covariance(cached, again, X[test], y[test])
    for got, want in zip(gram_terms(again), gram_terms(direct)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    weighted = make_problem(X[train], y[train], sample_weight=np.ones(160))
    assert not share_covariance(full, weighted, X[test], y[test])


def test_passes_over_the_data_are_the_reads_of_x_counted_call_by_call(monkeypatch):
    """A residual-mode path on sparse X with uneven columns: the passes it reports equal
    the reads of X recounted here from the calls themselves: the column statistics and
    every full product (one pass each), and each working-set solve's epochs times the
    entries of its columns."""
    import scipy.sparse as sp

    from shrinkage import regularization_path
    from shrinkage.solvers import _design
    from shrinkage.solvers import kernels_squared as _kernels

    rng = np.random.default_rng(0)
    density = np.repeat([0.002, 0.02, 0.2], 100)  # columns of very different lengths
    X = sp.csc_matrix(rng.standard_normal((400, 300)) * (rng.random((400, 300)) < density))
    y = X @ np.where(np.arange(300) % 37 == 0, 1.0, 0.0) + rng.standard_normal(400)
    entries = np.diff(X.indptr)
    calls = {"full": 0, "ws": 0}
    rmatvec, ws_solve = _design.Design.rmatvec, _kernels.squared_ws_solve
    stats = _design.Design.weighted_column_stats

    def counting_rmatvec(self, v):
        calls["full"] += 1
        return rmatvec(self, v)

    def counting_stats(self, sw):
        calls["full"] += 1
        return stats(self, sw)

    def counting_ws_solve(ws, *args):
        epochs = ws_solve(ws, *args)
        calls["ws"] += epochs * int(entries[ws].sum())
        return epochs

    monkeypatch.setattr(_design.Design, "rmatvec", counting_rmatvec)
    monkeypatch.setattr(_design.Design, "weighted_column_stats", counting_stats)
    monkeypatch.setattr(_kernels, "squared_ws_solve", counting_ws_solve)
    path = regularization_path(X, y, alphas=8, screening=False, tol=1e-8)
    assert calls["full"] >= 3 and calls["ws"] > 0
    assert path.passes == pytest.approx(calls["full"] + calls["ws"] / X.nnz, rel=1e-12)


def test_passes_at_the_edges_a_null_fit_and_a_covariance_path():
    """A given alpha above alpha_max: the column statistics and one certificate (two
    passes) prove w = 0; a covariance-mode path (n >> p) reads X for its statistics, its
    grid's alpha_max and twice for its Gram terms, and never again, however many alphas."""
    from shrinkage import regularization_path

    X, y = make_regression_problem(60, 200, seed=1)
    assert regularization_path(X, y, alphas=[1e6]).passes == 2.0
    X, y = make_regression_problem(500, 12, seed=1)
    for n_alphas in (5, 40):
        assert regularization_path(X, y, alphas=n_alphas).passes == 4.0


def test_anderson_weights_solve_their_regularized_system_as_numpy_does():
    """The extrapolation weights come from a hand-written Cholesky solve (no LAPACK glue
    to compile): they equal numpy's solve of (D D' + 1e-10 tr I) c = 1, normalized to
    sum 1; a history that no longer moves gives none."""
    from shrinkage.solvers.kernels_common import _anderson_weights

    rng = np.random.default_rng(3)
    history = np.cumsum(rng.standard_normal((6, 40)), axis=0)
    diffs = np.diff(history, axis=0)
    gram = diffs @ diffs.T
    gram += 1e-10 * np.trace(gram) * np.eye(5)
    expected = np.linalg.solve(gram, np.ones(5))
    np.testing.assert_allclose(_anderson_weights(history), expected / expected.sum(),
                               rtol=1e-8)
    assert _anderson_weights(np.ones((6, 40))).size == 0


def test_working_set_grows_fourfold_while_the_support_fills_it(monkeypatch):
    """A cold lasso whose support (~230 features) is far above the first working set
    (10): while each solve fills its set with non-zeros, the next set is four times as
    large (one full gradient per growth step; doubling took 10, 20, 40, ...), and the
    answer is certified by the gap."""

    rng = np.random.default_rng(3)
    X = rng.standard_normal((800, 3000))
    y = X[:, :200] @ rng.standard_normal(200) + rng.standard_normal(800)
    problem = make_problem(X, y)
    amax = np.max(np.abs(X.T @ (y - y.mean()))) / 800
    penalty = ElasticNetPenalty.from_params(amax / 10, 1.0, np.ones(3000),
                                            np.full(3000, -np.inf), np.full(3000, np.inf))
    sizes, filled = [], []
    original = SquaredIterate.solve_working_set

    def recording(self, ws, *args):
        ran = original(self, ws, *args)
        sizes.append(ws.size)
        filled.append(bool(np.all(self.w[ws] != 0)))
        return ran

    monkeypatch.setattr(SquaredIterate, "solve_working_set", recording)
    sol = solve(problem, penalty, tol=1e-8, ws_start=10)
    assert sol.converged and duality_gap(problem, penalty, sol.coef, sol.intercept) < 1e-8
    assert np.count_nonzero(sol.coef) > 200
    assert filled[:2] == [True, True] and sizes[:3] == [10, 40, 160]


def _near_singular_lasso():
    """150 x 300, Toeplitz rho 0.95, a lasso at alpha_max / 300 (support ~ n)."""
    from scipy.linalg import toeplitz

    rng = np.random.default_rng(0)
    n, p = 150, 300
    X = rng.standard_normal((n, p)) @ np.linalg.cholesky(toeplitz(0.95 ** np.arange(p))).T
    y = X[:, ::10] @ rng.standard_normal(p // 10) + rng.standard_normal(n)
    amax = np.max(np.abs(X.T @ (y - y.mean()))) / n
    penalty = ElasticNetPenalty.from_params(amax / 300, 1.0, np.ones(p), np.full(p, -np.inf),
                                            np.full(p, np.inf))
    return X, y, penalty


def test_stalled_coordinate_descent_gets_newton_steps(monkeypatch):
    """A near-singular working set (Toeplitz rho 0.95, support ~ n): plain coordinate
    descent does not reach a gap of 1e-10 in 500 epochs; after 20 epochs (a quarter epoch
    per feature of the set, if more) without reaching its tolerance a working set gets
    orthant Newton steps between chunks, and the same budget then suffices."""
    import warnings

    X, y, penalty = _near_singular_lasso()
    sol = solve(make_problem(X, y), penalty, tol=1e-10, max_iter=500)
    assert sol.converged
    assert duality_gap(make_problem(X, y), penalty, sol.coef, sol.intercept) <= 1e-10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = solve(make_problem(X, y), penalty, tol=1e-10, max_iter=500,
                      options=SolverOptions(newton_rescue=False))
    assert not plain.converged


def test_the_rescue_waits_for_its_gram_block_s_worth_of_stalled_epochs():
    """The rescue starts after max(rescue_after_epochs, rescue_epochs_per_feature x
    |working set|) stalled epochs: a floor above the whole budget leaves plain coordinate
    descent, epoch for epoch; without the floor the 20-epoch rule alone converges."""
    import warnings

    X, y, penalty = _near_singular_lasso()

    def run(**options):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return solve(make_problem(X, y), penalty, tol=1e-10, max_iter=500,
                         options=SolverOptions(**options))

    late, plain = run(rescue_epochs_per_feature=1000.0), run(newton_rescue=False)
    assert late.n_iter == plain.n_iter == 500 and np.array_equal(late.coef, plain.coef)
    early = run(rescue_epochs_per_feature=0.0)
    assert early.converged and early.n_iter <= 500


@pytest.mark.parametrize("sparse_input", [False, True])
def test_working_set_gap_is_the_duality_gap_when_the_set_holds_every_feature(sparse_input):
    """The kernel's own gap (working set = every feature) is the solver's duality gap,
    for weighted samples and an elastic net with a bound; solving to a target gap stops
    at or below it."""
    import scipy.sparse as sp

    from shrinkage.solvers import kernels_squared as _kernels

    rng = np.random.default_rng(5)
    X = rng.standard_normal((80, 30)) * (rng.random((80, 30)) < 0.5)
    y = X[:, :4] @ np.array([2.0, -1.0, 0.5, 1.5]) + rng.standard_normal(80)
    sw = rng.uniform(0.2, 3.0, 80)
    problem = make_problem(sp.csc_matrix(X) if sparse_input else X, y, sample_weight=sw)
    amax = np.max(np.abs(X.T @ (sw * (y - sw @ y / sw.sum())))) / sw.sum()
    lower = np.full(30, -np.inf)
    lower[1] = -0.3  # binds: coefficient 1 wants -1
    penalty = ElasticNetPenalty.from_params(amax / 20, 0.7, np.ones(30), lower,
                                            np.full(30, np.inf))
    state = SquaredIterate(problem, np.zeros(30), None)  # residual mode, at w = 0
    ws = np.arange(30, dtype=np.int64)
    df = problem.datafit
    target = 1e-9 * problem.null_objective

    def kernel(max_epochs, gap_target):
        return _kernels.squared_ws_solve(
            ws, state.w, state.R, state.state, *problem.design.kernel_args, df.sw, df.has_sw,
            problem.xmean, problem.lips, penalty.l1, penalty.l2, penalty.lower,
            penalty.upper, float(problem.n_samples), max_epochs, 0.0, 5, False,
            state.y_centred, gap_target)

    kernel(3, -1.0)  # somewhere on the way
    grad = state.gradient_block(ws)
    own = _kernels._squared_ws_gap(ws, state.w, grad, state.R, state.state[0],
                                   state.y_centred, df.sw, df.has_sw, problem.lips,
                                   penalty.l1, penalty.l2, penalty.lower, penalty.upper,
                                   float(problem.n_samples))
    full = duality_gap(problem, penalty, state.w, state.intercept) * problem.null_objective
    assert own > 1e3 * target and own == pytest.approx(full, rel=1e-9)
    kernel(10_000, target)
    assert state.state[1] == 1.0
    assert duality_gap(problem, penalty, state.w, state.intercept) <= 1e-9


def test_settled_working_sets_are_solved_to_the_target_gap_in_one_round(monkeypatch, full_products):
    """A 60 x 3000 lasso path (leukemia-shaped): a full gradient costs ~100 epochs of the
    working set. Once no violator lies outside the last set, the set is solved to the
    gap the path needs instead of to 0.3 of its violation (one round per 10x of gap):
    about two full gradients per alpha instead of six, the same certified gaps."""
    from scipy.linalg import toeplitz

    from shrinkage import regularization_path

    rng = np.random.default_rng(0)
    n, p = 60, 3000
    X = rng.standard_normal((n, p)) @ np.linalg.cholesky(toeplitz(0.8 ** np.arange(p))).T
    y = X[:, :15] @ rng.standard_normal(15) + rng.standard_normal(n)
    counts = {}
    for rule in (False, True):
        monkeypatch.setattr(solver_options, "DEFAULT", SolverOptions(ws_gap_rule=rule))
        full_products["calls"] = 0
        path = regularization_path(X, y, alphas=40, eps=1e-2, tol=1e-8)
        assert np.max(path.gaps) <= 1e-8
        counts[rule] = full_products["calls"]
    assert counts[True] <= 2.5 * 40 < 5 * 40 <= counts[False]


def test_a_path_step_starts_settled_and_a_cold_start_does_not(monkeypatch):
    """Continuing a path, the first working set (the last support and the features the
    step in alpha made violators) is solved to the target gap at once; a cold start's
    first sets are far from the support and get the loose target, until a set brings no
    new violator."""
    from scipy.linalg import toeplitz


    rng = np.random.default_rng(1)
    n, p = 60, 3000
    X = rng.standard_normal((n, p)) @ np.linalg.cholesky(toeplitz(0.8 ** np.arange(p))).T
    y = X[:, :15] @ rng.standard_normal(15) + rng.standard_normal(n)
    problem = make_problem(X, y)
    amax = np.max(np.abs(X.T @ (y - y.mean()))) / n
    targets = []
    original = SquaredIterate.solve_working_set

    def recording(self, ws, penalty, max_epochs, eps, anderson_k, newton=False,
                  settled_gap=None, options=DEFAULT):
        targets.append(settled_gap)
        return original(self, ws, penalty, max_epochs, eps, anderson_k, newton,
                        settled_gap, options)

    monkeypatch.setattr(SquaredIterate, "solve_working_set", recording)
    first = solve(problem, _penalty(amax / 10, 1.0, p), tol=1e-8)
    assert first.converged and targets[0] is None
    targets.clear()
    penalty = _penalty(amax / 10.5, 1.0, p)  # a path step: few new violators
    second = solve(problem, penalty, tol=1e-8, state=first.state)
    assert second.converged and targets[0] == pytest.approx(1e-8 * problem.null_objective)
    assert duality_gap(problem, penalty, second.coef, second.intercept) <= 1e-8


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("by_products", [False, True])
def test_column_statistics_are_the_weighted_sums(monkeypatch, sparse, by_products):
    """The weighted column means and mean squares every fit starts from equal NumPy's
    sums written out, with a zero column, by products (small X) and by the kernel."""
    import scipy.sparse as sp

    from shrinkage.solvers import _design

    monkeypatch.setattr(_design, "STATS_PRODUCTS_MAX_ENTRIES", 10**9 if by_products else 0)
    calls = []
    kernel = _design.ws_weighted_stats
    monkeypatch.setattr(_design, "ws_weighted_stats", lambda *a: calls.append(1) or kernel(*a))
    rng = np.random.default_rng(3)
    X = rng.standard_normal((53, 10)) * (rng.random((53, 10)) < 0.5)
    X[:, 3] = 0.0
    sw = 3.0 * rng.random(53)
    design = _design.make_design(sp.csc_matrix(X) if sparse else np.asfortranarray(X))
    means, squares = design.weighted_column_stats(sw)
    assert len(calls) == (0 if by_products else 1)
    expected_means = np.array([sum(sw[i] * X[i, j] for i in range(53)) for j in range(10)])
    expected_squares = np.array([sum(sw[i] * X[i, j] ** 2 for i in range(53))
                                 for j in range(10)])
    np.testing.assert_allclose(means, expected_means / 53, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(squares, expected_squares / 53, rtol=1e-12, atol=1e-15)
    assert squares[3] == 0.0 and means[3] == 0.0
