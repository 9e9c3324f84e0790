"""H2O-3's GLM beside shrinkage on a Dask cluster (used by dask_scale.py ``--peers h2o``).

The rows are written once to a Parquet folder and imported into a local H2O cluster
(``nthreads`` = the Dask workers, so both use the same cores); the import is timed as
its own row, the fits after it. H2O's GLM minimizes our objective with
``standardize=False``: ``lambda_`` is our alpha and ``alpha`` our l1_ratio, the loss the
mean squared error / 2 or the mean log-loss. Its IRLSM solver stops on
``beta_epsilon`` / ``objective_epsilon``; each fit takes the loosest of 1e-4 .. 1e-10
whose answer reaches the target duality gap, computed by the caller's ``gap_of`` (the
same function for every library).
"""

import shutil
import tempfile
import time

import numpy as np


def _cluster(threads):
    import h2o

    h2o.init(nthreads=threads, max_mem_size="8G", verbose=False)
    h2o.no_progress()
    return h2o


def _frame(h2o, X, target, name, row, folder=None):
    """The rows and ``target`` in an H2O frame, imported from a Parquet folder: the
    caller's ``folder`` (its columns ``x0 ..`` and ``name``), or one written here from
    the dask arrays ``X`` and ``target``; the import is a row of its own."""
    import dask.dataframe as dd

    names = [f"x{j}" for j in range(X.shape[1])] if folder is None else None
    written = folder is None
    if written:
        folder = tempfile.mkdtemp(prefix="shrinkage-h2o-")
    try:
        if written:
            frame = dd.from_dask_array(X, columns=names)
            frame[name] = dd.from_dask_array(target, index=frame.index)
            frame.to_parquet(folder, write_index=False)
        start = time.perf_counter()
        data = h2o.import_file(folder)
        row(f"H2O: import the Parquet folder ({name})", time.perf_counter() - start, 1,
            note="h2o.import_file: the files parsed into H2O's memory")
    finally:
        if written:
            shutil.rmtree(folder, ignore_errors=True)
    names = names or [c for c in data.columns if c.startswith("x")]
    return data, names


def _fit(family, data, names, target, alpha, l1_ratio, eps, **extra):
    from h2o.estimators import H2OGeneralizedLinearEstimator

    model = H2OGeneralizedLinearEstimator(
        family=family, solver="IRLSM", standardize=False, alpha=l1_ratio,
        lambda_=alpha, beta_epsilon=eps, objective_epsilon=eps, gradient_epsilon=eps,
        max_iterations=10_000, compute_p_values=False, remove_collinear_columns=False,
        **extra)
    start = time.perf_counter()
    model.train(x=names, y=target, training_frame=data)
    seconds = time.perf_counter() - start
    coef = model.coef()
    return seconds, np.array([coef[n] for n in names]), float(coef["Intercept"]), model


def _lambda_search(family, data, names, target, label, n_alphas, row, floor,
                   l1_ratio=1.0):
    """The path by H2O's lambda search (``n_alphas`` lambdas to 1e-3 of the largest,
    epsilon 1e-6), timed as a row."""
    seconds, _, _, _ = _fit(family, data, names, target, None, l1_ratio, 1e-6,
                            lambda_search=True, nlambdas=n_alphas, lambda_min_ratio=1e-3)
    row(f"H2O GLM {label} path, lambda search {n_alphas}", seconds, "-", None,
        f"eps 1e-6; {seconds / floor:.1f} x floor")


def _loosest(fit, gap_of, target):
    """The first of the tolerances 1e-4 .. 1e-10 whose answer reaches ``target``."""
    for eps in (1e-4, 1e-6, 1e-8, 1e-10):
        seconds, w, b, model = fit(eps)
        gap = gap_of(w, b)
        if gap <= target:
            return seconds, w, b, gap, f"eps {eps:g}"
    return seconds, w, b, gap, f"eps {eps:g}; did not reach the gap"


def h2o_squared(X, y, row, gap_of, floor, alpha, l1_ratios, n_alphas, threads,
                target=1e-6, folder=None):
    """Elastic net and lasso at ``alpha`` and the lasso path (``n_alphas`` lambdas to
    1e-3 of the largest), H2O's IRLSM (``folder``: a Parquet folder with the rows,
    imported instead of writing ``X`` and ``y``)."""
    try:
        h2o = _cluster(threads)
    except ImportError as exc:
        row("H2O", 0.0, 0, None, f"skipped: {exc}")
        return
    data, names = _frame(h2o, X, y, "y", row, folder)
    for ratio, label in l1_ratios:
        seconds, _, _, gap, note = _loosest(
            lambda eps, r=ratio: _fit("gaussian", data, names, "y", alpha, r, eps),
            lambda w, b, r=ratio: gap_of(alpha, r, w), target)
        row(f"H2O GLM {label}, alpha {alpha}", seconds, "-", gap,
            f"{note}, {seconds / floor:.1f} x floor")
    _lambda_search("gaussian", data, names, "y", "lasso", n_alphas, row, floor)
    h2o.remove_all()


def h2o_logistic(X, labels, row, gap_of, floor, alpha, n_alphas, threads,
                 target=1e-6, path=True, l1_ratio=1.0, folder=None, label="L1-logistic"):
    """Logistic at ``alpha`` (the gap reached) and its path (lambda search,
    ``n_alphas`` lambdas to 1e-3 of the largest), H2O's IRLSM; ``folder`` as for
    ``h2o_squared`` (its target column ``label``). Returns H2O's ``(coef, intercept)``
    at ``alpha``."""
    try:
        h2o = _cluster(threads)
    except ImportError as exc:
        row("H2O", 0.0, 0, None, f"skipped: {exc}")
        return None
    data, names = _frame(h2o, X, None if labels is None else labels.astype(int), "label",
                         row, folder)
    data["label"] = data["label"].asfactor()
    seconds, w, b, gap, note = _loosest(
        lambda eps: _fit("binomial", data, names, "label", alpha, l1_ratio, eps), gap_of,
        target)
    row(f"H2O GLM {label}, alpha {alpha}", seconds, "-", gap,
        f"{note}; {seconds / floor:.1f} x floor")
    if path:
        _lambda_search("binomial", data, names, "label", label, n_alphas, row, floor,
                       l1_ratio)
    h2o.remove_all()
    return w, b
