"""The binary logistic loss: labels in {-1, +1}, ``log(1 + exp(-y z))``."""

import numpy as np
from scipy.special import expit

from .. import validation as v
from ..datafits import Logistic
from .base import Loss, float_target


class LogisticLoss(Loss):
    identity_link = False
    name = "logistic"
    numeric_target = False

    def prepare_target(self, y, sample_weight, fit_intercept):
        return v.binary_labels(y, sample_weight)[0]

    def datafit(self, y, sw, has_sw, offset=None, delta=None):
        return Logistic(y=float_target(y), sw=sw, has_sw=has_sw)

    def mean(self, z):
        return expit(z)

    def per_sample(self, y, z, delta=None):
        return np.logaddexp(0.0, -y * z)


LOGISTIC = LogisticLoss()
