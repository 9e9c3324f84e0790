"""First-call latency: fresh processes that import a library and fit a small lasso, and
the first `shrinkage compare`, with numba's cache cold (an empty NUMBA_CACHE_DIR) and warm
(the same directory, second run).

    python benchmarks/latency.py [--out FILE.json]

Each fit process times, inside itself, the import and the first fit, and reports the
seconds numba spent compiling (its ``numba:compile`` events, outermost only) and the
number of functions it compiled. scikit-learn is the reference: "beyond scikit-learn"
is a library's import and first fit minus scikit-learn's. A one-line cached numba kernel
gives the floor any numba library pays on its first call in a process (numba's typing
and target contexts are built on the first compile or cache load).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

FIT = r"""
import json, time
t0 = time.perf_counter()
{import_line}
t1 = time.perf_counter()
compiled = []
try:
    from numba.core import event

    class Listener(event.Listener):
        depth = 0
        def on_start(self, ev):
            self.depth += 1
            if self.depth == 1:
                self.t = time.perf_counter()
        def on_end(self, ev):
            self.depth -= 1
            if self.depth == 0:
                compiled.append(time.perf_counter() - self.t)

    event.register("numba:compile", Listener())
except ImportError:
    pass
import numpy as np
rng = np.random.default_rng(0)
X = rng.standard_normal((100, 20))
y = X[:, 0] + rng.standard_normal(100)
t2 = time.perf_counter()
{fit_line}
t3 = time.perf_counter()
print(json.dumps({{"import_s": t1 - t0, "first_fit_s": t3 - t2,
                  "compile_s": sum(compiled), "compiled": len(compiled)}}))
"""

LIBRARIES = {
    "scikit-learn": ("from sklearn.linear_model import Lasso",
                     "Lasso(alpha=0.05).fit(X, y)"),
    "numba floor": ("import numba\n\n@numba.njit(cache=True)\ndef total(a):\n"
                    "    return a.sum()\n", "total(X)"),
    "shrinkage": ("from shrinkage import Lasso", "Lasso(alpha=0.05).fit(X, y)"),
    "skglm": ("from skglm import Lasso", "Lasso(alpha=0.05).fit(X, y)"),
}


def fit_run(library, cache_dir, work_dir):
    import_line, fit_line = LIBRARIES[library]
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    # a file, not -c: numba caches only functions defined in files
    script = os.path.join(work_dir, f"latency_{library.replace(' ', '_')}.py")
    with open(script, "w") as fh:
        fh.write(FIT.format(import_line=import_line, fit_line=fit_line))
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, script], env=env, check=True,
                         capture_output=True, text=True).stdout
    record = json.loads(out.strip().splitlines()[-1])
    record["process_s"] = time.perf_counter() - t0
    return record


def compare_run(cache_dir, work_dir):
    """Wall seconds of `shrinkage compare` on the embedded diabetes table (3-fold CV)."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    out = os.path.join(work_dir, f"report-{len(os.listdir(work_dir))}")
    t0 = time.perf_counter()
    command = os.path.join(os.path.dirname(sys.executable), "shrinkage")  # the entry point
    subprocess.run([command, "compare", "--cv", "3", "--out", out], env=env, check=True,
                   capture_output=True)
    return {"process_s": time.perf_counter() - t0}


def _median(records):
    return {key: statistics.median(r[key] for r in records) for key in records[0]}


def measure(run, repeats):
    cold, warm = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as work:
            cold.append(run(cache, work))
            warm.append(run(cache, work))
    return {"cold": _median(cold), "warm": _median(warm)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=None, help="also write the JSON here")
    args = parser.parse_args(argv)
    out = {}
    for library in LIBRARIES:
        try:
            out[library] = measure(lambda c, w, lib=library: fit_run(lib, c, w),
                                   args.repeats)
        except subprocess.CalledProcessError as exc:
            out[library] = {"error": (exc.stderr or str(exc)).strip().splitlines()[-1]}
    out["shrinkage compare"] = measure(compare_run, args.repeats)
    reference = out["scikit-learn"]["warm"]
    for library in ("numba floor", "shrinkage", "skglm"):
        if "warm" in out.get(library, {}):
            warm = out[library]["warm"]
            out[library]["warm_beyond_scikit_learn_s"] = {
                "import": warm["import_s"] - reference["import_s"],
                "first_fit": warm["first_fit_s"] - reference["first_fit_s"]}
    text = json.dumps(out, indent=1)
    print(text)
    if args.out:
        tmp = args.out + ".tmp"
        with open(tmp, "w") as fh:
            fh.write(text + "\n")
        os.replace(tmp, args.out)
    return out


if __name__ == "__main__":
    main()
