"""Property-based checks on small random problems.

On return the reported relative gap is >= 0 and below tol, and it certifies the
objective: no independent solver (L-BFGS-B on the split problem) finds a point more than
that gap below ours.
"""

import warnings

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

from shrinkage import ElasticNet, LogisticRegression
from reference import normalized_weights, objective, reference_solution


def _draw_problem(seed, n, p, loss, quirk):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.1, 10, p) + rng.normal(0, 3, p)
    if quirk == "zero_column":
        X[:, 0] = 0.0
    elif quirk == "duplicate_column" and p > 1:
        X[:, 1] = X[:, 0]
    elif quirk == "sparse":
        X *= rng.random((n, p)) < 0.4
    score = X @ rng.standard_normal(p) + rng.standard_normal(n) * rng.uniform(0.1, 5)
    if loss == "squared":
        return X, score
    y = np.where(score > np.median(score), 1.0, -1.0)
    if np.all(y == y[0]):
        y[0] = -y[0]
    return X, y


def _alpha_max(X, y, loss, l1_ratio, sw):
    n = X.shape[0]
    if loss == "squared":
        xbar, ybar = sw @ X / n, sw @ y / n
        grad = (X - xbar).T @ (sw * (y - ybar)) / n
    else:
        pos = (y > 0).astype(float)
        grad = X.T @ (sw * (pos - sw @ pos / n)) / n
    return np.abs(grad).max() / l1_ratio


def _null_objective(y, loss, sw):
    n = len(y)
    if loss == "squared":
        return sw @ (y - sw @ y / n) ** 2 / (2 * n)
    p = sw @ (y > 0) / n
    return -(p * np.log(p) + (1 - p) * np.log(1 - p))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(4, 25), p=st.integers(1, 15),
       loss=st.sampled_from(["squared", "logistic"]),
       l1_ratio=st.sampled_from([1.0, 0.7, 0.2]),
       alpha_frac=st.floats(0.02, 1.2), tol=st.sampled_from([1e-3, 1e-6]),
       weighted=st.booleans(),
       quirk=st.sampled_from(["none", "zero_column", "duplicate_column", "sparse"]))
def test_gap_certifies_objective(seed, n, p, loss, l1_ratio, alpha_frac, tol, weighted,
                                 quirk):
    X, y = _draw_problem(seed, n, p, loss, quirk)
    rng = np.random.default_rng(seed + 1)
    sample_weight = rng.uniform(0.2, 3.0, n) if weighted else None
    sw = normalized_weights(n, sample_weight)
    amax = _alpha_max(X, y, loss, l1_ratio, sw)
    alpha = max(alpha_frac * amax, 1e-8)
    Xfit = sp.csc_matrix(X) if quirk == "sparse" else X
    est_cls = ElasticNet if loss == "squared" else LogisticRegression
    est = est_cls(alpha=alpha, l1_ratio=l1_ratio, tol=tol, max_iter=100_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(Xfit, y, sample_weight=sample_weight)
    assert 0.0 <= est.dual_gap_ <= tol
    coef, b = np.ravel(est.coef_), float(np.ravel(est.intercept_)[0])
    ours = objective(X, y, coef, b, alpha, l1_ratio, loss, sample_weight)
    best = reference_solution(X, y, alpha, l1_ratio, loss, sample_weight)
    gap_abs = est.dual_gap_ * _null_objective(y, loss, sw)
    assert ours - best <= gap_abs + 1e-10 * max(1.0, abs(best))
