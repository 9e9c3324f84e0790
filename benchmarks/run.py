"""Side-by-side benchmark: every solver, every problem, one process, equal duality gap.

    python benchmarks/run.py [--problems 1 2 ...] [--repeats 3] [--target-gap 1e-6]

Writes benchmarks/results/<date>.json and <date>.md. Each solver is brought to the same
relative duality gap (computed by ``shrinkage.solvers.cd.duality_gap`` at its answer; for
a path, the largest over its alphas) by trying its own tolerances, loosest first; a solver
that cannot reach the gap is reported as such, not dropped. Solvers run in a child process
(forked, so the data are shared) with a time limit and a memory cap.
"""

import os

# one thread for every solver, set before numpy loads OpenBLAS: a parent whose BLAS pool
# ever ran left its forked children slow in every BLAS call (problem 1a: 0.06 s instead of
# 0.022 s), even with the pool limited to one thread inside the child
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import multiprocessing as mp  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import peaks  # noqa: E402
import peers  # noqa: E402
from classification import SOLVERS as CLASS_SOLVERS  # noqa: E402
from classification import bench_class_cv  # noqa: E402
from peaks import x_bytes  # noqa: E402
from problems import make_problems  # noqa: E402

from shrinkage.path import alpha_grid, problem_alpha_max  # noqa: E402
from shrinkage.penalties import ElasticNetPenalty  # noqa: E402
from shrinkage.solvers.cd import duality_gap, make_problem  # noqa: E402

#: seconds of repeated runs per solver and problem, beyond the one that found the tolerance
REPEAT_BUDGET_S = 20.0
#: the target gap, set by main() (read by measure() to skip hopeless tolerances)
TARGET = [1e-6]
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def _penalty(alpha, l1_ratio, p):
    return ElasticNetPenalty.from_params(alpha, l1_ratio, np.ones(p), np.full(p, -np.inf),
                                         np.full(p, np.inf))


def score(scorer, alphas, l1_ratio, answers):
    """Largest relative gap over the alphas, objective and non-zeros at the last one."""
    p = scorer.n_features
    gaps = [duality_gap(scorer, _penalty(a, l1_ratio, p), c, b)
            for a, (c, b) in zip(alphas, answers)]
    coef, b = answers[-1]
    pen = _penalty(alphas[len(answers) - 1], l1_ratio, p)
    z = scorer.design.matvec(coef) + b
    df = scorer.datafit
    fit = df.value_from_residual(df.y - z) if df.name == "squared" else df.value(z)
    return max(gaps), fit + pen.value(coef), int(np.count_nonzero(coef))


def _child(conn, fn, mem_bytes, warmup):
    # the parent's objects out of the collector's reach: a collection in the child would
    # write to every object's header, copying each page the fork shares (0.1 s and more
    # inside the timed call, charged to whichever solver allocated at that moment)
    gc.freeze()
    # every solver on one thread (BLAS and OpenMP alike): the machine has 2 cores, and
    # OpenBLAS's pool, re-spawned in each forked child, cost 8-20 ms per call in the first
    # calls (charged to whichever solver calls numpy's BLAS; glmnet calls none)
    threadpool_limits(1)
    try:
        if mem_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))
        if warmup is not None:
            warmup()  # JIT compilation (skglm, celer's first calls) is not what we time
        before = peaks.reset_peak()
        t0 = time.perf_counter()
        out = fn()
        seconds = time.perf_counter() - t0
        growth = peaks.peak_growth(before)
        if isinstance(out, peers.Timed):  # timed (and measured) by its own interpreter
            seconds, growth, out = out.seconds, out.peak_growth, out.answers
        conn.send(("ok", seconds, out, growth))
    except MemoryError:
        conn.send(("error", 0.0, "out of memory (cap reached)", None))
    except BaseException:  # noqa: BLE001 - any failure is a result to report
        conn.send(("error", 0.0, traceback.format_exc(limit=3), None))


