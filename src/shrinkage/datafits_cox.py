"""The Cox proportional hazards datafit (Breslow's ties), for the proximal Newton solver.

With right-censored times ``t``, event indicators ``d`` and weights ``s`` (summing to n)::

    F(z) = (1/n) sum_{events i} s_i [ log sum_{j in R(t_i)} s_j exp(z_j) - z_i ]

``R(t) = {j : t_j >= t}`` (tied events share a risk set: Breslow). There is no intercept:
adding a constant to z changes nothing (the baseline hazard absorbs it).

The Hessian in z, ``sum_i c_i (diag pi_i - pi_i pi_i')`` (a rank-one correction per
risk set), is not diagonal. The solver (``solvers/prox_newton.py``) takes it whole on
working sets of up to 500 features (``hessian_in``: two BLAS products with the set's
columns, about |ws| epochs' cost), where proximal Newton converges quadratically: 2 to
3 steps per alpha along a path, against 17 with the diagonal (a round's first step
reuses the last Hessian of the same working set, from a nearby z: a model that is not
the Hessian there, which the line search below keeps safe). Beyond that, its model
takes the Hessian's diagonal ``h_j = a_j C_j - a_j^2 D_j`` (glmnet's coxnet weights;
``cox_kernels``), about its weighted mean (``shift_invariant``: the Hessian sends the
constant vector to 0, the diagonal alone does not). That diagonal does not majorise the
Hessian, so a unit step may raise the objective: the backtracking line search on the
true objective keeps every step a descent step. Why that converges: the model's
curvatures are positive (floored) and bounded, so its minimiser gives a descent
direction of the penalized objective (the model's decrease bounds the directional
derivative from above by ``-d' M d``, M the model's positive definite matrix); Tseng
and Yun's coordinate gradient descent (2009) converges with any such bounded positive
definite model and an Armijo backtracking step. (The line search here takes the first
halving that does not raise the objective, a weaker rule than Armijo's.) The solver
stops on the duality gap below, never on the steps, so a stalled run is reported as
such (a ConvergenceWarning), not hidden.

Duality gap. Each event's term is a log-sum-exp over its risk set minus its own ``z``;
its conjugate at ``q - e_i`` (``q`` a distribution on ``R(t_i)``) is the relative
entropy ``sum_j q_j log(q_j / s_j)``. The gradient is ``sum_i c_i (pi_i - e_i)``
(``c_i = s_i / n``, ``pi_i`` the model's shares of the risk set); the dual point scaled
by ``kappa <= 1`` (the penalty's dual-norm constraint) is ``sum_i c_i (q_i - e_i)`` with
``q_i = kappa pi_i + (1 - kappa) e_i``, still in the simplex since ``i`` is in its own
risk set. So the datafit's part of the gap is a sum of non-negative Fenchel-Young terms,
``sum_i c_i KL(q_i || pi_i)``, computed in that form (``cox_relative_entropy``), each
from ``pi_ii`` alone: ``kappa (1 - pi_ii) log kappa + q_ii log(q_ii / pi_ii)``.
"""

from dataclasses import dataclass, field

import numpy as np

from . import cox_kernels as ck

_NO_STEP = np.zeros(0)
#: floor on the curvatures relative to the weights: rows before the first event (no
#: curvature) keep a usable weight in the quadratic model
_COX_MIN_CURVATURE = 1e-10


def tie_groups(time):
    """``(order, first, last)``: the rows by increasing time (stable), and for each
    sorted position the first and last position of its group of equal times."""
    order = np.argsort(time, kind="stable")
    sorted_time = time[order]
    n = time.shape[0]
    starts = np.flatnonzero(np.r_[True, sorted_time[1:] != sorted_time[:-1]])
    ends = np.r_[starts[1:] - 1, n - 1]
    sizes = ends - starts + 1
    return order, np.repeat(starts, sizes), np.repeat(ends, sizes)


