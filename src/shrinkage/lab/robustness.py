"""Claims about outliers, feature scales and collinearity: tuned L1 and L2 on paired draws
with one thing changed."""

import numpy as np
from joblib import Parallel, delayed
from sklearn.preprocessing import StandardScaler

from . import stats as st
from .figures import outcome_map
from .registry import ClaimResult, ExperimentResult, experiment
from .simulate import Regime, draw, excess_risk, fit

OUTLIER_GRID = [Regime(n, p, k=5, rho=0.5, snr=4.0, outliers=f)
                for n, p in ((200, 40), (100, 200)) for f in (0.05, 0.2)]
SCALE_GRID = [Regime(n, p, k=k, rho=0.3, snr=4.0, scale_decades=d)
              for n, p in ((200, 40), (100, 200)) for k in (5, None) for d in (2.0, 4.0)]
COLLINEAR_GRID = [Regime(100, 40, k=k, rho=rho, snr=snr)
                  for k in (5, None) for rho in (0.9, 0.99) for snr in (1.0, 4.0)]
REPS = {"full": 40, "quick": 10}


def _fit_risk(name, data, X, y, seed, unscale=None):
    model = fit(name, X, y, seed)
    coef = np.ravel(model.coef_)
    intercept = float(np.ravel(model.intercept_)[0])
    if unscale is not None:  # back from standardized columns to the raw ones
        mean, scale = unscale
        coef = coef / scale
        intercept -= coef @ mean
    return excess_risk(data, coef, intercept)


#: the squared-loss models of the claims, and the Huber loss with the same penalties:
#: the positive control that shows where robustness comes from
OUTLIER_MODELS = ("l1", "l2", "huber_l1", "huber_l2")


def _outlier_cell(regime, reps, seed):
    rng = np.random.default_rng(seed)
    out = {f"{m}{part}": [] for m in OUTLIER_MODELS for part in ("", "_increase", "_risk")}
    for rep in range(reps):
        data = draw(regime, rng)
        for m in OUTLIER_MODELS:
            clean = _fit_risk(m, data, data.X, data.clean_y, seed + rep)
            dirty = _fit_risk(m, data, data.X, data.y, seed + rep)
            out[m].append(dirty / clean)  # how many times worse the outliers made it
            out[f"{m}_increase"].append(dirty - clean)  # and by how much
            out[f"{m}_risk"].append(dirty)  # what a user fitting the dirty data gets
    return {m: np.array(v) for m, v in out.items()}


def _both_scales(ratio, increase, cells):
    """"Less affected" must hold on the relative and the absolute scale: a ratio alone
    flatters the method whose clean risk was already worse."""
    from .stats import Cell

    merged = []
    for r, a, cell in zip(ratio, increase, cells):
        harmed = min(np.mean(cell["l1_increase"]), np.mean(cell["l2_increase"])) > 0
        outcome = r.outcome if r.outcome == a.outcome and harmed else "tie"
        merged.append(Cell(r.effect, r.ci, r.p_value, r.p_adjusted, outcome))
    return merged


def _scale_cell(regime, reps, seed):
    rng = np.random.default_rng(seed)
    out = {"normalized": [], "raw": []}
    for rep in range(reps):
        data = draw(regime, rng)
        scaler = StandardScaler().fit(data.X)
        Z = np.asfortranarray(scaler.transform(data.X))
        out["normalized"].append(_fit_risk("l2", data, Z, data.y, seed + rep,
                                           unscale=(scaler.mean_, scaler.scale_)))
        out["raw"].append(_fit_risk("l2", data, data.X, data.y, seed + rep))
    return {m: np.array(v) for m, v in out.items()}


def _collinear_cell(regime, reps, seed):
    rng = np.random.default_rng(seed)
    out = {"l1": [], "l2": [], "none": []}
    for rep in range(reps):
        data = draw(regime, rng)
        for m in out:
            out[m].append(_fit_risk(m, data, data.X, data.y, seed + rep))
    return {m: np.array(v) for m, v in out.items()}


def _decide(cells, a, b, seed):
    rng = np.random.default_rng(seed)
    return st.decide_cells([st.paired_cell(c[a], c[b], rng) for c in cells])


def _evidence(decided, grid):
    return st.cell_records(decided, [r.label() for r in grid])


def _run_grid(ctx, grid, cell):
    reps = ctx.reps(REPS["full"], REPS["quick"])
    return Parallel(n_jobs=ctx.n_jobs)(
        delayed(cell)(r, reps, ctx.seed * 1000 + 500 + i) for i, r in enumerate(grid))


