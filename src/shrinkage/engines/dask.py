"""The Dask engine: dask arrays and DataFrames, their rows never gathered on the client.

The squared loss runs from the sufficient statistics of one pass (``scale/fit.py``), the
other losses by distributed proximal Newton (``scale/fit_glm.py``, ``scale/cv_glm.py``).
"""

import numpy as np

from sklearn.utils.validation import check_is_fitted

from ..scale.detect import any_dask

# The passes themselves (scale/fit*.py, cv_glm.py: numba kernels, dask) are imported
# where a fit needs them: importing an estimator, or fitting in memory, loads none of
# them (they cost a second or more of a first call).

#: the fit arguments only in-memory data take (``FitSpec.extras``) -> the message that
#: refuses them for dask input, word for word
REFUSALS = {
    ("class_weight",): "class_weight is not offered for dask input; give sample_weight",
    ("offset",): "offset is not offered for dask input yet: fit the rates with "
                 "sample_weight = exposure and y = counts / exposure",
    ("class_weight", "groups"): "class_weight and groups are not offered for dask "
                                "input: give sample_weight; the folds are a hash of the "
                                "rows",
    ("offset", "groups"): "offset and groups are not offered for dask input: fit the "
                          "rates with sample_weight = exposure and y = counts / exposure; "
                          "the folds are a hash of the rows",
    ("groups",): "groups are not offered for dask input: the folds are a hash of the rows",
}


def _refuse_extras(spec, **given):
    """Raise ``REFUSALS``' message when any of the spec's in-memory-only arguments is
    given (``class_weight`` is the spec's own)."""
    given["class_weight"] = spec.class_weight
    if any(given.get(name) is not None for name in spec.extras):
        raise ValueError(REFUSALS[spec.extras])


def _refuse_joint_outputs(loss):
    """The multi-task loss runs in memory only: refused, saying how to fit it."""
    if loss.joint_outputs:
        raise ValueError(f"the {loss.name} loss (MultiTask* estimators) is not offered for "
                         "dask input; fit in memory (X.compute(), y.compute())")


class DaskEngine:
    """Fits on dask collections (any of X, y, the weights or the offset)."""

    name = "dask"

    @staticmethod
    def claims(*data):
        return any_dask(*data)

    def validate(self, estimator, spec, X, y, sample_weight):
        """Nothing is checked on the client before the pass that reads the rows: each
        fit validates as its chunks are read; a loss not offered here is refused."""
        _refuse_joint_outputs(spec.loss)
        return X, y, sample_weight

    def fit(self, estimator, spec, X, y, sample_weight=None, offset=None):
        """Fit ``spec`` at its alpha on dask data; returns a ``FitResult``."""
        self.validate(estimator, spec, X, y, sample_weight)
        _refuse_extras(spec, offset=offset)
        if spec.loss.quadratic:
            from ..scale.fit import fit_squared

            return fit_squared(spec, X, y, sample_weight)
        from ..scale.fit_glm import fit_glm

        return fit_glm(spec, X, y, sample_weight)

    def cross_validate(self, estimator, spec, X, y, sample_weight=None, groups=None,
                       offset=None):
        """Cross-validate ``spec`` (a ``CVSpec``) on dask data; returns a ``CVResult``."""
        self.validate(estimator, spec.fit, X, y, sample_weight)
        _refuse_extras(spec.fit, offset=offset, groups=groups)
        if spec.checked_relax():
            raise ValueError("relax=True is not available on dask data yet; fit in memory "
                             "(X.compute(), y.compute()) or give relax=False")
        if spec.fit.loss.quadratic:
            from ..scale.fit import cross_validate_squared

            return cross_validate_squared(spec, X, y, sample_weight, groups)
        from ..scale.cv_glm import cross_validate_glm

        return cross_validate_glm(spec, X, y, sample_weight)

    def path(self, X, y, *, loss, l1_ratio, alphas, eps, sample_weight, fit_intercept,
             penalty_factor, positive, lower_bounds, upper_bounds, tol, max_iter,
             screening, multinomial, offset, delta):
        """``regularization_path`` on dask data (its arguments, ``loss`` an object)."""
        _refuse_joint_outputs(loss)
        if offset is not None:
            raise TypeError("regularization_path takes dask data without an offset; fit "
                            "in memory with X.compute()")
        if loss.class_rows and multinomial != "ungrouped":
            raise ValueError(f"multinomial={multinomial!r} is not offered for dask input: "
                             "give multinomial='ungrouped'")
        arguments = {"l1_ratio": l1_ratio, "alphas": alphas, "eps": eps,
                     "sample_weight": sample_weight, "fit_intercept": fit_intercept,
                     "penalty_factor": penalty_factor, "positive": positive,
                     "lower_bounds": lower_bounds, "upper_bounds": upper_bounds,
                     "tol": tol, "max_iter": max_iter}
        if delta is not None:
            loss.check_options(None, delta=delta)  # (a delta of another loss: refused)
        if loss.quadratic:
            from ..scale.fit import path_squared

            return path_squared(X, y, **arguments)
        from ..scale.fit_glm import path_glm

        return path_glm(X, y, loss=loss, delta=delta, **arguments)

    def decision(self, estimator, X, row_per_output):
        """``X @ coef_.T + intercept_`` of a fitted ``estimator``: a dask array (lazy,
        on the workers)."""
        from ..scale.statistics import as_dask_matrix

        check_is_fitted(estimator)
        X = as_dask_matrix(X)
        if X.shape[1] != estimator.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(estimator).__name__} "
                             f"is expecting {estimator.n_features_in_} features as input")
        coef, intercept = np.asarray(estimator.coef_), np.asarray(estimator.intercept_)
        if coef.ndim == 2 and (row_per_output or coef.shape[0] > 1):
            return X @ coef.T + intercept
        return X @ np.ravel(coef) + float(np.ravel(intercept)[0])
