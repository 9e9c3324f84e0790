"""The block iterates: the working-set driver's iterates for a penalty with ``blocks``
(groups of features), which move whole groups at a time.

The driver is unchanged: it ranks features by the penalty's ``violation_scores`` (a
group's score on each of its features), and these iterates widen its working set to
whole groups, then run block coordinate descent over them (``kernels_group``): on the
squared datafit directly, and on each proximal Newton step's quadratic model for the
other datafits, with the same backtracking line search as the separable penalty.
"""

import numpy as np
import scipy.sparse as sp

from . import kernels_group, kernels_squared
from .iterates import NewtonIterate, SquaredIterate
from .options import DEFAULT
from .prox_newton import _line_search

_MAX_NEWTON_STEPS = 100
#: each quadratic model is solved to this fraction of the current violation
_INNER_FRACTION = 0.3


def block_iterate(problem, w, intercept):
    """The iterate of a penalty with blocks for ``problem``'s datafit."""
    if problem.datafit.quadratic:
        return GroupSquaredIterate(problem, w, intercept)
    return GroupNewtonIterate(problem, w, intercept)


def whole_groups(penalty, ws):
    """``(features, ptr, groups)``: the groups that ``ws`` touches, their features in
    group order and the layout ``features[ptr[k]:ptr[k + 1]]`` of group ``groups[k]``."""
    blocks = penalty.blocks
    groups = np.unique(blocks.of[ws])
    sizes = blocks.sizes[groups]
    ptr = np.zeros(groups.size + 1, dtype=np.int64)
    np.cumsum(sizes, out=ptr[1:])
    features = np.concatenate([blocks.members(g) for g in groups]).astype(np.int64) \
        if groups.size else np.zeros(0, dtype=np.int64)
    return features, ptr, groups


def block_curvatures(design, features, ptr, weights, xmean):
    """Per group, the largest eigenvalue of its weighted Gram block centred at
    ``xmean``: ``X_g' diag(weights) X_g / n - xmean_g xmean_g'``."""
    n = weights.shape[0]
    out = np.empty(ptr.shape[0] - 1)
    for k in range(out.shape[0]):
        columns = features[ptr[k]:ptr[k + 1]]
        block = design.matrix[:, columns]
        if sp.issparse(block):
            gram = np.asarray((block.T @ sp.diags(weights) @ block).todense()) / n
        else:
            gram = (block * weights[:, None]).T @ block / n
        centre = xmean[columns]
        gram -= np.outer(centre, centre)
        out[k] = float(np.linalg.eigvalsh(gram)[-1]) if columns.size > 1 else \
            float(gram[0, 0])
    return np.maximum(out, 0.0)


class GroupSquaredIterate(SquaredIterate):
    """The squared datafit's iterate, moved by block coordinate descent over groups."""

    method = "Block coordinate descent"

    def __init__(self, problem, w, intercept):
        super().__init__(problem, w, intercept)
        self._curvature = {}  # per group, computed when the group first enters

    def _curvatures(self, features, ptr, groups):
        missing = [k for k, g in enumerate(groups) if g not in self._curvature]
        if missing:
            p, df = self.problem, self.problem.datafit
            sub_ptr = np.zeros(len(missing) + 1, dtype=np.int64)
            np.cumsum(ptr[1:][missing] - ptr[:-1][missing], out=sub_ptr[1:])
            sub = np.concatenate([features[ptr[k]:ptr[k + 1]] for k in missing])
            values = block_curvatures(p.design, sub, sub_ptr, df.sw, p.xmean)
            p.touch(sub)
            for k, value in zip(missing, values):
                self._curvature[groups[k]] = value
        return np.array([self._curvature[g] for g in groups])

    def solve_working_set(self, ws, penalty, max_epochs, eps, anderson_k, newton=False,
                          settled_gap=None, options=DEFAULT):
        """Block coordinate descent over the groups of ``ws`` until their KKT
        violation is at most about ``eps``."""
        p, df = self.problem, self.problem.datafit
        self.changed()
        features, ptr, groups = whole_groups(penalty, ws)
        curvature = self._curvatures(features, ptr, groups)
        self.state[1] = 0.0
        epochs = kernels_group.group_ws_epochs(
            ptr, features, self.w, self.R, self.state, *p.design.kernel_args, df.sw,
            df.has_sw, p.xmean, p.lips, curvature, penalty.l1, penalty.group_l1[groups],
            penalty.l2, float(p.n_samples), max_epochs, eps, anderson_k)
        self.state[1] = 0.0
        return int(epochs)


