"""C21 and C22: what outliers in the target do to L1 and L2, swept dose by dose, with the
Huber loss as the positive control that tells the penalty's part from the loss's."""


from . import stats as st
from .figures import lines, outcome_map
from .registry import ClaimResult, ExperimentResult, experiment
from .simulate import Regime
from .sweep import dose_labels, less_affected, mean_change, run_sweeps

BASES = [Regime(200, 40, k=5, rho=0.5, snr=4.0), Regime(100, 200, k=5, rho=0.5, snr=4.0)]
#: shares of the targets shifted by 10 noise sds (0: the clean baseline); the outlying
#: rows of a smaller share are among those of a larger one
SHARES = (0.0, 0.02, 0.05, 0.1, 0.2)
MODELS = ("none", "l1", "l2", "huber_l1", "huber_l2")
NAMES = {"none": "least squares", "l1": "L1", "l2": "L2", "huber_l1": "Huber + L1",
         "huber_l2": "Huber + L2"}
REPS = {"full": 30, "quick": 5}

DESIGN = {
    "quantifier": {"C21a": "tendency", "C21b": "reason", "C22": "tendency"},
    "factor": f"the share of targets made outliers, {list(SHARES)}, alone: the same "
              "features, truth and noise at every share",
    "comparison": "each model's excess risk against its own clean baseline (ratio and "
                  "risk added), L1 against L2 draw by draw, beside least squares; the "
                  "Huber loss with each penalty as the positive control",
    "data": "sparse truth (k=5), rho 0.5, snr 4; outliers shift a target by 10 noise sds "
            "with a random sign",
    "regimes": [r.as_dict() for r in BASES],
    "models": "least squares; L1 and L2 (elastic net at l1_ratio 1 and 0, 30 alphas, 5 "
              "folds); HuberRegressorCV with the same penalties",
    "metric": "exact excess risk at each share over the same draw's clean excess risk, and "
              "the excess risk added, in units of the two models' mean clean risk",
    "repetitions": REPS,
    "decision": "per share, paired cells (Wilcoxon, Holm over every share of both regimes, "
                "10% effect) on both scales; a model is less affected at a share only if it "
                "wins on both. C21a (L1 less affected): true at every share, false at none, "
                "depends otherwise; C22 the reverse. C21b (the reason: squaring magnifies "
                "outliers, the square being L2's penalty on the weights): holds at a share "
                "when L1 is less affected than L2 and the loss swap (Huber + L2) is not less "
                "affected than the penalty swap (squared loss + L1); a reason is false on "
                "one share where it fails.",
}


@experiment("outliers", claims=("C21", "C22"),
            title="Outliers in the target, share by share: the penalty or the loss?",
            design=DESIGN)
def run_outliers(ctx):
    reps = ctx.reps(REPS["full"], REPS["quick"])
    sweeps = run_sweeps(ctx, BASES, "outliers", SHARES, MODELS, reps,
                        ctx.seed * 1000 + 500)
    labels = dose_labels(BASES, SHARES, "outliers")
    l1_first = less_affected(sweeps, "l1", "l2", "risk", ctx.seed)
    l2_first = less_affected(sweeps, "l2", "l1", "risk", ctx.seed)
    loss_swap = less_affected(sweeps, "huber_l2", "l1", "risk", ctx.seed + 1)
    huber = [less_affected(sweeps, f"huber_{m}", m, "risk", ctx.seed + 2 + i)
             for i, m in enumerate(("l1", "l2"))]
    # three-valued: None where either test could not decide (an underpowered cell)
    reason = [False if st.won(a) is False or st.won(s) is True else
              (None if None in (st.won(a), st.won(s)) else True)
              for a, s in zip(l1_first, loss_swap)]
    change = mean_change(sweeps, MODELS, "risk")
    worst = {m: max(c[m][-1] for c in change) for m in MODELS}
    growth = ", ".join(f"{NAMES[m]} x{worst[m]:.2g}" for m in MODELS)
    huber_wins = sum(c.outcome == "A" for family in huber for c in family)
    evidence = {"cells": st.cell_records(l1_first, labels),
                "huber_vs_squared_l1": st.cell_records(huber[0], labels),
                "huber_vs_squared_l2": st.cell_records(huber[1], labels),
                "huber_l2_vs_squared_l1": st.cell_records(loss_swap, labels),
                "mean_change_over_clean": change, "shares": list(SHARES)}
    practical = (f"with outliers in the target, change the loss, not the penalty: the Huber "
                 f"loss was less affected than the squared loss in {huber_wins} of "
                 f"{2 * len(labels)} share-by-penalty cells; keep the penalty the data call "
                 "for (HuberRegressorCV, or shrinkage compare --loss huber)."
                 if huber_wins else
                 "no cell showed the Huber loss reducing the outliers' harm here; look at "
                 "the residuals before choosing a loss.")
    growth_words = (f" At a share of {SHARES[-1]:g}, the excess risk changed (largest "
                    "factor over the regimes) "
                    f"{growth} over each one's clean risk.")
    claims = [
        ClaimResult("C21a", st.verdict_a_better(c.outcome for c in l1_first),
                    "L1 less affected than L2: " + st.tally(l1_first, "L1", "L2", "doses")
                    + " (share by share, on both scales)." + growth_words,
                    evidence, labels, practical),
        ClaimResult("C21b", st.verdict_by_quantifier("reason", reason),
                    f"The reason (the square magnifies outliers, read as L2's square on the "
                    f"weights) held at {sum(r is True for r in reason)} of {len(reason)} "
                    "shares: the loss swap "
                    "against the penalty swap, " + st.tally(loss_swap, "Huber + L2",
                                                          "squared loss + L1", "doses")
                    + ". The square that magnifies outliers is the squared loss on the "
                      "residuals, and the Huber loss removes it whatever the penalty.",
                    {"checks": [{"regime": lab, "passed": p}
                                for lab, p in zip(labels, reason)]}, labels, practical),
        ClaimResult("C22", st.verdict_a_better(c.outcome for c in l2_first),
                    "L2 less affected than L1: " + st.tally(l2_first, "L2", "L1", "doses")
                    + " (share by share, on both scales)." + growth_words,
                    {"cells": st.cell_records(l2_first, labels)}, labels, practical)]
    figures = {"Outliers: who is less affected, share by share": outcome_map(
        labels, ["L1 vs L2", "Huber+L2 vs squared+L1", "Huber vs squared (L1)",
                 "Huber vs squared (L2)"],
        [[a.outcome, b.outcome, c.outcome, d.outcome]
         for a, b, c, d in zip(l1_first, loss_swap, *huber)],
        [[a.effect, b.effect, c.effect, d.effect]
         for a, b, c, d in zip(l1_first, loss_swap, *huber)],
        "Less affected by outliers (A) or more (B), against each one's clean risk",
        legend="(green: A less affected on both scales, red: B, grey: tie; number: B's "
               "growth over A's - 1)")}
    for regime, c in zip(BASES, change):
        figures[f"Excess risk over its clean value: {regime.label()}"] = lines(
            {NAMES[m]: (list(SHARES), c[m]) for m in MODELS}, xlabel="share of outliers",
            ylabel="mean excess risk / clean", title=regime.label(), logy=True)
    return ExperimentResult(claims, figures)
