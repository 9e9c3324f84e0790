"""The multi-task squared loss: the T columns of a 2-d y fitted jointly, so that the
grouped penalty keeps or drops each feature for every output at once (scikit-learn's
``MultiTaskLasso``, glmnet's ``mgaussian``)."""

import numpy as np

from ..datafits_multitask import SquaredMultiTask
from .base import Loss, float_target


class MultiTaskLoss(Loss):
    name = "multitask"
    quadratic = True
    supports_bounds = False
    joint_outputs = True
    #: in memory only (the Dask passes fit one output)
    on_dask = False
    scorings = ("mse",)

    def prepare_target(self, y, sample_weight, fit_intercept):
        if np.ndim(y) != 2:
            raise ValueError(
                f"y must be 2-d (n_samples, n_tasks) for the multi-task loss, got shape "
                f"{np.shape(y)}; reshape one target with y.reshape(-1, 1), or fit it with "
                "Lasso / ElasticNet")
        return float_target(y)

    def datafit(self, y, sw, has_sw, offset=None, delta=None):
        return SquaredMultiTask(y=float_target(y), sw=sw, has_sw=has_sw)

    def per_sample(self, y, z, delta=None):
        return ((y - z) ** 2).mean(axis=-1)


MULTITASK = MultiTaskLoss()
