"""The iterates of the working-set solver: where the current coefficients live with
what keeps their products cheap (the residual for the squared loss, the linear
predictor for the datafits solved by proximal Newton steps)."""

import numpy as np

from ..datafits import DualBlend
from . import kernels_squared
from .kernels_common import LATE_CHECK
from ._iterate import Iterate
from .options import DEFAULT
from .orthant_newton import GramCache, newton_chunks
from .prox_newton import glm_ws_solve


class SquaredIterate(Iterate):
    """Iterate for the squared loss: ``w``, ``R = y - X w`` and the offset ``o``."""

    def __init__(self, problem, w, intercept):
        self.problem = problem
        df = problem.datafit
        self.ymean = df.centre(problem.fit_intercept)
        self.y_centred = df.y - self.ymean
        self.w = w
        self.R = df.y - problem.design.matvec(w) if np.any(w) else df.y.copy()
        self.state = np.array([problem.xmean @ w - self.ymean, 0.0])

    @property
    def intercept(self):
        return -self.state[0] if self.problem.fit_intercept else 0.0

    def set_coordinate_zero(self, j):
        design, delta = self.problem.design, -self.w[j]
        self.R -= delta * design.column(j)
        self.state[0] += delta * self.problem.xmean[j]
        self.w[j] = 0.0
        self.changed()

    def gradient_and_gap(self, penalty, unpenalized):
        """Minus the gradient, the absolute gap and the dual-side gradient for screening."""
        p, df = self.problem, self.problem.datafit
        r, rho, u_grad, u_dual = self.products(unpenalized)
        u_dual = u_dual.copy()
        u_dual[unpenalized | (p.lips == 0)] = 0.0
        kappa, conjugate, pen = penalty.gap_terms(u_dual, self.w)
        primal = df.value_from_residual(r) + pen
        dual = df.dual_value(kappa * rho, self.y_centred) - conjugate
        return u_grad, max(primal - dual, 0.0), kappa * u_dual

    def _compute_products(self, unpenalized):
        p, df, n = self.problem, self.problem.datafit, self.problem.n_samples
        p.touch()
        r = self.R + self.state[0]
        sw = df.sw
        # The dual needs rho orthogonal to every unpenalized column: project them out
        # (the intercept's column is already handled by the centring).
        rho = r
        if np.any(unpenalized):
            cols = np.column_stack([p.design.column(j) - p.xmean[j]
                                    for j in np.flatnonzero(unpenalized)])
            root = np.sqrt(sw)
            coef = np.linalg.lstsq(cols * root[:, None], r * root, rcond=None)[0]
            rho = r - cols @ coef
            both = p.design.rmatvec(np.column_stack([sw * r, sw * rho])) / n
            both -= np.outer(p.xmean, [sw @ r / n, sw @ rho / n])
            u_grad, u_dual = both[:, 0], both[:, 1]
        else:
            u_grad = p.design.rmatvec(sw * r) / n - p.xmean * (sw @ r / n)
            u_dual = u_grad
        return r, rho, u_grad, u_dual

    def datafit_value(self):
        """The datafit at the current iterate (its intercept optimal)."""
        return self.problem.datafit.value_from_residual(self.R + self.state[0])

    def objective(self, penalty):
        """Primal objective at the current iterate."""
        return self.datafit_value() + penalty.value(self.w)

    def move(self, features, delta):
        """``w[features] += delta``, keeping the residual and offset in step."""
        p = self.problem
        self.w[features] += delta
        kernels_squared.ws_add_product(features, -delta, *p.design.kernel_args, self.R)
        self.state[0] += p.xmean[features] @ delta
        self.changed()

    def hessian_block(self, features):
        """Weighted, centred Gram entries of ``features`` (cached along the path)."""
        p = self.problem
        cache = p.cache.gram
        if cache is None:
            cache = p.cache.gram = GramCache(p.design, p.datafit.sw, p.datafit.has_sw)
        xm = p.xmean[features]
        return cache.submatrix(features) - np.outer(xm, xm)

    def gradient_block(self, features):
        """Minus the datafit gradient on ``features`` (one pass over their columns)."""
        p, df = self.problem, self.problem.datafit
        out = np.empty(features.size)
        kernels_squared.squared_gradient_ws(features, self.R, self.state[0],
                                            *p.design.kernel_args, df.sw, df.has_sw,
                                            p.xmean, float(p.n_samples), out)
        return out

    def solve_working_set(self, ws, penalty, max_epochs, eps, anderson_k, newton=False,
                          settled_gap=None, options=DEFAULT):
        """Coordinate descent (in chunks with orthant Newton steps between, if asked)
        until the working set's KKT violation <= eps or, given ``settled_gap`` (the
        problem's target gap, absolute), its own gap <= ``options.ws_gap_fraction`` of
        it (unless some feature is unpenalized: the kernel's gap has no projection for
        them)."""
        p, df = self.problem, self.problem.datafit
        self.changed()
        gap_target = -1.0
        if settled_gap is not None and not np.any(penalty.unpenalized & (p.lips > 0)):
            gap_target = options.ws_gap_fraction * settled_gap

        def run_epochs(budget):
            return kernels_squared.squared_ws_solve(
                ws, self.w, self.R, self.state, *p.design.kernel_args, df.sw, df.has_sw,
                p.xmean, p.lips, penalty.l1, penalty.l2, penalty.lower, penalty.upper,
                float(p.n_samples), budget, eps, anderson_k, LATE_CHECK, self.y_centred,
                gap_target)

        # a stalled working set gets Newton steps anyway, if its Gram block stays small
        rescue = options.newton_rescue and ws.size <= options.rescue_max_features
        # (after as many stalled epochs as the set's Gram block costs, at least)
        stalled_after = max(options.rescue_after_epochs,
                            int(options.rescue_epochs_per_feature * ws.size))
        return newton_chunks(self, ws, penalty, max_epochs, run_epochs, newton,
                             stalled_after=stalled_after if rescue else None)