class GroupNewtonIterate(NewtonIterate):
    """The Newton datafits' iterate, moved by proximal Newton steps whose quadratic
    models are solved by block coordinate descent over groups."""

    method = "Proximal Newton (block coordinate descent)"

    def solve_working_set(self, ws, penalty, max_epochs, eps, anderson_k, newton=False,
                          settled_gap=None, options=DEFAULT):
        """Proximal Newton steps on the groups of ``ws`` until their KKT violation
        (and the intercept's) is at most ``eps``; returns the epochs run."""
        problem, df = self.problem, self.problem.datafit
        n = problem.n_samples
        self.changed()
        features, ptr, groups = whole_groups(penalty, ws)
        sub = penalty.subset(features)
        grad, curvature, response = (np.empty(n) for _ in range(3))
        xmean = np.zeros(problem.n_features)
        epochs = 0
        for _ in range(_MAX_NEWTON_STEPS):
            total = df.irls(self.z, grad, curvature, response)
            violation = self._violation(features, sub, grad)
            if violation <= eps or epochs >= max_epochs:
                break
            scale = n / total
            weights = curvature * scale  # sums to n, as the kernel expects
            ymean = self._centre(features, weights, response, xmean)
            lips = block_curvatures(problem.design, features, ptr, weights, xmean)
            problem.touch(features, 2)
            w_new = self.w.copy()
            R = response - (self.z - self.intercept)  # response - X w
            offset = np.array([xmean[features] @ w_new[features] - ymean, 0.0])
            epochs += int(kernels_group.group_ws_epochs(
                ptr, features, w_new, R, offset, *problem.design.kernel_args, weights,
                True, xmean, problem.lips, lips, penalty.l1 * scale,
                penalty.group_l1[groups] * scale, penalty.l2 * scale, float(n),
                max_epochs - epochs, _INNER_FRACTION * max(eps, violation) * scale,
                anderson_k))
            b_new = -offset[0] if problem.fit_intercept else 0.0
            moved = (response - (self.z - self.intercept)) - R
            if not _line_search(self, features, penalty, w_new, b_new, moved):
                break
        return epochs

    def _centre(self, features, weights, response, xmean):
        """The working set's weighted column means into ``xmean`` (zeros without an
        intercept); returns the weighted mean response."""
        problem = self.problem
        if not problem.fit_intercept:
            return 0.0
        n = problem.n_samples
        squares = np.zeros(problem.n_features)
        kernels_squared.ws_weighted_stats(features, *problem.design.kernel_args, weights,
                                          xmean, squares)
        xmean[features] /= n
        return float(weights @ response) / n

    def _violation(self, features, sub, grad):
        """The largest group KKT violation on ``features`` (and the intercept's), from
        ``grad`` (minus n times the datafit's gradient in z)."""
        problem = self.problem
        n = problem.n_samples
        u = np.empty(features.shape[0])
        kernels_squared.squared_gradient_ws(features, grad, 0.0,
                                            *problem.design.kernel_args, np.ones(0),
                                            False, problem.xmean, float(n), u)
        u[problem.lips[features] == 0] = 0.0
        scores = sub.group_scores(self.w[features], u)
        worst = float(scores.max()) if scores.size else 0.0
        if problem.fit_intercept:
            worst = max(worst, abs(grad.sum()) / n)
        return worst
