"""Penalized GLMs on dask data: proximal Newton, one pass per step.

The pass (``passes.py``) brings, at each iterate, the Gram matrix of the loss's
quadratic model, the loss at a few step sizes along the last direction and the previous
iterate's dual terms. The client solves each penalized Newton model on the Gram matrix
(the intercepts eliminated by their Schur complement) with the Gram coordinate-descent
kernel and orthant Newton steps, as the in-memory solver's Gram model does; the line
search and the duality gap read what the next pass brought, with no pass of their own.
"""

from dataclasses import dataclass, replace

import numpy as np

from ..penalties import ElasticNetPenalty
from ..solvers import kernels_gram
from ..solvers.kernels_common import EARLY_CHECK
from ..solvers.newton import ARMIJO
from ..solvers.newton import newton_direction as _newton_step
from ..solvers.orthant_newton import newton_chunks
from ..solvers.prox_newton import GramModel
from .passes import STEPS, Request
from .statistics import check_finite

#: iterates combined by Anderson extrapolation in the Newton models' coordinate descent
#: (the in-memory solver's default)
ANDERSON_K = 5
#: a path's pass steps toward the next alpha when the gap predicted at its iterate for
#: this alpha is below this share of tol (``PathState._speculate``)
SPECULATE = 0.5


def _model(terms, sums, n, fit_intercept):
    """The Newton model's Hessian in w with the intercepts eliminated (their Schur
    complement; a pseudo-inverse, since the multinomial's K intercepts are free to move
    together), and the pieces that give the intercepts' step."""
    H, C, corner = (np.asarray(a, dtype=np.float64) / n for a in terms.curvature(sums))
    if not fit_intercept:
        return H, np.zeros_like(C), np.zeros_like(corner)
    inverse = np.linalg.pinv(corner, hermitian=True)
    return H - C @ inverse @ C.T, C, inverse


def newton_direction(terms, sums, w, b, penalty, fit_intercept, eps, max_epochs=10_000):
    """The penalized Newton step from ``(w, b)``: ``(dw, db)`` minimising the quadratic
    model plus the penalty, solved on the Gram matrix."""
    n = sums.total
    g, gb = terms.gradient(sums)  # minus the gradient, summed
    g, gb = g / n, np.atleast_1d(gb) / n
    H, C, inverse = _model(terms, sums, n, fit_intercept)
    # db = inverse (gb - C'd) eliminated: the model in d has gradient g - C inverse gb
    g_eff = g - C @ (inverse @ gb)
    lips = np.diag(H).copy()
    lips[lips <= 1e-12 * max(lips.max(initial=0.0), 1e-300)] = 0.0
    model = GramModel(np.asfortranarray(H), g_eff + H @ w, w.copy(), lips,
                      int(sums.n[0]))
    local = np.arange(w.size, dtype=np.int64)

    def run_epochs(budget):
        return kernels_gram.gram_ws_solve(local, model.w, model.grad, model.gram, lips,
                                          penalty.l1, penalty.l2, penalty.lower,
                                          penalty.upper, budget, eps, ANDERSON_K,
                                          model.state, EARLY_CHECK)

    newton_chunks(model, local, penalty, max_epochs, run_epochs, True)
    dw = model.w - w
    db = inverse @ (gb - C.T @ dw)
    # the objective's decrease that the model predicts (the penalty's exactly)
    decrease = float(g_eff @ dw - 0.5 * dw @ H @ dw) + penalty.value(w) \
        - penalty.value(model.w)
    return dw, (float(db[0]) if np.ndim(b) == 0 else db), decrease


@dataclass(frozen=True)
class _Pending:
    """A pass's direction and what its answer is read with: the certificate's parts at
    the iterate for its alpha (``penalty``), the penalty and objective the step is
    searched with (the next alpha's when the pass steps ahead), and the model's
    predicted decrease (relative to the null model)."""

    dw: np.ndarray
    db: object
    dual_rest: float
    primal: float
    penalty: object
    step_penalty: object
    step_objective: float
    decrease: float


