"""Unpenalized fits (alpha = 0) by Newton's method, and the test for separation.

With no penalty the duality gap is no certificate: the dual of an unpenalized problem is
degenerate (its feasible set is ``X' rho = 0``), and the path's working sets and screening
have nothing to work with. Newton's method on all the features (and the intercept) is
the natural solver instead, and the Newton decrement ``lambda^2 = g' H^{-1} g`` its
certificate: ``lambda^2 / 2`` is the decrease the quadratic model still promises, the
estimate of ``f(w) - f*`` that Newton's method is stopped on (Boyd & Vandenberghe, 9.5;
exact for a quadratic). It is reported relative to the objective at ``w = 0`` (the
intercept fitted), like the gap it stands in for.

A logistic loss whose classes are separable, completely or not (quasi-complete), has no
finite minimiser: the loss keeps falling as the coefficients grow along a separating
direction. Newton's method then meets saturated probabilities; a linear program
(Konis 2007) decides whether a direction ``d != 0`` with ``y_i x_i.d >= 0`` for every
sample exists, and names it.
"""

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from scipy.linalg.blas import dsyrk
from sklearn.exceptions import ConvergenceWarning

from .convergence import warn_short_of_tol

_MAX_HALVINGS = 50
#: eigenvalues of the Hessian below this share of the largest are its null space
_SINGULAR = 1e-10
#: rows x columns scaled at a time to form a Hessian (32 MB)
_HESSIAN_BLOCK_ELEMENTS = 1 << 22
#: Newton's method converges quadratically where the optimum is finite, so it is run on
#: to rounding level (a step or two more than tol needs); where the classes are
#: separable it then runs on until the fit saturates, which the test for separation
#: looks for
_ROUNDING_LEVEL = 1e-13
ARMIJO = 1e-4
#: a linear predictor this large (probability within 1e-9 of 0 or 1) is the sign that
#: the fit may be running off along a separating direction
SATURATED = 20.0


class SeparationWarning(ConvergenceWarning):
    """Warning that the classes are separable, so the unpenalized fit has no optimum.

    Along a separating direction the log-loss keeps falling as the coefficients grow:
    the coefficients returned are where Newton's method stopped, not an optimum. A
    penalty (any alpha > 0 with an L2 part) restores a finite solution.

    See Also
    --------
    LogisticRegression : Where ``alpha=0`` meets it.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from shrinkage import LogisticRegression, SeparationWarning
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = LogisticRegression(alpha=0.0).fit(X, [0, 0, 1, 1])
    >>> any(w.category is SeparationWarning for w in caught)
    True
    """


@dataclass(frozen=True)
class Separation:
    """A separating direction of two classes (or of one class from the rest).

    Attributes
    ----------
    direction : ndarray of shape (p,), the weights of the features (intercept left out)
    complete : bool, every sample strictly on its side (else quasi-complete: some on
        the boundary)
    strict_rows, n_rows : int, the weighted samples strictly on their side, of all
    """

    direction: np.ndarray
    complete: bool
    strict_rows: int
    n_rows: int

    @property
    def kind(self):
        return "complete" if self.complete else "quasi-complete"


@dataclass(frozen=True)
class NewtonResult:
    """Coefficients, intercept, relative Newton decrement and iterations of a solve."""

    coef: np.ndarray
    intercept: float
    certificate: float
    n_iter: int
    converged: bool


def _with_intercept(X, fit_intercept):
    """X with a column of ones appended (the intercept as one more coordinate)."""
    if not fit_intercept:
        return X
    ones = np.ones((X.shape[0], 1))
    return sp.hstack([X, ones], format="csc") if sp.issparse(X) else np.hstack([X, ones])


