"""Issue 32 part 2: the multi-task lasso / elastic net, shrinkage beside scikit-learn's
MultiTaskLasso / MultiTaskElasticNet (their path, ``enet_path`` on a 2-d y, and their CV)
in one process, at equal duality gap measured by OUR certificate on both outputs.

Each problem is centred once (both libraries then fit no intercept: the same problem);
the grid is 50 alphas from alpha_max down to 1e-3 of it (scikit-learn's default). Our tol
is the target relative gap. scikit-learn's tol multiplies ||Y||^2 (its gap is n times
ours: ``target / 2`` asks for the same gap), but it computes its gap only once its
coefficients move by less than tol relative, so it often stops far below: its tol is the
loosest of ``SKLEARN_TOLS`` (times the target) whose path our certificate puts at or
below the target everywhere (each tried once, the chosen one timed). Both outputs are
certified by ``solvers.multitask.certified_gap``; the largest gap over the path is
reported.
The CV row (5 folds, one job each) is run on the tall problem only: on the wide one a
single scikit-learn path takes over a minute here.
Usage: python benchmarks/multitask.py [--repeats 1] [--quick] [--no-cv]
"""

import argparse
import datetime
import os
import time
import warnings

import numpy as np

RESULTS = os.path.join(os.path.dirname(__file__), "results")
TARGET = 1e-6
N_ALPHAS = 50


