"""Issue 31's Dask rows: shrinkage and H2O-3 on the same Parquet folder, side by side.

    python benchmarks/dask_scale.py --parquet [--rows 2000000] [--peers h2o] ...

The rows of ``dask_scale.make_data`` (and labels drawn from the same truth) are written
once, a file per chunk, to a Parquet folder (columns ``x0 ..``, ``y``, ``label``). Then:

- shrinkage fits on ``dd.read_parquet(folder)``, as a user does: the time of a fit
  includes reading the files (the frame is lazy), the conversion of its columns to
  arrays and the checks; a second set of single-alpha fits runs on the frame persisted
  on the workers first (its read timed as a row of its own, as H2O's import is);
- H2O imports the folder (``h2o.import_file``, a row) and its GLM's ``train`` is timed.

The floors: one pass computing X'X from the files (read included), and from the
persisted frame. Gaps are relative duality gaps of each answer, computed by the same
function for every library (the squared loss's from the whole data's sums, the
logistic loss's in memory from the rows read with pandas). The machine's load
(``os.getloadavg``) is written before and after.
"""

import os
import shutil
import tempfile
import time

import numpy as np

from dask_scale import make_data, timed

ALPHA, L1_RATIO, N_ALPHAS, EPS = 0.01, 0.5, 100, 1e-3
#: the logistic elastic net at one alpha (issue 31: "logistic elastic net")
LOGISTIC_ALPHA = 0.005


def _write_part(path, X, y, label):
    import pandas as pd

    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    frame["y"], frame["label"] = y, label.astype(np.int64)
    frame.to_parquet(path, index=False)
    return len(frame)


def write_folder(X, y, folder):
    """The rows, ``y`` and labels drawn from it (``P(1) = sigmoid((y - mean) / sd)``)
    written a file per chunk; returns the number of rows written."""
    import dask
    import dask.array as da
    from dask import delayed

    p_true = 1.0 / (1.0 + da.exp(-(y - y.mean()) / y.std()))
    labels = da.random.RandomState(11).uniform(size=y.shape[0], chunks=y.chunks) < p_true
    os.makedirs(folder, exist_ok=True)
    parts = [delayed(_write_part)(os.path.join(folder, f"part.{k:04d}.parquet"), *blocks)
             for k, blocks in enumerate(zip(X.to_delayed().ravel(), y.to_delayed().ravel(),
                                            labels.to_delayed().ravel()))]
    return sum(dask.compute(*parts))


class Sources:
    """The two ways shrinkage reads the folder: lazily (``lazy()``: a fresh
    ``dd.read_parquet`` each call, so that a timed fit reads the files) and persisted
    (``persisted``: read once onto the workers)."""

    def __init__(self, folder, p):
        self.folder, self.names = folder, [f"x{j}" for j in range(p)]
        self.persisted = None

    def lazy(self):
        import dask.dataframe as dd

        return dd.read_parquet(self.folder)

    def persist(self, row):
        from distributed import wait

        start = time.perf_counter()
        self.persisted = self.lazy().persist()
        wait(self.persisted)
        row("shrinkage: dd.read_parquet(folder).persist()", time.perf_counter() - start,
            1, note="the files read onto the workers (H2O's import does the same)")

    def both(self):
        return (("on dd.read_parquet", self.lazy), ("on the persisted frame",
                                                    lambda: self.persisted))


def warm_up(sources):
    """Fits on the first partition: the kernels' compilation (or loading) on the client
    and the workers is not timed."""
    import shrinkage

    part = sources.persisted.partitions[0]
    X, names = part[sources.names], sources.names
    shrinkage.ElasticNet(alpha=ALPHA).fit(X, part["y"])
    shrinkage.LogisticRegression(alpha=LOGISTIC_ALPHA).fit(X, part["label"])
    shrinkage.regularization_path(X, part["label"], loss="logistic", alphas=3)
    table = part.compute()
    shrinkage.LogisticRegression(alpha=LOGISTIC_ALPHA).fit(table[names], table["label"])


def floors(sources, row):
    """One pass computing X'X: from the files (read included), and persisted."""
    def xtx(frame):
        X = frame[sources.names].to_dask_array()
        return (X.T @ X).compute()

    read, _ = timed(lambda: xtx(sources.lazy()), 3)
    row("floor: X'X reading the Parquet files", read, 1,
        note="read + conversion + X'X: the least a one-pass fit on the folder can take")
    memory, _ = timed(lambda: xtx(sources.persisted), 3)
    row("floor: X'X of the persisted frame", memory, 1)
    return read, memory


def squared_rows(sources, row, gap_of, floor, repeats):
    """ElasticNet and Lasso at ``ALPHA`` on each source, and the lasso path (100 alphas
    to ``EPS``) on the lazy one."""
    import shrinkage

    names = sources.names
    for label, source in sources.both():
        for ratio, name in ((L1_RATIO, "elastic net"), (1.0, "lasso")):
            def fit(r=ratio, source=source):
                frame = source()
                return shrinkage.ElasticNet(alpha=ALPHA, l1_ratio=r, tol=1e-6).fit(
                    frame[names], frame["y"])

            seconds, model = timed(fit, repeats)
            row(f"shrinkage {name}, alpha {ALPHA}, {label}", seconds, 1,
                gap_of(ALPHA, ratio, model.coef_), f"{seconds / floor:.2f} x floor")

    def path():
        frame = sources.lazy()
        return shrinkage.regularization_path(frame[names], frame["y"], l1_ratio=1.0,
                                             alphas=N_ALPHAS, eps=EPS, tol=1e-6)

    seconds, result = timed(path, repeats)
    row(f"shrinkage lasso path, {N_ALPHAS} alphas to {EPS:g}, on dd.read_parquet",
        seconds, 1, float(result.gaps.max()), f"{seconds / floor:.2f} x floor")