def _hessian(A, h):
    """``A' diag(h) A`` as a dense array.

    Dense ``A`` with ``h`` of one sign (every Hessian block but the multinomial's
    off-diagonal ones, which are <= 0) goes by BLAS ``syrk`` on ``sqrt(|h|) A``, a block
    of rows at a time: half the flops of a general product and no n x p temporary."""
    if sp.issparse(A):
        return np.asarray((A.T @ A.multiply(h[:, None])).todense())
    sign = 1.0 if np.all(h >= 0) else -1.0 if np.all(h <= 0) else 0.0
    if sign == 0.0:
        return A.T @ (A * h[:, None])
    m = A.shape[1]
    hess = np.zeros((m, m), order="F")
    rows = max(1, _HESSIAN_BLOCK_ELEMENTS // max(m, 1))
    for start in range(0, A.shape[0], rows):
        part = slice(start, start + rows)
        block = A[part] * np.sqrt(sign * h[part])[:, None]
        # (block.T is Fortran-ordered: syrk reads it without a copy)
        hess = dsyrk(sign, block.T, beta=1.0, c=hess, trans=0, overwrite_c=True)
    return np.triu(hess) + np.triu(hess, 1).T


def newton_direction(hess, grad):
    """``-H^{-1} g`` by Cholesky; the least-norm step when H is singular or nearly so
    (collinear columns, saturated weights), where the minimiser is not unique."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", la.LinAlgWarning)
        try:
            return -la.solve(hess, grad, assume_a="pos", check_finite=False)
        except (la.LinAlgError, la.LinAlgWarning, ValueError):
            pass
    evals, evecs = la.eigh(hess, check_finite=False)
    keep = evals > _SINGULAR * max(evals[-1], np.finfo(float).tiny)
    return -evecs[:, keep] @ ((evecs[:, keep].T @ grad) / evals[keep])


def _newton_loop(A, theta, value, derivatives, null_objective, tol, max_iter):
    """Damped Newton's method on ``f(A theta)`` from ``theta`` (updated in place).

    ``derivatives(Z)`` returns the gradient and Hessian in ``theta`` (flattened). Runs
    to ``min(tol, rounding level)`` in the relative decrement (module docstring);
    returns ``(certificate, steps)``.
    """
    Z = np.asarray(A @ theta)
    current = value(Z)
    certificate, steps = np.inf, 0
    for steps in range(1, max_iter + 1):
        grad, hess = derivatives(Z)
        direction = newton_direction(hess, grad)
        decrement = float(-grad @ direction)
        certificate = 0.5 * max(decrement, 0.0) / null_objective
        if certificate <= min(tol, _ROUNDING_LEVEL):
            break
        direction = direction.reshape(theta.shape)
        dZ = np.asarray(A @ direction)
        step = 1.0
        for _ in range(_MAX_HALVINGS):
            trial = value(Z + step * dZ)
            if trial <= current - ARMIJO * step * decrement:
                break
            step *= 0.5
        else:
            break  # no descent along the Newton direction: rounding has the last word
        theta += step * direction
        Z = Z + step * dZ
        current = trial
    return float(certificate), steps


def newton_unpenalized(problem, coef, intercept, *, tol, max_iter, columns=None):
    """Minimise the datafit alone over the informative features and the intercept
    (``columns``: over those of them only, the others held at 0).

    Parameters
    ----------
    problem : Problem
        Its datafit gives ``value(z)``, ``gradient_z(z)`` and ``hessian_z(z)``.
    coef, intercept : starting point (copied)
    tol : float
        The Newton decrement's estimate of ``f - f*``, relative to the objective at
        ``w = 0``, that counts as converged.
    max_iter : int
        Newton steps at most.

    Returns
    -------
    NewtonResult
    """
    df = problem.datafit
    informative = np.flatnonzero(problem.lips > 0)
    if columns is not None:
        informative = np.intersect1d(informative, columns)
    A = _with_intercept(problem.design.matrix[:, informative], problem.fit_intercept)
    theta = np.zeros(A.shape[1])
    theta[:informative.size] = np.asarray(coef, dtype=float)[informative]
    if problem.fit_intercept:
        theta[-1] = float(intercept)

    # a datafit whose Hessian in z is not diagonal (Cox: a rank-one term per risk set)
    # gives its product with A itself
    full_hessian = getattr(df, "hessian_in", None)

    def derivatives(z):
        hessian = full_hessian(A, z) if full_hessian else _hessian(A, df.hessian_z(z))
        return A.T @ df.gradient_z(z), hessian

    certificate, steps = _newton_loop(A, theta, df.value, derivatives,
                                      problem.null_objective, tol, max_iter)
    out = np.zeros(problem.n_features)
    out[informative] = theta[:informative.size]
    b = float(theta[-1]) if problem.fit_intercept else 0.0
    return NewtonResult(out, b, certificate, steps, certificate <= tol)


def warn_not_converged(result, tol):
    """The ConvergenceWarning of a Newton fit that stopped short of ``tol``."""
    warn_short_of_tol(f"Newton's method stopped after {result.n_iter} steps with",
                      result.certificate, tol, measure="relative Newton decrement",
                      advice="increase max_iter", stacklevel=4)


def separating_direction(X, labels, sample_weight, fit_intercept):
    """A direction ``(d, d0)`` with ``labels_i (x_i.d + d0) >= 0`` for every weighted
    sample and > 0 for some, found by linear programs; None when there is none.

    Returns a ``Separation``. The first program maximises ``sum_i labels_i (x_i.d +
    d0)`` over the box ``|d| <= 1`` under those constraints: a positive optimum is
    separation (Konis 2007). The second asks for a margin of 1 on every sample with the
    least ``|d|_1``: feasible means complete separation, and its sparse ``d`` names the
    features that do it.
    """
    from scipy.optimize import linprog

    keep = sample_weight > 0
    A = _with_intercept(X[keep], fit_intercept)
    signs = labels[keep]
    signed = (sp.diags(signs) @ A) if sp.issparse(A) else A * signs[:, None]
    n_rows, n_vars = A.shape
    result = linprog(-np.asarray(signed.sum(axis=0)).ravel(), A_ub=-signed,
                     b_ub=np.zeros(n_rows), bounds=(-1.0, 1.0), method="highs")
    if result.status != 0:
        return None
    margins = signed @ result.x
    if margins.max() <= 1e-9 * max(1.0, float(np.abs(margins).max())):
        return None
    n_features = X.shape[1]
    # complete separation: margins >= 1 with the least |d|_1 (d = plus - minus)
    free = n_vars - n_features  # the intercept, unbounded and not counted
    cost = np.r_[np.ones(2 * n_features), np.zeros(free)]
    stacked = (sp.hstack([signed[:, :n_features], -signed[:, :n_features],
                          signed[:, n_features:]]) if sp.issparse(signed)
               else np.hstack([signed[:, :n_features], -signed[:, :n_features],
                               signed[:, n_features:]]))
    bounds = [(0, None)] * (2 * n_features) + [(None, None)] * free
    margin = linprog(cost, A_ub=-stacked, b_ub=-np.ones(n_rows), bounds=bounds,
                     method="highs")
    if margin.status == 0:
        return Separation(margin.x[:n_features] - margin.x[n_features:2 * n_features],
                          True, n_rows, n_rows)
    strict = int(np.sum(margins > 1e-9 * max(1.0, float(np.abs(margins).max()))))
    return Separation(result.x[:n_features], False, strict, n_rows)


def find_separation(problem, result):
    """After an unpenalized logistic fit: the ``Separation`` when the fit saturated (or
    did not converge) and the classes are separable, else None."""
    df = problem.datafit
    z = problem.design.matvec(result.coef) + result.intercept
    if result.converged and np.abs(z).max() < SATURATED:
        return None
    return separating_direction(problem.design.matrix, df.y, df.sw, problem.fit_intercept)


def separation_summary(separation, classes, feature_names=None):
    """A ``Separation`` in plain values: ``kind`` ("complete" or "quasi-complete"), the
    ``classes`` separated (a second of None: the first against all the others), the
    ``features`` with the largest weights in the direction (at most 5; their column
    ``indices``, and ``more``: whether others have weight too), ``strict_rows`` of
    ``n_rows`` samples strictly on their side, and the ``sentence`` that says it."""
    direction = separation.direction
    pair = [np.asarray(c).tolist() for c in classes[:2]]  # plain labels: 0, not np.int64
    order = np.argsort(-np.abs(direction), kind="stable")
    chosen = [int(j) for j in order[:5] if abs(direction[j]) > 1e-9]
    summary = {"kind": separation.kind, "classes": pair, "indices": chosen,
               "more": bool(np.sum(np.abs(direction) > 1e-9) > len(chosen)),
               "strict_rows": int(separation.strict_rows), "n_rows": int(separation.n_rows)}
    summary["features"] = [str(feature_names[j]) if feature_names is not None else f"x{j}"
                           for j in chosen]
    summary["sentence"] = separation_sentence(summary, feature_names)
    return summary


def separation_sentence(summary, feature_names=None):
    """The sentence of a ``separation_summary``, naming its features by
    ``feature_names`` (x0, x1, ... without)."""
    pair = summary["classes"]
    names = [str(feature_names[j]) if feature_names is not None else f"x{j}"
             for j in summary["indices"]]
    who = (f"class {pair[0]!r} and the other classes are" if pair[1] is None
           else f"the classes {pair[0]!r} and {pair[1]!r} are")
    how = "completely separated" if summary["kind"] == "complete" else (
        f"quasi-completely separated ({summary['strict_rows']} of {summary['n_rows']} "
        "samples strictly on their side, the rest on the boundary)")
    named = ", ".join(names) + (" and others" if summary["more"] else "") if names \
        else "the intercept alone"
    return f"{who} {how} by a linear combination of {named}"


def warn_separation(summary, stacklevel=3):
    """The warning for a separation (its ``separation_summary``)."""
    warnings.warn(
        f"{summary['sentence']}: with no penalty the log-loss has no minimum, the "
        "coefficients grow without bound along that direction and the ones returned are "
        "where Newton's method stopped; give alpha > 0 (an L2 part keeps them finite)",
        SeparationWarning, stacklevel=stacklevel + 1)


def _multinomial_hessian(A, P, weights):
    """Hessian of the multinomial datafit in the (p', K) parameters ``Theta`` (Z = A
    Theta), flattened row-major: ``sum_i w_i (diag(p_i) - p_i p_i') (x) a_i a_i'``."""
    n_vars, K = A.shape[1], P.shape[1]
    hess = np.empty((n_vars, K, n_vars, K))
    for k in range(K):
        for m in range(k, K):
            h = weights * ((P[:, k] if k == m else 0.0) - P[:, k] * P[:, m])
            block = _hessian(A, h)
            hess[:, k, :, m] = block
            hess[:, m, :, k] = block.T
    return hess.reshape(n_vars * K, n_vars * K)


def newton_unpenalized_multinomial(problem, W, b, *, tol, max_iter):
    """``newton_unpenalized`` for the multinomial datafit: W (p, K), b (K,).

    The datafit does not change when a constant is added to every class's coefficients
    of a feature: the Hessian is singular along those directions, and the least-norm
    Newton steps from ``W = 0`` give the solution whose rows sum to zero over the
    classes (scikit-learn's symmetric parametrisation).
    """
    df = problem.datafit
    informative = np.flatnonzero(problem.lips > 0)
    A = _with_intercept(problem.design.matrix[:, informative], problem.fit_intercept)
    K = df.n_classes
    theta = np.zeros((A.shape[1], K))
    theta[:informative.size] = np.asarray(W)[informative]
    if problem.fit_intercept:
        theta[-1] = b
    weights = df.sw / problem.n_samples

    def derivatives(Z):
        grad = np.asarray(A.T @ df.gradient_z(Z)).ravel()
        return grad, _multinomial_hessian(A, df.probabilities(Z), weights)

    certificate, steps = _newton_loop(A, theta, df.value, derivatives,
                                      problem.null_objective, tol, max_iter)
    out = np.zeros((problem.n_features, K))
    out[informative] = theta[:informative.size]
    b = theta[-1].copy() if problem.fit_intercept else np.zeros(K)
    return NewtonResult(out, b, certificate, steps, certificate <= tol)


def find_class_separation(problem, result):
    """After an unpenalized multinomial fit that saturated: the first pair of classes
    (or class against the rest) that a linear combination separates, as
    ``(class_a, class_b or None, Separation)``; None when none is found.

    Separation of one class from another, or from all the others, is what sends the
    coefficients to infinity in practice; the test looks for those (a more intricate
    separation of three or more classes is not searched)."""
    df = problem.datafit
    Z = problem.design.matrix @ result.coef + result.intercept
    log_p = Z - np.max(Z, axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    if result.converged and np.abs(log_p).max() < SATURATED:
        return None
    X, codes, sw = problem.design.matrix, df.y, df.sw
    for a in range(df.n_classes):
        found = separating_direction(X, np.where(codes == a, 1.0, -1.0), sw,
                                     problem.fit_intercept)
        if found is not None:
            return a, None, found
    for a in range(df.n_classes):
        for c in range(a + 1, df.n_classes):
            rows = np.flatnonzero((codes == a) | (codes == c))
            found = separating_direction(X[rows], np.where(codes[rows] == a, 1.0, -1.0),
                                         sw[rows], problem.fit_intercept)
            if found is not None:
                return a, c, found
    return None
