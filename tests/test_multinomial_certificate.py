"""The multinomial solver's certificate against the duality gap written out in numpy:
the solver sums it as non-negative Fenchel-Young terms in numba kernels; here it is the
primal minus the dual (entropies from scipy), with the optimal intercepts found by a
numpy Newton, on a small weighted table."""

import numpy as np
import pytest
from scipy.special import entr, logsumexp, softmax

from shrinkage.penalties import ClassPenalty
from shrinkage.solvers.multinomial import MultinomialIterate, duality_gap, solve_multinomial
from shrinkage.solvers.problem import make_problem

N, P, K = 80, 4, 3


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(N, P)) + np.array([0.0, 3.0, 0.0, 0.0])  # a column off centre
    y = np.argmax(X[:, :K] + rng.normal(scale=1.5, size=(N, K)), axis=1)
    sw = rng.uniform(0.2, 2.0, N)
    return X, y, sw * N / sw.sum()


def primal(X, y, sw, W, b, penalty):
    Z = X @ W + b
    fit = sw @ (logsumexp(Z, axis=1) - Z[np.arange(N), y]) / N
    norms = np.linalg.norm(W, axis=1) if penalty.grouped else np.abs(W).sum(axis=1)
    return fit + penalty.l1 @ norms + 0.5 * penalty.l2 @ (W * W).sum(axis=1)


def optimal_intercepts(X, y, sw, W, b):
    """Newton in K dimensions with the pseudo-inverse of the (singular) Hessian."""
    Y, c = np.eye(K)[y], np.array(b, dtype=float)
    for _ in range(100):
        Q = softmax(X @ W + c, axis=1)
        grad = sw @ (Q - Y) / N
        if np.abs(grad).max() < 1e-15:
            break
        H = (np.diag(sw @ Q) - Q.T @ (Q * sw[:, None])) / N
        c -= np.linalg.pinv(H, rcond=1e-12) @ grad
    return c


def gap_written_out(X, y, sw, W, b, penalty):
    """Primal minus dual at the dual point of the optimal intercepts' probabilities,
    scaled into the conjugate's domain; unpenalized rows held at their values."""
    Y = np.eye(K)[y]
    Q = softmax(X @ W + optimal_intercepts(X, y, sw, W, b), axis=1)
    U = X.T @ ((Y - Q) * sw[:, None] / N)
    held_rows = penalty.unpenalized
    held = np.sum(U[held_rows] * W[held_rows])
    U[held_rows] = 0.0
    reach = np.linalg.norm(U, axis=1) if penalty.grouped else np.abs(U).max(axis=1)
    hard = (penalty.l2 == 0) & (reach > penalty.l1)
    kappa = min(1.0, np.min(penalty.l1[hard] / reach[hard])) if hard.any() else 1.0
    S = kappa * U
    excess = (np.maximum(np.linalg.norm(S, axis=1) - penalty.l1, 0.0) ** 2
              if penalty.grouped
              else (np.maximum(np.abs(S) - penalty.l1[:, None], 0.0) ** 2).sum(axis=1))
    soft = penalty.l2 > 0
    conjugate = np.sum(excess[soft] / (2.0 * penalty.l2[soft]))
    dual = sw @ entr((1 - kappa) * Y + kappa * Q).sum(axis=1) / N - conjugate - kappa * held
    return primal(X, y, sw, W, b, penalty) - dual


CASES = [(grouped, l1_ratio) for grouped in (False, True) for l1_ratio in (1.0, 0.5, 0.0)]


@pytest.mark.parametrize("grouped,l1_ratio", CASES)
@pytest.mark.parametrize("factor", [np.ones(P), np.array([1.0, 1.0, 1.0, 0.0])],
                         ids=["penalized", "one unpenalized"])
def test_gap_equals_primal_minus_dual(table, grouped, l1_ratio, factor):
    X, y, sw = table
    problem = make_problem(X, y, "multinomial", sw, True)
    rng = np.random.default_rng(1)
    for alpha in (0.3, 0.03, 0.003):
        penalty = ClassPenalty.from_params(alpha, l1_ratio, factor, grouped)
        solution, state = solve_multinomial(problem, penalty, tol=1e-6, warn=False)
        # at the answer, and at a point far from it (the identity holds at any W, b)
        far = MultinomialIterate(problem, state.W + rng.normal(scale=0.3, size=(P, K)),
                                 state.b + rng.normal(scale=0.3, size=K))
        for it in (state, far):
            expected = gap_written_out(X, y, sw, it.W, it.b, penalty)
            got = duality_gap(problem, penalty, it)
            assert got >= 0.0
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-13), (alpha, it is far)


@pytest.mark.parametrize("grouped,l1_ratio", CASES)
def test_gap_bounds_the_distance_to_the_optimum(table, grouped, l1_ratio):
    X, y, sw = table
    problem = make_problem(X, y, "multinomial", sw, True)
    null = problem.null_objective
    for alpha in (0.1, 0.01, 0.001):
        penalty = ClassPenalty.from_params(alpha, l1_ratio, np.ones(P), grouped)
        loose, _ = solve_multinomial(problem, penalty, tol=1e-3, warn=False)
        tight, _ = solve_multinomial(problem, penalty, tol=1e-13, max_iter=100_000,
                                     warn=False)
        best = primal(X, y, sw, tight.coef.T, tight.intercept, penalty)
        excess = (primal(X, y, sw, loose.coef.T, loose.intercept, penalty) - best) / null
        assert loose.gap <= 1e-3
        assert excess <= loose.gap + 1e-14, (alpha, excess, loose.gap)


def test_optimal_intercepts_balance_the_class_masses(table):
    X, y, sw = table
    problem = make_problem(X, y, "multinomial", sw, True)
    W = np.random.default_rng(2).normal(size=(P, K))
    Q = np.empty((N, K))
    b = problem.datafit.optimal_intercepts(X @ W, np.array([5.0, -3.0, 0.0]), Q)
    # stationarity: the weighted probabilities sum to the class masses
    np.testing.assert_allclose(sw @ softmax(X @ W + b, axis=1),
                               np.bincount(y, weights=sw, minlength=K), atol=1e-11)
    np.testing.assert_allclose(Q, softmax(X @ W + b, axis=1), atol=1e-15)
    assert abs(b.sum()) < 1e-12
    np.testing.assert_allclose(b - b.mean(),
                               optimal_intercepts(X, y, sw, W, b) -
                               optimal_intercepts(X, y, sw, W, b).mean(), atol=1e-10)
