"""Claims about training: convergence and cost of L1 against L2, with the optimizers
themselves written out in numpy and every iterate scored by the duality gap."""

import time

import numpy as np

from ..linear_model import Lasso, Ridge
from ..penalties import alpha_max
from ..solvers.cd import duality_gap, make_problem
from . import stats as st
from .figures import lines
from .registry import ClaimResult, ExperimentResult, experiment
from .simulate import Regime, draw, plain_penalty

REGIMES = [Regime(n, p, k=5, rho=rho, snr=4.0)
           for n, p in ((100, 50), (50, 100)) for rho in (0.0, 0.9)]
#: iteration budget of the first-order methods, the target gap, and alpha / alpha_max
BUDGET, TARGET, ALPHA_FRACTION = 3000, 1e-6, 0.1
OPTIMIZERS = ("subgradient", "proximal gradient", "coordinate descent")
#: draws per regime of the iteration counts C24 and C25 compare (one draw decided them
#: before, and seeds 0, 1 and 2 disagreed: a property of the regime, not of a draw)
REPS = {"full": 20, "quick": 5}


def _first_order(X, y, alpha, l1_ratio, method):
    """Gap history of (sub)gradient or proximal gradient descent with step 1/L."""
    n, p = X.shape
    problem = make_problem(np.asfortranarray(X), y, fit_intercept=False)
    penalty = plain_penalty(alpha, l1_ratio, p)
    step = n / np.linalg.norm(X, 2) ** 2
    w = np.zeros(p)
    gaps = []
    for it in range(1, BUDGET + 1):
        grad = X.T @ (X @ w - y) / n
        if l1_ratio == 1.0 and method == "subgradient":
            w = w - step * (grad + alpha * np.sign(w))
        elif l1_ratio == 1.0:  # proximal: soft-thresholding
            z = w - step * grad
            w = np.sign(z) * np.maximum(np.abs(z) - step * alpha, 0.0)
        elif method == "subgradient":  # L2 is differentiable: a plain gradient step
            w = w - step * (grad + alpha * w)
        else:
            w = (w - step * grad) / (1 + step * alpha)
        if it % 10 == 0:
            gaps.append(duality_gap(problem, penalty, w, 0.0))
            if gaps[-1] <= TARGET:
                break
    return np.array(gaps), it


#: the reading of C24 and C25: the measured costs depend on the solver and the data
SPEED_READING = ("pick the solver, not the penalty, for speed: on a full path with warm "
                 "starts both are cheap (benchmarks/ has the timings against the peers).")


def _prox_iterations(regime, seed):
    """Proximal-gradient iterations of L1 and L2 to the target gap on one draw (a miss
    counts as twice the budget)."""
    data = draw(regime, np.random.default_rng(seed))
    X, y = data.X - data.X.mean(0), data.y - data.y.mean()
    n, p = X.shape
    inf = np.full(p, np.inf)
    alpha = ALPHA_FRACTION * alpha_max(X.T @ y / n, 1.0, np.ones(p), -inf, inf)
    out = []
    for l1_ratio in (1.0, 0.0):
        gaps, iterations = _first_order(X, y, alpha, l1_ratio, "proximal gradient")
        out.append(iterations if gaps[-1] <= TARGET else 2 * BUDGET)
    return out


@experiment("training", claims=("C23", "C24", "C25"),
            title="Convergence and cost of L1 and L2, optimizer by optimizer",
            design={"quantifier": {"C23": "tendency", "C24": "tendency",
                                   "C25": "tendency"},
                    "factor": "the optimizer (subgradient, proximal gradient, coordinate "
                              "descent) and the regime",
                    "comparison": "iterations and time of L1 against L2 at the same alpha "
                                  "and target gap",
                    "data": "sparse truth (k=5), snr 4, alpha = alpha_max / 10 (lasso's "
                            "alpha_max), the same alpha for both penalties",
                    "regimes": [dict(r.as_dict(), optimizer=o) for r in REGIMES
                                for o in OPTIMIZERS],
                    "models": "subgradient descent, proximal gradient (step 1/L, "
                              f"{BUDGET} iterations at most) and this package's solvers "
                              "(coordinate descent for L1, a closed form for L2)",
                    "metric": f"relative duality gap; iterations to reach {TARGET:g}",
                    "repetitions": {"C23": {"full": 1, "quick": 1}, "C24, C25": REPS},
                    "decision": "C23 holds for an (optimizer, regime) where L1 misses the "
                                "gap and L2 reaches it; C24 holds where L1 needs fewer "
                                "proximal-gradient iterations, C25 where L2 does, each a "
                                "paired cell over the regime's draws (Wilcoxon, Holm over "
                                "the regimes, 10% effect; a run that misses the gap counts "
                                f"as {2 * BUDGET} iterations); true if in every regime, "
                                "false if in none"})
