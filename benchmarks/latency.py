"""First-call latency: a fresh process that imports the library and fits a small lasso.

    python benchmarks/latency.py

Reports wall seconds for the whole process, numba cache cold (an empty NUMBA_CACHE_DIR)
and warm (the same directory, second run), for shrinkage and for skglm. Printed as JSON;
run.py's results can carry it (--latency).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

SNIPPETS = {
    "shrinkage": "from shrinkage import Lasso as L; kw = {}",
    "skglm": "from skglm import Lasso as L; kw = {}",
}
FIT = ("import numpy as np; rng = np.random.default_rng(0); X = rng.standard_normal((100, 20));"
       " y = X[:, 0] + rng.standard_normal(100); L(alpha=0.05, **kw).fit(X, y)")


def one_run(library, cache_dir):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    code = SNIPPETS[library] + "; " + FIT
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return time.perf_counter() - t0


def measure(library, repeats=3):
    cold, warm = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            cold.append(one_run(library, cache))
            warm.append(one_run(library, cache))
    return {"cold_s": statistics.median(cold), "warm_s": statistics.median(warm)}


def main():
    out = {}
    for library in SNIPPETS:
        try:
            out[library] = measure(library)
        except subprocess.CalledProcessError as exc:
            out[library] = {"error": str(exc)}
    print(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
