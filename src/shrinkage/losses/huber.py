"""The Huber loss: squared within ``delta`` of the target, linear beyond."""

import numpy as np

from .. import validation as v
from ..datafits_glm import Huber, default_huber_delta
from .base import Loss, float_target


def huber_losses(residual, delta):
    """The Huber function of each residual: ``r^2 / 2`` within ``delta``, linear beyond."""
    a = np.abs(residual)
    return np.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta))


class HuberLoss(Loss):
    name = "huber"
    scorings = ("huber", "mae", "mse")

    def check_options(self, n_samples, offset=None, delta=None):
        if offset is not None:
            raise ValueError(f"offset is for loss='poisson'; got loss={self.name!r}")
        return {"delta": v.check_delta(delta)}

    def datafit(self, y, sw, has_sw, offset=None, delta=None):
        y = float_target(y)
        if delta is None:
            delta = default_huber_delta(y, sw)
        return Huber(y=y, sw=sw, has_sw=has_sw, delta=float(delta))

    def per_sample(self, y, z, delta=None):
        return huber_losses(y - z, delta)


HUBER = HuberLoss()
