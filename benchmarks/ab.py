"""A/B harness: alternate solver variants in one process, count epochs as well as seconds.

    python benchmarks/ab.py --problem 6 --flag shrinkage.solvers.gram:PATH_EARLY_CHECK
        [--rounds 5]
    python benchmarks/ab.py --problem 3 --option ws_gap_rule

``--option`` names a boolean field of the solver's ``SolverOptions`` (its default
object is replaced for each variant); ``--flag`` a module's boolean switch.

Each round runs variant A (the flag False) then B (True), or B then A on odd rounds,
so that drift of a shared machine falls on both; reports the median seconds of each,
their ratio, the epochs each spent (summed over every call of the Gram path for the CV
problem, of the working-set solver otherwise) and how far their coefficients differ.
"""

import argparse
import importlib
import statistics
import time

import numpy as np

from problems import make_problems
from peers import CV, Shrinkage


def _count_epochs(module, name, epochs_of):
    """Wrap ``module.name`` so that the epochs of every call are summed."""
    calls = []
    original = getattr(module, name)

    def counting(*args, **kwargs):
        out = original(*args, **kwargs)
        calls.append(epochs_of(out))
        return out

    return calls, original, counting


def _runner(problem, tol, case=0):
    """A callable that solves ``problem`` as the benchmark's shrinkage adapter does, and
    the place whose calls are counted (module, name, epochs of one call's output)."""
    if problem.kind == "cv":
        extra = problem.extra
        return (lambda: CV["shrinkage"](problem.X, problem.y, extra["l1_ratios"],
                                        problem.n_alphas, extra["folds"], tol),
                ("shrinkage.path", "gram_path", lambda out: int(np.sum(out[3]))))
    from shrinkage.path import alpha_grid, problem_alpha_max
    from shrinkage.solvers.cd import make_problem

    scorer = make_problem(problem.X, problem.y, problem.loss,
                          **problem.extra.get("datafit", {}))
    p = problem.X.shape[1]
    amax = problem_alpha_max(scorer, problem.l1_ratio, np.ones(p), np.full(p, -np.inf),
                             np.full(p, np.inf))
    alphas = (np.array([amax * problem.alpha_fracs[case]]) if problem.kind == "single"
              else alpha_grid(amax, problem.n_alphas, problem.eps))
    adapter = Shrinkage()
    # the working-set solver as the in-memory engine (single alphas) or the path import it
    where = "shrinkage.engines.memory" if problem.kind == "single" else "shrinkage.path"
    return (lambda: adapter.run(problem, alphas, tol),
            (where, "solve", lambda out: int(out.n_iter)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problem", default="6",
                        help="a problem, with its variant letter for single alphas (1b)")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--flag", help="module:NAME of a boolean switch")
    which.add_argument("--option", help="a boolean field of SolverOptions")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tol", type=float, default=1e-6)
    args = parser.parse_args()
    if args.option:
        from dataclasses import replace

        from shrinkage.solvers import options

        default = options.DEFAULT
        module, flag = options, args.option

        def set_variant(value):
            options.DEFAULT = replace(default, **{flag: value})
    else:
        module_name, flag = args.flag.split(":")
        module = importlib.import_module(module_name)

        def set_variant(value):
            setattr(module, flag, value)
    problem = make_problems([args.problem.rstrip("abc")])[0]
    case = "abc".index(args.problem[-1]) if args.problem[-1] in "abc" else 0
    solve, (counted_module, counted_name, epochs_of) = _runner(problem, args.tol, case)
    counted = importlib.import_module(counted_module)
    calls, original, counting = _count_epochs(counted, counted_name, epochs_of)
    setattr(counted, counted_name, counting)

    def run(value):
        set_variant(value)
        calls.clear()
        t0 = time.perf_counter()
        out = solve()
        return time.perf_counter() - t0, sum(calls), out

    run(False), run(True)  # compile both
    seconds = {False: [], True: []}
    epochs, answers = {}, {}
    for r in range(args.rounds):
        for value in ((False, True) if r % 2 == 0 else (True, False)):
            s, e, out = run(value)
            seconds[value].append(s)
            epochs[value], answers[value] = e, out
    setattr(counted, counted_name, original)
    if args.option:
        options.DEFAULT = default
    a, b = statistics.median(seconds[False]), statistics.median(seconds[True])
    coefs = [np.concatenate([np.ravel(np.asarray(c[0] if isinstance(c, tuple) else c))
                             for c in (answers[v] if problem.kind != "cv"
                                       else [answers[v][2]])]) for v in (False, True)]
    coef_diff = float(np.max(np.abs(coefs[0] - coefs[1])))
    print(f"problem {args.problem}, {flag}: A (False) {a:.3f} s, {epochs[False]} epochs; "
          f"B (True) {b:.3f} s, {epochs[True]} epochs; B/A {b / a:.2f}; max coefficient "
          f"difference {coef_diff:.1e}")


if __name__ == "__main__":
    main()
