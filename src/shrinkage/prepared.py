"""Estimators fitted on data a caller has already prepared on the workers.

The Dask comparison (``scale/compare.py``, ``scale/compare_glm.py``) reads a table once
into per-fold sums (the squared loss) or Newton parts (the other losses) and fits many
estimators on them: these functions describe each estimator's fit (its ``FitSpec`` or
``CVSpec``), run it on the prepared data and store the result on the estimator, as its
own ``fit`` would.
"""

from dataclasses import replace

from .engines.dask import refuse_relax
from .scale.cv_glm import cross_validate_on as _cv_glm_on
from .scale.fit import cross_validate_sums as _cv_sums, fit_squared_sums as _fit_sums
from .scale.fit_glm import fit_on as _fit_glm_on


def fit_squared_sums(estimator, sums, centre=None):
    """Fit a Lasso, ElasticNet or Ridge from the ``Sums`` of its rows; returns it."""
    return estimator._store_fit(_fit_sums(estimator._fit_spec(), sums, centre))


def cross_validate_sums(estimator, sums, centre=None):
    """Cross-validate a LassoCV, ElasticNetCV or RidgeCV from per-fold ``Sums``;
    returns it."""
    spec = estimator._cv_spec()
    refuse_relax(spec)
    return estimator._store_cv(_cv_sums(spec, sums, centre))


def fit_on(estimator, data, terms):
    """Fit a GLM estimator on prepared ``data`` (a ``DaskGLM``) with the loss's
    ``terms``; returns it."""
    return estimator._store_fit(_fit_glm_on(estimator._fit_spec(), data, terms))


def cross_validate_on(estimator, data, terms, fold_terms, delta=None):
    """Cross-validate a GLM CV estimator on prepared ``data`` (a ``DaskGLM`` with folds)
    with the loss's ``terms`` and each fold model's (``delta``: the Huber threshold the
    folds score with); returns it."""
    spec = estimator._cv_spec()
    refuse_relax(spec)
    if delta is not None:
        spec = replace(spec, fit=replace(spec.fit, delta=delta))
    return estimator._store_cv(_cv_glm_on(spec, data, terms, fold_terms))
