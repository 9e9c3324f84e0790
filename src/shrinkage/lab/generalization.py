"""The regime grid: no penalty, L1, L2 and elastic net, each tuned by cross-validation,
on the same draws, judged by the exact excess risk. Most claims about which penalty
generalizes, selects or stays sparse are read off this one grid."""

import numpy as np
from joblib import Parallel, delayed

from . import stats as st
from .figures import outcome_map
from .registry import ClaimResult, ExperimentResult, experiment
from .simulate import EN_RATIOS, MODELS, N_ALPHAS, Regime, evaluate, grid_edge_shares

DIMS = {"low-dimensional": (200, 40), "high-dimensional": (100, 200)}
GRID = [Regime(n, p, k=k, rho=rho, snr=snr)
        for n, p in DIMS.values() for k in (5, None) for rho in (0.0, 0.8)
        for snr in (1.0, 4.0)]
REPS = {"full": 50, "quick": 10}
#: C18: L2 is "a good starting point" where its mean risk is within this factor of the best
START_TOLERANCE = 1.10
#: C20: a tuned model "performs well" where its excess risk is at most this share of the
#: risk of predicting zero (the signal variance)
GOOD_SHARE = 0.5

DESIGN = {
    "quantifier": {"C02a": "tendency", "C02b": "tendency", "C04a": "tendency",
                   "C04b": "universal", "C05a": "tendency", "C07": "can",
                   "C09": "tendency", "C12": "tendency", "C13": "tendency",
                   "C14a": "tendency", "C14b": "tendency", "C15": "tendency", "C16": "can",
                   "C17a": "tendency", "C17b": "tendency", "C18": "tendency",
                   "C19a": "can", "C19b": "not-testable", "C20": "universal"},
    "factor": "a grid of n, p, sparsity, correlation and signal-to-noise (several factors "
              "at once)",
    "comparison": "each tuned penalty against no penalty and against the other, on the same"
                  " draws",
    "data": "Gaussian features with correlation rho^|i-j|, a linear truth (k=5 non-zero "
            "coefficients of size 0.5-1.5 with random signs, or all N(0,1)), Gaussian noise "
            "at the given signal-to-noise ratio (sd of signal / sd of noise)",
    "regimes": [r.as_dict() for r in GRID],
    "models": f"no penalty (least squares, minimum norm when p > n); LassoCV; RidgeCV "
              f"(leave-one-out); ElasticNetCV over l1_ratio {list(EN_RATIOS)}; "
              f"{N_ALPHAS} alphas, 5 folds",
    "metric": "exact excess risk (w_hat - w)' Sigma (w_hat - w) + b_hat^2",
    "repetitions": REPS,
    "decision": f"per cell, a paired Wilcoxon signed-rank test Holm-corrected over the "
                f"cells of the claim (alpha {st.ALPHA}) and a relative effect of at least "
                f"{st.MIN_EFFECT:.0%} with a bootstrap interval of one sign; 'A better "
                "than B': true if A wins every cell, false if no cell, depends otherwise. "
                "Counting claims (zeros, selection) are checked in every cell by their "
                "wording: a universal one (C04b, C20) false on one failing cell, a 'can' "
                "one (C07, C16) true on one passing cell, a tendency true everywhere, "
                "false nowhere, depends otherwise. A whole combines its parts as "
                "claims.md says.",
}


def _cell(regime, reps, seed):
    def extra(data, coef):
        null = data.w == 0
        return {"false_positives": int(np.sum((coef != 0) & null)),
                "true_positives": int(np.sum((coef != 0) & ~null))}
    return evaluate(regime, MODELS, reps, seed, extra=extra)


def _compare(cells, a, b, rows, seed):
    """Paired A-vs-B cells over ``rows`` (indices into the grid), Holm within them."""
    rng = np.random.default_rng(seed)
    raw = []
    for i in rows:
        loss_b = cells[i][b]["risk"] if isinstance(b, str) else b(cells[i])
        raw.append(st.paired_cell(cells[i][a]["risk"], loss_b, rng))
    return st.decide_cells(raw)


def _best_single(cell):
    """Risks of whichever of L1 and L2 has the lower mean risk in this cell."""
    return min((cell["l1"]["risk"], cell["l2"]["risk"]), key=np.mean)


def _checks_evidence(values, passed, rows):
    return [{"regime": GRID[i].label(), "value": v, "passed": bool(p)}
            for v, p, i in zip(values, passed, rows)]


