"""The multinomial logistic loss: class codes 0 .. K - 1, a row of coefficients per
class (the width K)."""

import numpy as np
from scipy.special import log_softmax, softmax

from .. import validation as v
from ..datafits import Multinomial
from .base import Loss


def class_log_losses(codes, z):
    """``-log softmax(z)`` at each sample's class: ``z`` holds class scores on its last
    axis, ``codes`` one class per leading index of ``z`` (broadcast over the rest)."""
    codes = np.asarray(codes, dtype=int).reshape(codes.shape[:1] + (1,) * (z.ndim - 1))
    return -np.take_along_axis(log_softmax(z, axis=-1), codes, axis=-1)[..., 0]


class MultinomialLoss(Loss):
    identity_link = False
    name = "multinomial"
    numeric_target = False
    supports_bounds = False
    class_rows = True

    def prepare_target(self, y, sample_weight, fit_intercept):
        return v.class_codes(y, sample_weight)[0]

    def datafit(self, y, sw, has_sw, offset=None, delta=None):
        codes = np.asarray(y, dtype=np.int64)
        return Multinomial(y=codes, sw=sw, has_sw=has_sw, n_classes=int(codes.max()) + 1)

    def mean(self, z):
        return softmax(z, axis=-1)

    def per_sample(self, y, z, delta=None):
        return class_log_losses(y, z)


MULTINOMIAL = MultinomialLoss()