class PathState:
    """One model's warm-started path, advanced one pass at a time: ``request()`` says
    what the next pass must compute for it, ``receive(sums)`` takes the result.

    It starts at the null model (the target's sums at ``w = 0``, which need no product
    with X, give the loss's null intercept; then a pass there); ``start_path`` gives it
    the grid. At each alpha the certificate of an iterate comes from the pass that
    steps away from it: when the gap is within ``tol``
    (or the passes at this alpha reach ``max_passes``) the iterate is recorded, with its
    held-out sums when it has a fold, and the path moves on.
    """

    def __init__(self, terms, n_features, fit_intercept, fold=-1):
        self.terms, self.fit_intercept, self.fold = terms, fit_intercept, fold
        self.w, self.b = np.zeros(n_features * terms.width), terms.zero_intercept()
        self.sums = None
        self.phase = "null" if fit_intercept else "last null"
        self.pending = None
        self.penalties = []

    @property
    def done(self):
        return self.phase == "path" and self.k >= len(self.penalties)

    @property
    def started(self):
        return self.phase in ("ready", "path")

    def start_path(self, alphas, l1_ratio, factor, lower, upper, tol, max_passes):
        self.penalties = [ElasticNetPenalty.from_params(a, l1_ratio, factor, lower, upper)
                          for a in alphas]
        self.tol, self.max_passes = tol, max_passes
        p, m = self.w.size, len(alphas)
        self.coefs, self.intercepts = np.zeros((m, p)), np.zeros((m,) + np.shape(self.b))
        self.gaps, self.passes = np.full(m, np.inf), np.zeros(m, dtype=int)
        self.held_out, self.trained = [None] * m, [None] * m
        self.k, self.count, self.phase = 0, 0, "path"
        # the alpha whose pass last stepped to the next one in vain, and the model's
        # decrease and the gap at the last certified iterate (``_speculate``)
        self.missed, self.reference = -1, None
        # the gap relative to the null model's distance to the loss's floor, as in memory
        self.null = float(self.sums.loss[0]) / self.sums.total - self.terms.floor(self.sums)

    def request(self):
        if self.phase == "null":  # at w = 0: the target's sums give the intercept
            return Request(self.terms, self.w, self.b, fold=self.fold, target_only=True)
        if self.phase != "path" or self.sums is None:
            return Request(self.terms, self.w, self.b, fold=self.fold)
        penalty = self.penalties[self.k]
        factors, dual_rest, primal, violation = self.terms.certificate_parts(
            self.sums, self.w, penalty, self.fit_intercept)
        # each pass costs a read of the data, the model's solve only p x p work: solve
        # it nearly exactly (to 0.1 of the violation, an L1-logistic path took 3.3
        # passes per alpha on 200,000 x 50; to 1e-6 of it, 2.3)
        eps = max(1e-6 * violation, 1e-15)
        dw, db, decrease = newton_direction(self.terms, self.sums, self.w, self.b,
                                            penalty, self.fit_intercept, eps)
        decrease = max(decrease, 0.0) / self.null
        step = _Pending(dw, db, dual_rest, primal, penalty, penalty, primal, decrease)
        if self._speculate(decrease):
            # the pass that certifies this iterate steps toward the next alpha's optimum
            # (from the same Hessian): a path takes a pass per alpha where each step
            # lands within tol (an elastic-net logistic path on 200,000 x 50: 1.0
            # passes per alpha, 2.0 without)
            ahead = self.penalties[self.k + 1]
            dw, db, _ = newton_direction(self.terms, self.sums, self.w, self.b, ahead,
                                         self.fit_intercept, eps)
            step = replace(step, dw=dw, db=db, step_penalty=ahead, step_objective=(
                primal - penalty.value(self.w) + ahead.value(self.w)))
        self.pending = step
        return Request(self.terms, self.w, self.b, step.dw, step.db, factors, self.fold)

    def _speculate(self, decrease):
        """Whether an alpha follows and the gap at the iterate, predicted from the
        model's ``decrease`` and the last certified iterate's ``(decrease, gap)``, is
        within ``SPECULATE`` of tol. The gap moves between the decrease's square root
        (a zero coefficient's KKT violation costs the dual point's scaling to first
        order, the objective to second) and the decrease itself: the prediction takes
        whichever is the larger."""
        if self.k + 1 >= len(self.penalties) or self.missed == self.k or \
                self.reference is None:
            return False
        known_decrease, known_gap = self.reference
        scale = decrease / known_decrease
        return known_gap * max(scale, np.sqrt(scale)) <= SPECULATE * self.tol

    def receive(self, sums):
        if self.phase == "null":
            self.b = self.terms.null_intercept(sums)
            self.phase = "last null"
            return
        if self.phase == "last null":
            self.sums, self.phase = sums, "ready"
            return
        self.count += 1
        step, self.pending = self.pending, None
        if step is None:  # a pass at a point without a direction
            self.sums = sums
            return
        dual = float(sums.lagged[0]) / sums.total + step.dual_rest
        gap = max(step.primal - dual, 0.0) / self.null
        certified = gap <= self.tol or self.count >= self.max_passes
        if certified and step.decrease > 0 and gap > 0:
            self.reference = (step.decrease, gap)
        if certified:
            k = self.k
            self.coefs[k], self.intercepts[k], self.gaps[k] = self.w, self.b, gap
            self.passes[k] = self.count
            # the pass scored its held-out rows at the certified iterate; the sums at it
            # give its training score
            self.held_out[k], self.trained[k] = sums.held_out, self.sums
            self.k, self.count = self.k + 1, 0
        elif step.step_penalty is not step.penalty:
            # a step toward the next alpha from an iterate this one did not certify: not
            # taken (the statistics at the iterate still serve its next step), and no
            # other such step at this alpha
            self.missed = self.k
            return
        self._accept(sums, step.dw, step.db, step.step_penalty, step.step_objective)

    def _accept(self, sums, dw, db, penalty, objective):
        """The line search from the losses the pass brought: the largest step that does
        not raise the objective; the pass's statistics serve a full step, else the next
        pass is one at the new point without a direction."""
        n = sums.total
        for t, loss in zip(STEPS, sums.losses):
            trial = float(loss) / n + penalty.value(self.w + t * dw)
            if trial <= objective + 1e-14 * abs(objective):
                self.w, self.b = self.w + t * dw, self.b + t * db
                self.sums = sums if t == 1.0 else None
                return
        self.sums = None  # no decrease: stay (the gap will say so)


