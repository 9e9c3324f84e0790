"""Beyond one machine: the squared loss on a Dask cluster, beside dask-ml and Spark MLlib.

    python benchmarks/dask_scale.py [--rows 2000000] [--features 50] [--workers 2]
                                    [--peers dask-ml spark h2o] [--in-memory-check]

X (AR(1) 0.5 columns, a sparse truth) is generated chunk by chunk on the workers of a
LocalCluster (processes, one thread each) and persisted there. Timed, median of
``--repeats``: the floor (one pass computing X'X on the workers), shrinkage's elastic-net
and lasso paths (100 alphas) and its 5-fold ElasticNetCV, and single-alpha fits of each
library; every answer's relative duality gap is computed by one function from the
statistics of the whole data (``closed_form_gaps``), so that accuracies compare. Passes
over the data are counted as the number of computations that read X. Writes
benchmarks/results/<date>-dask.{json,md}.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import time

import numpy as np

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
ALPHA, L1_RATIO, N_ALPHAS, FOLDS = 0.01, 0.5, 100, 5
#: the L1-logistic fits at one alpha, beside the peers
LOGISTIC_ALPHA = 0.005


def _chunk(seed, rows, p, rho=0.5):
    rng = np.random.default_rng(seed)
    X = np.empty((rows, p))
    X[:, 0] = rng.standard_normal(rows)
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * rng.standard_normal(rows)
    return X


def make_data(n, p, chunk):
    """X and y on the workers, persisted; the truth has 10 non-zeros."""
    import dask.array as da
    from dask import delayed

    sizes = [min(chunk, n - s) for s in range(0, n, chunk)]
    blocks = [da.from_delayed(delayed(_chunk)(1000 + k, m, p), (m, p), dtype=float)
              for k, m in enumerate(sizes)]
    X = da.concatenate(blocks, axis=0)
    w = np.zeros(p)
    w[np.random.default_rng(0).choice(p, 10, replace=False)] = np.linspace(-2, 2, 10)
    noise = da.random.RandomState(7).standard_normal(n, chunks=(tuple(sizes),))
    y = X @ w + 2.0 * noise
    return X.persist(), y.persist()


def timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--chunk", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peers", nargs="*", default=["dask-ml"])
    parser.add_argument("--only", nargs="*", default=None,
                        help="only these parts: squared, logistic")
    parser.add_argument("--in-memory-check", action="store_true",
                        help="gather X once and compare with the in-memory path")
    parser.add_argument("--keep", action="store_true",
                        help="keep the rows of an earlier run of the same day that this "
                             "run does not produce (a peer not re-run, say)")
    parser.add_argument("--out", default=RESULTS)
    parser.add_argument("--parquet", action="store_true",
                        help="issue 31's rows: the data written to a Parquet folder, "
                             "shrinkage fitting on dd.read_parquet(folder), H2O importing "
                             "it (benchmarks/dask_parquet.py)")
    parser.add_argument("--parquet-dir", default=None,
                        help="with --parquet: write the folder here and keep it")
    args = parser.parse_args(argv)

    import distributed
    from distributed import wait

    import shrinkage
    from shrinkage.penalties import ElasticNetPenalty
    from shrinkage.scale.squared import sums_problem
    from shrinkage.scale.statistics import gram_sums
    from shrinkage.solvers.gram import closed_form_gaps

    cluster = distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                       processes=True, host="127.0.0.1",
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    n, p = args.rows, args.features
    rows = []

    def row(name, seconds, passes, gap=None, note=""):
        rows.append({"task": name, "seconds": seconds, "passes": passes, "gap": gap,
                     "note": note})
        gap_text = "-" if gap is None else f"{gap:.1e}"
        print(f"{name:<44} {seconds:8.2f} s  passes {passes}  gap {gap_text}  {note}",
              flush=True)

    load = os.getloadavg()
    if args.parquet:
        from dask_parquet import run_parquet

        run_parquet(args, row, args.workers)
        return _finish(args, client, cluster, rows, n, p, "dask-h2o", load)
    X, y = make_data(n, p, args.chunk)
    wait([X, y])
    floor, _ = timed(lambda: (X.T @ X).compute(), args.repeats)
    row("floor: one pass computing X'X", floor, 1)
    parts = args.only or ["squared", "logistic"]
    if "logistic" in parts:
        labels = _logistic(X, y, row, floor)
        _logistic_fits(X, labels, n, row, floor, args.peers, args.workers)
    if "squared" not in parts:
        args.peers = []
    problem = sums_problem(gram_sums(X, y), True)

    def gap_of(alpha, l1_ratio, coef):
        pen = ElasticNetPenalty.from_params(alpha, l1_ratio, np.ones(p),
                                            np.full(p, -np.inf), np.full(p, np.inf))
        return float(closed_form_gaps(problem, [pen], [np.asarray(coef, float)])[0])

    shrinkage.Lasso(alpha=1.0).fit(X[:1000], y[:1000])  # compilation is not timed
    for ratio, label in ((L1_RATIO, "elastic-net"), (1.0, "lasso")) if \
            "squared" in parts else ():
        seconds, path = timed(lambda r=ratio: shrinkage.regularization_path(
            X, y, l1_ratio=r, alphas=N_ALPHAS, tol=1e-6), args.repeats)
        row(f"shrinkage {label} path, {N_ALPHAS} alphas", seconds, 1, float(path.gaps.max()),
            f"{seconds / floor:.2f} x floor")
    if "squared" not in parts:
        return _finish(args, client, cluster, rows, n, p, "dask", load)
    seconds, cv = timed(lambda: shrinkage.ElasticNetCV(
        l1_ratio=L1_RATIO, alphas=N_ALPHAS, cv=FOLDS, tol=1e-6).fit(X, y), args.repeats)
    row(f"shrinkage ElasticNetCV, {FOLDS} folds x {N_ALPHAS} alphas", seconds, 1,
        cv.dual_gap_, f"alpha_ {cv.alpha_:.3g}")
    for ratio, label in ((L1_RATIO, "elastic net"), (1.0, "lasso")):
        seconds, model = timed(lambda r=ratio: shrinkage.ElasticNet(
            alpha=ALPHA, l1_ratio=r, tol=1e-6).fit(X, y), args.repeats)
        row(f"shrinkage {label}, alpha {ALPHA}", seconds, 1,
            gap_of(ALPHA, ratio, model.coef_))
        if args.in_memory_check and ratio == L1_RATIO:
            # both solved to a gap of 1e-12: what remains is the distributed arithmetic
            tight = shrinkage.ElasticNet(alpha=ALPHA, l1_ratio=ratio, tol=1e-12)
            on_cluster = tight.fit(X, y).coef_.copy()
            Xm, ym = X.compute(), y.compute()
            reference = tight.fit(Xm, ym).coef_
            diff = float(np.abs(on_cluster - reference).max())
            row("in-memory check (max |coef difference|, gaps 1e-12)", 0.0, 0, None,
                f"{diff:.1e}")
            del Xm, ym
    if "dask-ml" in args.peers:
        _dask_ml(X, y, n, row, gap_of, args.repeats)
    if "spark" in args.peers:
        _spark(X, y, row, gap_of, floor)
    if "h2o" in args.peers:
        from h2o_peer import h2o_squared

        h2o_squared(X, y, row, gap_of, floor, ALPHA, ((L1_RATIO, "elastic net"),
                                                      (1.0, "lasso")), N_ALPHAS, args.workers)
    return _finish(args, client, cluster, rows, n, p, "dask", load)


def _finish(args, client, cluster, rows, n, p, name, load):
    client.close()
    cluster.close()
    meta = {"date": datetime.date.today().isoformat(), "rows": n, "features": p,
            "chunk": args.chunk, "workers": args.workers,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                       f"Python {platform.python_version()}",
            "load average (1, 5, 15 min) before, after": [list(load),
                                                          list(os.getloadavg())]}
    stem = os.path.join(args.out, f"{meta['date']}-{name}")
    os.makedirs(args.out, exist_ok=True)
    if args.keep and os.path.exists(stem + ".json"):
        with open(stem + ".json") as fh:
            done = {r["task"] for r in rows}
            rows += [dict(r, note=r["note"] if r["note"].endswith("(earlier run)")
                          else (r["note"] + " (earlier run)").strip())
                     for r in json.load(fh)["rows"] if r["task"] not in done]
    with open(stem + ".json.tmp", "w") as fh:
        json.dump({"meta": meta, "rows": rows}, fh, indent=1)
    os.replace(stem + ".json.tmp", stem + ".json")
    lines = [f"# Dask scale-out, {meta['date']}", "",
             f"{n} x {p} float64 in chunks of {args.chunk} rows on {args.workers} "
             f"workers (LocalCluster, processes); {meta['machine']}. Gaps are relative "
             "duality gaps from the whole data's statistics. Load average (1, 5, 15 "
             "min) before and after: "
             + "; ".join(", ".join(f"{x:.2f}" for x in v) for v in
                         meta["load average (1, 5, 15 min) before, after"]) + ".", "",
             "| task | seconds | passes over X | gap | note |", "|---|---|---|---|---|"]
    for r in rows:
        gap = "-" if r["gap"] is None else f"{r['gap']:.1e}"
        lines.append(f"| {r['task']} | {r['seconds']:.2f} | {r['passes']} | {gap} | "
                     f"{r['note']} |")
    with open(stem + ".md.tmp", "w") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(stem + ".md.tmp", stem + ".md")
    print(f"wrote {stem}.json and {stem}.md")


def _logistic(X, y, row, floor):
    """The L1-logistic path (100 alphas, gap 1e-6) on labels drawn from the same
    truth: seconds and passes (two to fit the intercept, then the solver's)."""
    import dask.array as da

    import shrinkage

    p_true = 1.0 / (1.0 + da.exp(-(y - y.mean()) / y.std()))
    labels = (da.random.RandomState(11).uniform(size=y.shape[0], chunks=y.chunks)
              < p_true).persist()
    small = labels[:2000].compute()
    shrinkage.LogisticRegression(alpha=0.1).fit(X[:2000].compute(), small)  # compile
    start = time.perf_counter()
    path = shrinkage.regularization_path(X, labels, loss="logistic", l1_ratio=1.0,
                                         alphas=N_ALPHAS, tol=1e-6)
    seconds = time.perf_counter() - start
    passes = int(path.n_iter.sum()) + 2
    row(f"shrinkage L1-logistic path, {N_ALPHAS} alphas", seconds, passes,
        float(path.gaps.max()), f"{passes / N_ALPHAS:.2f} passes per alpha, "
        f"{seconds / passes / floor:.2f} x floor per pass")
    return labels


def _logistic_fits(X, labels, n, row, floor, peers, workers, target=1e-6):
    """L1-logistic regression at one alpha (``LOGISTIC_ALPHA``): shrinkage, dask-ml
    (dask-glm's proximal gradient; its loss is a sum, so ``C = 1 / (n alpha)``, and it
    penalizes the intercept) and Spark MLlib (OWL-QN; ``standardization=False`` makes
    its objective ours), each answer's relative duality gap computed in memory by one
    function (X gathered once for it, after the timings of the dask fits)."""
    import shrinkage
    from shrinkage.penalties import ElasticNetPenalty
    from shrinkage.solvers.cd import duality_gap, make_problem

    alpha, p = LOGISTIC_ALPHA, X.shape[1]
    answers = {}
    start = time.perf_counter()
    ours = shrinkage.LogisticRegression(alpha=alpha, l1_ratio=1.0, tol=target).fit(X, labels)
    seconds = time.perf_counter() - start
    answers[f"shrinkage L1-logistic, alpha {alpha}"] = (
        seconds, ours.n_iter_, ours.coef_[0], ours.intercept_[0], "")
    if "dask-ml" in peers:
        try:
            from dask_ml.linear_model import LogisticRegression as DaskML

            start = time.perf_counter()
            fitted = DaskML(penalty="l1", C=1.0 / (n * alpha), solver="proximal_grad",
                            fit_intercept=True, max_iter=100).fit(X, labels)
            answers[f"dask-ml l1 logistic (proximal_grad), alpha {alpha}"] = (
                time.perf_counter() - start, "-", np.ravel(fitted.coef_),
                float(np.ravel(fitted.intercept_)[0]), "max_iter 100")
        except Exception as exc:  # noqa: BLE001 - a failure is a result to report
            row(f"dask-ml l1 logistic, alpha {alpha}", 0.0, 0, None,
                f"failed: {type(exc).__name__}: {str(exc)[:80]}")
    if not peers:  # no answer to check but ours: its certified gap (X stays out there)
        row(f"shrinkage L1-logistic, alpha {alpha}", seconds, ours.n_iter_, ours.dual_gap_,
            f"certified gap; {seconds / floor:.1f} x floor")
        return
    Xm, ym = X.compute(), np.where(labels.compute(), 1.0, -1.0)
    problem = make_problem(np.asfortranarray(Xm), ym, "logistic")
    penalty = ElasticNetPenalty.from_params(alpha, 1.0, np.ones(p), np.full(p, -np.inf),
                                            np.full(p, np.inf))
    if "spark" in peers:
        answers.update(_spark_logistic(X, labels, alpha, target,
                                       lambda w, b: duality_gap(problem, penalty, w, b)))
    for name, (seconds, passes, w, b, note) in answers.items():
        gap = float(duality_gap(problem, penalty, np.asarray(w, float), float(b)))
        row(name, seconds, passes, gap, (note + "; " if note else "")
            + f"{seconds / floor:.1f} x floor")
    if "h2o" in peers:
        from h2o_peer import h2o_logistic

        h2o_logistic(X, labels, row, lambda w, b: float(duality_gap(
            problem, penalty, np.asarray(w, float), float(b))), floor, alpha, N_ALPHAS,
            workers)
    del Xm, ym


def _spark_logistic(X, labels, alpha, target, gap_of):
    """Spark MLlib's LogisticRegression (L1) on the same rows written to Parquet: its
    tol the loosest of 1e-6 .. 1e-12 that reaches the target gap."""
    import shutil
    import tempfile

    import dask.dataframe as dd

    try:
        from pyspark.ml.classification import LogisticRegression
        from pyspark.ml.feature import VectorAssembler
        from pyspark.sql import SparkSession
    except ImportError as exc:
        return {"Spark MLlib logistic": (0.0, 0, np.zeros(X.shape[1]), 0.0,
                                         f"skipped: {exc}")}
    folder = tempfile.mkdtemp(prefix="shrinkage-spark-")
    out = {}
    try:
        names = [f"x{j}" for j in range(X.shape[1])]
        frame = dd.from_dask_array(X, columns=names)
        frame["label"] = dd.from_dask_array(labels.astype(float), index=frame.index)
        frame.to_parquet(folder, write_index=False)
        spark = (SparkSession.builder.master("local[2]")
                 .config("spark.ui.enabled", "false")
                 .config("spark.driver.memory", "8g").getOrCreate())
        data = VectorAssembler(inputCols=names, outputCol="features").transform(
            spark.read.parquet(folder)).select("features", "label").cache()
        data.count()
        for tol in (1e-6, 1e-8, 1e-10, 1e-12):
            start = time.perf_counter()
            fitted = LogisticRegression(regParam=alpha, elasticNetParam=1.0,
                                        standardization=False, fitIntercept=True, tol=tol,
                                        maxIter=10_000).fit(data)
            seconds = time.perf_counter() - start
            w, b = np.asarray(fitted.coefficients.toArray()), float(fitted.intercept)
            gap = gap_of(w, b)
            if gap <= target:
                break
        out[f"Spark MLlib L1-logistic (OWL-QN), alpha {alpha}"] = (
            seconds, fitted.summary.totalIterations, w, b,
            f"tol {tol:g}, driver iterations as passes" + (
                "" if gap <= target else "; did not reach the gap"))
        spark.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return out


def _spark(X, y, row, gap_of, floor, target=1e-6):
    """Spark MLlib's LinearRegression in local mode on the same rows, written once to
    Parquet (read and cached before timing). Spark fits y / sd(y) and rescales: its L1
    part keeps regParam * elasticNetParam, its L2 part comes out divided by sd(y), so
    (regParam, elasticNetParam) are remapped to solve our objective; its tol is the
    loosest of 1e-6 .. 1e-12 that reaches the target gap. With p <= 4096 its "auto"
    solver builds the Gram matrix in one pass and iterates on the driver."""
    import shutil
    import tempfile

    import dask.dataframe as dd

    try:
        from pyspark.ml.feature import VectorAssembler
        from pyspark.ml.regression import LinearRegression
        from pyspark.sql import SparkSession
    except ImportError as exc:
        row("Spark MLlib", 0.0, 0, None, f"skipped: {exc}")
        return
    folder = tempfile.mkdtemp(prefix="shrinkage-spark-")
    try:
        names = [f"x{j}" for j in range(X.shape[1])]
        frame = dd.from_dask_array(X, columns=names)
        frame["y"] = dd.from_dask_array(y, index=frame.index)
        frame.to_parquet(folder, write_index=False)
        spark = (SparkSession.builder.master("local[2]")
                 .config("spark.ui.enabled", "false")
                 .config("spark.driver.memory", "8g").getOrCreate())
        start = time.perf_counter()
        data = VectorAssembler(inputCols=names, outputCol="features").transform(
            spark.read.parquet(folder)).select("features", "y").cache()
        data.count()
        row("Spark MLlib: read and cache the Parquet files", time.perf_counter() - start, 1)
        sd = float(y.std().compute())
        for ratio, label in ((L1_RATIO, "elastic net"), (1.0, "lasso")):
            shrink = ratio + (1.0 - ratio) * sd
            for tol in (1e-6, 1e-8, 1e-10, 1e-12):
                model = LinearRegression(
                    featuresCol="features", labelCol="y", regParam=ALPHA * shrink,
                    elasticNetParam=ratio / shrink, standardization=False,
                    fitIntercept=True, tol=tol, maxIter=10_000)
                start = time.perf_counter()
                fitted = model.fit(data)
                seconds = time.perf_counter() - start
                gap = gap_of(ALPHA, ratio, np.asarray(fitted.coefficients.toArray()))
                if gap <= target:
                    break
            iterations = fitted.summary.totalIterations
            row(f"Spark MLlib {label}, alpha {ALPHA}", seconds, 1, gap,
                f"tol {tol:g}, {iterations} driver iterations, "
                f"{seconds / floor:.1f} x floor" + (
                    "" if gap <= target else "; did not reach the gap"))
        spark.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _dask_ml(X, y, n, row, gap_of, repeats):
    """dask-ml's LinearRegression (dask-glm): its loss is a sum without 1/n, so
    ``C = 1 / (2 n alpha)``; it penalizes the intercept (a column of ones)."""
    try:
        from dask_ml.linear_model import LinearRegression
    except ImportError as exc:
        row("dask-ml", 0.0, 0, None, f"skipped: {exc}")
        return
    for penalty, solver, ratio in (("l1", "proximal_grad", 1.0),
                                   ("elastic_net", "admm", L1_RATIO)):
        est = LinearRegression(penalty=penalty, C=1.0 / (2 * n * ALPHA), solver=solver,
                               fit_intercept=True, max_iter=100)
        try:
            seconds, model = timed(lambda e=est: e.fit(X, y), 1)
        except Exception as exc:  # noqa: BLE001 - a failure is a result to report
            row(f"dask-ml {penalty} ({solver}), alpha {ALPHA}", 0.0, 0, None,
                f"failed: {type(exc).__name__}: {str(exc)[:80]}")
            continue
        row(f"dask-ml {penalty} ({solver}), alpha {ALPHA}", seconds, model.n_iter_
            if hasattr(model, "n_iter_") else "-", gap_of(ALPHA, ratio, model.coef_),
            "max_iter 100")


if __name__ == "__main__":
    main()
