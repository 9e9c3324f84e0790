"""The regime grid: no penalty, L1, L2 and elastic net, each tuned by cross-validation,
on the same draws, judged by the exact excess risk. Most claims about which penalty
generalizes, selects or stays sparse are read off this one grid."""

import numpy as np
from joblib import Parallel, delayed

from . import stats as st
from .figures import outcome_map
from .registry import ClaimResult, ExperimentResult, experiment
from .simulate import EN_RATIOS, N_ALPHAS, Regime, evaluate, grid_edge_shares

#: the models of the grid (the family's from one elastic-net CV fit)
MODELS = ("none", "l1", "l2", "elasticnet", "component")

DIMS = {"low-dimensional": (200, 40), "high-dimensional": (100, 200)}
#: the regimes the literature names as deciding, beside the factorial grid: the lasso's
#: irrepresentable condition broken by a decoy, a very low signal-to-noise ratio, p five
#: times n with sparse and dense truths, and Zou and Hastie's correlated groups (p < n and
#: p >> n)
DECIDING = [Regime(100, 40, k=5, snr=4.0, decoy=1.5), Regime(100, 200, k=5, snr=4.0, decoy=1.5),
            Regime(200, 40, k=5, rho=0.5, snr=0.25), Regime(100, 200, k=5, rho=0.5, snr=0.25),
            Regime(100, 500, k=5, rho=0.5, snr=2.0), Regime(100, 500, rho=0.5, snr=2.0),
            Regime(50, 40, k=15, snr=2.0, groups=3), Regime(50, 400, k=15, snr=2.0, groups=3)]
GRID = [Regime(n, p, k=k, rho=rho, snr=snr)
        for n, p in DIMS.values() for k in (5, None) for rho in (0.0, 0.8)
        for snr in (1.0, 4.0)] + DECIDING
REPS = {"full": 50, "quick": 8}
#: C18: L2 is "a good starting point" where its mean risk is within this factor of the best
START_TOLERANCE = 1.10
#: C20: a tuned model "performs well" where its excess risk is at most this share of the
#: risk of predicting zero (the signal variance)
GOOD_SHARE = 0.5

DESIGN = {
    "quantifier": {"C02a": "tendency", "C02b": "tendency", "C04a": "tendency",
                   "C04b": "universal", "C05a": "tendency", "C07": "can",
                   "C09a": "can", "C09b": "tendency", "C12": "tendency", "C13": "tendency",
                   "C14a": "tendency", "C14b": "tendency", "C15": "tendency", "C16": "can",
                   "C18": "tendency", "C19a": "can", "C19b": "not-testable",
                   "C20": "universal"},
    "factor": "a factorial grid of n, p, sparsity, correlation and signal-to-noise, and "
              "the regimes named as deciding (a decoy breaking the lasso's irrepresentable "
              "condition, snr 0.25, p = 5 n, Zou and Hastie's correlated groups)",
    "comparison": "each tuned penalty against no penalty and against the other, on the same"
                  " draws; the elastic net against its components tuned on the same folds "
                  "and alphas",
    "data": "Gaussian features with correlation rho^|i-j|, a linear truth (k=5 non-zero "
            "coefficients of size 0.5-1.5 with random signs, or all N(0,1)), Gaussian noise "
            "at the given signal-to-noise ratio (sd of signal / sd of noise); decoy: a null "
            "feature a.sum_S sign(w_j) x_j + noise with irrepresentable index 1.5; groups: 3 "
            "groups of 5 features correlated 0.99 carrying the signal",
    "regimes": [r.as_dict() for r in GRID],
    "models": f"no penalty (least squares, minimum norm when p > n); one ElasticNetCV over "
              f"l1_ratio {list(EN_RATIOS)} ({N_ALPHAS} alphas per l1_ratio, 5 folds): the "
              "lasso is its l1_ratio=1 row, ridge its l1_ratio=0 row, each at its own best "
              "alpha, the elastic net its overall choice, and 'the CV-chosen component' "
              "the one of lasso and ridge with the lower CV error",
    "metric": "exact excess risk (w_hat - w)' Sigma (w_hat - w) + b_hat^2; beside it the "
              "overfitting gap: expected squared error on new data minus the training one",
    "repetitions": REPS,
    "decision": f"per cell, a paired Wilcoxon signed-rank test Holm-corrected over the "
                f"cells of the claim (alpha {st.ALPHA}) and a relative effect of at least "
                f"{st.MIN_EFFECT:.0%} with a bootstrap interval of one sign; 'A better "
                "than B': true if A wins every cell, false if no cell, depends otherwise. "
                "Counting claims (zeros, selection) are checked in every cell by their "
                "wording: a universal one (C04b, C20) false on one failing cell, a 'can' "
                "one (C07, C09a, C16) true on one passing cell, a tendency true everywhere, "
                "false nowhere, depends otherwise. A whole combines its parts as "
                "claims.md says. 'Prevents overfitting' (C02, C12, C13) rests on the excess "
                "risk against no penalty (the essay defines overfitting by performance on "
                "new data, L17); the train-test gap is reported beside it.",
}


