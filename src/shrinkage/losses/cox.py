"""The Cox proportional hazards loss: right-censored survival times, Breslow's ties.

The target is scikit-survival's structured array (a bool event field and a float time
field, found by dtype as scikit-survival does: what ``sksurv.util.Surv.from_arrays``
makes), so that a scikit-survival user passes the same ``y``; or an (n, 2) float array
``[time, event]`` (glmnet's ``Surv`` matrix, skglm's convention). Inside, it is the
(n, 2) float array. No intercept: the baseline hazard absorbs it.
"""

import numpy as np

from ..cox_kernels import concordance
from ..datafits_cox import Cox
from ..errors import UserError
from .base import Loss

#: risks closer than this count as tied in the C-index (scikit-survival's tied_tol)
TIED_TOL = 1e-8


def survival_array(y):
    """``y`` as an (n, 2) float array ``[time, event]``: a structured array's bool
    field is the event, its float field the time; other input is taken as it is."""
    y_array = np.asarray(y)
    names = y_array.dtype.names
    if names is None:
        return y
    if len(names) != 2:
        raise UserError(f"y: a structured survival target has two fields (event, time), "
                        f"got {len(names)}: {names}; make it with "
                        "sksurv.util.Surv.from_arrays(event, time)")
    kinds = [y_array.dtype[name].kind for name in names]
    if "b" not in kinds or "f" not in kinds:
        raise UserError(f"y: a structured survival target needs a bool event field and a "
                        f"float time field, got {y_array.dtype}; make it with "
                        "sksurv.util.Surv.from_arrays(event, time)")
    event, time = (names[kinds.index(kind)] for kind in ("b", "f"))
    return np.column_stack([y_array[time].astype(np.float64),
                            y_array[event].astype(np.float64)])


def check_survival(y):
    """The (n, 2) ``[time, event]`` target checked; raises UserError naming ``y``."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 2 or y.shape[1] != 2:
        raise UserError(f"y must be survival data: a structured array (event, time) or an "
                        f"(n, 2) array [time, event], got shape {y.shape}")
    time, event = y[:, 0], y[:, 1]
    if not np.all(np.isfinite(time)) or np.any(time < 0):
        bad = int(np.flatnonzero(~(np.isfinite(time) & (time >= 0)))[0])
        raise UserError(f"y: survival times must be finite and >= 0; row {bad} has "
                        f"{time[bad]!r}")
    if not np.all((event == 0) | (event == 1)):
        bad = int(np.flatnonzero((event != 0) & (event != 1))[0])
        raise UserError(f"y: events must be 0 (censored) or 1 (event); row {bad} has "
                        f"{event[bad]!r}")
    if not np.any(event == 1):
        raise UserError("y holds no events (every time is censored): the Cox model needs "
                        "at least one")
    return np.ascontiguousarray(y)


def cox_deviances(y, Z, sw):
    """Partial-likelihood deviance ``2 sum_{events i} s_i (log S_i - z_i)`` minus its
    floor (the saturated model's), Breslow's ties, raw weights, of each column of the
    decision values ``Z``; 0 without rows."""
    if y.shape[0] == 0:
        return np.zeros(Z.shape[1])
    datafit = Cox(np.asarray(y, dtype=np.float64), np.asarray(sw, dtype=np.float64), True)
    floor = datafit.floor_value()
    return np.array([2.0 * y.shape[0] * (datafit.value(np.ascontiguousarray(z)) - floor)
                     for z in np.asarray(Z, dtype=np.float64).T])


def grouped_deviance(y, z, sw, test):
    """glmnet's "grouped" cross-validated deviance of each column of ``z`` (the
    decision values of every row at one fold's training coefficients): the deviance of
    all the rows minus that of the training rows, per unit of the test rows' event
    weight; NaN where the test rows hold no event (the fold has nothing to score, and
    ``model_selection.summarize`` leaves it out)."""
    train = np.ones(y.shape[0], dtype=bool)
    train[test] = False
    events = float(sw[test] @ y[test, 1])
    if events <= 0.0:
        return np.full(np.shape(z)[1], np.nan)
    return (cox_deviances(y, z, sw) - cox_deviances(y[train], z[train], sw[train])) / events


def concordance_index(y, risk, sample_weight=None):
    """Harrell's C-index of the ``risk`` scores (higher: earlier event) on the survival
    target ``y`` ((n, 2) ``[time, event]``), scikit-survival's
    ``concordance_index_censored`` pairs and ties; a pair counts with its event's
    weight. NaN where no pair is comparable."""
    y = np.asarray(y, dtype=np.float64)
    weight = np.ones(y.shape[0]) if sample_weight is None else \
        np.asarray(sample_weight, dtype=np.float64)
    concordant, tied, comparable = concordance(
        np.ascontiguousarray(y[:, 0]), np.ascontiguousarray(y[:, 1] > 0),
        np.ascontiguousarray(risk, dtype=np.float64), weight, TIED_TOL)
    return (concordant + 0.5 * tied) / comparable if comparable > 0 else np.nan


def _c_index_scores(y, z, sw):
    return np.array([concordance_index(y, z[:, k], sw) for k in range(z.shape[1])])


class CoxLoss(Loss):
    name = "cox"
    identity_link = False
    takes_intercept = False
    target_columns = 2
    on_dask = False
    relaxes = False
    scorings = ("deviance", "c_index")

    def target_array(self, y):
        return survival_array(y)

    def prepare_target(self, y, sample_weight, fit_intercept):
        return check_survival(y)

    def datafit(self, y, sw, has_sw, offset=None, delta=None):
        return Cox(y=np.ascontiguousarray(y, dtype=np.float64), sw=sw, has_sw=has_sw)

    def mean(self, z):
        """The relative hazard ``exp(z)``."""
        return np.exp(z)

    def scorer_function(self, scoring):
        if scoring == "deviance":
            return grouped_deviance, False, True
        return _c_index_scores, True, False


COX = CoxLoss()