class UnpenalizedState:
    """The datafit alone (alpha = 0) by damped Newton, one pass per step, with the
    in-memory rule: half the Newton decrement, relative to the null model's distance to
    the loss's floor, within ``tol`` (the duality gap is degenerate here: no penalty,
    no dual scaling). The step length is chosen from the losses at ``STEPS`` that the
    pass along the direction brought (Armijo's condition, as in memory)."""

    def __init__(self, terms, n_features, fit_intercept, tol, max_passes, fold=-1):
        self.path = PathState(terms, n_features, fit_intercept, fold)
        self.terms, self.fit_intercept = terms, fit_intercept
        self.tol, self.max_passes = tol, max_passes
        self.count, self.certificate, self.pending, self.finished = 0, np.inf, None, False

    @property
    def done(self):
        return self.finished

    def request(self):
        state = self.path
        if not state.started:
            return state.request()
        if state.sums is None:  # after a partial step: the statistics at the new point
            return Request(self.terms, state.w, state.b, fold=state.fold)
        sums = state.sums
        n = sums.total
        g, gb = self.terms.gradient(sums)  # minus the gradient, summed
        H, C, corner = self.terms.curvature(sums)
        if self.fit_intercept:
            H = np.block([[H, C], [C.T, corner]])
            g = np.append(g, gb)
        step = _newton_step(H / n, -g / n)
        decrement = float(g @ step) / n
        self.certificate = 0.5 * max(decrement, 0.0) / self.null
        # each step costs a pass here: stop at tol (in memory, steps run on to rounding)
        if self.certificate <= self.tol or self.count >= self.max_passes:
            self.finished = True
            return None
        p = state.w.size
        dw, db = step[:p], step[p:]
        db = (float(db[0]) if np.ndim(state.b) == 0 else db) if self.fit_intercept \
            else self.terms.zero_intercept()
        self.pending = (dw, db, float(sums.loss[0]) / n, decrement)
        return Request(self.terms, state.w, state.b, dw, db, fold=state.fold)

    def receive(self, sums):
        state = self.path
        if not state.started:
            state.receive(sums)
            if state.started:
                check_finite(state.sums)
                self.null = float(state.sums.loss[0]) / state.sums.total \
                    - self.terms.floor(state.sums)
            return
        self.count += 1
        if self.pending is None:
            state.sums = sums
            return
        dw, db, current, decrement = self.pending
        self.pending = None
        n = sums.total
        for t, loss in zip(STEPS, sums.losses):
            if float(loss) / n <= current - ARMIJO * t * decrement:
                state.w, state.b = state.w + t * dw, state.b + t * db
                state.sums = sums if t == 1.0 else None
                return
        self.finished = True  # no descent along the Newton direction: rounding decides


def advance(data, states, until):
    """Run passes over ``data`` for every state, until ``until(state)`` holds for all (a
    state whose request is None has nothing left to ask)."""
    while True:
        asked = [(s, s.request()) for s in states if not until(s)]
        asked = [(s, r) for s, r in asked if r is not None]
        if not asked:
            return
        for (state, _), sums in zip(asked, data.run([r for _, r in asked])):
            state.receive(sums)


def glm_path(data, terms, alphas, l1_ratio, factor, lower, upper, *, tol, max_passes):
    """One model's warm-started path on ``data`` (``alphas`` a grid, or a function of
    the null model's ``PassSums`` that returns it). Returns the finished ``PathState``
    (``coefs``, ``intercepts``, ``gaps``, ``passes`` and the grid ``alphas``)."""
    state = PathState(terms, data.n_features, data.fit_intercept)
    advance(data, [state], lambda s: s.started)
    check_finite(state.sums)
    grid = alphas(state.sums) if callable(alphas) else alphas
    state.start_path(grid, l1_ratio, factor, lower, upper, tol, max_passes)
    state.alphas = np.asarray(grid, dtype=np.float64)
    advance(data, [state], lambda s: s.done)
    return state
