"""LogisticRegressionCV, PoissonRegressorCV and HuberRegressorCV on dask data: every
fold's path and the whole-data path advance in the same passes.

A row's fold is a seeded hash of its position (``FOLD_SEED``, as for the squared loss).
Each pass computes, for every (l1_ratio, fold) model and the whole-data model of each
l1_ratio, the Newton statistics on its training rows, and scores its held-out rows at
the iterate that the pass certifies; the number of passes is that of the slowest model,
not the sum over the folds. Scored by the loss itself (log-loss, Poisson deviance,
Huber loss): the other scorers need the held-out predictions, not sums.
"""

import copy

import numpy as np

from .. import model_selection as _cv
from ..specs import CVResult, Features
from ..supports import stack_support, support_bits
from .fit import FOLD_SEED, check_folds, prepare
from .fit_glm import (aligned_target, as_path, check_multinomial, classes_of, glm_grid,
                      huber_location, problem_of)
from .newton import PathState, advance
from .passes import DaskGLM
from .statistics import check_finite, fold_of
from .terms import HuberTerms


def cross_validate_glm(spec, X, y, sample_weight):
    """Cross-validate ``spec`` (a ``CVSpec`` of the logistic, Poisson or Huber loss) on
    dask data; returns a ``CVResult``."""
    n_folds = check_folds(spec.cv)
    X, y, sample_weight, features = prepare(spec.fit.name, X, y, sample_weight)
    fit_intercept, delta = spec.fit.fit_intercept, spec.fit.delta
    target, terms = problem_of(spec.fit.loss, y, sample_weight, fit_intercept, delta)
    data = DaskGLM(X, target, sample_weight, fit_intercept, n_folds, FOLD_SEED)
    fold_terms = _fold_terms(terms, target, sample_weight, n_folds, fit_intercept)
    return cross_validate_on(spec, data, terms, fold_terms, features)


def cross_validate_on(spec, data, terms, fold_terms, features=None):
    """``cross_validate_glm`` on prepared ``data`` (a ``DaskGLM`` with folds) with the
    loss's ``terms`` and each fold model's; returns a ``CVResult``."""
    n_folds, p = data.n_folds, data.n_features
    fit = spec.fit
    fit_intercept = fit.fit_intercept
    classes = classes_of(terms)
    scoring = spec.scorer(classes, fit.delta)
    if scoring.name != terms.scoring:
        raise ValueError(f"scoring={scoring.name!r} is not offered for dask input: the "
                         f"folds are scored by {terms.scoring!r}, from sums over their "
                         "rows (other scorers need every held-out prediction)")
    l1_ratios = spec.checked_l1_ratios()
    alpha_rule = spec.checked_alpha_rule()
    factor, lower, upper = fit.penalty_arrays(p)
    if terms.width > 1:
        check_multinomial(fit, p, terms.width)
    factor, lower, upper = (terms.widen(a) for a in (factor, lower, upper))
    if np.any(factor == 0):
        raise ValueError(f"dask input needs every penalty_factor > 0 for the "
                         f"{terms.name} loss")
    tol, max_iter = fit.checked_tol(), fit.checked_max_iter()
    # the null models do not depend on l1_ratio: found once, copied to every ratio
    first = [PathState(t, p, fit_intercept, fold=f) for f, t in enumerate(fold_terms)]
    first.append(PathState(terms, p, fit_intercept))
    advance(data, first, lambda s: s.started)
    check_finite(first[-1].sums)
    if np.any([s.sums.weight[0] == 0 for s in first]):
        raise ValueError(f"cv={n_folds} folds leave a fold without training rows")
    states, grids = [], []
    for r in l1_ratios:
        grid = glm_grid(terms, spec.alphas, spec.eps, r, factor, lower, upper,
                        (data.n_samples, p))
        grid = np.sort(grid(first[-1].sums) if callable(grid) else grid)[::-1]
        ratio_states = [copy.copy(s) for s in first]
        for state in ratio_states:
            state.start_path(grid, r, factor, lower, upper, tol, max_iter)
        states.append(ratio_states)
        grids.append(grid)
    advance(data, [s for row in states for s in row], lambda s: s.done)
    whole = [row[-1] for row in states]
    result = _cv.CVPaths(
        alphas=np.array(grids),
        test_scores=np.array([[[t.score(h) for h in s.held_out]
                               for s, t in zip(row[:-1], fold_terms)] for row in states]),
        train_scores=np.array([[terms.score(_as_held_out(s)) for s in w.trained]
                               for w in whole]),
        paths=[as_path(terms, g, w, r, data) for g, w, r in zip(grids, whole, l1_ratios)],
        # the fold states keep their coefficients at every alpha: their supports cost
        # no pass over the data
        fold_support=stack_support([
            support_bits([t.coef_matrix(row[f].coefs) for row in states])
            for f, t in enumerate(fold_terms)]))
    return CVResult(result, l1_ratios, alpha_rule, scoring, features or Features(p),
                    classes=classes, delta=fit.delta, n_passes=data.passes)


def _as_held_out(sums):
    """The training sums at an iterate, laid out as ``PassSums.held_out``."""
    return np.concatenate([sums.loss, sums.weight, sums.scalars])


def _fold_terms(terms, target, sample_weight, n_folds, fit_intercept):
    """Each fold model's terms: the Huber loss's carry the null intercept of the fold's
    own training rows (found by passes over y alone); the others are shared."""
    import dask.array as da

    if not isinstance(terms, HuberTerms) or not fit_intercept:
        return [terms] * n_folds
    folds = da.arange(target.shape[0], chunks=target.chunks).map_blocks(
        fold_of, n_folds, FOLD_SEED, dtype=np.int64)
    weight = da.ones_like(target) if sample_weight is None else \
        aligned_target(sample_weight).rechunk(target.chunks)
    return [HuberTerms(terms.delta, huber_location(target, da.where(folds != f, weight, 0.0),
                                                   terms.delta))
            for f in range(n_folds)]