def make_problem(n, p, T, k, seed=0):
    """Correlated columns (AR(1), rho 0.5), ``k`` rows shared by the T outputs,
    signal-to-noise 3; centred."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    for j in range(1, p):
        X[:, j] = 0.5 * X[:, j - 1] + np.sqrt(0.75) * X[:, j]
    W = np.zeros((p, T))
    W[rng.choice(p, k, replace=False)] = rng.standard_normal((k, T))
    signal = X @ W
    Y = signal + rng.standard_normal((n, T)) * signal.std() / 3.0
    X -= X.mean(axis=0)
    Y -= Y.mean(axis=0)
    return np.asfortranarray(X), np.ascontiguousarray(Y)


def grid(X, Y, l1_ratio):
    top = np.linalg.norm(X.T @ Y, axis=1).max() / (X.shape[0] * l1_ratio)
    return np.geomspace(top, 1e-3 * top, N_ALPHAS)


def ours_path(X, Y, l1_ratio, alphas):
    from shrinkage import regularization_path

    path = regularization_path(X, Y, loss="multitask", l1_ratio=l1_ratio, alphas=alphas,
                               fit_intercept=False, tol=TARGET, max_iter=100_000)
    return path.coefs


#: scikit-learn's tols tried, loosest first, as multiples of the target
SKLEARN_TOLS = (1.0, 0.5, 0.1, 0.01)


def sklearn_path(X, Y, l1_ratio, alphas, tol):
    from sklearn.linear_model import enet_path

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, coefs, _ = enet_path(X, Y, l1_ratio=l1_ratio, alphas=alphas, tol=tol,
                                max_iter=100_000)
    return np.moveaxis(coefs, -1, 0)  # (n_alphas, T, p)


def sklearn_tol(X, Y, l1_ratio, alphas):
    """The loosest of ``SKLEARN_TOLS`` whose path meets the target by our certificate."""
    for factor in SKLEARN_TOLS:
        coefs = sklearn_path(X, Y, l1_ratio, alphas, factor * TARGET)
        if largest_gap(X, Y, l1_ratio, alphas, coefs) <= TARGET:
            return factor * TARGET
    return SKLEARN_TOLS[-1] * TARGET


def largest_gap(X, Y, l1_ratio, alphas, coefs):
    """The largest relative gap over the path, by our certificate."""
    from shrinkage.losses import MULTITASK
    from shrinkage.penalties import ClassPenalty
    from shrinkage.solvers.cd import make_problem as problem_of
    from shrinkage.solvers.multitask import certified_gap

    problem = problem_of(X, Y, MULTITASK, None, False)
    ones = np.ones(X.shape[1])
    return max(certified_gap(problem, ClassPenalty.from_params(a, l1_ratio, ones, True), c)
               for a, c in zip(alphas, coefs))


def ours_cv(X, Y, l1_ratio, alphas, folds):
    from shrinkage import MultiTaskElasticNetCV

    return MultiTaskElasticNetCV(l1_ratio=l1_ratio, alphas=alphas, cv=folds,
                                 fit_intercept=False, tol=TARGET, max_iter=100_000,
                                 n_jobs=1).fit(X, Y)


def sklearn_cv(X, Y, l1_ratio, alphas, folds, tol):
    from sklearn.linear_model import MultiTaskElasticNetCV

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MultiTaskElasticNetCV(l1_ratio=l1_ratio, alphas=alphas, cv=folds,
                                     fit_intercept=False, tol=tol,
                                     max_iter=100_000, n_jobs=1).fit(X, Y)


def timed(runs, repeats):
    """The best time of each of ``runs`` over ``repeats`` rounds, the runs alternated
    within a round (a busy machine's load then falls on both), and their outputs."""
    best, outs = [np.inf] * len(runs), [None] * len(runs)
    for _ in range(repeats):
        for k, run in enumerate(runs):
            start = time.perf_counter()
            outs[k] = run()
            best[k] = min(best[k], time.perf_counter() - start)
    return best, outs


def path_row(name, X, Y, l1_ratio, repeats):
    alphas = grid(X, Y, l1_ratio)
    tol = sklearn_tol(X, Y, l1_ratio, alphas)
    (ours_s, theirs_s), (ours, theirs) = timed(
        [lambda: ours_path(X, Y, l1_ratio, alphas),
         lambda: sklearn_path(X, Y, l1_ratio, alphas, tol)], repeats)
    return (f"| {name} | path, l1_ratio {l1_ratio} (sklearn tol {tol:.0e}) | {ours_s:.2f} | "
            f"{theirs_s:.2f} | "
            f"{theirs_s / ours_s:.1f}x | {largest_gap(X, Y, l1_ratio, alphas, ours):.1e} | "
            f"{largest_gap(X, Y, l1_ratio, alphas, theirs):.1e} |")


def cv_row(name, X, Y, l1_ratio, repeats):
    from sklearn.model_selection import KFold

    alphas = grid(X, Y, l1_ratio)
    folds = list(KFold(5).split(X))
    tol = sklearn_tol(X, Y, l1_ratio, alphas)  # (that of the whole data's path)
    (ours_s, theirs_s), (ours, theirs) = timed(
        [lambda: ours_cv(X, Y, l1_ratio, alphas, folds),
         lambda: sklearn_cv(X, Y, l1_ratio, alphas, folds, tol)], repeats)
    same = "same alpha" if np.isclose(ours.alpha_, theirs.alpha_) else \
        f"alpha {ours.alpha_:.4g} vs {theirs.alpha_:.4g}"
    return (f"| {name} | 5-fold CV, l1_ratio {l1_ratio} ({same}; sklearn tol {tol:.0e}) "
            f"| {ours_s:.2f} | "
            f"{theirs_s:.2f} | {theirs_s / ours_s:.1f}x | - | - |")


PROBLEMS = {  # name -> (n, p, T, rows in the truth, with a CV row)
    "500 x 2000, T=20": (500, 2000, 20, 20, False),
    "20000 x 200, T=10": (20000, 200, 10, 20, True),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="smaller problems")
    parser.add_argument("--no-cv", action="store_true")
    parser.add_argument("--only", default="", help="the problems whose name holds this")
    args = parser.parse_args(argv)
    X, Y = make_problem(60, 30, 3, 5)  # compile the kernels, untimed
    ours_path(X, Y, 1.0, grid(X, Y, 1.0)[:5])
    lines = ["| problem | task | shrinkage (s) | scikit-learn (s) | speed-up | "
             "our gap | sklearn's gap (our certificate) |", "|---|---|---|---|---|---|---|"]
    for name, (*shape, with_cv) in PROBLEMS.items():
        if args.only not in name:
            continue
        if args.quick:
            shape = (shape[0] // 10, shape[1] // 10, shape[2], shape[3] // 4)
        X, Y = make_problem(*shape)
        for l1_ratio in (1.0, 0.5):
            lines.append(path_row(name, X, Y, l1_ratio, args.repeats))
            print(lines[-1], flush=True)
        if with_cv and not args.no_cv:
            lines.append(cv_row(name, X, Y, 1.0, 1))
            print(lines[-1], flush=True)
    day = datetime.date.today().isoformat()
    print(f"\n({day}, target relative gap {TARGET:g}, {N_ALPHAS} alphas, best of "
          f"{args.repeats} alternated; CV once)")
    return lines


if __name__ == "__main__":
    main()
