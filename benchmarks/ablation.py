"""What each technique buys: shrinkage alone, one technique switched off at a time.

    python benchmarks/ablation.py [--problems 1 2 3 4 5 6] [--repeats 3]

Writes benchmarks/results/<date>-ablation.{json,md}: seconds (median) per problem for the
full solver and for each variant, as a ratio to the full solver (> 1: the technique helps).
"""

import argparse
import contextlib
import datetime
import json
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from problems import make_problems  # noqa: E402
from run import RESULTS, _atomic_write  # noqa: E402
from shrinkage.path import alpha_grid, compute_path, problem_alpha_max  # noqa: E402
from shrinkage.solvers import cd, gram  # noqa: E402
from shrinkage.solvers.cd import make_problem  # noqa: E402


@contextlib.contextmanager
def patched(obj, name, value):
    old = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


def _solve_with(**overrides):
    original = cd.solve

    def solve(*args, **kwargs):
        kwargs.update(overrides)
        return original(*args, **kwargs)
    return solve


VARIANTS = {
    "full": lambda: contextlib.nullcontext(),
    "no gap-safe screening": lambda: patched(cd, "solve", _solve_with(screening=False)),
    "no Anderson extrapolation": lambda: patched(cd, "solve", _solve_with(anderson_k=0)),
    "no working-set growth (all violators at once)": lambda: patched(
        cd, "solve", _solve_with(ws_start=10**9)),
    "with orthant Newton steps (off by default)": lambda: patched(
        cd, "solve", _solve_with(newton=True)),
    "no covariance (Gram) mode": lambda: patched(gram, "MAX_FEATURES", 0),
}


def run_path(bp, alphas):
    import shrinkage.path as path_module

    problem = make_problem(bp.X, bp.y, bp.loss)
    p = bp.X.shape[1]
    with patched(path_module, "solve", cd.solve):
        return compute_path(problem, alphas, bp.l1_ratio, np.ones(p), np.full(p, -np.inf),
                            np.full(p, np.inf), tol=1e-6, max_iter=100_000, X=bp.X)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", nargs="*", default=["1", "2", "3", "4", "5"])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    rows = []
    for bp in make_problems(args.problems):
        p = bp.X.shape[1]
        scorer = make_problem(bp.X, bp.y, bp.loss)
        amax = problem_alpha_max(scorer, bp.l1_ratio, np.ones(p), np.full(p, -np.inf),
                                 np.full(p, np.inf))
        alphas = (np.array([amax * bp.alpha_fracs[-1]]) if bp.kind == "single"
                  else alpha_grid(amax, bp.n_alphas, bp.eps))
        run_path(type(bp)(bp.key, "", bp.X[:60, :30], bp.y[:60], loss=bp.loss), alphas[:1])
        base = None
        for name, make_context in VARIANTS.items():
            times = []
            for _ in range(args.repeats):
                with make_context():
                    t0 = time.perf_counter()
                    path = run_path(bp, alphas)
                    times.append(time.perf_counter() - t0)
            seconds = statistics.median(times)
            base = seconds if name == "full" else base
            rows.append({"problem": bp.key, "variant": name, "seconds": seconds,
                         "ratio_to_full": seconds / base, "max_gap": float(path.gaps.max()),
                         "epochs": int(path.n_iter.sum())})
            print(f"{bp.key} {name:<32} {seconds:8.3f} s  x{seconds / base:5.2f}  "
                  f"epochs {rows[-1]['epochs']}", flush=True)
    stem = os.path.join(RESULTS, datetime.date.today().isoformat() + "-ablation")
    _atomic_write(stem + ".json", json.dumps(rows, indent=1))
    lines = ["# What each technique buys (shrinkage alone)", "",
             "Seconds are medians; the ratio is variant / full solver, so > 1 means the "
             "technique helps. Problem 1 is its alpha_max/100 case.", "",
             "| problem | variant | seconds | ratio to full | epochs | max gap |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['problem']} | {r['variant']} | {r['seconds']:.3f} | "
              f"{r['ratio_to_full']:.2f} | {r['epochs']} | {r['max_gap']:.1e} |" for r in rows]
    _atomic_write(stem + ".md", "\n".join(lines) + "\n")
    print(f"wrote {stem}.md")


if __name__ == "__main__":
    main()
