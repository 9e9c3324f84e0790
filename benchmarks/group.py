"""Group lasso paths side by side with skglm, at equal duality gap by OUR certificate.

For each problem, a path of 50 alphas from the group alpha_max down to 1e-2 of it
(weights sqrt(|g|), both libraries on the same objective: skglm's GroupLasso minimises
``(1/2n)||y - Xw - b||^2 + alpha sum_g weights_g ||w_g||``, ours with
``feature_groups`` and ``group_l1_ratio=0`` is the same). skglm runs warm-started
refits along the grid (its estimator has no path) at tolerances from loose to tight; the
loosest one whose every solution our certificate (``solvers.certificates.duality_gap``,
the relative gap) puts at or below the target counts. Ours runs ``regularization_path``
at ``tol = target``. Logistic: skglm's ``LogisticGroup`` datafit with ``GroupProxNewton``
(its labels in {-1, 1}, the mean log-loss, our scale), against ``LogisticRegression``
paths through ``regularization_path(loss="logistic")``.

    python benchmarks/group.py            # writes benchmarks/results/2026-12-07-group.md
    python benchmarks/group.py --quick    # smaller problems, no file
"""

import argparse
import os
import time
import warnings

import numpy as np

from shrinkage import regularization_path
from shrinkage.penalties_group import check_group_structure
from shrinkage.solvers.certificates import duality_gap
from shrinkage.solvers.problem import make_problem

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = 1e-4
N_ALPHAS = 50
TOLS = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)


def correlated_groups(n, n_groups, size, seed=0, loss="squared"):
    """Dense X, groups of ``size`` correlated columns (rho 0.5 within a group), 5
    groups active."""
    rng = np.random.default_rng(seed)
    shared = rng.standard_normal((n, n_groups))
    X = np.sqrt(0.5) * np.repeat(shared, size, axis=1) + \
        np.sqrt(0.5) * rng.standard_normal((n, n_groups * size))
    w = np.zeros(n_groups * size)
    w[:5 * size] = rng.standard_normal(5 * size)
    z = X @ w
    labels = np.repeat(np.arange(n_groups), size)
    if loss == "logistic":
        y = np.where(rng.random(n) < 1 / (1 + np.exp(-z)), 1.0, -1.0)
    else:
        y = z + rng.standard_normal(n) * np.std(z)
    return X, y, labels


