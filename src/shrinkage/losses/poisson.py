"""The Poisson loss ``(1/n) sum_i s_i (exp(eta_i) - y_i eta_i)``, ``eta = z + offset``
(log link; the offset is the log exposure)."""

import numpy as np
from scipy.special import xlogy

from .. import validation as v
from ..datafits_glm import Poisson
from .base import Loss, float_target


def poisson_deviances(y, z):
    """Poisson deviance ``2 (y log(y / mu) - y + mu)`` of each log-mean ``z`` (broadcast)."""
    return 2.0 * (xlogy(y, y) - y * z - y + np.exp(z))


class PoissonLoss(Loss):
    identity_link = False
    name = "poisson"
    scorings = ("poisson_deviance", "mae", "mse")

    def prepare_target(self, y, sample_weight, fit_intercept):
        return v.check_counts(y, sample_weight, fit_intercept)

    def check_options(self, n_samples, offset=None, delta=None):
        if delta is not None:
            raise ValueError(f"delta is for loss='huber'; got loss={self.name!r}")
        return {"offset": v.check_offset(offset, n_samples)}

    def datafit(self, y, sw, has_sw, offset=None, delta=None):
        offset = np.zeros(0) if offset is None else \
            np.ascontiguousarray(offset, dtype=np.float64)
        return Poisson(y=float_target(y), sw=sw, has_sw=has_sw, offset=offset)

    def mean(self, z):
        return np.exp(z)

    def per_sample(self, y, z, delta=None):
        return poisson_deviances(y, z)


POISSON = PoissonLoss()