@experiment("outliers", claims=("C21", "C22"),
            title="Outliers in the target: does the penalty decide who suffers more?",
            design={"quantifier": {"C21": "tendency", "C22": "tendency"},
                    "factor": "the share of targets made outliers",
                    "comparison": "tuned L1 against tuned L2 (and the Huber loss as a "
                                  "positive control) on the same contaminated draws",
                    "data": "sparse truth (k=5), rho 0.5, snr 4; a fraction of targets "
                            "shifted by 10 noise standard deviations",
                    "regimes": [r.as_dict() for r in OUTLIER_GRID],
                    "models": "LassoCV and RidgeCV, each fitted on the clean and on the "
                              "contaminated targets of the same draw; the positive "
                              "control: HuberRegressorCV with the same penalties (l1_ratio "
                              "1 and 0; delta: 1.35 robust sds of a pilot fit's residuals) "
                              "on the same data",
                    "metric": "excess risk with outliers / excess risk without, and with "
                              "minus without: 'less affected' must win on both scales",
                    "repetitions": REPS,
                    "decision": "paired cells as in the grid on each scale; a method is "
                                "less affected in a cell only if it wins on both scales (and "
                                "the outliers did harm both); C21 'L1 less affected': true "
                                "if in every cell, false if in none; C22 the reverse. The "
                                "control compares the excess risk on the contaminated "
                                "data of the Huber loss against the squared loss, penalty "
                                "by penalty (paired cells)"})
def run_outliers(ctx):
    cells = _run_grid(ctx, OUTLIER_GRID, _outlier_cell)
    # the absolute scale compares the mean increases (mean outlier harm is positive here;
    # a cell where it is not for one method cannot say which is less affected: a tie)
    by_ratio = _decide(cells, "l1", "l2", ctx.seed)
    by_increase = _decide(cells, "l1_increase", "l2_increase", ctx.seed)
    l1_first = _both_scales(by_ratio, by_increase, cells)
    l2_first = _both_scales(_decide(cells, "l2", "l1", ctx.seed),
                            _decide(cells, "l2_increase", "l1_increase", ctx.seed), cells)
    mean = [{m: float(np.mean(c[m])) for m in c} for c in cells]
    # the positive control: the loss changed, the penalty kept
    loss_l1 = _decide(cells, "huber_l1_risk", "l1_risk", ctx.seed + 1)
    loss_l2 = _decide(cells, "huber_l2_risk", "l2_risk", ctx.seed + 2)
    figure = outcome_map([r.label() for r in OUTLIER_GRID],
                         ["L1 vs L2 (degradation)", "Huber vs squared, L1 (risk)",
                          "Huber vs squared, L2 (risk)"],
                         [[a.outcome, b.outcome, c.outcome]
                          for a, b, c in zip(l1_first, loss_l1, loss_l2)],
                         [[a.effect, b.effect, c.effect]
                          for a, b, c in zip(l1_first, loss_l1, loss_l2)],
                         "Outliers: the penalty (column 1) against the loss (2, 3)")
    note = (" Relative to its clean risk, " + st.tally(by_ratio, "L1", "L2")
            + "; in absolute excess risk added, " + st.tally(by_increase, "L1", "L2")
            + ". Outliers multiplied the excess risk by "
            + ", ".join(f"{m['l1']:.2g} (L1) / {m['l2']:.2g} (L2)" for m in mean)
            + ". The positive control changes the loss and keeps the penalty: "
            + st.tally(loss_l1, "Huber + L1", "squared + L1") + "; "
            + st.tally(loss_l2, "Huber + L2", "squared + L2") + "; with the Huber loss "
            "the outliers multiplied the excess risk by "
            + ", ".join(f"{m['huber_l1']:.2g} (L1) / {m['huber_l2']:.2g} (L2)" for m in mean)
            + ". Robustness to outliers comes from the loss, not from the penalty on the "
            "weights: with wild targets, keep the penalty the data call for and fit the "
            "Huber loss (HuberRegressorCV, or shrinkage compare --loss huber).")
    return ExperimentResult([
        ClaimResult("C21", st.verdict_a_better(c.outcome for c in l1_first),
                    "L1 less affected: " + st.tally(l1_first, "L1", "L2") + "." + note,
                    {"cells": _evidence(l1_first, OUTLIER_GRID), "mean_degradation": mean,
                     "by_ratio": _evidence(by_ratio, OUTLIER_GRID),
                     "by_increase": _evidence(by_increase, OUTLIER_GRID),
                     "huber_vs_squared_l1": _evidence(loss_l1, OUTLIER_GRID),
                     "huber_vs_squared_l2": _evidence(loss_l2, OUTLIER_GRID)},
                    [r.label() for r in OUTLIER_GRID]),
        ClaimResult("C22", st.verdict_a_better(c.outcome for c in l2_first),
                    "L2 less affected: " + st.tally(l2_first, "L2", "L1") + ".",
                    {"cells": _evidence(l2_first, OUTLIER_GRID)},
                    [r.label() for r in OUTLIER_GRID])],
        {"Outliers: degradation of L1 against L2": figure})