def _cell(regime, reps, seed, grid):
    def extra(data, coef):
        null, selected = data.w == 0, coef != 0
        decoy = regime.decoy and bool(selected[np.flatnonzero(null)[0]])
        return {"false_positives": int(np.sum(selected & null)),
                "true_positives": int(np.sum(selected & ~null)),
                "support_exact": bool(np.array_equal(selected, ~null)),
                "decoy_selected": bool(decoy)}
    return evaluate(regime, MODELS, reps, seed, extra=extra, grid=grid)


def _compare(cells, a, b, rows, seed):
    """Paired A-vs-B cells over ``rows`` (indices into the grid), Holm within them."""
    rng = np.random.default_rng(seed)
    return st.decide_cells([st.paired_cell(cells[i][a]["risk"], cells[i][b]["risk"], rng)
                            for i in rows])


def _checks_evidence(values, passed, rows):
    return [{"regime": GRID[i].label(), "value": v, "passed": bool(p)}
            for v, p, i in zip(values, passed, rows)]


def _by_truth(passed, rows):
    """``{"sparse-truth": (passed, total), "dense-truth": (...)}`` over ``rows``."""
    counts = {"sparse-truth": [0, 0], "dense-truth": [0, 0]}
    for ok, i in zip(passed, rows):
        kind = counts["dense-truth" if GRID[i].k is None else "sparse-truth"]
        kind[0] += bool(ok)
        kind[1] += 1
    return counts


def _where(decided, rows, who):
    """Where ``who`` ("A" or "B") won, by the truth's kind: "3 of 12 sparse-truth and 0 of
    10 dense-truth regimes"."""
    counts = _by_truth([c.outcome == who for c in decided], rows)
    return " and ".join(f"{k} of {n} {kind}" for kind, (k, n) in counts.items()
                        if n) + " regimes"


def _where_close(ratio, rows):
    """Where ridge was within ``START_TOLERANCE`` of the best, by the truth's kind."""
    (s, n_s), (d, n_d) = _by_truth([r <= START_TOLERANCE for r in ratio], rows).values()
    return (f"ridge was close to the best in {d} of {n_d} dense-truth and {s} of {n_s} "
            "sparse-truth regimes")


def _none_won(*families):
    """Where no penalty beat a tuned one, in words (empty list: nowhere)."""
    won = sorted({GRID[i].label() for family in families for i, c in enumerate(family)
                  if c.outcome == "B"})
    return (f"; no penalty won with {'; '.join(won)}." if won
            else "; fitting without one won nowhere here.")


def whole(cid, *verdicts):
    """The verdict of ``cid`` from its parts' (a, b, ...) as claims.md combines them."""
    parts = [f"{cid}{chr(ord('a') + i)}" for i in range(len(verdicts))]
    return st.combine_parts(zip(verdicts, (DESIGN["quantifier"][p] for p in parts)))


class _GridClaims:
    """The cells of the grid and the claims decided on them, in the order decided."""

    def __init__(self, cells):
        self.cells, self.out = cells, []

    def claim_from(self, cid, decided, rows, a_name, b_name, practical, verb=""):
        """An A-better-than-B claim from its decided cells over ``rows``; its verdict."""
        verdict = st.verdict_a_better(c.outcome for c in decided)
        self.out.append(ClaimResult(cid, verdict, verb + st.tally(decided, a_name, b_name)
                                    + " (excess risk).",
                                    {"cells": st.cell_records(decided, [GRID[i].label()
                                                                        for i in rows])},
                                    [GRID[i].label() for i in rows], practical))
        return verdict

    def check_from(self, cid, values, passed, rows, sentence, practical):
        """A counting claim from its checks over ``rows``, by its wording; its verdict."""
        verdict = st.verdict_by_quantifier(DESIGN["quantifier"][cid], passed)
        self.out.append(ClaimResult(cid, verdict, sentence.format(
            passed=sum(passed), total=len(passed)),
            {"checks": _checks_evidence(values, passed, rows)},
            [GRID[i].label() for i in rows], practical))
        return verdict

    def mean(self, m, key, i):
        """Model ``m``'s mean ``key`` over the repetitions of cell ``i``."""
        return float(np.mean(self.cells[i][m][key]))


