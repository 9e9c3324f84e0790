"""The squared loss ``(1 / 2n) sum_i s_i (y_i - z_i)^2``."""

from ..datafits import Squared
from .base import Loss, float_target


class SquaredLoss(Loss):
    name = "squared"
    quadratic = True
    scorings = ("mse", "mae")

    def datafit(self, y, sw, has_sw, offset=None, delta=None):
        return Squared(y=float_target(y), sw=sw, has_sw=has_sw)

    def per_sample(self, y, z, delta=None):
        return (y - z) ** 2


SQUARED = SquaredLoss()
