"""Poisson regression against scikit-learn, a split-variable L-BFGS-B reference, the KKT
conditions and identities of the model (offsets, weights, sparse input)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import PoissonRegressor as SklearnPoisson

from shrinkage import PoissonRegressor, regularization_path

from reference import kkt_violation, objective, reference_solution


def _counts(n=200, p=8, seed=0, sparse_signal=True):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    w[:3] = [0.4, -0.3, 0.2] if sparse_signal else 0.1
    y = rng.poisson(np.exp(X @ w + 0.7)).astype(float)
    return X, y


@pytest.mark.parametrize("alpha", [1.0, 0.1, 0.01])
@pytest.mark.parametrize("weighted", [False, True])
def test_l2_equals_scikit_learn_on_the_same_scale(alpha, weighted):
    X, y = _counts()
    sw = np.random.default_rng(1).uniform(0.5, 2.0, y.size) if weighted else None
    ours = PoissonRegressor(alpha=alpha, l1_ratio=0.0, tol=1e-12).fit(X, y, sw)
    ref = SklearnPoisson(alpha=alpha, tol=1e-12, max_iter=10_000).fit(X, y, sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    assert abs(ours.intercept_ - ref.intercept_) < 1e-6


def test_unpenalized_equals_scikit_learn():
    X, y = _counts()
    ours = PoissonRegressor(alpha=0.0, tol=1e-12).fit(X, y)
    ref = SklearnPoisson(alpha=0.0, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    assert ours.dual_gap_ <= 1e-12


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("scale", [0.5, 0.05])
def test_l1_and_elastic_net_reach_the_reference_objective(l1_ratio, scale):
    X, y = _counts(p=12)
    amax = regularization_path(X, y, loss="poisson", l1_ratio=l1_ratio, alphas=1).alphas[0]
    alpha = scale * amax
    model = PoissonRegressor(alpha=alpha, l1_ratio=l1_ratio, tol=1e-10).fit(X, y)
    ours = objective(X, y, model.coef_, model.intercept_, alpha, l1_ratio, "poisson")
    ref = reference_solution(X, y, alpha, l1_ratio, "poisson")
    assert ours <= ref + 1e-9
    assert kkt_violation(X, y, model.coef_, model.intercept_, alpha, l1_ratio,
                         "poisson") < 1e-5
    assert 0 < np.count_nonzero(model.coef_) < X.shape[1] or l1_ratio < 1


def test_alpha_max_is_exact():
    X, y = _counts()
    path = regularization_path(X, y, loss="poisson", alphas=5)
    amax = path.alphas[0]
    assert not np.any(path.coefs[0])
    below = PoissonRegressor(alpha=0.99 * amax, l1_ratio=1.0, tol=1e-10).fit(X, y)
    assert np.count_nonzero(below.coef_) >= 1
    # at alpha_max the null model satisfies the KKT conditions exactly
    assert np.isclose(path.intercepts[0], np.log(y.mean()))
    assert kkt_violation(X, y, np.zeros(X.shape[1]), np.log(y.mean()), amax, 1.0,
                         "poisson") < 1e-12


def test_offset_is_log_exposure():
    """An offset log(e) fits the rate y / e with weights e (glm's identity); weights
    are rescaled to sum to n, which rescales alpha by n / sum(e)."""
    X, y = _counts()
    exposure = np.random.default_rng(2).uniform(0.5, 3.0, y.size)
    y = np.random.default_rng(3).poisson(exposure * np.exp(X[:, 0] * 0.4)).astype(float)
    alpha = 0.01
    with_offset = PoissonRegressor(alpha=alpha, l1_ratio=1.0, tol=1e-12).fit(
        X, y, offset=np.log(exposure))
    as_rate = PoissonRegressor(alpha=alpha * y.size / exposure.sum(), l1_ratio=1.0,
                               tol=1e-12).fit(X, y / exposure, sample_weight=exposure)
    np.testing.assert_allclose(with_offset.coef_, as_rate.coef_, atol=1e-7)
    assert abs(with_offset.intercept_ - as_rate.intercept_) < 1e-7
    np.testing.assert_allclose(with_offset.predict(X[:5], offset=np.log(exposure[:5])),
                               exposure[:5] * as_rate.predict(X[:5]), rtol=1e-6)
    assert kkt_violation(X, y, with_offset.coef_, with_offset.intercept_, alpha, 1.0,
                         "poisson", offset=np.log(exposure)) < 1e-8


def test_constant_offset_moves_only_the_intercept():
    X, y = _counts()
    plain = PoissonRegressor(alpha=0.02, tol=1e-12).fit(X, y)
    shifted = PoissonRegressor(alpha=0.02, tol=1e-12).fit(X, y, offset=np.full(y.size, 2.0))
    np.testing.assert_allclose(plain.coef_, shifted.coef_, atol=1e-8)
    assert abs(plain.intercept_ - (shifted.intercept_ + 2.0)) < 1e-8


def test_dense_equals_sparse():
    X, y = _counts()
    X[np.abs(X) < 0.8] = 0.0
    dense = PoissonRegressor(alpha=0.01, l1_ratio=0.7, tol=1e-12).fit(X, y)
    sparse = PoissonRegressor(alpha=0.01, l1_ratio=0.7, tol=1e-12).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(dense.coef_, sparse.coef_, atol=1e-9)


def test_weights_equal_repeated_rows():
    X, y = _counts(n=80)
    reps = np.random.default_rng(4).integers(0, 4, y.size)
    weighted = PoissonRegressor(alpha=0.01, tol=1e-12).fit(X, y, sample_weight=reps)
    repeated = PoissonRegressor(alpha=0.01, tol=1e-12).fit(np.repeat(X, reps, axis=0),
                                                          np.repeat(y, reps))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-8)
    assert abs(weighted.intercept_ - repeated.intercept_) < 1e-8


def test_the_gap_bounds_the_distance_to_the_reference_objective():
    X, y = _counts(p=12)
    alpha = 0.02
    model = PoissonRegressor(alpha=alpha, l1_ratio=1.0, tol=1e-3).fit(X, y)
    ours = objective(X, y, model.coef_, model.intercept_, alpha, 1.0, "poisson")
    ref = reference_solution(X, y, alpha, 1.0, "poisson")
    # the gap is relative to half the null model's mean deviance
    mean = y.mean()
    null_half_deviance = np.mean(y * np.log(np.where(y > 0, y, 1.0) / mean) - y + mean)
    assert ours - ref <= model.dual_gap_ * null_half_deviance + 1e-12
    assert model.dual_gap_ <= 1e-3


def test_zero_counts_keep_the_dual_finite():
    """Many y = 0 (the conjugate's boundary): the certificate stays finite and tight."""
    X, y = _counts()
    y[::2] = 0.0
    model = PoissonRegressor(alpha=0.01, l1_ratio=1.0, tol=1e-10).fit(X, y)
    assert np.isfinite(model.dual_gap_) and model.dual_gap_ <= 1e-10


def test_bad_targets_and_offsets_are_clear_errors():
    X, y = _counts()
    with pytest.raises(ValueError, match="y must be >= 0 for the Poisson loss"):
        PoissonRegressor().fit(X, y - 1.0)
    with pytest.raises(ValueError, match="y is 0 for every sample"):
        PoissonRegressor().fit(X, np.zeros_like(y))
    with pytest.raises(ValueError, match="offset must have one value per sample"):
        PoissonRegressor().fit(X, y, offset=np.zeros(3))
    with pytest.raises(ValueError, match="offset must be finite"):
        PoissonRegressor().fit(X, y, offset=np.full(y.size, -np.inf))
    with pytest.raises(ValueError, match="offset is for loss='poisson'"):
        regularization_path(X, y, offset=np.zeros_like(y))


def test_score_is_deviance_explained():
    X, y = _counts()
    model = PoissonRegressor(alpha=0.0).fit(X, y)
    mu = model.predict(X)
    dev = 2 * np.sum(y * np.log(np.where(y > 0, y / mu, 1.0)) - y + mu)
    null = 2 * np.sum(y * np.log(np.where(y > 0, y / y.mean(), 1.0)) - y + y.mean())
    assert np.isclose(model.score(X, y), 1 - dev / null)


def test_constant_column_and_one_feature():
    X, y = _counts()
    X[:, 3] = 5.0  # constant: the intercept's job
    model = PoissonRegressor(alpha=0.01, l1_ratio=0.5, tol=1e-12).fit(X, y)
    assert model.coef_[3] == 0.0
    one = PoissonRegressor(alpha=0.1, l1_ratio=0.0, tol=1e-12).fit(X[:, :1], y)
    ref = SklearnPoisson(alpha=0.1, tol=1e-12, max_iter=10_000).fit(X[:, :1], y)
    np.testing.assert_allclose(one.coef_, ref.coef_, atol=1e-7)


def test_without_intercept_reaches_the_reference():
    X, y = _counts()
    alpha = 0.02
    model = PoissonRegressor(alpha=alpha, l1_ratio=1.0, fit_intercept=False,
                             tol=1e-10).fit(X, y)
    assert model.intercept_ == 0.0
    ours = objective(X, y, model.coef_, 0.0, alpha, 1.0, "poisson")
    assert ours <= reference_solution(X, y, alpha, 1.0, "poisson", fit_intercept=False) \
        + 1e-9


def test_large_counts_keep_their_digits():
    X, y = _counts()
    big = y * 1e5
    model = PoissonRegressor(alpha=0.001, l1_ratio=1.0, tol=1e-10).fit(X, big)
    small = PoissonRegressor(alpha=0.001 / 1e5, l1_ratio=1.0, tol=1e-10).fit(X, y)
    # scaling y by c scales the loss by c (up to a constant) and moves the intercept by
    # log c: the same coefficients at alpha * c
    np.testing.assert_allclose(model.coef_, small.coef_, atol=1e-6)
    assert abs(model.intercept_ - small.intercept_ - np.log(1e5)) < 1e-6


@pytest.mark.parametrize("with_offset", [False, True])
def test_certificate_equals_the_dual_written_out_by_hand(with_offset):
    """At an arbitrary point (y with zeros, weights, an offset): the solver's relative gap
    is primal minus the dual at kappa times ``s (y - c mu)``, ``c`` balancing it against
    the intercept, written out here in NumPy (the solver takes X' s y once per problem
    and blends it with the gradient's product)."""
    from shrinkage.penalties import ElasticNetPenalty
    from shrinkage.solvers.cd import duality_gap, make_problem

    X, y = _counts(n=150, p=6, seed=3)
    y[::5] = 0.0
    rng = np.random.default_rng(4)
    sw = rng.uniform(0.5, 2.0, 150)
    sw *= 150 / sw.sum()
    offset = rng.normal(0, 0.3, 150) if with_offset else np.zeros(150)
    problem = make_problem(X, y, "poisson", sample_weight=sw,
                           offset=offset if with_offset else None)
    coef, intercept, alpha = np.array([0.3, -0.1, 0.0, 0.05, 0.0, 0.0]), 0.5, 0.05
    penalty = ElasticNetPenalty.from_params(alpha, 1.0, np.ones(6), np.full(6, -np.inf),
                                            np.full(6, np.inf))
    eta = X @ coef + intercept + offset
    mu = np.exp(eta)
    primal = np.mean(sw * (mu - y * eta)) + alpha * np.abs(coef).sum()
    m = mu * (sw @ y) / (sw @ mu)
    u = X.T @ (sw * (y - m)) / 150
    kappa = min(1.0, alpha / np.max(np.abs(u)))
    rho = kappa * (y - m)
    q = y - rho
    dual = np.mean(sw * (q - np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0)), 0.0)
                         - rho * offset))
    floor = np.mean(sw * (y - np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0)), 0.0)))
    expected = (primal - dual) / (problem.null_objective)
    assert primal - floor > 0 and expected > 1e-4
    assert duality_gap(problem, penalty, coef, intercept) == pytest.approx(expected,
                                                                           rel=1e-9)


