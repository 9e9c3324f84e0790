"""What the iterates of every loss share."""

import numpy as np

from .convergence import ADVICE


class Iterate:
    """What both losses' iterates share: a version bumped at every change of ``w``, and
    the full-gradient products cached for it, so that the last check of one alpha is
    the first of the next one along a path (one pass over X saved per alpha)."""

    version = 0
    _key = None
    _products = None
    #: whether a working-set epoch reads X (covariance mode reads the Gram matrix)
    epochs_read_x = True
    #: how the working set grows when the support fills it
    ws_growth = 4
    #: stop after a few rounds that lower neither the objective nor the gap (where the
    #: objective is at rounding level, no step can): the multinomial solver's guard
    stops_when_stalled = False
    #: the solver named in its ConvergenceWarning, and what the warning advises
    method = "Coordinate descent"
    advice = ADVICE

    def support(self):
        """The features with a non-zero coefficient."""
        return self.w != 0

    def solution_arrays(self):
        """``(coef, intercept)`` for the user's columns (copies)."""
        return (self.w.copy(),
                float(self.problem.user_intercept(self.intercept, self.w)))

    def changed(self):
        """Mark the iterate as moved: the products cached for it are stale."""
        self.version += 1

    def products(self, unpenalized):
        key = (self.version, unpenalized.tobytes())
        if self._key != key:
            self._products = self._compute_products(unpenalized)
            self._key = key
        return self._products


def warm_rows_path(alphas, shape, solve_at):
    """A warm-started path of a solver with a row of coefficients per feature:
    ``solve_at(alpha, state) -> (solution, state)`` at each alpha in turn, the solutions
    (``coef`` of ``shape``, ``intercept`` of ``shape[0]``, ``gap``, ``n_iter``) stacked
    as ``(coefs, intercepts, gaps, n_iter)``."""
    coefs, intercepts = np.zeros((len(alphas), *shape)), np.zeros((len(alphas), shape[0]))
    gaps, n_iter = np.zeros(len(alphas)), np.zeros(len(alphas), dtype=int)
    state = None
    for k, alpha in enumerate(alphas):
        solution, state = solve_at(alpha, state)
        coefs[k], intercepts[k] = solution.coef, solution.intercept
        gaps[k], n_iter[k] = solution.gap, solution.n_iter
    return coefs, intercepts, gaps, n_iter