@experiment("generalization", claims=("C02", "C04", "C05", "C07", "C09", "C12", "C13",
                                      "C14", "C15", "C16", "C18", "C19", "C20"),
            title="L1, L2, elastic net and no penalty over a regime grid", design=DESIGN)
def run(ctx):
    reps = ctx.reps(REPS["full"], REPS["quick"])
    cells = Parallel(n_jobs=ctx.n_jobs)(
        delayed(_cell)(regime, reps, ctx.seed * 1000 + i, ctx.cv_grid)
        for i, regime in enumerate(GRID))
    every = list(range(len(GRID)))
    sparse = [i for i in every if GRID[i].k is not None]
    claims = _GridClaims(cells)
    s = ctx.seed
    l1_none, l2_none, gaps = _against_no_penalty(claims, every, s)
    nnz = _zeros(claims, every)
    _combination(claims, every, s)
    l1_l2 = _l1_against_l2(claims, every, s, gaps, nnz)
    _support(claims, sparse, s)
    _choice(claims, every, l1_l2)
    return _result(claims, every, s, reps, [l1_none, l2_none, l1_l2])


def _against_no_penalty(claims, every, seed):
    """C02: each tuned penalty against no penalty, with the train-test gap beside it.
    Returns the two families of decided cells and the median gaps."""
    cells, mean = claims.cells, claims.mean
    l1_none, l2_none = _compare(cells, "l1", "none", every, seed), \
        _compare(cells, "l2", "none", every, seed)
    gaps = {m: float(np.median([mean(m, "gap", i) / np.mean(cells[i]["null_risk"])
                                for i in every]))
            for m in ("none", "l1", "l2")}
    gap_words = (f"the train-test gap (expected error on new data minus training error, "
                 f"over the signal variance; median over regimes) was {gaps['none']:.2g} "
                 f"without a penalty, {gaps['l1']:.2g} with L1 and {gaps['l2']:.2g} with L2, "
                 "but the verdict rests on the error on new data against no penalty")
    lost = {m: sum(c.outcome == "B" for c in d) for m, d in (("L1", l1_none),
                                                             ("L2", l2_none))}
    v2a = claims.claim_from("C02a", l1_none, every, "L1", "no penalty",
                            f"tuned by cross-validation, L1 lost to no penalty in "
                            f"{lost['L1']} of {len(every)} regimes: fit it tuned, not at a "
                            "fixed alpha.")
    v2b = claims.claim_from("C02b", l2_none, every, "L2", "no penalty",
                            f"tuned by cross-validation, L2 lost to no penalty in "
                            f"{lost['L2']} of {len(every)} regimes: fit it tuned, not at a "
                            "fixed alpha.")
    claims.out.append(ClaimResult("C02", whole("C02", v2a, v2b),
                                  f"L1 improved on no penalty: {v2a}; L2: {v2b}; {gap_words}.",
                                  {"median_gap_over_signal": gaps}, [],
                                  "a tuned penalty is the default"
                                  + _none_won(l1_none, l2_none)))
    return l1_none, l2_none, gaps


