"""How long `shrinkage compare` takes on a 100,000 x 200 table (issue 5's scale check).

Writes a CSV of 100,000 rows (190 numeric columns, 10 categorical ones with 5 levels, a
sparse linear truth), runs the command in this process with the folder's defaults, and
records the time of each stage in benchmarks/results/<date>-compare-scale.json.
Usage: python benchmarks/compare_scale.py [--rows N] [--task regression|classification]
"""

import argparse
import datetime
import json
import os
import tempfile
import time

import numpy as np

RESULTS = os.path.join(os.path.dirname(__file__), "results")


def make_table(path, n_rows, task, seed=0):
    import polars as pl

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, 190))
    levels = np.array(list("abcde"))
    cats = rng.integers(0, 5, size=(n_rows, 10))
    coef = np.zeros(190)
    coef[:20] = rng.standard_normal(20)
    signal = X @ coef + 0.5 * (cats[:, 0] == 2)
    y = signal + rng.standard_normal(n_rows) * signal.std() / 2
    if task == "classification":
        y = np.where(y > np.median(y), "yes", "no")
    frame = pl.DataFrame(X, schema=[f"x{j:03d}" for j in range(190)]).with_columns(
        [pl.Series(f"c{k}", levels[cats[:, k]]) for k in range(10)]
        + [pl.Series("target", y)])
    frame.write_csv(path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--task", default="regression")
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args(argv)
    from shrinkage.compare import Options, run_comparison
    from shrinkage.report import write_outputs
    from shrinkage.tables import read_table

    stages, last = {}, [None, time.perf_counter()]

    def step(name):
        now = time.perf_counter()
        if last[0] is not None:
            stages[last[0]] = now - last[1]
        last[:] = [name, now]

    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "table.csv")
        make_table(data, args.rows, args.task)
        start = time.perf_counter()
        step("reading the table")
        table = read_table(data, "target")
        comparison = run_comparison(table, Options(n_jobs=args.n_jobs), progress=step)
        write_outputs(comparison, os.path.join(tmp, "out"), progress=step)
        step("done")
        total = time.perf_counter() - start
    record = {"date": datetime.date.today().isoformat(), "rows": args.rows,
              "columns": 200, "task": args.task, "n_jobs": args.n_jobs,
              "cpu_count": os.cpu_count(), "total_seconds": total,
              "stages_seconds": stages,
              "fit_seconds": {p: e["fit_seconds"]
                              for p, e in comparison.results["penalties"].items()}}
    os.makedirs(RESULTS, exist_ok=True)
    out = os.path.join(RESULTS, f"{record['date']}-compare-scale-{args.task}.json")
    with open(out, "w") as fh:
        json.dump(record, fh, indent=1)
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