def one_hot(n, n_categoricals, levels, seed=1):
    """One-hot columns of categoricals (the case groups are for): a group per
    categorical, 4 of them matter."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, levels, size=(n, n_categoricals))
    X = np.zeros((n, n_categoricals * levels))
    for k in range(n_categoricals):
        X[np.arange(n), k * levels + codes[:, k]] = 1.0
    effects = np.zeros((n_categoricals, levels))
    effects[:4] = rng.standard_normal((4, levels))
    y = effects[np.arange(n_categoricals), codes].sum(axis=1) + rng.standard_normal(n)
    return X, y, np.repeat(np.arange(n_categoricals), levels)


def our_gaps(loss, X, y, structure, alphas, coefs, intercepts):
    problem = make_problem(X, y if loss == "squared" else y, loss)
    return np.array([duality_gap(problem, structure.penalty(a, 1.0), c, b)
                     for a, c, b in zip(alphas, coefs, intercepts)])


def run_ours(loss, X, y, labels, alphas):
    target = y if loss == "squared" else (y > 0).astype(int)
    start = time.perf_counter()
    path = regularization_path(X, target, loss=loss, feature_groups=labels, alphas=alphas,
                               tol=TARGET)
    return time.perf_counter() - start, path.coefs, path.intercepts


def run_skglm(loss, X, y, labels, alphas, tol):
    from skglm import GeneralizedLinearEstimator
    from skglm.datafits import LogisticGroup, QuadraticGroup
    from skglm.penalties import WeightedGroupL2
    from skglm.solvers import GroupBCD, GroupProxNewton
    from skglm.utils.data import grp_converter

    n_groups = labels.max() + 1
    lists = [list(np.flatnonzero(labels == g)) for g in range(n_groups)]
    indices, ptr = grp_converter(lists, X.shape[1])
    weights = np.sqrt(np.diff(ptr)).astype(np.float64)
    datafit = (QuadraticGroup if loss == "squared" else LogisticGroup)(ptr, indices)
    solver = GroupBCD(tol=tol, max_iter=1000, max_epochs=100_000, fit_intercept=True,
                      warm_start=True) if loss == "squared" else \
        GroupProxNewton(tol=tol, max_iter=100, fit_intercept=True, warm_start=True)
    coefs, intercepts = [], []
    start = time.perf_counter()
    model = None
    for a in alphas:
        penalty = WeightedGroupL2(a, weights, ptr, indices)
        if model is None:
            model = GeneralizedLinearEstimator(datafit, penalty, solver)
        else:
            model.penalty = penalty
        model.fit(X, y)
        coefs.append(np.ravel(model.coef_).copy())  # (1, p) for a classifier
        intercepts.append(float(np.ravel(model.intercept_)[0]))
    return time.perf_counter() - start, np.array(coefs), np.array(intercepts)


def compare(name, loss, X, y, labels):
    structure = check_group_structure(labels, X.shape[1])
    target = y if loss == "squared" else (y > 0).astype(int)
    top = regularization_path(X, target, loss=loss, feature_groups=labels, alphas=2,
                              eps=0.5).alphas[0]
    alphas = np.geomspace(top, 1e-2 * top, N_ALPHAS)
    run_ours(loss, X[:50], y[:50], labels, alphas[:2])  # compile
    run_skglm(loss, X[:50], y[:50], labels, alphas[:2], 1e-4)
    ours_time, coefs, intercepts = run_ours(loss, X, y, labels, alphas)
    ours_gap = our_gaps(loss, X, y, structure, alphas, coefs, intercepts).max()
    row = {"problem": name, "shape": X.shape, "groups": int(labels.max() + 1),
           "ours_s": ours_time, "ours_gap": ours_gap}
    for tol in TOLS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seconds, coefs, intercepts = run_skglm(loss, X, y, labels, alphas, tol)
        gap = our_gaps(loss, X, y, structure, alphas, coefs, intercepts).max()
        if gap <= TARGET:
            row.update(skglm_s=seconds, skglm_tol=tol, skglm_gap=gap)
            break
        row.update(skglm_s=float("nan"), skglm_tol=tol, skglm_gap=gap)
    row["ratio"] = row["skglm_s"] / ours_time
    print(row, flush=True)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    scale = 4 if args.quick else 1
    problems = [
        ("correlated groups (5 per group)", "squared",
         *correlated_groups(1000 // scale, 400 // scale, 5)),
        ("one-hot categoricals (12 levels)", "squared",
         *one_hot(2000 // scale, 100 // scale, 12)),
        ("correlated groups, logistic", "logistic",
         *correlated_groups(1000 // scale, 200 // scale, 5, loss="logistic")),
    ]
    rows = [compare(name, loss, X, y, labels) for name, loss, X, y, labels in problems]
    if args.quick:
        return
    lines = ["# Group lasso paths: shrinkage vs skglm 0.5 (2026-12-07)", "",
             f"{N_ALPHAS} alphas from the group alpha_max to 1e-2 of it, weights "
             "sqrt(|g|); equal duality gap: every solution at or below "
             f"{TARGET:g} by OUR certificate (relative gap), measured on both outputs. "
             "skglm: warm-started `GeneralizedLinearEstimator` refits (GroupBCD for the "
             "squared loss, GroupProxNewton for logistic), its loosest tol in "
             f"{TOLS} that reaches the target. Shared 2-core machine, compile excluded.",
             "", "| problem | n x p | groups | ours (s) | our max gap | skglm (s) | "
             "skglm tol | skglm max gap | skglm / ours |", "|---" * 9 + "|"]
    for r in rows:
        shape = f"{r['shape'][0]} x {r['shape'][1]}"
        lines.append(f"| {r['problem']} | {shape} | {r['groups']} | {r['ours_s']:.2f} | "
                     f"{r['ours_gap']:.1e} | {r['skglm_s']:.2f} | {r['skglm_tol']:g} | "
                     f"{r['skglm_gap']:.1e} | {r['ratio']:.2f} |")
    path = os.path.join(HERE, "results", "2026-12-07-group.md")
    with open(path, "w") as out:
        out.write("\n".join(lines) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
