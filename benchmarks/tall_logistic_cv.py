"""The work inside issue 31's wide binary compare row, beside glmnet: one 5-fold logistic
cross-validation over 50 alphas (lasso, or one elastic-net l1_ratio) on the training split
of benchmarks/compare_scale.py's 100,000 x 200 table (75,000 rows x 240 encoded columns),
shrinkage's ``LogisticRegressionCV`` and python-glmnet's ``LogitNet`` (the Fortran glmnet,
built by benchmarks/build_glmnet.sh), each at its defaults, on the same folds and grid,
two jobs each, alternated in one process.

The whole-data path of each at its defaults is certified by one function
(classification.path_gap), so the row says what accuracy each default buys; the passes
over X of shrinkage's path are reported too (the compare row's bound).
Usage: python benchmarks/tall_logistic_cv.py [--l1-ratio 1.0] [--repeats 2] [--rows N]
"""

import argparse
import datetime
import json
import os
import sys
import tempfile
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import classification as cl  # noqa: E402
import peers  # noqa: E402
from compare_scale import make_table  # noqa: E402
from problems import BenchProblem  # noqa: E402

RESULTS = os.path.join(os.path.dirname(__file__), "results")


def training_split(rows):
    """The encoded training rows and labels that ``shrinkage compare`` fits."""
    from shrinkage.compare import Options
    from shrinkage.compare.memory import InMemory
    from shrinkage.tables import read_table

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "table.csv")
        make_table(path, rows, "classification")
        data = InMemory(read_table(path, "target"), Options())
    y = np.where(data.y_train == data.classes[1], 1.0, -1.0)  # the solvers' labels
    return np.asfortranarray(data.X_train), y, data.folds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--l1-ratio", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    why = peers.Glmnet().available()
    if why:
        raise SystemExit(f"glmnet is not available: {why}")
    import glmnet

    import shrinkage

    X, y, folds = training_split(args.rows)
    bp = BenchProblem("tall", "logistic CV, compare_scale's training split", X, y,
                      loss="logistic", kind="class_cv", n_alphas=50)
    r = args.l1_ratio
    alphas = cl.default_grid(bp, r)
    fold_ids = np.empty(len(y), dtype=int)
    for k, (_, test) in enumerate(folds):
        fold_ids[test] = k

    def ours(grid=alphas, cv=folds):
        return shrinkage.LogisticRegressionCV(l1_ratio=r, alphas=grid, cv=cv,
                                              n_jobs=2).fit(X, y)

    def theirs(grid=alphas, n_splits=len(folds)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = glmnet.LogitNet(alpha=r, lambda_path=np.asarray(grid), standardize=False,
                                    n_splits=n_splits, n_jobs=2, scoring="log_loss",
                                    random_state=0)
            # glmnet draws its own folds; the same folds are given where it takes them
            return model.fit(X, y) if n_splits == 0 else model.fit(X, y, groups=fold_ids)

    ours(alphas[:3], 2), theirs(alphas[:3], 2)  # compile and load, untimed
    seconds = {"shrinkage": [], "glmnet": []}
    for _ in range(args.repeats):
        for name, run in (("shrinkage", ours), ("glmnet", theirs)):
            start = time.perf_counter()
            run()
            seconds[name].append(time.perf_counter() - start)
    path = shrinkage.regularization_path(X, y, loss="logistic", l1_ratio=r, alphas=alphas)
    model = theirs(n_splits=0)
    coefs, intercepts = model.coef_path_[0].T, model.intercept_path_[0]
    gaps = {"shrinkage": cl.path_gap(bp, r, alphas, list(zip(path.coefs, path.intercepts))),
            "glmnet": cl.path_gap(bp, r, alphas, list(zip(coefs, intercepts)))
            if len(coefs) == len(alphas) else f"path stopped at {len(coefs)} alphas"}
    record = {"date": datetime.date.today().isoformat(), "shape": list(X.shape),
              "l1_ratio": r, "n_alphas": len(alphas), "folds": len(folds),
              "cpu_count": os.cpu_count(), "load_average": os.getloadavg(),
              "seconds": seconds,
              "median_seconds": {k: float(np.median(v)) for k, v in seconds.items()},
              "whole_path_gap_at_defaults": gaps,
              "shrinkage_path_passes_over_X": float(path.passes),
              "shrinkage_path_epochs": int(path.n_iter.sum())}
    os.makedirs(RESULTS, exist_ok=True)
    out = os.path.join(RESULTS, f"{record['date']}-tall-logistic-cv-{r:g}.json")
    with open(out, "w") as fh:
        json.dump(record, fh, indent=1)
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