def logistic_rows(sources, row, floor, repeats):
    """The logistic elastic net at ``LOGISTIC_ALPHA`` on each source and its path (100
    alphas to ``EPS``) on the lazy one; returns the single fit's ``(coef, intercept)``."""
    import shrinkage

    names, ours = sources.names, None
    for label, source in sources.both():
        def fit(source=source):
            frame = source()
            return shrinkage.LogisticRegression(alpha=LOGISTIC_ALPHA, l1_ratio=L1_RATIO,
                                                tol=1e-6).fit(frame[names], frame["label"])

        seconds, model = timed(fit, repeats)
        row(f"shrinkage logistic elastic net, alpha {LOGISTIC_ALPHA}, {label}", seconds,
            model.n_iter_, model.dual_gap_, f"certified gap; {seconds / floor:.1f} x floor")
        ours = (model.coef_[0], model.intercept_[0])
    start = time.perf_counter()
    frame = sources.lazy()
    path = shrinkage.regularization_path(frame[names], frame["label"], loss="logistic",
                                         l1_ratio=L1_RATIO, alphas=N_ALPHAS, eps=EPS,
                                         tol=1e-6)
    seconds = time.perf_counter() - start
    passes = int(path.n_iter.sum())
    row(f"shrinkage logistic elastic-net path, {N_ALPHAS} alphas to {EPS:g}, on "
        "dd.read_parquet", seconds, passes, float(path.gaps.max()),
        f"{passes / N_ALPHAS:.2f} passes per alpha; {seconds / floor:.1f} x floor")
    return ours


def run_parquet(args, row, workers):
    """Write the folder, then every row (``--peers h2o`` adds H2O's)."""
    import pandas as pd

    from shrinkage.penalties import ElasticNetPenalty
    from shrinkage.scale.squared import sums_problem
    from shrinkage.scale.statistics import as_dask_matrix, frame_array, gram_sums
    from shrinkage.solvers.cd import duality_gap, make_problem
    from shrinkage.solvers.gram import closed_form_gaps

    n, p = args.rows, args.features
    folder = args.parquet_dir or tempfile.mkdtemp(prefix="shrinkage-issue31-")
    try:
        X, y = make_data(n, p, args.chunk)
        start = time.perf_counter()
        write_folder(X, y, folder)
        row("write the Parquet folder (not a fit)", time.perf_counter() - start, 1,
            note=f"{len(os.listdir(folder))} files of {args.chunk} rows")
        del X, y
        sources = Sources(folder, p)
        sources.persist(row)
        warm_up(sources)
        read_floor, memory_floor = floors(sources, row)
        frame = sources.persisted
        problem = sums_problem(gram_sums(as_dask_matrix(frame[sources.names]),
                                         frame_array(frame["y"])), True)

        def penalty(alpha, ratio):
            return ElasticNetPenalty.from_params(alpha, ratio, np.ones(p), np.full(p, -np.inf),
                                                 np.full(p, np.inf))

        def gap_of(alpha, ratio, coef):
            return float(closed_form_gaps(problem, [penalty(alpha, ratio)],
                                          [np.asarray(coef, float)])[0])

        parts = args.only or ["squared", "logistic"]
        if "squared" in parts:
            squared_rows(sources, row, gap_of, read_floor, args.repeats)
            if "h2o" in args.peers:
                from h2o_peer import h2o_squared

                h2o_squared(np.empty((0, p)), None, row, gap_of, memory_floor, ALPHA,
                            ((L1_RATIO, "elastic net"), (1.0, "lasso")), N_ALPHAS, workers,
                            folder=folder)
        if "logistic" in parts:
            ours = logistic_rows(sources, row, read_floor, args.repeats)
            if "h2o" in args.peers:
                from h2o_peer import h2o_logistic

                table = pd.read_parquet(folder)
                rows = make_problem(np.asfortranarray(table[sources.names].to_numpy()),
                                    np.where(table["label"].to_numpy() > 0, 1.0, -1.0),
                                    "logistic")
                del table
                logistic = penalty(LOGISTIC_ALPHA, L1_RATIO)

                def logistic_gap(w, b):
                    return float(duality_gap(rows, logistic, np.asarray(w, float), float(b)))

                row("gap check: shrinkage's logistic answer, in memory", 0.0, 0,
                    logistic_gap(*ours), "the same function as H2O's gap below")
                theirs = h2o_logistic(np.empty((0, p)), None, row, logistic_gap,
                                      memory_floor, LOGISTIC_ALPHA, N_ALPHAS, workers,
                                      l1_ratio=L1_RATIO, folder=folder,
                                      label="logistic elastic net")
                if theirs is not None:
                    row("max |coef difference|, shrinkage vs H2O (logistic)", 0.0, 0, None,
                        f"{float(np.abs(ours[0] - theirs[0]).max()):.1e}")
    finally:
        if not args.parquet_dir:
            shutil.rmtree(folder, ignore_errors=True)