def isolated(fn, timeout, mem_bytes, warmup=None):
    """Run ``fn`` in a forked child; returns (status, seconds, result or message, bytes
    by which the child's peak resident memory grew during ``fn``, or None)."""
    parent, child = mp.get_context("fork").Pipe(duplex=False)
    proc = mp.get_context("fork").Process(target=_child,
                                          args=(child, fn, mem_bytes, warmup))
    proc.start()
    if parent.poll(timeout):
        status = parent.recv()
        # a child can hang on its way out after answering (joblib's loky workers in a
        # forked process): the answer is in, so stop waiting for it after a while
        proc.join(30)
        if proc.is_alive():
            proc.kill()
            proc.join()
        return status
    proc.kill()
    proc.join()
    return ("timeout", timeout, f"did not finish within {timeout:.0f} s", None)


def measure(fn_for_tol, tols, check, repeats, timeout, mem_bytes, warmup=None):
    """Loosest tol reaching the target (``check`` returns (ok, info)); then its median time."""
    record = {"reached": False}
    tols = list(tols)
    while tols:
        tol = tols.pop(0)
        status, seconds, out, growth = isolated(lambda: fn_for_tol(tol), timeout, mem_bytes,
                                                warmup)
        if status != "ok":
            record.update(status=status, message=out.strip().splitlines()[-1], tol=tol)
            return record
        ok, info = check(out)
        record.update(info, tol=tol, seconds=seconds, peak_growth_bytes=growth)
        if ok:
            record["reached"] = True
            break
        gap = info.get("gap")
        if tol is not None and gap and np.isfinite(gap) and tols:
            # the gap shrinks roughly like the tolerance: skip tolerances that cannot do
            wanted = tol * TARGET[0] / gap
            while len(tols) > 1 and tols[0] > wanted:
                tols.pop(0)
    times = [record["seconds"]]
    # repeats for a median, within a budget (a 90-second solver is timed once)
    while record["reached"] and len(times) < repeats and sum(times) < REPEAT_BUDGET_S:
        status, seconds, _, _ = isolated(lambda: fn_for_tol(record["tol"]), timeout,
                                         mem_bytes, warmup)
        if status != "ok":
            break
        times.append(seconds)
    record.update(status="ok", seconds=statistics.median(times), runs=len(times))
    return record


