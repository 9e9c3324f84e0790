"""Issue 32's Cox row: a path of Cox elastic-net fits, shrinkage's ``regularization_path``
(loss="cox") beside scikit-survival's ``CoxnetSurvivalAnalysis`` (glmnet's coxnet
algorithm in C++), alternated in one process, at equal duality gap.

Both fit the same seeded synthetic survival data (Gaussian features with AR(1)
correlation 0.3, ten true log hazard ratios, exponential times, about 30% censored, no
ties), the same decreasing grid (shrinkage's: 50 alphas from the exact alpha_max down to
1e-3 of it), no standardization. Every coefficient vector either returns is certified by
ONE function, shrinkage's Cox duality gap (``solvers.certificates.duality_gap``: the
relative gap, a sum of non-negative Fenchel-Young terms): scikit-survival runs at each
of its tolerances 1e-9, 1e-11, 1e-13 (its default, 1e-7, leaves gaps of 0.1 and more),
and shrinkage is asked for the largest gap scikit-survival's path reached (its ``tol``):
equal gap, both measured by the same certificate. Times are the best of ``--repeats``
runs. Usage: python benchmarks/cox.py [--repeats 2] [--l1-ratios 1.0 0.5]
"""

import argparse
import datetime
import os
import time
import warnings

import numpy as np

RESULTS = os.path.join(os.path.dirname(__file__), "results")
SHAPES = ((1000, 500), (5000, 100))
N_ALPHAS = 50
SKSURV_TOLS = (1e-9, 1e-11, 1e-13)


def survival_problem(n, p, seed=0):
    """Seeded features, target ``[time, event]`` and the scikit-survival target."""
    from sksurv.util import Surv

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    for j in range(1, p):  # AR(1) correlation 0.3 between neighbouring columns
        X[:, j] = 0.3 * X[:, j - 1] + np.sqrt(1 - 0.09) * X[:, j]
    beta = np.zeros(p)
    beta[:10] = rng.choice([-1.0, 1.0], 10) * rng.uniform(0.3, 1.0, 10)
    time_event = rng.exponential(np.exp(-X @ beta))
    time_censor = rng.exponential(np.quantile(time_event, 0.9), n)
    event = time_event <= time_censor
    time_obs = np.minimum(time_event, time_censor)
    return X, np.column_stack([time_obs, event]), Surv.from_arrays(event, time_obs)


def max_gap(X, y, alphas, coefs, l1_ratio, tol=None):
    """The largest relative gap of a path by shrinkage's certificate: the duality gap,
    or (given ``tol``) the smaller of it and the near-zero-alpha bound where the gap
    exceeds ``tol``, as shrinkage's solver certifies its own answers."""
    from shrinkage.losses import COX
    from shrinkage.penalties import ElasticNetPenalty
    from shrinkage.solvers.certificates import duality_gap
    from shrinkage.solvers.problem import make_problem

    problem = make_problem(X, y, COX, None, False)
    p = X.shape[1]
    worst = 0.0
    for alpha, coef in zip(alphas, coefs):
        penalty = ElasticNetPenalty.from_params(alpha, l1_ratio, np.ones(p),
                                                np.full(p, -np.inf), np.full(p, np.inf))
        worst = max(worst, duality_gap(problem, penalty, coef, 0.0, tol=tol))
    return worst


def best_time(run, repeats):
    """``(best seconds, last output)`` of ``repeats`` calls."""
    best, out = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - start)
    return best, out


def compare(n, p, l1_ratio, repeats):
    """The rows of one problem: scikit-survival at each of ``SKSURV_TOLS``, its path's
    certified gap, and shrinkage's path asked for that gap (``tol``), with both times."""
    from sksurv.linear_model import CoxnetSurvivalAnalysis

    from shrinkage import regularization_path

    X, y, y_sksurv = survival_problem(n, p)
    alphas = regularization_path(X, y, loss="cox", l1_ratio=l1_ratio, alphas=N_ALPHAS,
                                 tol=1e-2).alphas

    def ours(tol):
        return lambda: regularization_path(X, y, loss="cox", l1_ratio=l1_ratio,
                                           alphas=alphas, tol=tol).coefs

    def theirs(tol):
        def run():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = CoxnetSurvivalAnalysis(alphas=alphas, l1_ratio=l1_ratio, tol=tol,
                                               max_iter=1_000_000,
                                               fit_baseline_model=False)
                return model.fit(X, y_sksurv).coef_.T
        return run

    rows = []
    for tol in SKSURV_TOLS:
        row = {"shape": f"{n} x {p}", "l1_ratio": l1_ratio, "events": int(y[:, 1].sum()),
               "sksurv_tol": tol}
        row["sksurv_s"], coefs = best_time(theirs(tol), repeats)
        row["sksurv_gap"] = max_gap(X, y, alphas, coefs, l1_ratio)
        row["ours_s"], coefs = best_time(ours(row["sksurv_gap"]), repeats)
        row["ours_gap"] = max_gap(X, y, alphas, coefs, l1_ratio, tol=row["sksurv_gap"])
        row["ratio"] = row["sksurv_s"] / row["ours_s"]
        rows.append(row)
        print(row, flush=True)
    return rows


def write(rows, repeats):
    lines = [
        f"# Cox elastic-net paths: shrinkage vs scikit-survival ({datetime.date.today()})",
        "",
        f"`python benchmarks/cox.py --repeats {repeats}`: a path of {N_ALPHAS} alphas "
        "(shrinkage's grid, alpha_max down to 1e-3 of it) on seeded synthetic survival "
        "data (benchmarks/cox.py says how it is drawn). scikit-survival "
        f"{_version('sksurv')}'s CoxnetSurvivalAnalysis runs at each tol; its path's "
        "largest relative duality gap, by shrinkage's Cox certificate, is then the tol "
        "shrinkage's regularization_path is given; both are measured by that one "
        "certificate (`solvers.certificates.duality_gap`; for shrinkage's path with that "
        "tol, so that, as its solver does, it may take the near-zero-alpha bound where "
        "that is the smaller). Best of the repeats, one process, on this machine's 2 "
        "cores, shared with other jobs (load average 5-7 while it ran: timings are noisy).",
        "",
        "| n x p | l1_ratio | events | sksurv tol | sksurv s | its max gap | shrinkage s "
        "| its max gap | sksurv / shrinkage |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['shape']} | {r['l1_ratio']} | {r['events']} | "
                     f"{r['sksurv_tol']:g} | {r['sksurv_s']:.3f} | {r['sksurv_gap']:.1e} | "
                     f"{r['ours_s']:.3f} | {r['ours_gap']:.1e} | {r['ratio']:.2f}x |")
    path = os.path.join(RESULTS, f"{datetime.date.today()}-cox.md")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def _version(name):
    import importlib.metadata

    return importlib.metadata.version("scikit-survival" if name == "sksurv" else name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--l1-ratios", type=float, nargs="+", default=[1.0, 0.5])
    args = parser.parse_args()
    compare(200, 20, 1.0, 1)  # numba compiles here, not in the timings
    rows = []
    for n, p in SHAPES:
        for l1_ratio in args.l1_ratios:
            rows += compare(n, p, l1_ratio, args.repeats)
    print(write(rows, args.repeats))


if __name__ == "__main__":
    main()
