"""``shrinkage compare --engine dask`` on a Parquet folder larger than a toy: seconds by
stage, passes over the data, and the floor of one pass that reads the files and forms
X'X.

    python benchmarks/compare_dask.py --rows 2000000 --files 20 --workers 2 [--in-memory]

The table (numeric columns with means and scales far from 0 and 1, a text column of five
levels, a linear truth on ten columns) is written file by file into a temporary folder
(kept with ``--keep FOLDER``). ``--in-memory`` also runs the in-memory comparison of the
same files (polars reads them whole) for the time a user spends without Dask.
"""

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"


def write_table(folder, rows, files, p, seed=0):
    import pandas as pd

    rng = np.random.default_rng(seed)
    truth = np.zeros(p)
    truth[:10] = rng.standard_normal(10)
    for k in range(files):
        m = rows // files
        X = rng.standard_normal((m, p)) * rng.uniform(0.5, 3.0, p) + rng.uniform(-5, 5, p)
        level = rng.choice(list("abcde"), m)
        y = X @ truth + (level == "a") * 2.0 + rng.standard_normal(m) * 3.0
        frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(p)])
        frame["level"], frame["y"] = level, y
        frame.to_parquet(folder / f"part-{k:04d}.parquet", index=False)


def floor_pass(folder):
    """One pass that reads the files and forms X'X of the numeric columns."""
    import dask
    import dask.dataframe as dd
    from dask import delayed

    from shrinkage.scale.statistics import add_sums, group_sums, tree_reduce

    frame = dd.read_parquet(str(folder))
    numeric = [c for c in frame.columns if c.startswith("x")]

    def part_sums(part):
        return group_sums(part[numeric].to_numpy(), part["y"].to_numpy(), None, None, 1)

    start = time.perf_counter()
    dask.compute(tree_reduce([delayed(part_sums)(p) for p in frame.to_delayed()],
                             add_sums))
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--in-memory", action="store_true")
    parser.add_argument("--keep", default=None)
    parser.add_argument("--out", default=str(RESULTS / f"{date.today()}-compare-dask.json"))
    args = parser.parse_args(argv)

    from shrinkage.compare import Options, run_comparison
    from shrinkage.report import write_outputs
    from shrinkage.compare.dask import OnDask
    from shrinkage.scale.cluster import dask_client

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cmp-dask-"))
    if not any(folder.glob("*.parquet")):
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        write_table(folder, args.rows, args.files, args.features)
        print(f"wrote {args.rows} x {args.features + 1} in {time.perf_counter() - start:.1f} s")
    options = Options()
    out = {"rows": args.rows, "features": args.features, "files": args.files,
           "workers": args.workers}
    with dask_client(workers=args.workers):
        floor_pass(folder)  # warm the workers' imports
        out["floor_pass_seconds"] = min(floor_pass(folder) for _ in range(2))
        start = time.perf_counter()
        engine = OnDask(folder, "y", options)
        out["summary_and_sums_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        comparison = run_comparison(None, options, engine=engine)
        out["fits_and_interval_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        write_outputs(comparison, Path(tempfile.mkdtemp(prefix="cmp-dask-report-")))
        out["report_seconds"] = time.perf_counter() - start
    out["passes"] = 3  # summary, sums, test losses (OnDask's docstring)
    out["total_seconds"] = (out["summary_and_sums_seconds"]
                            + out["fits_and_interval_seconds"] + out["report_seconds"])
    out["total_in_floor_passes"] = out["total_seconds"] / out["floor_pass_seconds"]
    out["winner"] = comparison.results["comparison"]["winner"]
    if args.in_memory:
        import polars as pl

        from shrinkage.tables import Table

        start = time.perf_counter()
        table = Table(frame=pl.read_parquet(folder / "*.parquet"), target="y",
                      name=folder.name)
        memory = run_comparison(table, options)
        out["in_memory_seconds"] = time.perf_counter() - start
        out["in_memory_winner"] = memory.results["comparison"]["winner"]
    print(json.dumps(out, indent=1))
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