def _zeros(claims, every):
    """C04, C05a and C07: exact zeros and the size of the tuned lasso's and ridge's
    models. Returns their mean number of non-zeros per regime (lasso, ridge)."""
    cells, mean = claims.cells, claims.mean

    def zeros(m, i):
        return cells[i][m]["zeros_exact"]

    ridge_zero_regimes = sum(bool(np.any(zeros("l2", i) > 0)) for i in every)
    v4a = claims.check_from("C04a", [float(np.mean(zeros("l1", i))) for i in every],
                            [bool(np.all(zeros("l1", i) > 0)) for i in every], every,
                            "The tuned lasso had exact zeros in every repetition in {passed} "
                            "of {total} regimes.",
                            "for exact zeros (a model that reads fewer features), use L1 or "
                            "the elastic net.")
    v4b = claims.check_from("C04b", [float(np.mean(zeros("l2", i))) for i in every],
                            [bool(np.all(zeros("l2", i) == 0)) for i in every], every,
                            "Tuned ridge kept every weight non-zero in {passed} of {total} "
                            "regimes.",
                            f"ridge set a weight exactly to zero in {ridge_zero_regimes} "
                            "regimes: do not expect it to drop features.")
    claims.out.append(ClaimResult("C04", whole("C04", v4a, v4b),
                                  f"L1 sparse: {v4a}; L2 small but non-zero: {v4b}.", {}, [],
                                  "choose L1 when a short list of features is the goal, L2 "
                                  "when it is not."))
    nnz = [(mean("l1", "nnz", i), mean("l2", "nnz", i)) for i in every]
    claims.check_from("C05a", nnz, [a < b for a, b in nnz], every,
                      "The tuned lasso kept fewer features than tuned ridge in {passed} of "
                      "{total} regimes.", "the lasso gives the smaller model; how small "
                      "depends on the truth (see the counts).")
    claims.check_from("C07", [float(np.mean(zeros("l2", i) > 0)) for i in every],
                      [bool(np.mean(zeros("l2", i) > 0) > 0.5) for i in every], every,
                      "Ridge set any weight exactly to zero (selected features) in most "
                      "repetitions in {passed} of {total} regimes.",
                      "ridge shrinks every weight and selects none: to select features use "
                      "the lasso or the elastic net.")
    return nnz


def _l1_against_l2(claims, every, seed, gaps, nnz):
    """C12, C13 and C14: L1 and L2 against each other, with the train-test gap and the
    models' sizes (``nnz``, from ``_zeros``). Returns the L1-vs-L2 decided cells."""
    cells, mean = claims.cells, claims.mean
    l1_l2 = _compare(cells, "l1", "l2", every, seed)
    l2_l1 = _compare(cells, "l2", "l1", every, seed)
    where_l1, where_l2 = _where(l1_l2, every, "A"), _where(l1_l2, every, "B")
    choose = (f"choose per data set by cross-validation (shrinkage compare): L1 won "
              f"{where_l1}, L2 won {where_l2}.")
    smaller_gap = sum(mean("l1", "gap", i) < mean("l2", "gap", i) for i in every)
    gap_sentence = (f" The train-test gap was smaller with L1 in {smaller_gap} of "
                    f"{len(every)} regimes (medians over the signal variance: L1 "
                    f"{gaps['l1']:.2g}, L2 {gaps['l2']:.2g}); the verdict rests on the error "
                    "on new data, which is what overfitting costs (L17).")
    for cid, decided, a, b in (("C12", l1_l2, "L1", "L2"), ("C13", l2_l1, "L2", "L1")):
        claims.claim_from(cid, decided, every, a, b, choose)
        claims.out[-1].summary += gap_sentence
        claims.out[-1].evidence["gap_smaller_with_l1"] = smaller_gap
    v14a = claims.check_from("C14a", nnz, [a < b for a, b in nnz], every,
                             "L1 gave the smaller (more interpretable) model in {passed} of "
                             "{total} regimes.", "for a short model to read, the lasso.")
    v14b = claims.claim_from("C14b", l2_l1, every, "L2", "L1", choose)
    both = sum(a < b and st.won(c) is False for (a, b), c in zip(nnz, l2_l1))
    claims.out.append(ClaimResult("C14", whole("C14", v14a, v14b),
                                  f"L1 more interpretable: {v14a}; L2 more accurate: {v14b}.",
                                  {}, [],
                                  f"in {both} of {len(every)} regimes L1 gave the smaller "
                                  "model and ridge was not more accurate: there, nothing was "
                                  "traded."))
    return l1_l2


