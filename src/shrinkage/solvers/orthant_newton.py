"""Orthant Newton steps for the squared loss: exact solves once the signs settle.

Inside the orthant fixed by the current signs (and with the coefficients at zero or at a
bound held where they are), the elastic-net objective is a convex quadratic in the free
coefficients ``F``. Its minimiser solves ``(G_FF + diag(l2_F)) d = u_F - l2_F w_F -
l1_F sign(w_F)`` with ``G`` the weighted, centred Gram matrix and ``u`` minus the
gradient. Moving from ``w`` towards that minimiser, stopping where a coefficient would
change sign or leave its box, can only lower the objective. When the signs are right,
one step lands on the exact solution: this is what ends the long tail of coordinate-descent
epochs on ill-conditioned problems (support size near n, correlated columns).

The Gram entries are cached per problem and grown column by column along a path, so the
cost over a whole path is about one Gram matrix of the final support.
"""

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp


#: largest free set for which a Newton step is tried (the cache holds its square)
MAX_FREE = 3000
#: coordinate-descent epochs between two Newton steps (a multiple of Anderson's K + 1)
NEWTON_EVERY = 24
#: Newton steps in a row while each stops at a sign change
NEWTON_REPEATS = 4


class GramCache:
    """Weighted uncentred Gram entries ``sum_i s_i x_ij x_ik / n`` for a growing set."""

    def __init__(self, design, sw, has_sw):
        self.design, self.sw, self.has_sw = design, sw, has_sw
        self.columns = np.zeros(0, dtype=np.int64)
        self.position = np.full(design.shape[1], -1, dtype=np.int64)
        self.gram = np.zeros((0, 0))

    def _columns_matrix(self, cols):
        X = self.design.matrix[:, cols]
        return X.toarray() if sp.issparse(X) else X

    def submatrix(self, features):
        """Gram entries of ``features``; computes and caches the missing columns."""
        missing = features[self.position[features] < 0]
        if missing.size:
            n = self.design.shape[0]
            new = self._columns_matrix(missing)
            weighted = new * self.sw[:, None] if self.has_sw else new
            cross = (self._columns_matrix(self.columns).T @ weighted / n
                     if self.columns.size else np.zeros((0, missing.size)))
            corner = new.T @ weighted / n
            k = self.columns.size
            grown = np.empty((k + missing.size, k + missing.size))
            grown[:k, :k] = self.gram
            grown[:k, k:] = cross
            grown[k:, :k] = cross.T
            grown[k:, k:] = corner
            self.gram = grown
            self.position[missing] = np.arange(k, k + missing.size)
            self.columns = np.concatenate([self.columns, missing])
        idx = self.position[features]
        return self.gram[np.ix_(idx, idx)]


def orthant_newton_step(state, ws, penalty):
    """One safeguarded Newton step on the free coefficients of ``ws``; in place.

    ``state`` provides ``hessian_block``, ``gradient_block``, ``objective`` and ``move``.
    Returns the step length taken in [0, 1] (0 when no step was possible; 1 when the
    step reached the minimiser of the orthant's quadratic).
    """
    problem = state.problem
    w = state.w
    free = ws[(w[ws] != 0) & (w[ws] > penalty.lower[ws]) & (w[ws] < penalty.upper[ws])
              & (problem.lips[ws] > 0)]
    pure_l1 = not np.any(penalty.l2[free] > 0)
    if free.size == 0 or free.size > MAX_FREE or (pure_l1 and free.size >= problem.n_samples):
        return 0.0
    hessian = state.hessian_block(free)
    hessian[np.diag_indices_from(hessian)] += penalty.l2[free]
    signs = np.sign(w[free])
    rhs = state.gradient_block(free) - penalty.l2[free] * w[free] - penalty.l1[free] * signs
    try:
        direction = la.cho_solve(la.cho_factor(hessian, check_finite=False), rhs,
                                 check_finite=False)
    except (la.LinAlgError, ValueError):
        return 0.0
    if not np.all(np.isfinite(direction)):
        return 0.0
    step, stops = _longest_step(w[free], direction, signs, penalty.lower[free],
                                penalty.upper[free])
    before = state.objective(penalty)
    old = w[free].copy()
    new = old + step * direction
    new[stops == 0] = 0.0  # land exactly on the face the step stopped at
    new[stops == 1] = penalty.lower[free][stops == 1]
    new[stops == 2] = penalty.upper[free][stops == 2]
    state.move(free, new - old)
    if state.objective(penalty) > before:
        state.move(free, old - new)  # rounding on a near-singular system: undo
        return 0.0
    return step


def newton_chunks(state, ws, penalty, max_epochs, run_epochs, newton, stalled_after=None):
    """Coordinate descent in chunks of epochs, an orthant Newton step between chunks
    (with ``newton`` False: plain coordinate descent, unless ``stalled_after`` epochs of
    it leave the working set unsolved: Newton steps then join in).

    ``run_epochs(budget)`` runs at most ``budget`` epochs, sets ``state.state[1]`` when
    the working set's tolerance is reached and returns the epochs run.
    """
    if not newton:
        if stalled_after is None or max_epochs <= stalled_after:
            return run_epochs(max_epochs)
        used = run_epochs(stalled_after)
        if state.state[1]:
            return used
        return used + newton_chunks(state, ws, penalty, max_epochs - used, run_epochs, True)
    epochs, chunk = 0, NEWTON_EVERY
    while epochs < max_epochs:
        signs = np.sign(state.w[ws])
        epochs += run_epochs(min(chunk, max_epochs - epochs))
        if state.state[1]:
            break
        if not np.array_equal(signs, np.sign(state.w[ws])):
            continue  # the support still moves: a Newton step would be cut short
        step = 0.0
        for _ in range(NEWTON_REPEATS):  # a truncated step drops a coordinate: retry
            step = orthant_newton_step(state, ws, penalty)
            if step == 0.0 or step == 1.0:
                break
        if step == 0.0:
            chunk = max_epochs  # no Newton step possible: plain coordinate descent
    return epochs


def _longest_step(w, d, signs, lower, upper):
    """Largest step in (0, 1] keeping signs and bounds; which coordinate stops it.

    ``stops`` is -1 for coordinates that do not limit the step, 0 for one that reaches
    zero, 1 for the lower bound and 2 for the upper bound.
    """
    limits = np.full(w.shape, np.inf)
    kinds = np.full(w.shape, -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        to_zero = np.where(signs * d < 0, -w / d, np.inf)
        to_low = np.where(d < 0, (lower - w) / d, np.inf)
        to_high = np.where(d > 0, (upper - w) / d, np.inf)
    for kind, lim in ((0, to_zero), (1, to_low), (2, to_high)):
        better = lim < limits
        limits[better], kinds[better] = lim[better], kind
    step = min(1.0, float(limits.min())) if w.size else 1.0
    stops = np.where(limits <= step, kinds, -1)
    return step, stops