def run_training(ctx):
    rng = np.random.default_rng(ctx.seed)
    c23, evidence, curves = [], [], {}
    reps = ctx.reps(REPS["full"], REPS["quick"])
    iterations = np.array([[_prox_iterations(regime, [ctx.seed, r, rep])
                            for rep in range(reps)] for r, regime in enumerate(REGIMES)])
    cell_rng = np.random.default_rng(ctx.seed + 1)
    fewer_l1 = st.decide_cells([st.paired_cell(it[:, 0], it[:, 1], cell_rng)
                                for it in iterations])
    fewer_l2 = st.decide_cells([st.paired_cell(it[:, 1], it[:, 0], cell_rng)
                                for it in iterations])
    for regime in REGIMES:
        data = draw(regime, rng)
        X, y = data.X - data.X.mean(0), data.y - data.y.mean()
        n, p = X.shape
        inf = np.full(p, np.inf)
        alpha = ALPHA_FRACTION * alpha_max(X.T @ y / n, 1.0, np.ones(p), -inf, inf)
        row = {"regime": regime.label(), "alpha": float(alpha)}
        for method in ("subgradient", "proximal gradient"):
            g1, it1 = _first_order(X, y, alpha, 1.0, method)
            g2, it2 = _first_order(X, y, alpha, 0.0, method)
            l1_ok, l2_ok = bool(g1[-1] <= TARGET), bool(g2[-1] <= TARGET)
            c23.append(not l1_ok and l2_ok)
            row[method] = {"l1_final_gap": float(g1[-1]), "l2_final_gap": float(g2[-1]),
                           "l1_iterations": it1, "l2_iterations": it2}
            if regime is REGIMES[0]:
                curves[f"L1, {method}"] = (10 * np.arange(1, g1.size + 1), g1)
                curves[f"L2, {method}"] = (10 * np.arange(1, g2.size + 1), g2)
        lasso = Lasso(alpha=alpha, fit_intercept=False, tol=TARGET).fit(X, y)
        ridge = Ridge(alpha=alpha, fit_intercept=False).fit(X, y)
        c23.append(not (lasso.dual_gap_ <= TARGET) and ridge.dual_gap_ <= TARGET)
        row["coordinate descent"] = {"l1_final_gap": float(lasso.dual_gap_),
                                     "l2_final_gap": float(ridge.dual_gap_),
                                     "l1_epochs": int(lasso.n_iter_),
                                     "seconds_l1_over_l2": _time_ratio(X, y, alpha)}
        evidence.append(row)
    figure = lines(curves, xlabel="iteration", ylabel="relative duality gap", logy=True,
                   title=f"Convergence on {REGIMES[0].label()}")
    labels = [r.label() for r in REGIMES]
    medians = {"L1": [float(np.median(it[:, 0])) for it in iterations],
               "L2": [float(np.median(it[:, 1])) for it in iterations]}
    counts = {"iterations_l1_l2": iterations.tolist(), "median_iterations": medians}
    return ExperimentResult([
        ClaimResult("C23", st.verdict_from_checks(c23),
                    f"L1 missed the gap {TARGET:g} while L2 reached it in {sum(c23)} of "
                    f"{len(c23)} (optimizer, regime) pairs: plain subgradient descent "
                    "never makes exact zeros and stalls on L1; proximal gradient and "
                    "coordinate descent converge on both.",
                    {"runs": evidence}, [f"{o}, {r.label()}" for r in REGIMES
                                         for o in OPTIMIZERS],
                    "fit L1 with coordinate descent or proximal gradient (this "
                    "package's solvers), never with plain subgradient steps."),
        ClaimResult("C24", st.verdict_a_better(c.outcome for c in fewer_l1),
                    "Proximal gradient on L1 against L2, iterations to the gap over "
                    f"{reps} draws per regime: " + st.tally(fewer_l1, "L1", "L2")
                    + " (median iterations, L1: "
                    + ", ".join(f"{v:g}" for v in medians["L1"]) + "; L2: "
                    + ", ".join(f"{v:g}" for v in medians["L2"]) + ").",
                    {"cells": st.cell_records(fewer_l1, labels), **counts,
                     "runs": evidence}, labels, SPEED_READING),
        ClaimResult("C25", st.verdict_a_better(c.outcome for c in fewer_l2),
                    "L2 against L1, proximal-gradient iterations to the gap: "
                    + st.tally(fewer_l2, "L2", "L1") + "; L2 also has closed forms (one "
                    "factorization serves every alpha), L1 does not.",
                    {"cells": st.cell_records(fewer_l2, labels), **counts},
                    labels, SPEED_READING)],
        {"Convergence of L1 and L2 by optimizer": figure})


def _time_ratio(X, y, alpha, repeats=3):
    """Median wall time of this package's Lasso over its Ridge (evidence, not a verdict:
    timings are noisy)."""
    def best(make):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            make().fit(X, y)
            times.append(time.perf_counter() - start)
        return float(np.median(times))
    return best(lambda: Lasso(alpha=alpha, fit_intercept=False, tol=TARGET)) / best(
        lambda: Ridge(alpha=alpha, fit_intercept=False))