def _choice(claims, every, l1_l2):
    """C18, C19 and C20: whether ridge is a safe start, whether the choice depends on the
    problem (``l1_l2``, the L1-vs-L2 decided cells), and whether tuning is enough."""
    cells = claims.cells
    ratio = [float(np.mean(cells[i]["l2"]["risk"]) / min(
        np.mean(cells[i][m]["risk"]) for m in ("l1", "l2", "elasticnet"))) for i in every]
    claims.check_from("C18", ratio, [r <= START_TOLERANCE for r in ratio], every,
                      f"Ridge was within {START_TOLERANCE - 1:.0%} of the best penalty's risk "
                      "in {passed} of {total} regimes.",
                      _where_close(ratio, every) + f"; it cost up to {max(ratio):.2g} times "
                      "the best risk: start from the elastic net over l1_ratio 0 to 1 "
                      "instead (it contains ridge).")
    outcomes = {c.outcome for c in l1_l2 if c.outcome != st.UNDERPOWERED}
    v19a = st.TRUE if len(outcomes) > 1 else (
        st.UNDECIDED if any(c.outcome == st.UNDERPOWERED for c in l1_l2) else st.FALSE)
    claims.out.append(ClaimResult("C19a", v19a, f"The L1-vs-L2 outcome took {len(outcomes)} "
                                  f"different values ({', '.join(sorted(outcomes))}) over "
                                  "the grid.", {"outcomes": [c.outcome for c in l1_l2]}, [],
                                  "measure it on your data: shrinkage compare."))
    claims.out.append(ClaimResult("C19b", st.NOT_TESTABLE, "Personal preference is not a "
                                  "property of data; the grid shows the choice is measurable "
                                  "per problem.", {}, [],
                                  "let cross-validation choose, not taste."))
    claims.out.append(ClaimResult("C19", whole("C19", v19a, st.NOT_TESTABLE),
                                  f"Depends on the problem: {v19a}; personal preference: not "
                                  "testable (a part that cannot be tested never makes the "
                                  "whole true).", {}, [],
                                  "measure, do not prefer: shrinkage compare."))
    share = [float(max(np.mean(cells[i][m]["risk"]) for m in ("l1", "l2"))
                   / np.mean(cells[i]["null_risk"])) for i in every]
    failed = [GRID[i].label() for i, v in zip(every, share) if v > GOOD_SHARE]
    claims.check_from("C20", share, [v <= GOOD_SHARE for v in share], every,
                      f"Both tuned L1 and L2 kept their excess risk under {GOOD_SHARE:.0%} "
                      "of the signal variance in {passed} of {total} regimes.",
                      "a penalty is no guarantee: check the error on held-out data"
                      + (f" (it stayed high with {failed[0]}, among others)." if failed
                         else "."))


def _result(claims, every, seed, reps, families):
    """The experiment's result: the claims, the two maps of the grid and the mean risks
    and gaps per regime. ``families``: L1 vs none, L2 vs none and L1 vs L2 decided."""
    cells, mean = claims.cells, claims.mean
    labels = [GRID[i].label() for i in every]
    columns = ["L1 vs none", "L2 vs none", "L1 vs L2", "EN vs CV-chosen component"]
    families = families + [_compare(cells, "elasticnet", "component", every, seed + 4)]
    figure = outcome_map(labels, columns,
                         [[f[i].outcome for f in families] for i in every],
                         [[f[i].effect for f in families] for i in every],
                         "Excess risk over the regime grid")
    mean_risk = {GRID[i].label(): {m: float(np.mean(cells[i][m]["risk"])) for m in MODELS}
                 for i in every}
    gap = {GRID[i].label(): {m: mean(m, "gap", i) for m in ("none", "l1", "l2")}
           for i in every}
    return ExperimentResult(claims.out,
                            {"Who wins where (excess risk)": figure,
                             "Where the counting claims hold": _check_figure(claims.out,
                                                                             labels)},
                            {"mean_excess_risk": mean_risk, "mean_train_test_gap": gap,
                             "repetitions": reps,
                             "fits_at_grid_edge": grid_edge_shares(cells, MODELS)})


