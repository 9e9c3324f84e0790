"""A/B harness: alternate solver variants in one process, count epochs as well as seconds.

    python benchmarks/ab.py --problem 6 --flag shrinkage.solvers.gram:PATH_EARLY_CHECK
        [--rounds 5]

Each round runs variant A (the flag False) then B (True), or B then A on odd rounds,
so that drift of a shared machine falls on both; reports the median seconds of each,
their ratio, the epochs each spent (summed ``n_iter`` of every compiled Gram path) and
whether both chose the same model.
"""

import argparse
import importlib
import statistics
import time

import numpy as np

from problems import make_problems
from peers import CV


def _count_epochs(module):
    """Wrap ``module.gram_path`` so that the epochs of every call are summed."""
    calls = []
    original = module.gram_path

    def counting(*args, **kwargs):
        out = original(*args, **kwargs)
        calls.append(int(np.sum(out[3])))
        return out

    return calls, original, counting


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problem", default="6")
    parser.add_argument("--flag", required=True, help="module:NAME of a boolean switch")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tol", type=float, default=1e-6)
    args = parser.parse_args()
    module_name, flag = args.flag.split(":")
    module = importlib.import_module(module_name)
    path_module = importlib.import_module("shrinkage.path")
    problem = make_problems([args.problem])[0]
    extra = problem.extra
    calls, original, counting = _count_epochs(path_module)
    path_module.gram_path = counting

    def run(value):
        setattr(module, flag, value)
        calls.clear()
        t0 = time.perf_counter()
        out = CV["shrinkage"](problem.X, problem.y, extra["l1_ratios"], problem.n_alphas,
                              extra["folds"], args.tol)
        return time.perf_counter() - t0, sum(calls), out

    run(False), run(True)  # compile both
    seconds = {False: [], True: []}
    epochs, answers = {}, {}
    for r in range(args.rounds):
        for value in ((False, True) if r % 2 == 0 else (True, False)):
            s, e, out = run(value)
            seconds[value].append(s)
            epochs[value], answers[value] = e, out
    path_module.gram_path = original
    a, b = statistics.median(seconds[False]), statistics.median(seconds[True])
    same = (answers[False][0] == answers[True][0] and answers[False][1] == answers[True][1])
    coef_diff = float(np.max(np.abs(answers[False][2] - answers[True][2])))
    print(f"problem {args.problem}, {flag}: A (False) {a:.3f} s, {epochs[False]} epochs; "
          f"B (True) {b:.3f} s, {epochs[True]} epochs; B/A {b / a:.2f}; same choice: "
          f"{same}; max coefficient difference {coef_diff:.1e}")


if __name__ == "__main__":
    main()