@dataclass(frozen=True)
class Cox:
    """The Cox partial likelihood, Breslow's ties.

    Parameters
    ----------
    y : ndarray of shape (n, 2), the target as ``[time, event]`` (checked: times >= 0,
        events 0 or 1)
    sw : ndarray of shape (n,), sample weights summing to n
    has_sw : bool
    """

    y: np.ndarray
    sw: np.ndarray
    has_sw: bool
    time: np.ndarray = field(init=False)
    event: np.ndarray = field(init=False)
    order: np.ndarray = field(init=False)
    first: np.ndarray = field(init=False)
    last: np.ndarray = field(init=False)

    name = "cox"
    quadratic = False
    width = 1
    #: no row solver: the working-set driver's iterates solve it
    row_solver = None
    can_separate = False
    has_rows = True
    #: no gap-safe screening: the entropies' strong concavity is not used
    dual_radius_factor = None
    #: a shift of z changes nothing: the Newton model takes the Hessian's diagonal about
    #: its weighted mean (``prox_newton``)
    shift_invariant = True

    def __post_init__(self):
        time = np.ascontiguousarray(self.y[:, 0], dtype=np.float64)
        object.__setattr__(self, "time", time)
        object.__setattr__(self, "event", np.ascontiguousarray(self.y[:, 1] > 0))
        order, first, last = tie_groups(time)
        for name, value in (("order", order), ("first", first), ("last", last)):
            object.__setattr__(self, name, value.astype(np.int64))

    def value(self, z, direction=None, step=0.0):
        """Primal value at ``z`` (or at ``z + step * direction``)."""
        return ck.cox_value(z, _NO_STEP if direction is None else direction, float(step),
                            self.order, self.event, self.sw, self.first)

    def irls(self, z, grad, curvature, response):
        """The diagonal Newton model at ``z`` (``ck.cox_irls``)."""
        return ck.cox_irls(z, self.order, self.event, self.sw, self.first, self.last,
                           _COX_MIN_CURVATURE, grad, curvature, response)

    def floor_value(self):
        """Infimum over every linear predictor: ``(1/n) sum_g W_g log W_g`` over the
        event times, ``W_g`` the weight of the events at time g (each risk set then holds
        its own events only, shared in proportion to their weights); 0 for unit weights
        and no ties."""
        events = self.event & (self.sw > 0)
        times, groups = np.unique(self.time[events], return_inverse=True)
        mass = np.bincount(groups, weights=self.sw[events], minlength=times.size)
        return float(np.sum(mass * np.log(mass))) / self.y.shape[0]

    def curvature_weights(self, fit_intercept):
        """The Hessian's diagonal at ``z = 0`` (times n), about the curvature-weighted
        means: a shift of z changes nothing, so a constant column carries nothing."""
        grad, curvature, response = (np.empty(self.sw.shape[0]) for _ in range(3))
        self.irls(np.zeros(self.sw.shape[0]), grad, curvature, response)
        return curvature, True

    def null_intercept(self, fit_intercept):
        """No intercept: 0."""
        return 0.0

    def null_value(self, fit_intercept):
        """Primal value at ``w = 0``."""
        return self.value(np.zeros(self.sw.shape[0]))

    def dual_point(self, z, fit_intercept):
        """``(v_grad, v_grad, terms)``: minus n times the gradient in z (the dual point's
        direction) and what ``dual_objective`` needs (``value``, ``<v_grad, z>``, each
        event's log share of its risk set)."""
        n = z.shape[0]
        v_grad, own = np.empty(n), np.empty(n)
        value, inner = ck.cox_dual_terms(np.ascontiguousarray(z, dtype=np.float64),
                                         self.order, self.event, self.sw, self.first,
                                         self.last, v_grad, own)
        return v_grad, v_grad, (value, inner, own)

    def dual_objective(self, terms, kappa):
        """The dual at ``kappa`` times the dual point: ``F(z) - gap_part``."""
        return terms[0] - self.gap_part(terms, kappa)

    def gap_part(self, terms, kappa):
        """``F(z)`` minus the dual at ``kappa`` times the dual point, without ``F``: the
        Fenchel-Young terms ``(1/n) sum_i s_i KL(q_i || pi_i) >= 0`` plus ``kappa <grad
        F, z>``, the pairing that the penalty's terms complete (the solver's gap adds
        the penalty's value and conjugate)."""
        _, inner, own = terms
        return ck.cox_relative_entropy(own, self.event, self.sw, float(kappa)) - \
            kappa * inner / self.sw.shape[0]

    def gradient_z(self, z):
        """Gradient of ``value`` in the linear predictor."""
        v_grad, _, _ = self.dual_point(z, False)
        return -v_grad / z.shape[0]

    def hessian_z(self, z):
        """The Hessian's diagonal in the linear predictor (the solvers' quadratic model)."""
        n = z.shape[0]
        grad, curvature, response = (np.empty(n) for _ in range(3))
        self.irls(np.ascontiguousarray(z, dtype=np.float64), grad, curvature, response)
        return curvature / n

    def hessian_in(self, A, z):
        """The full Hessian ``A' H A`` in the coefficients of the columns of ``A``
        (Newton's method at alpha = 0, the working set's Newton model):
        ``A' diag(a C / n) A`` minus, per event time, the rank-one term of its risk set,
        ``(W_g / n) m m' / S_g^2`` with ``m = sum_{j in R} a_j A_j`` (a reverse
        cumulative sum over the sorted rows)."""
        A = A.toarray() if hasattr(A, "toarray") else np.asarray(A)
        n = z.shape[0]
        sw = self.sw[self.order]
        sorted_z = np.asarray(z, dtype=np.float64)[self.order]
        a = np.where(sw > 0, sw * np.exp(sorted_z - sorted_z[sw > 0].max()), 0.0)
        mass = np.cumsum(a[::-1])[::-1][self.first]
        events = self.event[self.order] & (sw > 0)
        C = np.cumsum(np.where(events, sw / mass, 0.0))[self.last]
        # the events' weights summed over each tie group (one risk set each)
        starts, group = np.unique(self.first[events], return_inverse=True)
        weights = np.bincount(group, weights=sw[events]) / mass[starts] ** 2 / n
        sorted_rows = np.ascontiguousarray(A[self.order])
        tails = ck.risk_set_sums(sorted_rows, a, starts)
        # M'M products of one matrix with itself: numpy runs them as symmetric rank-k
        # updates (half the flops of a general product)
        sorted_rows *= np.sqrt(a * C / n)[:, None]
        tails *= np.sqrt(weights)[:, None]
        return sorted_rows.T @ sorted_rows - tails.T @ tails