def pass_floor(scorer):
    """Median seconds of one ``X.T @ r``: the physical floor of a first-order method."""
    r = np.random.default_rng(0).standard_normal(scorer.n_samples)
    times = []
    for _ in range(30):
        t0 = time.perf_counter()
        scorer.design.rmatvec(r)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_penalized(bp, target, repeats, timeout, mem_bytes):
    """Problems 1 to 5, 10 and 11: single alphas and paths."""
    scorer = make_problem(bp.X, bp.y, bp.loss, fit_intercept=bp.fit_intercept,
                          **bp.extra.get("datafit", {}))
    p = bp.X.shape[1]
    amax = problem_alpha_max(scorer, bp.l1_ratio, np.ones(p), np.full(p, -np.inf),
                             np.full(p, np.inf))
    if bp.kind == "single":
        cases = [(f"{bp.key}{'ab'[i] if len(bp.alpha_fracs) > 1 else ''}",
                  f"alpha = alpha_max/{1 / f:.0f}", np.array([amax * f]))
                 for i, f in enumerate(bp.alpha_fracs)]
    else:
        cases = [(bp.key, "", alpha_grid(amax, bp.n_alphas, bp.eps))]
    floor = pass_floor(scorer)
    small = _small(bp)
    small_amax = problem_alpha_max(make_problem(small.X, small.y, bp.loss,
                                                fit_intercept=bp.fit_intercept,
                                                **bp.extra.get("datafit", {})),
                                   bp.l1_ratio, np.ones(small.X.shape[1]),
                                   np.full(small.X.shape[1], -np.inf),
                                   np.full(small.X.shape[1], np.inf))
    rows = []
    for key, detail, alphas in cases:
        timed = []  # (row, the timed call) of every solver that reached the gap
        for adapter in peers.ALL:
            row = {"problem": key, "title": bp.title, "detail": detail,
                   "solver": adapter.name, "floor_pass_s": floor, "x_bytes": x_bytes(bp.X)}
            why = adapter.available()
            if why or not adapter.supports(bp):
                row.update(status="skipped", message=why or "does not support this problem")
                rows.append(row)
                continue

            def check(answers, alphas=alphas):
                if len(answers) < len(alphas):
                    return False, {"message": f"stopped after {len(answers)} alphas"}
                gap, obj, nnz = score(scorer, alphas, bp.l1_ratio, answers)
                return gap <= target, {"gap": gap, "objective": obj, "nnz": nnz}

            run = adapter.run
            # the slice's alpha at the same fraction of its own alpha_max, so that the
            # warm-up solves something (at the full problem's alpha the slice's solution
            # is 0 and the kernels of a real solve would load inside the timed call)
            warm_alphas = alphas[-1:] * small_amax / amax
            warmup = (lambda run=run, a=warm_alphas: (run(small, a, 1e-3), read_once(bp.X)))
            row.update(measure(lambda tol, run=run, alphas=alphas: run(bp, alphas, tol),
                               adapter.tols, check, 1, timeout, mem_bytes, warmup=warmup))
            if row.get("reached"):
                timed.append((row, lambda run=run, alphas=alphas, tol=row["tol"]:
                              run(bp, alphas, tol), warmup))
            if adapter.name == "shrinkage" and row.get("reached"):
                row["passes_counted"] = counted_passes(bp, alphas, row["tol"])
            rows.append(row)
        interleaved_repeats(timed, repeats, timeout, mem_bytes)
        for row in rows[-len(peers.ALL):]:
            print(_line(row), flush=True)
    return rows


def interleaved_repeats(timed, repeats, timeout, mem_bytes):
    """More timed runs of each solver at its tolerance, one solver after another in
    turn (the order rotated each round), so that a shared machine's drift over the
    minutes a problem takes falls on every solver alike; each row's seconds become the
    median of its runs. A solver whose runs add up to REPEAT_BUDGET_S stops repeating."""
    times = {id(row): [row["seconds"]] for row, _, _ in timed}
    for r in range(repeats - 1):
        order = timed[r % len(timed):] + timed[:r % len(timed)] if timed else []
        for row, fn, warmup in order:
            mine = times[id(row)]
            if sum(mine) >= REPEAT_BUDGET_S:
                continue
            status, seconds, _, _ = isolated(fn, timeout, mem_bytes, warmup)
            if status == "ok":
                mine.append(seconds)
    for row, _, _ in timed:
        row.update(seconds=statistics.median(times[id(row)]), runs=len(times[id(row)]))


def counted_passes(bp, alphas, tol):
    """Passes over X that shrinkage's solver spends on ``alphas`` (its own count of the
    entries it reads, ``Path.passes``), from an untimed run at the tolerance used."""
    import shrinkage

    return float(shrinkage.regularization_path(
        bp.X, bp.y, loss=bp.loss, l1_ratio=bp.l1_ratio, alphas=alphas, tol=tol,
        **bp.extra.get("datafit", {})).passes)