def _combination(claims, every, seed):
    """C09: the elastic net between its components in sparsity (a), and against the
    component a user would pick by the same cross-validation (b), with the CV noise."""
    cells, mean = claims.cells, claims.mean
    nnz = [(mean("l1", "nnz", i), mean("elasticnet", "nnz", i), mean("l2", "nnz", i))
           for i in every]
    v9a = claims.check_from("C09a", nnz, [a < e < b for a, e, b in nnz], every,
                            "The tuned elastic net kept strictly more features than the lasso "
                            "and fewer than ridge (on average) in {passed} of {total} "
                            "regimes.",
                            "the elastic net's l1_ratio is the dial between the lasso's "
                            "sparsity and ridge's grouping of correlated features.")
    decided = _compare(cells, "elasticnet", "component", every, seed + 4)
    ends = float(np.mean(np.concatenate([np.isin(cells[i]["elasticnet"]["l1_ratio"],
                                                 (0.0, 1.0)) for i in every])))
    # the elastic net's excess risk over the component's, draw by draw
    change = np.concatenate([cells[i]["elasticnet"]["risk"] / cells[i]["component"]["risk"]
                             - 1 for i in every])
    inner = np.concatenate([~np.isin(cells[i]["elasticnet"]["l1_ratio"], (0.0, 1.0))
                            for i in every])
    noise = (np.quantile(change[inner], [0.1, 0.9]) if inner.any()
             else np.zeros(2))
    wins, losses = (sum(c.outcome == o for c in decided) for o in ("A", "B"))
    v9b = claims.claim_from(
        "C09b", decided, every, "the elastic net", "the CV-chosen component of L1 and L2",
        f"search l1_ratio over a grid holding 0 and 1 (ElasticNetCV(l1_ratio=[0, ..., 1])): "
        f"it won {wins} and lost {losses} regimes against picking L1 or L2 by the same CV, "
        "for a few more paths.")
    claims.out[-1].summary += (
        f" Tuned on the same folds and alphas, the elastic net chose an end (and so equals a "
        f"component) in {ends:.0%} of fits; where it chose an inner l1_ratio, its excess "
        f"risk ranged from {noise[0]:+.0%} to {noise[1]:+.0%} of the component's (10th to "
        "90th percentile): the noise of cross-validation choosing among more models.")
    claims.out[-1].evidence.update({"share_choosing_an_end": ends,
                                    "inner_choice_relative_risk_q10_q90": noise.tolist()})
    claims.out.append(ClaimResult("C09", whole("C09", v9a, v9b),
                                  f"Can be combined, between the two in sparsity: {v9a}; the "
                                  f"combination improves results: {v9b}.", {}, [],
                                  "the elastic net with l1_ratio searched from 0 to 1 costs "
                                  "little and contains both penalties."))


def _support(claims, sparse, seed):
    """C15 and C16 on the sparse truths, the deciding regimes included (the decoy that
    breaks the irrepresentable condition, very low snr, p = 5 n)."""
    cells = claims.cells
    c15 = _compare(cells, "l1", "l2", sparse, seed + 1)
    exact = {GRID[i].label(): float(np.mean(cells[i]["l1"]["support_exact"])) for i in sparse}
    decoy = {GRID[i].label(): float(np.mean(cells[i]["l1"]["decoy_selected"]))
             for i in sparse if GRID[i].decoy}
    hard = [GRID[i].label() for j, i in enumerate(sparse) if c15[j].outcome != "A"]
    won = len(sparse) - len(hard)
    lead = ("with few relevant features, start from L1 (or the elastic net)"
            if won > len(sparse) / 2 else
            f"L1 won only {won} of {len(sparse)} sparse regimes: cross-validate both")
    claims.claim_from("C15", c15, sparse, "L1", "L2",
                      lead + (f"; L1 did not win with {'; '.join(hard[:3])}" if hard else "")
                      + ".", "Where only a few features matter: ")
    claims.out[-1].evidence["lasso_exact_support_share"] = exact
    fp = [float(np.mean(cells[i]["l1"]["false_positives"] > 0)) for i in sparse]
    decoy_words = "".join(f" With a decoy ({label}) the lasso picked it in {v:.0%} of fits."
                          for label, v in decoy.items())
    claims.check_from("C16", fp, [f > 0.5 for f in fp], sparse,
                      "The tuned lasso picked up at least one null feature in most "
                      "repetitions in {passed} of {total} sparse regimes." + decoy_words,
                      "read the lasso's selected set as candidates, not findings: check it "
                      "on resamples before calling a feature relevant.")
    claims.out[-1].evidence.update({"decoy_selected_share": decoy,
                                    "lasso_exact_support_share": exact})


def _check_figure(out, labels):
    checks = {c.id: {e["regime"]: e for e in c.evidence["checks"]}
              for c in out if "checks" in c.evidence}
    check_ids = [cid for cid in ("C04a", "C04b", "C05a", "C07", "C09a", "C16", "C18", "C20")
                 if cid in checks]

    def cell(cid, label):
        entry = checks[cid].get(label)
        return (None, None) if entry is None else (entry["passed"], entry["value"])

    grid = [[cell(cid, label) for cid in check_ids] for label in labels]
    return outcome_map(
        labels, check_ids, [[c[0] for c in row] for row in grid],
        [[c[1] for c in row] for row in grid], "The counting claims, regime by regime",
        legend="(green: the claim's check holds, red: it fails, white: not run; number: "
               "the measured value)",
        label=lambda v: ", ".join(f"{x:.3g}" for x in np.ravel(v)))
