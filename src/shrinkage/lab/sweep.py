"""One factor swept alone: the same base draws at every dose, each model's loss per dose.

A claim about what outliers, collinearity, feature scales or dimension do is a claim
about that factor: everything else stays as drawn (the same features, truth and noise
where the factor allows it), so a model's change from its own no-dose baseline is the
factor's doing, and two models' changes can be compared draw by draw.
"""

import numpy as np
from joblib import Parallel, delayed

from . import stats as st
from .simulate import CV_GRID, draw, draw_nested, excess_risk, fit_models, null_risk

#: the losses recorded for every model at every dose: the exact excess risk, the same
#: over the signal variance (comparable across doses that change the signal), and the
#: coefficient error |w_hat - w|^2 (what collinearity inflates)
METRICS = ("risk", "relative_risk", "coef_error")


def draw_levels(regime, factor, levels, seed):
    """One draw of ``regime`` per level of ``factor`` from the same random numbers (the
    number of features ``p``: nested columns, ``draw_nested``)."""
    if factor == "p":
        return draw_nested(regime, levels, np.random.default_rng(seed))
    return [draw(regime.but(**{factor: level}), np.random.default_rng(seed))
            for level in levels]


def sweep(regime, factor, levels, models, reps, seed, grid=CV_GRID):
    """Fit ``models`` at every level on ``reps`` base draws (cross-validated over
    ``grid``, ``(alphas, folds)``).

    Returns ``{model: {metric: array of shape (levels, reps)}}`` (``METRICS``): row 0 is
    the first level, the baseline of ``stats.dose_response_cells``.
    """
    out = {m: {k: np.empty((len(levels), reps)) for k in METRICS} for m in models}
    for rep in range(reps):
        for li, data in enumerate(draw_levels(regime, factor, levels, [seed, rep])):
            for m, fitted in fit_models(models, data.X, data.y, seed + rep, grid).items():
                risk = excess_risk(data, fitted.coef, fitted.intercept)
                out[m]["risk"][li, rep] = risk
                out[m]["relative_risk"][li, rep] = risk / null_risk(data)
                out[m]["coef_error"][li, rep] = float(np.sum((fitted.coef - data.w) ** 2))
    return out


def run_sweeps(ctx, regimes, factor, levels, models, reps, seed):
    """``sweep`` of each base regime, in parallel over the regimes."""
    return Parallel(n_jobs=ctx.n_jobs)(
        delayed(sweep)(r, factor, levels, models, reps, seed + i, ctx.cv_grid)
        for i, r in enumerate(regimes))


def pooled_sweeps(first, second):
    """Two runs of the same sweeps on independent draws, as one with both draws' reps."""
    return [{m: {k: np.hstack([s[m][k], t[m][k]]) for k in s[m]} for m in s}
            for s, t in zip(first, second, strict=True)]


def less_affected(sweeps, a, b, metric, seed):
    """Is ``a`` less affected than ``b`` by the factor? Dose cells of every sweep on both
    scales (relative to each model's own baseline, and loss added), Holm-corrected over
    all the doses of all the sweeps at once; one outcome per (sweep, dose)."""
    rng = np.random.default_rng(seed)
    decided = {}
    for scale in ("ratio", "difference"):
        raw = [cell for s in sweeps
               for cell in st.dose_cells(s[a][metric], s[b][metric], rng, scale)]
        decided[scale] = st.decide_cells(raw)
    return st.on_both_scales(decided["ratio"], decided["difference"])


def mean_change(sweeps, models, metric):
    """Each model's mean loss at each dose over its own baseline's mean, per sweep:
    ``[{model: [1.0, ...]}]``."""
    return [{m: (s[m][metric].mean(axis=1) / s[m][metric][0].mean()).tolist()
             for m in models} for s in sweeps]


def dose_labels(regimes, levels, name):
    """"<regime>, <name>=<level>" for every dose above the baseline of every regime."""
    return [f"{r.label()}, {name}={level:g}" for r in regimes for level in levels[1:]]