@experiment("normalization", claims=("C26",),
            title="Ridge on features of very different scales, with and without "
                  "standardizing",
            design={"quantifier": {"C26": "can"},
                    "factor": "the spread of the feature scales",
                    "comparison": "ridge on raw features against ridge on standardized "
                                  "features",
                    "data": "feature scales spread over 2 or 4 decades (the truth "
                            "rescaled so that the signal is unchanged)",
                    "regimes": [r.as_dict() for r in SCALE_GRID],
                    "models": "RidgeCV on standardized columns against RidgeCV on the raw "
                              "ones",
                    "metric": "exact excess risk in the raw units",
                    "repetitions": REPS,
                    "decision": "paired cells; a 'can' claim: true if the standardized "
                                "fit wins at least one cell, false if none"})
def run_normalization(ctx):
    cells = _run_grid(ctx, SCALE_GRID, _scale_cell)
    decided = _decide(cells, "normalized", "raw", ctx.seed)
    figure = outcome_map([r.label() for r in SCALE_GRID], ["standardized vs raw"],
                         [[c.outcome] for c in decided], [[c.effect] for c in decided],
                         "Ridge: standardized (A) against raw columns (B)")
    return ExperimentResult([ClaimResult(
        "C26", st.verdict_can(c.outcome == "A" for c in decided),
        "Not normalizing hurt ridge where the standardized fit won: "
        + st.tally(decided, "standardized", "raw") + ". Unscaled ridge over-shrinks "
        "small-scale features and under-shrinks large-scale ones.",
        {"cells": _evidence(decided, SCALE_GRID)}, [r.label() for r in SCALE_GRID])],
        {"Normalization and ridge": figure})


@experiment("collinearity", claims=("C27",),
            title="Strongly correlated features: is collinearity a weakness of L2?",
            design={"quantifier": {"C27": "can"},
                    "factor": "the correlation between neighbouring features",
                    "comparison": "ridge's coefficient error against least squares' and the"
                                  " lasso's",
                    "data": "n=100, p=40, correlation 0.9 or 0.99 between neighbours",
                    "regimes": [r.as_dict() for r in COLLINEAR_GRID],
                    "models": "LassoCV, RidgeCV, least squares",
                    "metric": "exact excess risk",
                    "repetitions": REPS,
                    "decision": "a disadvantage of L2 where L1 beats it (paired cells); a "
                                "'can' claim: true if in at least one cell, false if in "
                                "none; L2 against least squares is reported beside it"})
def run_collinearity(ctx):
    cells = _run_grid(ctx, COLLINEAR_GRID, _collinear_cell)
    l1_l2 = _decide(cells, "l1", "l2", ctx.seed)
    l2_ols = _decide(cells, "l2", "none", ctx.seed + 1)
    labels = [r.label() for r in COLLINEAR_GRID]
    figure = outcome_map(labels, ["L1 vs L2", "L2 vs least squares"],
                         [[a.outcome, b.outcome] for a, b in zip(l1_l2, l2_ols)],
                         [[a.effect, b.effect] for a, b in zip(l1_l2, l2_ols)],
                         "Collinear designs")
    return ExperimentResult([ClaimResult(
        "C27", st.verdict_can(c.outcome == "A" for c in l1_l2),
        "L2 counts as hurt by collinearity where L1 beat it: " + st.tally(l1_l2, "L1", "L2")
        + ". Against least squares, " + st.tally(l2_ols, "L2", "least squares")
        + ": ridge is the classic remedy for collinearity, not its victim.",
        {"l1_vs_l2": _evidence(l1_l2, COLLINEAR_GRID),
         "l2_vs_least_squares": _evidence(l2_ols, COLLINEAR_GRID)}, labels)],
        {"Collinearity": figure})
