"""Cost per entry of X read: a coordinate-descent epoch against a product.

    python benchmarks/per_entry.py

On problem 12's data (20000 x 50000 CSC) at the lasso solutions for alpha_max/20 and
alpha_max/100, times over the solution's support: one epoch of ``squared_ws_solve``
(Anderson on, as the solver runs it), one epoch of a minimal loop (dot, soft-threshold,
axpy: no weights, bounds, offset or extrapolation) on the same state, and a CSC product
``X[:, ws].T @ r``; each in nanoseconds per stored entry of the support's columns. The
gap between the first two is the kernel's own overhead; between the last two, what
coordinate descent costs per entry beyond a product (a gather and a scattered update).
"""

import os
import sys
import time

import numpy as np
from numba import njit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from problems import make_problems  # noqa: E402

from shrinkage.path import problem_alpha_max  # noqa: E402
from shrinkage.penalties import ElasticNetPenalty  # noqa: E402
from shrinkage.solvers import cd, kernels_squared  # noqa: E402


@njit(fastmath={"reassoc", "contract", "nsz", "arcp"})
def minimal_epochs(ws, w, R, data, indices, indptr, lips, l1, n, epochs):
    for _ in range(epochs):
        for t in range(ws.shape[0]):
            j = ws[t]
            acc = 0.0
            for q in range(indptr[j], indptr[j + 1]):
                acc += data[q] * R[indices[q]]
            a = lips[j] * w[j] + acc / n
            new = 0.0
            if a > l1[j]:
                new = (a - l1[j]) / lips[j]
            elif a < -l1[j]:
                new = (a + l1[j]) / lips[j]
            delta = new - w[j]
            if delta != 0.0:
                for q in range(indptr[j], indptr[j + 1]):
                    R[indices[q]] -= delta * data[q]
                w[j] = new


def _best(fn, repeats=5):
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(epochs=20):
    bench = make_problems(["12"])[0]
    X, y = bench.X, bench.y
    problem = cd.make_problem(X, y)
    n, p = X.shape
    design, df = problem.design, problem.datafit
    inf = np.full(p, np.inf)
    amax = problem_alpha_max(problem, 1.0, np.ones(p), -inf, inf)
    for fraction in (20, 100):
        penalty = ElasticNetPenalty.from_params(amax / fraction, 1.0, np.ones(p), -inf, inf)
        solution = cd.solve(problem, penalty, tol=1e-6)
        state = solution.state
        ws = np.flatnonzero(solution.coef).astype(np.int64)
        entries = int(np.diff(X.indptr)[ws].sum())

        def ours():
            kernels_squared.squared_ws_solve(
                ws, state.w.copy(), state.R.copy(), state.state.copy(), *design.kernel_args,
                df.sw, df.has_sw, problem.xmean, problem.lips, penalty.l1, penalty.l2,
                penalty.lower, penalty.upper, float(n), epochs, 0.0, 5, False,
                state.y_centred, -1.0)

        def minimal():
            minimal_epochs(ws, state.w.copy(), state.R.copy(), design.data, design.indices,
                           design.indptr, problem.lips, penalty.l1, float(n), epochs)

        columns = X[:, ws].tocsc()
        r = np.random.default_rng(0).standard_normal(n)
        per_entry = {
            "squared_ws_solve epoch": _best(ours) / epochs,
            "minimal CD epoch": _best(minimal) / epochs,
            "product X[:, ws].T @ r": _best(lambda: columns.T @ r),
        }
        print(f"alpha_max/{fraction}: support {ws.size} columns, {entries} entries")
        for name, seconds in per_entry.items():
            print(f"  {name:<24} {seconds * 1e3:8.3f} ms  {seconds / entries * 1e9:6.2f} ns/entry")


if __name__ == "__main__":
    main()
