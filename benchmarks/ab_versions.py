"""A/B of two versions of the package in one process: a git revision against the tree.

    python benchmarks/ab_versions.py --base REV [--problems 1 2 3 ...] [--rounds 5]

The revision's ``src/shrinkage`` is exported to a temporary folder as the package
``shrinkage_before``; each round then solves a problem with one version and then the
other (alternating which goes first), swapping the two packages' modules under the name
``shrinkage`` so that the benchmark adapters (``peers.py``) run unchanged. Reports the
median seconds of each, their ratio and the largest coefficient difference; the alphas
and tolerance are those of ``ab.py`` (the benchmark's adapter, tol 1e-6).
"""

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ab import _runner  # noqa: E402
from problems import make_problems  # noqa: E402

NAME, BEFORE = "shrinkage", "shrinkage_before"


def export(rev, folder):
    """``src/shrinkage`` of ``rev`` as the package ``BEFORE`` inside ``folder``."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    archive = subprocess.run(["git", "-C", root, "archive", rev, "src/shrinkage"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
    os.rename(os.path.join(folder, "src", NAME), os.path.join(folder, BEFORE))
    sys.path.insert(0, folder)


def modules_of(prefix):
    return {k: m for k, m in sys.modules.items() if k == prefix or k.startswith(prefix + ".")}


#: submodules the adapters import by name: loaded under both packages up front
PRELOAD = ("path", "solvers.cd", "solvers.ridge", "linear_model", "linear_model_cv",
           "logistic", "glm", "model_selection")


class Versions:
    """The two packages' modules, swapped in under the name ``shrinkage`` on demand (the
    "before" package's own modules keep their ``shrinkage_before`` names, so its relative
    imports never meet the other version)."""

    def __init__(self):
        for package in (NAME, BEFORE):
            importlib.import_module(package)
            for name in PRELOAD:
                importlib.import_module(f"{package}.{name}")
        self.saved = {"after": modules_of(NAME),
                      "before": {NAME + k[len(BEFORE):]: m
                                 for k, m in modules_of(BEFORE).items()}}
        self.current = "after"

    def use(self, which):
        if which == self.current:
            return
        self.saved[self.current] = modules_of(NAME)
        for k in self.saved[self.current]:
            del sys.modules[k]
        sys.modules.update(self.saved[which])
        self.current = which


def _solver(problem, tol, case):
    """What the benchmark times for ``problem``: ``ab.py``'s runner, or for the
    classification rows (8, 9) the cross-validation of their first l1_ratio on the
    default grid."""
    if problem.kind != "class_cv":
        return _runner(problem, tol, case)[0]
    from classification import ShrinkageCV, default_grid

    l1_ratio = problem.extra.get("l1_ratios", (1.0,))[0]
    alphas = default_grid(problem, l1_ratio)
    return lambda: ShrinkageCV().cv(problem, alphas, l1_ratio, tol)


def flat(out):
    parts = out if isinstance(out, list) else [out]
    return np.concatenate([np.ravel(np.asarray(p[0] if isinstance(p, tuple) else p,
                                               dtype=float)) for p in parts])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", required=True, help="the git revision to compare with")
    parser.add_argument("--problems", nargs="+",
                        default=["1a", "1b", "2", "3", "4", "5", "6", "7", "8", "9", "10",
                                 "11", "12"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tol", type=float, default=1e-6)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="ab-versions-")
    export(args.base, folder)
    versions = Versions()
    print(f"| problem | {args.base} (s) | this tree (s) | ratio | max coef diff |")
    print("|---|---|---|---|---|")
    for key in args.problems:
        problem = make_problems([key.rstrip("abc")])[0]
        case = "abc".index(key[-1]) if key[-1] in "abc" else 0
        solve = _solver(problem, args.tol, case)
        seconds, answers = {"before": [], "after": []}, {}
        for which in ("before", "after"):  # compile both
            versions.use(which)
            solve()
        for r in range(args.rounds):
            for which in (("before", "after") if r % 2 == 0 else ("after", "before")):
                versions.use(which)
                t0 = time.perf_counter()
                answers[which] = solve()
                seconds[which].append(time.perf_counter() - t0)
        versions.use("after")
        a, b = statistics.median(seconds["before"]), statistics.median(seconds["after"])
        try:
            diff = float(np.max(np.abs(flat(answers["before"]) - flat(answers["after"]))))
        except (ValueError, TypeError):
            diff = float("nan")
        print(f"| {key} | {a:.4f} | {b:.4f} | {b / a:.2f} | {diff:.1e} |", flush=True)


if __name__ == "__main__":
    main()