def bench_cv(bp, target, repeats, timeout, mem_bytes):
    """Problem 6: each solver's tol is the one that brings its full-data path (l1_ratio
    0.5, the same grid) to the target gap; the cross-validation is then timed with it."""
    scorer = make_problem(bp.X, bp.y)
    p = bp.X.shape[1]
    ratios, folds = bp.extra["l1_ratios"], bp.extra["folds"]
    alphas = alpha_grid(problem_alpha_max(scorer, 0.5, np.ones(p), np.full(p, -np.inf),
                                          np.full(p, np.inf)), bp.n_alphas, bp.eps)
    calib = type(bp)(bp.key, bp.title, bp.X, bp.y, l1_ratio=0.5, kind="path")
    rows = []
    for adapter in peers.ALL:
        row = {"problem": bp.key, "title": bp.title, "detail": "", "solver": adapter.name,
               "x_bytes": x_bytes(bp.X),
               "floor_pass_s": pass_floor(scorer)}
        cv = peers.CV.get(adapter.name)
        why = adapter.available()
        if why or cv is None:
            row.update(status="skipped", message=why or "no cross-validation estimator")
            rows.append(row)
            continue
        tol_row = measure(lambda tol: adapter.run(calib, alphas, tol), adapter.tols,
                          lambda ans: _path_check(scorer, alphas, ans, target), 1, timeout,
                          mem_bytes, warmup=lambda: adapter.run(_small(calib), alphas[-1:],
                                                                1e-3))
        if not tol_row.get("reached"):
            row.update(tol_row, status="not reached")
            rows.append(row)
            continue
        tol = tol_row["tol"]
        small = _small(bp)
        row.update(measure(lambda _: cv(bp.X, bp.y, ratios, bp.n_alphas, folds, tol),
                           [tol], lambda out: (True, {"chosen": [float(out[0]),
                                                                 float(out[1])]}),
                           repeats, timeout, mem_bytes,
                           warmup=lambda: (cv(small.X, small.y, ratios, 3, folds, 1e-3),
                                           read_once(bp.X))),
                   gap=tol_row["gap"], nnz=tol_row["nnz"])
        rows.append(row)
        print(_line(row), flush=True)
    return rows


def read_once(X):
    """Read every stored entry of X, as loading it would: each solver's timed call then
    starts with X in the caches, as adelie's does (its interpreter loads X just before
    solving), instead of reading it from memory the first time (2.5 ms instead of 0.8 ms
    per pass over problem 1's X)."""
    if sp.issparse(X):
        return float(X.data.sum()) + float(X.indices.sum())
    return float(np.asarray(X).sum())