def whole(cid, *verdicts):
    """The verdict of ``cid`` from its parts' (a, b, ...) as claims.md combines them."""
    parts = [f"{cid}{chr(ord('a') + i)}" for i in range(len(verdicts))]
    return st.combine_parts(zip(verdicts, (DESIGN["quantifier"][p] for p in parts)))


@experiment("generalization", claims=("C02", "C04", "C05", "C07", "C09", "C12", "C13",
                                      "C14", "C15", "C16", "C17", "C18", "C19", "C20"),
            title="L1, L2, elastic net and no penalty over a regime grid", design=DESIGN)
def run(ctx):
    reps = ctx.reps(REPS["full"], REPS["quick"])
    cells = Parallel(n_jobs=ctx.n_jobs)(
        delayed(_cell)(regime, reps, ctx.seed * 1000 + i) for i, regime in enumerate(GRID))
    every = list(range(len(GRID)))
    sparse = [i for i in every if GRID[i].k is not None]
    high = [i for i in every if GRID[i].p > GRID[i].n]
    low = [i for i in every if GRID[i].p <= GRID[i].n]
    out = []

    def claim_from(cid, decided, rows, a_name, b_name, verb=None):
        verdict = st.verdict_a_better(c.outcome for c in decided)
        out.append(ClaimResult(cid, verdict, (verb or "") + st.tally(decided, a_name, b_name)
                               + " (excess risk).",
                               {"cells": st.cell_records(decided,
                                                         [GRID[i].label() for i in rows])},
                               [GRID[i].label() for i in rows]))
        return verdict

    def check_from(cid, values, passed, rows, sentence):
        verdict = st.verdict_by_quantifier(DESIGN["quantifier"][cid], passed)
        out.append(ClaimResult(cid, verdict, sentence.format(
            passed=sum(passed), total=len(passed)),
            {"checks": _checks_evidence(values, passed, rows)},
            [GRID[i].label() for i in rows]))
        return verdict

    s = ctx.seed
    l1_none, l2_none = _compare(cells, "l1", "none", every, s), \
        _compare(cells, "l2", "none", every, s)
    l1_l2, l2_l1 = _compare(cells, "l1", "l2", every, s), _compare(cells, "l2", "l1", every, s)
    en_best = _compare(cells, "elasticnet", _best_single, every, s)
    v2a = claim_from("C02a", l1_none, every, "L1", "no penalty")
    v2b = claim_from("C02b", l2_none, every, "L2", "no penalty")
    out.append(ClaimResult("C02", whole("C02", v2a, v2b),
                           f"L1 improved on no penalty: {v2a}; L2: {v2b}."))

    def zeros(m, i):
        return cells[i][m]["zeros_exact"]

    v4a = check_from("C04a", [float(np.mean(zeros("l1", i))) for i in every],
                     [bool(np.all(zeros("l1", i) > 0)) for i in every], every,
                     "The tuned lasso had exact zeros in every repetition in {passed} of "
                     "{total} regimes.")
    v4b = check_from("C04b", [float(np.mean(zeros("l2", i))) for i in every],
                     [bool(np.all(zeros("l2", i) == 0)) for i in every], every,
                     "Tuned ridge kept every weight non-zero in {passed} of {total} regimes.")
    out.append(ClaimResult("C04", whole("C04", v4a, v4b),
                           f"L1 sparse: {v4a}; L2 small but non-zero: {v4b}."))
    nnz = [(float(np.mean(cells[i]["l1"]["nnz"])), float(np.mean(cells[i]["l2"]["nnz"])))
           for i in every]
    check_from("C05a", nnz, [a < b for a, b in nnz], every,
               "The tuned lasso kept fewer features than tuned ridge in {passed} of {total} "
               "regimes.")
    check_from("C07", [float(np.mean(zeros("l2", i) > 0)) for i in every],
               [bool(np.mean(zeros("l2", i) > 0) > 0.5) for i in every], every,
               "Ridge set any weight exactly to zero (selected features) in most repetitions "
               "in {passed} of {total} regimes.")
    claim_from("C09", en_best, every, "elastic net", "the better of L1 and L2")
    claim_from("C12", l1_l2, every, "L1", "L2")
    claim_from("C13", l2_l1, every, "L2", "L1")
    v14a = check_from("C14a", nnz, [a < b for a, b in nnz], every,
                      "L1 gave the smaller (more interpretable) model in {passed} of {total} "
                      "regimes.")
    v14b = claim_from("C14b", l2_l1, every, "L2", "L1")
    out.append(ClaimResult("C14", whole("C14", v14a, v14b),
                           f"L1 more interpretable: {v14a}; L2 more accurate: {v14b}."))
    claim_from("C15", _compare(cells, "l1", "l2", sparse, s + 1), sparse, "L1", "L2",
               "Where only 5 features matter: ")
    fp = [float(np.mean(cells[i]["l1"]["false_positives"] > 0)) for i in sparse]
    check_from("C16", fp, [f > 0.5 for f in fp], sparse,
               "The tuned lasso picked up at least one null feature in most repetitions in "
               "{passed} of {total} sparse regimes.")
    v17a = claim_from("C17a", _compare(cells, "l1", "l2", high, s + 2), high, "L1", "L2",
                      "High-dimensional: ")
    v17b = claim_from("C17b", _compare(cells, "l2", "l1", low, s + 3), low, "L2", "L1",
                      "Low-dimensional: ")
    out.append(ClaimResult("C17", whole("C17", v17a, v17b),
                           f"L1 better in high dimension: {v17a}; L2 better in low "
                           f"dimension: {v17b}."))
    ratio = [float(np.mean(cells[i]["l2"]["risk"]) / min(
        np.mean(cells[i][m]["risk"]) for m in ("l1", "l2", "elasticnet"))) for i in every]
    check_from("C18", ratio, [r <= START_TOLERANCE for r in ratio], every,
               f"Ridge was within {START_TOLERANCE - 1:.0%} of the best penalty's risk in "
               "{passed} of {total} regimes.")
    outcomes = {c.outcome for c in l1_l2}
    v19a = st.TRUE if len(outcomes) > 1 else st.FALSE
    out.append(ClaimResult("C19a", v19a, f"The L1-vs-L2 outcome took {len(outcomes)} "
                           f"different values ({', '.join(sorted(outcomes))}) over the grid.",
                           {"outcomes": [c.outcome for c in l1_l2]}))
    out.append(ClaimResult("C19b", st.NOT_TESTABLE, "Personal preference is not a property "
                           "of data; the grid shows the choice is measurable per problem."))
    out.append(ClaimResult("C19", whole("C19", v19a, st.NOT_TESTABLE),
                           f"Depends on the problem: {v19a}; personal preference: not "
                           "testable (a part that cannot be tested never makes the whole "
                           "true)."))
    share = [float(max(np.mean(cells[i][m]["risk"]) for m in ("l1", "l2"))
                   / np.mean(cells[i]["null_risk"])) for i in every]
    check_from("C20", share, [v <= GOOD_SHARE for v in share], every,
               f"Both tuned L1 and L2 kept their excess risk under {GOOD_SHARE:.0%} of the "
               "signal variance in {passed} of {total} regimes.")
    labels = [GRID[i].label() for i in every]
    columns = ["L1 vs none", "L2 vs none", "L1 vs L2", "EN vs best of L1/L2"]
    families = [l1_none, l2_none, l1_l2, en_best]
    figure = outcome_map(labels, columns,
                         [[f[i].outcome for f in families] for i in every],
                         [[f[i].effect for f in families] for i in every],
                         "Excess risk over the regime grid")
    checks = {c.id: {e["regime"]: e for e in c.evidence["checks"]}
              for c in out if "checks" in c.evidence}
    check_ids = [cid for cid in ("C04a", "C04b", "C05a", "C07", "C16", "C18", "C20")
                 if cid in checks]

    def cell(cid, label):
        entry = checks[cid].get(label)
        return (None, None) if entry is None else (entry["passed"], entry["value"])

    grid = [[cell(cid, label) for cid in check_ids] for label in labels]
    check_figure = outcome_map(
        labels, check_ids, [[c[0] for c in row] for row in grid],
        [[c[1] for c in row] for row in grid], "The counting claims, regime by regime",
        legend="(green: the claim's check holds, red: it fails, white: not run; number: "
               "the measured value)",
        label=lambda v: ", ".join(f"{x:.3g}" for x in np.ravel(v)))
    mean_risk = {GRID[i].label(): {m: float(np.mean(cells[i][m]["risk"])) for m in MODELS}
                 for i in every}
    return ExperimentResult(out, {"Who wins where (excess risk)": figure,
                                  "Where the counting claims hold": check_figure},
                            {"mean_excess_risk": mean_risk, "repetitions": reps,
                             "fits_at_grid_edge": grid_edge_shares(cells, MODELS)})