def test_settled_working_sets_get_tight_newton_models(monkeypatch, full_products):
    """Large counts on correlated columns: with each quadratic model solved to 0.3 of the
    violation, one Newton step per round converges linearly (a full gradient per 10-20x
    of gap). Once every violator has a place in the working set its models are solved
    tightly (within a pass's worth of epochs): fewer full gradients for the same
    certified gaps, and the same path."""
    from scipy.linalg import toeplitz

    from shrinkage.solvers import options as solver_options
    from shrinkage.solvers.options import SolverOptions

    rng = np.random.default_rng(10)
    n, p = 3000, 40
    X = rng.standard_normal((n, p)) @ np.linalg.cholesky(toeplitz(0.5 ** np.arange(p))).T
    w = np.zeros(p)
    w[rng.choice(p, 8, replace=False)] = 0.3 * rng.standard_normal(8)
    y = rng.poisson(np.exp(X @ w + 3.0)).astype(float)
    counts, paths = {}, {}
    for rule in (False, True):
        monkeypatch.setattr(solver_options, "DEFAULT", SolverOptions(glm_settled_rule=rule))
        full_products["calls"] = 0
        paths[rule] = regularization_path(X, y, loss="poisson", alphas=30, tol=1e-8)
        assert np.max(paths[rule].gaps) <= 1e-8
        counts[rule] = full_products["calls"]
    assert counts[True] <= 0.85 * counts[False]
    np.testing.assert_allclose(paths[True].coefs, paths[False].coefs, atol=1e-4)


def test_the_kept_datafit_value_is_that_of_the_current_iterate():
    """The iterate keeps the datafit's value from the last line search for the next
    certificate: after a solve (line searches, screening, Newton steps) it is the
    value at the final linear predictor, recomputed here."""
    from shrinkage.penalties import ElasticNetPenalty
    from shrinkage.solvers.cd import make_problem, solve

    X, y = _counts(n=300, p=10, seed=7)
    problem = make_problem(X, y, "poisson")
    penalty = ElasticNetPenalty.from_params(0.01, 1.0, np.ones(10), np.full(10, -np.inf),
                                            np.full(10, np.inf))
    sol = solve(problem, penalty, tol=1e-10)
    it = sol.state
    eta = X @ sol.coef + sol.intercept
    assert it.datafit_value() == pytest.approx(np.mean(np.exp(eta) - y * eta), rel=1e-12)
    it.set_coordinate_zero(int(np.flatnonzero(sol.coef)[0]))
    assert it.datafit_value() == pytest.approx(problem.datafit.value(it.z), rel=1e-15)