def _small(bp):
    """A slice of the problem, same storage, loss and shape (wide or tall), to trigger
    JIT compilation of the kernels the timed solve uses. A sparse slice keeps enough
    rows to hold entries (density 1e-3: 2000 x 4000 holds about 8000)."""
    n, p = bp.X.shape
    rows = min(n, 2000 if sp.issparse(bp.X) else 80)
    cols = min(p, 2 * rows if p > n else rows // 2)
    small = type(bp)(bp.key, bp.title, bp.X[:rows, :cols], bp.y[:rows], loss=bp.loss,
                     l1_ratio=bp.l1_ratio, kind=bp.kind, extra=bp.extra)
    if sp.issparse(small.X):
        small.X = small.X.tocsc()
    return small


def _path_check(scorer, alphas, answers, target):
    if len(answers) < len(alphas):
        return False, {"message": f"stopped after {len(answers)} alphas"}
    gap, obj, nnz = score(scorer, alphas, 0.5, answers)
    return gap <= target, {"gap": gap, "objective": obj, "nnz": nnz}


def bench_ridge(bp, target, repeats, timeout, mem_bytes):
    """Problem 7: leave-one-out over 50 alphas; the floor is X'X plus one eigh."""
    import scipy.linalg as la

    scorer = make_problem(bp.X, bp.y)
    t0 = time.perf_counter()
    la.eigh(bp.X.T @ bp.X)
    floor = time.perf_counter() - t0
    rows = []
    for name, fn in peers.RIDGE_LOO.items():
        def check(out):
            alpha, coef, b = out
            gap = duality_gap(scorer, _penalty(alpha, 0.0, bp.X.shape[1]), coef, b)
            return gap <= target, {"gap": gap, "chosen": [float(alpha)]}

        row = {"problem": bp.key, "title": bp.title, "detail": "", "solver": name,
               "x_bytes": x_bytes(bp.X),
               "floor_pass_s": pass_floor(scorer), "floor_gram_eigh_s": floor}
        row.update(measure(lambda _: fn(bp.X, bp.y, bp.alphas), [None], check, repeats,
                           timeout, mem_bytes, warmup=lambda: read_once(bp.X)))
        rows.append(row)
        print(_line(row), flush=True)
    return rows


def _line(row):
    if row.get("status") != "ok":
        return f"  {row['problem']:>3} {row['solver']:<13} {row.get('status')}: " \
               f"{row.get('message', '')}"
    return (f"  {row['problem']:>3} {row['solver']:<13} {row['seconds']:9.3f} s  "
            f"gap {row.get('gap', float('nan')):.1e}  tol {row.get('tol')}  "
            f"reached {row['reached']}")


def add_ratios(rows):
    """Ratio of each time to the fastest peer (not shrinkage) that reached the gap."""
    for key in sorted({r["problem"] for r in rows}):
        group = [r for r in rows if r["problem"] == key]
        peers_ok = [r["seconds"] for r in group
                    if r["solver"] != "shrinkage" and r.get("reached")]
        best = min(peers_ok) if peers_ok else None
        for r in group:
            if r.get("reached") and best:
                r["ratio_to_fastest_peer"] = r["seconds"] / best
            if r.get("reached") and r.get("floor_pass_s"):
                r["passes"] = r["seconds"] / r["floor_pass_s"]


def markdown(rows, meta):
    lines = [f"# Benchmark {meta['date']}", "",
             f"Machine: {meta['machine']}; target relative duality gap {meta['target_gap']:g}; "
             f"median of up to {meta['repeats']} runs. Ratio: seconds / fastest peer "
             "(< 1 means shrinkage is faster). Passes in time: seconds / one `X.T @ r` "
             "(the floor is 1). Passes counted: entries of X that shrinkage's solver read "
             "over the entries X stores, setup included (`Path.passes`). Memory: how far the "
             "solver's peak resident memory rose during the timed call, over the bytes X "
             "stores. Every solver runs on one thread (BLAS and OpenMP limited to 1), X read "
             "once before its timed call (as just loaded)."
             + (f" Classification CV rows (8, 9): each solver's whole-data path brought to "
                f"a gap of {meta['class_target_gap']:g}, its 5-fold CV timed with that "
                "tolerance; a timed-out peer is slower than the limit in its note."
                if "class_target_gap" in meta else ""), "",
             "| problem | solver | seconds | ratio to fastest peer | gap | tol used | "
             "objective | non-zeros | passes in time | passes counted | memory / X | note |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        note = r.get("message", "") if r.get("status") != "ok" or not r.get("reached") else ""
        if r.get("status") in ("ok", "not reached") and not r.get("reached"):
            note = note or "did not reach the target gap"
        if r.get("status") == "not reached":
            note += " (its full-data path, at its tightest tolerance); CV not timed"
            r = {k: v for k, v in r.items() if k != "seconds"}
        if "chosen" in r:
            note = (note + " chosen " + ", ".join(f"{c:.4g}" for c in r["chosen"])).strip()
        cells = [
            f"{r['problem']} {r['detail']}".strip(), r["solver"],
            f"{r['seconds']:.3f}" if r.get("seconds") is not None else "-",
            f"{r['ratio_to_fastest_peer']:.2f}" if "ratio_to_fastest_peer" in r else "-",
            f"{r['gap']:.1e}" if r.get("gap") is not None else "-",
            f"{r['tol']:g}" if isinstance(r.get("tol"), float) else "-",
            f"{r['objective']:.8g}" if r.get("objective") is not None else "-",
            str(r.get("nnz", "-")),
            f"{r['passes']:.0f}" if "passes" in r else "-",
            f"{r['passes_counted']:.1f}" if "passes_counted" in r else "-",
            _memory_cell(r),
            note.replace("|", "/")[:120]]
        lines.append("| " + " | ".join(cells) + " |")
    # the problem's number without its variant letter ("12", not "1", for row "12")
    titles = sorted({(int(r["problem"].rstrip("abc")), r["title"]) for r in rows})
    lines += ["", "Problems:"] + [f"- {k}: {t}" for k, t in titles]
    return "\n".join(lines) + "\n"


def _memory_cell(row):
    growth, size = row.get("peak_growth_bytes"), row.get("x_bytes")
    if growth is None or not size or not row.get("reached"):
        return "-"
    return f"{growth / size:.2f}"


def render(json_path):
    """Rewrite the markdown table of an earlier run from its JSON."""
    with open(json_path) as fh:
        result = json.load(fh)
    _atomic_write(json_path[:-len(".json")] + ".md", markdown(result["rows"], result["meta"]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--render", metavar="JSON", help="only rewrite JSON's markdown table")
    parser.add_argument("--solvers", nargs="*", default=None, help="only these solvers")
    parser.add_argument("--update", metavar="JSON",
                        help="replace the matching rows of an earlier run's JSON")
    parser.add_argument("--problems", nargs="*", default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--target-gap", type=float, default=1e-6)
    parser.add_argument("--class-target-gap", type=float, default=1e-4,
                        help="the gap of the classification CV rows (8, 9): the default "
                             "tol of shrinkage's LogisticRegressionCV")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--mem-gb", type=float, default=16.0)
    parser.add_argument("--out", default=RESULTS)
    args = parser.parse_args(argv)
    if args.render:
        return render(args.render)
    if args.solvers:
        peers.ALL[:] = [a for a in peers.ALL if a.name in args.solvers]
        CLASS_SOLVERS[:] = [s for s in CLASS_SOLVERS if s.name in args.solvers]
        for table in (peers.CV, peers.RIDGE_LOO):
            for name in list(table):
                if name not in args.solvers:
                    del table[name]
    meta = {"date": datetime.date.today().isoformat(), "target_gap": args.target_gap,
            "class_target_gap": args.class_target_gap,
            "repeats": args.repeats,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                       f"Python {platform.python_version()}"}
    meta["versions"] = _versions()
    rows = []
    TARGET[0] = args.target_gap
    mem = int(args.mem_gb * 2**30)
    # warm the numba cache once so that no solver's first timing includes compilation
    peers.Shrinkage().run(make_problems(["1"])[0], [1.0], 1e-2)
    for bp in make_problems(args.problems):
        print(f"problem {bp.key}: {bp.title}", flush=True)
        if bp.kind == "class_cv":
            TARGET[0] = args.class_target_gap
            rows += bench_class_cv(bp, args.class_target_gap, args.repeats, args.timeout,
                                   mem, measure)
            TARGET[0] = args.target_gap
            continue
        bench = {"cv": bench_cv, "ridge_loo": bench_ridge}.get(bp.kind, bench_penalized)
        rows += bench(bp, args.target_gap, args.repeats, args.timeout, mem)
    stem = os.path.join(args.out, meta["date"])
    if args.update:
        with open(args.update) as fh:
            earlier = json.load(fh)
        fresh = {(r["problem"], r["solver"]) for r in rows}
        rows = [r for r in earlier["rows"] if (r["problem"], r["solver"]) not in fresh] + rows
        solvers = [a.name for a in peers.ALL_NAMES]
        rows.sort(key=lambda r: (r["problem"], solvers.index(r["solver"])))
        meta = dict(earlier["meta"], updated=meta["date"],
                    updated_rows=sorted(f"{p}/{s}" for p, s in fresh))
        stem = args.update[:-len(".json")]
    for r in rows:
        r.pop("ratio_to_fastest_peer", None)
    add_ratios(rows)
    os.makedirs(args.out, exist_ok=True)
    _atomic_write(stem + ".json", json.dumps({"meta": meta, "rows": rows}, indent=1,
                                             default=float))
    _atomic_write(stem + ".md", markdown(rows, meta))
    print(f"wrote {stem}.json and {stem}.md")


def _versions():
    out = {}
    for mod in ("shrinkage", "numpy", "scipy", "sklearn", "numba", "skglm", "celer", "glum"):
        try:
            out[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001
            out[mod] = "not installed"
    return out


def _atomic_write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
