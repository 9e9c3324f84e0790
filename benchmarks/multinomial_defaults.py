"""Issue 31's multinomial row at each library's defaults: 5-fold L1 cross-validation on
digits (problem 9: 1797 x 64, 10 classes, standardized), 50 alphas, shrinkage's
``LogisticRegressionCV`` beside python-glmnet's ``LogitNet`` (the Fortran glmnet; built by
benchmarks/build_glmnet.sh), alternated in one process.

Both get the same folds, the same 50 alphas (shrinkage's default grid), L1 only, no
standardization, two jobs; everything else is each library's default (shrinkage's tol
1e-4 relative gap, glmnet's tol 1e-7 on its coefficient changes). The whole-data path each
computes at those defaults is certified by one function (classification.path_gap): what
accuracy each default buys. The equal-gap row is ``run.py --problems 9``.
Usage: python benchmarks/multinomial_defaults.py [--repeats 3]
"""

import argparse
import datetime
import json
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import classification as cl  # noqa: E402
import peers  # noqa: E402
import problems  # noqa: E402

RESULTS = os.path.join(os.path.dirname(__file__), "results")


def shrinkage_cv(bp, alphas):
    import shrinkage

    return shrinkage.LogisticRegressionCV(l1_ratio=1.0, alphas=alphas, cv=cl._folds(),
                                          n_jobs=2).fit(bp.X, bp.y)


def glmnet_cv(bp, alphas, n_splits=cl.N_FOLDS):
    import glmnet

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return glmnet.LogitNet(alpha=1.0, lambda_path=np.asarray(alphas), standardize=False,
                               n_splits=n_splits, n_jobs=2, scoring="log_loss",
                               random_state=0).fit(bp.X, bp.y)


def default_gaps(bp, alphas):
    """The largest relative gap of each library's whole-data path at its defaults."""
    import shrinkage

    path = shrinkage.regularization_path(bp.X, bp.y, loss="multinomial", l1_ratio=1.0,
                                         alphas=alphas)
    ours = [(c, b) for c, b in zip(path.coefs, path.intercepts)]
    model = glmnet_cv(bp, alphas, n_splits=0)
    coefs, intercepts = model.coef_path_, model.intercept_path_
    theirs = [(coefs[:, :, k], intercepts[:, k]) for k in range(coefs.shape[2])]
    return {"shrinkage": cl.path_gap(bp, 1.0, alphas, ours),
            "glmnet": cl.path_gap(bp, 1.0, alphas, theirs)
            if len(theirs) == len(alphas) else f"path stopped at {len(theirs)} alphas"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    why = peers.Glmnet().available()
    if why:
        raise SystemExit(f"glmnet is not available: {why}")
    bp = problems._p9()
    alphas = cl.default_grid(bp, 1.0)
    runners = {"shrinkage": shrinkage_cv, "glmnet": glmnet_cv}
    for run in runners.values():  # compile and load once, untimed
        run(bp, alphas[:3])
    seconds = {name: [] for name in runners}
    for _ in range(args.repeats):
        for name, run in runners.items():
            start = time.perf_counter()
            run(bp, alphas)
            seconds[name].append(time.perf_counter() - start)
    record = {"date": datetime.date.today().isoformat(), "problem": bp.title,
              "cpu_count": os.cpu_count(), "load_average": os.getloadavg(),
              "seconds": seconds,
              "median_seconds": {k: float(np.median(v)) for k, v in seconds.items()},
              "whole_path_gap_at_defaults": default_gaps(bp, alphas)}
    os.makedirs(RESULTS, exist_ok=True)
    out = os.path.join(RESULTS, f"{record['date']}-multinomial-defaults.json")
    with open(out, "w") as fh:
        json.dump(record, fh, indent=1)
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
