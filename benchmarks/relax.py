"""The relaxed lasso's cross-validation beside the way a scikit-learn user does it.

glmnet's ``relax = TRUE`` lives in R's glmnet package (python-glmnet has none), so the
peer is scikit-learn written out: on each fold (the same folds and grid), the lasso path
(``lasso_path``, or ``LogisticRegression(penalty="l1", solver="saga")`` warm-started
along the grid), each distinct support refitted without penalty (``LinearRegression``,
``LogisticRegression(penalty=None)``), every (alpha, gamma) blend scored on the held-out
rows, the joint minimum chosen, then the same on the whole data at the chosen alpha.
shrinkage's ``LassoCV(relax=True)`` / ``LogisticRegressionCV(relax=True)`` does the same
in one call. Both are timed in one process, alternated; the chosen (alpha, gamma) and the
relaxed CV curves are compared (equal accuracy: the curves agree to the paths' tol).

Usage: python benchmarks/relax.py [--repeats 3]
Writes benchmarks/results/<date>-relax.md.
"""

import argparse
import datetime
import os
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression, lasso_path
from sklearn.model_selection import KFold, StratifiedKFold

RESULTS = os.path.join(os.path.dirname(__file__), "results")
GAMMAS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])


def regression(n, p, k, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[:k] = rng.uniform(1, 3, k) * rng.choice([-1, 1], k)
    return X, X @ beta + 2.0 * rng.standard_normal(n)


def binary(n, p, k, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[:k] = rng.uniform(0.5, 1.5, k) * rng.choice([-1, 1], k)
    return X, (X @ beta + rng.logistic(size=n) > 0).astype(int)


def _sk_lasso_path(X, y, grid, tol):
    """Coefficients (n_alphas, p) and intercepts of the lasso along ``grid``."""
    xm, ym = X.mean(axis=0), y.mean()
    _, coefs, _ = lasso_path(X - xm, y - ym, alphas=grid, tol=tol, max_iter=100_000)
    coefs = coefs.T
    return coefs, ym - coefs @ xm


def _sk_logistic_path(X, y, grid, tol):
    n = len(y)
    model = LogisticRegression(l1_ratio=1.0, solver="saga", tol=tol, max_iter=100_000,
                               warm_start=True)
    coefs, intercepts = [], []
    for alpha in grid:
        model.set_params(C=1.0 / (n * alpha))
        model.fit(X, y)
        coefs.append(model.coef_[0].copy())
        intercepts.append(model.intercept_[0])
    return np.array(coefs), np.array(intercepts)


def _sk_refit(X, y, support, classification):
    """The unpenalized fit on ``support`` (the intercept alone when it is empty)."""
    if not support.size:
        share = float(np.mean(y))
        return np.zeros(0), float(np.log(share / (1 - share))) if classification else share
    if classification:
        model = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000)
        model.fit(X[:, support], y)
        return model.coef_[0], model.intercept_[0]
    model = LinearRegression().fit(X[:, support], y)
    return model.coef_, model.intercept_


def _score(y, z, classification):
    if classification:
        labels = np.where(y == 1, 1.0, -1.0)
        return np.mean(np.logaddexp(0.0, -labels[:, None] * z), axis=0)
    return np.mean((y[:, None] - z) ** 2, axis=0)


def sklearn_relaxed_cv(X, y, grid, folds, classification, tol):
    """The scikit-learn user's relaxed CV: (gamma, alpha) chosen, curve (g, a)."""
    path = _sk_logistic_path if classification else _sk_lasso_path
    scores = []
    for train, test in folds:
        coefs, intercepts = path(X[train], y[train], grid, tol)
        refits = {}
        refit_coefs = np.zeros_like(coefs)
        refit_intercepts = np.zeros(len(grid))
        for k, coef in enumerate(coefs):
            support = np.flatnonzero(coef)
            if support.tobytes() not in refits:
                refits[support.tobytes()] = _sk_refit(X[train], y[train], support,
                                                      classification)
            refit_coefs[k, support], refit_intercepts[k] = refits[support.tobytes()]
        z_lasso = X[test] @ coefs.T + intercepts
        z_refit = X[test] @ refit_coefs.T + refit_intercepts
        scores.append([_score(y[test], g * z_lasso + (1 - g) * z_refit, classification)
                       for g in GAMMAS])
    mean = np.mean(scores, axis=0)
    g, a = np.unravel_index(np.argmin(mean), mean.shape)
    # the whole-data model at the choice: the lasso there, its support refitted, blended
    coefs, intercepts = path(X, y, grid[:a + 1], tol)
    support = np.flatnonzero(coefs[-1])
    refit, refit_intercept = _sk_refit(X, y, support, classification)
    coef = GAMMAS[g] * coefs[-1]
    coef[support] += (1 - GAMMAS[g]) * refit
    return GAMMAS[g], grid[a], mean


def ours(X, y, grid, folds, classification):
    from shrinkage import LassoCV, LogisticRegressionCV

    cls = LogisticRegressionCV if classification else LassoCV
    model = cls(alphas=grid, cv=folds, relax=True).fit(X, y)  # both: l1_ratio 1
    return model.gamma_, model.alpha_, model.relaxed_cv_mean_[0]


def grid_of(X, y, classification, n_alphas=50):
    from shrinkage import regularization_path

    loss = "logistic" if classification else "squared"
    return regularization_path(X, y, loss=loss, alphas=n_alphas).alphas


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    problems = [("regression 2000 x 300, 10 true", regression(2000, 300, 10), False),
                ("regression 20000 x 100, 10 true", regression(20000, 100, 10), False),
                ("binary 2000 x 30, 5 true", binary(2000, 30, 5), True),
                ("binary 5000 x 100, 10 true", binary(5000, 100, 10), True)]
    lines = [f"# Relaxed lasso CV beside scikit-learn written out ({datetime.date.today()})",
             "", "5 folds, 50 alphas (shrinkage's default grid), gammas 0, .25, .5, .75, 1; "
             "seconds are the best of the repeats, alternated in one process.", "",
             "| problem | shrinkage s | scikit-learn s | ratio | same (alpha, gamma) | "
             "max rel. curve diff |", "|---|---|---|---|---|---|"]
    for name, (X, y), classification in problems:
        X = np.asfortranarray(X)
        splitter = (StratifiedKFold if classification else KFold)(5, shuffle=True,
                                                                 random_state=0)
        folds = list(splitter.split(X, y))
        grid = grid_of(X, y, classification)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a 5-alpha grid's edge warning
            ours(X[:200], y[:200], grid[:5], 2, classification)  # compile
        times = {"ours": [], "sklearn": []}
        for _ in range(args.repeats):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                warnings.simplefilter("ignore", UserWarning)  # grid edges: said above
                start = time.perf_counter()
                mine = ours(X, y, grid, folds, classification)
                times["ours"].append(time.perf_counter() - start)
                start = time.perf_counter()
                theirs = sklearn_relaxed_cv(X, y, grid, folds, classification,
                                            tol=1e-4 if classification else 1e-6)
                times["sklearn"].append(time.perf_counter() - start)
        t_ours, t_sk = min(times["ours"]), min(times["sklearn"])
        same = mine[0] == theirs[0] and np.isclose(mine[1], theirs[1])
        diff = float(np.max(np.abs(mine[2] - theirs[2]) / np.abs(theirs[2])))
        row = (f"| {name} | {t_ours:.2f} | {t_sk:.2f} | {t_sk / t_ours:.1f}x | "
               f"{'yes' if same else f'no: ours {mine[:2]}, sklearn {theirs[:2]}'} | "
               f"{diff:.1e} |")
        print(row, flush=True)
        lines.append(row)
    path = os.path.join(RESULTS, f"{datetime.date.today()}-relax.md")
    with open(path, "w") as out:
        out.write("\n".join(lines) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
