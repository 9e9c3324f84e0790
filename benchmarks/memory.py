"""Peak memory of problems 2 and 4 relative to the size of X.

    python benchmarks/memory.py

Each measurement runs in a fresh process that loads X, compiles on a tiny slice, notes its
peak resident memory, solves the path, and reports the growth of the peak over the bytes
of X (dense: the array; sparse: data, indices and indptr).
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import scipy.sparse as sp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from peaks import x_bytes  # noqa: E402

CHILD = r"""
import resource, sys, json
import numpy as np, scipy.sparse as sp
from shrinkage import regularization_path
path, n_alphas, eps = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
if path.endswith(".npz") and "sparse" in path:
    X = sp.load_npz(path)
else:
    X = np.load(path)
y = np.load(path + ".y.npy")
regularization_path(X[:50], y[:50], alphas=3)  # compile outside the measurement
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
regularization_path(X, y, alphas=n_alphas, eps=eps, tol=1e-6)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"peak_growth_bytes": (after - before) * 1024}))
"""


def measure(bp, workdir):
    if sp.issparse(bp.X):
        path = os.path.join(workdir, f"sparse{bp.key}.npz")
        sp.save_npz(path, bp.X.tocsc())
    else:
        path = os.path.join(workdir, f"dense{bp.key}.npy")
        np.save(path, np.asfortranarray(bp.X))
    np.save(path + ".y.npy", bp.y)
    out = subprocess.run([sys.executable, "-c", CHILD, path, str(bp.n_alphas), str(bp.eps)],
                         capture_output=True, text=True, check=True).stdout
    growth = json.loads(out.strip().splitlines()[-1])["peak_growth_bytes"]
    return {"x_bytes": x_bytes(bp.X), "peak_growth_bytes": growth,
            "growth_over_x": growth / x_bytes(bp.X)}


def main():
    from problems import make_problems

    out = {}
    with tempfile.TemporaryDirectory() as workdir:
        for bp in make_problems(["2", "4"]):
            out[bp.key] = measure(bp, workdir)
    print(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