class NewtonIterate(Iterate):
    """Iterate for the datafits solved by proximal Newton steps (logistic, Poisson,
    Huber): ``w``, the intercept and ``z = X w + b``."""

    _value_version = None

    def __init__(self, problem, w, intercept):
        self.problem = problem
        df = problem.datafit
        if intercept is None:
            intercept = df.null_intercept(problem.fit_intercept)
        if not problem.fit_intercept:
            intercept = 0.0
        self.w = w
        self.state = np.array([float(intercept)])
        self.z = problem.design.matvec(w) + intercept if np.any(w) else \
            np.full(problem.n_samples, float(intercept))

    @property
    def intercept(self):
        return self.state[0]

    def datafit_value(self):
        """The datafit at ``z`` (kept per version: the line search and the certificate
        of the same iterate share it)."""
        if self._value_version != self.version:
            self.known_value(self.problem.datafit.value(self.z))
        return self._value

    def known_value(self, value):
        """Record the datafit's value at the current ``z``."""
        self._value, self._value_version = value, self.version

    def set_coordinate_zero(self, j):
        self.z -= self.w[j] * self.problem.design.column(j)
        self.w[j] = 0.0
        self.changed()

    def gradient_and_gap(self, penalty, unpenalized):
        """Minus the gradient, the absolute gap and the dual-side gradient for screening."""
        p, df = self.problem, self.problem.datafit
        dual_arg, u_grad, u_dual = self.products(unpenalized)
        u_dual = u_dual.copy()
        u_dual[p.lips == 0] = 0.0
        # Unpenalized features other than the intercept: the gap is that of the problem
        # with them held at their current values (Fenchel-Young with h_j = 0).
        held = float(u_dual[unpenalized] @ self.w[unpenalized])
        u_dual[unpenalized] = 0.0
        kappa, conjugate, pen = penalty.gap_terms(u_dual, self.w)
        gap_part = getattr(df, "gap_part", None)
        if gap_part is not None:
            # the datafit's value minus its dual, given without the value (Cox: its
            # entropies are non-negative terms; the penalty's pairing -kappa <u, w> / n
            # still meets pen + conjugate, as in every elastic-net gap, and the clip
            # below only removes rounding)
            return u_grad, max(gap_part(dual_arg, kappa) + pen + conjugate +
                               kappa * held, 0.0), kappa * u_dual
        primal = self.datafit_value() + pen
        dual = df.dual_objective(dual_arg, kappa) - conjugate - kappa * held
        return u_grad, max(primal - dual, 0.0), kappa * u_dual

    def _compute_products(self, unpenalized):
        p, df, n = self.problem, self.problem.datafit, self.problem.n_samples
        p.touch()
        v_grad, v_dual, dual_arg = df.dual_point(self.z, p.fit_intercept)
        if v_dual is v_grad:
            u_grad = u_dual = p.design.rmatvec(v_grad) / n
        elif isinstance(v_dual, DualBlend):
            u_grad = p.design.rmatvec(v_grad) / n
            fixed = p.cache.dual_fixed
            if fixed is None:  # the same vector at every iterate: one product per problem
                fixed = p.cache.dual_fixed = p.design.rmatvec(v_dual.fixed) / n
                p.touch()
            u_dual = v_dual.weight * u_grad + (1.0 - v_dual.weight) * fixed
        else:
            # one pass over X for both products
            # (contiguous rows of the product: the kernels compile one signature)
            both = (p.design.rmatvec(np.column_stack([v_grad, v_dual])) / n).T.copy()
            u_grad, u_dual = both[0], both[1]
        return dual_arg, u_grad, u_dual

    def solve_working_set(self, ws, penalty, max_epochs, eps, anderson_k, newton=False,
                          settled_gap=None, options=DEFAULT):
        """Proximal Newton steps on the working set until its KKT violation <= eps;
        given ``settled_gap``, each Newton model is solved tightly
        (``options.glm_settled_fraction``)."""
        # the full gradient at this iterate, when the outer loop just computed it
        u_grad = self._products[1] if self._key is not None and \
            self._key[0] == self.version else None
        self.changed()  # (orthant Newton steps are for the squared loss only)
        return glm_ws_solve(self, ws, penalty, max_epochs, eps, anderson_k, u_grad,
                            options.glm_settled_fraction if settled_gap is not None
                            else None)


