"""A/B of two versions of the package in one process: a git revision against the tree.

    python benchmarks/ab_versions.py --base REV [--problems 1 2 3 ...] [--rounds 5]
    python benchmarks/ab_versions.py --base REV --dask [--rows 400000] [--rounds 3]

The revision's ``src/shrinkage`` is exported to a temporary folder as the package
``shrinkage_before``; each round then solves a problem with one version and then the
other (alternating which goes first), swapping the two packages' modules under the name
``shrinkage`` so that the benchmark adapters (``peers.py``) run unchanged. Reports the
median seconds of each, their ratio and the largest coefficient difference; the alphas
and tolerance are those of ``ab.py`` (the benchmark's adapter, tol 1e-6).

``--dask``: the rows of ``dask_scale.py`` instead (X generated and persisted on a
LocalCluster of two one-thread worker processes, which import both versions), each task
alternated the same way: the elastic-net and L1-logistic paths (100 alphas), a 5-fold
ElasticNetCV, and single-alpha elastic-net and L1-logistic fits.
"""

import argparse
import importlib
import os
import pkgutil
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
    # (Dask's worker processes import it too)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [folder,
                                                             os.environ.get("PYTHONPATH")]))


def modules_of(prefix):
    return {k: m for k, m in sys.modules.items() if k == prefix or k.startswith(prefix + ".")}


#: subpackages not loaded up front (optional dependencies, nothing timed here)
SKIP = ("torch", "lab", "cli")


def preload(package):
    """Import every module of ``package`` under its own name, so that nothing is loaded
    later under the other version's name (and a Dask worker unpickling a function finds
    the module it names)."""
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        if info.name.split(".")[1] in SKIP:
            continue
        try:
            importlib.import_module(info.name)
        except ImportError:
            pass


class Versions:
    """The two packages' modules, swapped in under the name ``shrinkage`` on demand (the
    "before" package's own modules keep their ``shrinkage_before`` names, so its relative
    imports never meet the other version)."""

    def __init__(self):
        for package in (NAME, BEFORE):
            preload(package)
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
    default grid, for ridge's leave-one-out row (7) its path."""
    if problem.kind == "ridge_loo":
        from peers import shrinkage_ridge_loo

        return lambda: shrinkage_ridge_loo(problem.X, problem.y, problem.alphas)
    if problem.kind != "class_cv":
        return _runner(problem, tol, case)[0]
    from classification import ShrinkageCV, default_grid

    l1_ratio = problem.extra.get("l1_ratios", (1.0,))[0]
    alphas = default_grid(problem, l1_ratio)
    return lambda: ShrinkageCV().cv(problem, alphas, l1_ratio, tol)


def dask_tasks(rows, features, chunk):
    """``dask_scale.py``'s tasks on data persisted on a fresh LocalCluster: a dict of
    name -> callable (each imports ``shrinkage`` when called: the live version)."""
    import dask.array as da
    import distributed
    from dask_scale import ALPHA, FOLDS, L1_RATIO, LOGISTIC_ALPHA, N_ALPHAS, make_data

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    client = distributed.Client(cluster)
    X, y = make_data(rows, features, chunk)
    p_true = 1.0 / (1.0 + da.exp(-(y - y.mean()) / y.std()))
    labels = (da.random.RandomState(11).uniform(size=y.shape[0], chunks=y.chunks)
              < p_true).persist()
    distributed.wait([X, y, labels])

    def live():
        import shrinkage

        return shrinkage

    tasks = {
        f"elastic-net path, {N_ALPHAS} alphas": lambda: live().regularization_path(
            X, y, l1_ratio=L1_RATIO, alphas=N_ALPHAS, tol=1e-6).coefs,
        f"L1-logistic path, {N_ALPHAS} alphas": lambda: live().regularization_path(
            X, labels, loss="logistic", l1_ratio=1.0, alphas=N_ALPHAS, tol=1e-6).coefs,
        f"ElasticNetCV, {FOLDS} folds": lambda: live().ElasticNetCV(
            l1_ratio=L1_RATIO, alphas=N_ALPHAS, cv=FOLDS, tol=1e-6).fit(X, y).coef_,
        f"elastic net, alpha {ALPHA}": lambda: live().ElasticNet(
            alpha=ALPHA, l1_ratio=L1_RATIO, tol=1e-6).fit(X, y).coef_,
        f"L1-logistic, alpha {LOGISTIC_ALPHA}": lambda: live().LogisticRegression(
            alpha=LOGISTIC_ALPHA, l1_ratio=1.0, tol=1e-6).fit(X, labels).coef_,
    }
    return tasks, client, cluster


def alternate(versions, solve, rounds):
    """Median seconds of each version and their answers, alternating who goes first."""
    seconds, answers = {"before": [], "after": []}, {}
    for which in ("before", "after"):  # compile both
        versions.use(which)
        solve()
    for r in range(rounds):
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
    return a, b, diff


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
    parser.add_argument("--dask", action="store_true", help="the Dask rows instead")
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--only", nargs="*", default=None,
                        help="with --dask: the tasks whose names contain one of these")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="ab-versions-")
    export(args.base, folder)
    versions = Versions()
    print(f"| problem | {args.base} (s) | this tree (s) | ratio | max coef diff |",
          flush=True)
    print("|---|---|---|---|---|", flush=True)
    if args.dask:
        tasks, client, cluster = dask_tasks(args.rows, args.features, args.chunk)
        try:
            for name, solve in tasks.items():
                if args.only and not any(part in name for part in args.only):
                    continue
                a, b, diff = alternate(versions, solve, args.rounds)
                print(f"| dask {name} | {a:.3f} | {b:.3f} | {b / a:.2f} | {diff:.1e} |",
                      flush=True)
        finally:
            client.close()
            cluster.close()
        return
    for key in args.problems:
        problem = make_problems([key.rstrip("abc")])[0]
        case = "abc".index(key[-1]) if key[-1] in "abc" else 0
        a, b, diff = alternate(versions, _solver(problem, args.tol, case), args.rounds)
        print(f"| {key} | {a:.4f} | {b:.4f} | {b / a:.2f} | {diff:.1e} |", flush=True)


if __name__ == "__main__":
    main()
