"""Run adelie in its own virtual environment (it pins numpy < 2); called by peers.Adelie.

    <adelie-venv>/bin/python adelie_child.py IN.npz OUT.npz

IN holds X (dense, or CSC parts), y, alphas, loss, l1_ratio, tol. OUT gets the
coefficients, intercepts, the seconds of the solve alone and the growth of the peak
resident memory during it (compilation and data
loading excluded: a small warm-up solve runs first).
"""

import sys
import time

import adelie as ad
import numpy as np
import peaks  # (beside this file)
import scipy.sparse as sp


def load(path):
    d = np.load(path, allow_pickle=False)
    if "data" in d:
        X = sp.csc_matrix((d["data"], d["indices"], d["indptr"]), shape=tuple(d["shape"]))
    else:
        X = np.asfortranarray(d["X"])
    intercept = bool(d["fit_intercept"]) if "fit_intercept" in d else True
    return (X, d["y"], d["alphas"], str(d["loss"]), float(d["l1_ratio"]), float(d["tol"]),
            intercept)


def solve(X, y, alphas, loss, l1_ratio, tol, intercept=True):
    matrix = ad.matrix.sparse(X, method="naive") if sp.issparse(X) else X
    glm = ad.glm.binomial((y > 0).astype(float)) if loss == "logistic" else ad.glm.gaussian(y)
    return ad.grpnet(matrix, glm, alpha=l1_ratio, lmda_path=np.asarray(alphas, float),
                     tol=tol, irls_tol=tol, early_exit=False, intercept=intercept,
                     progress_bar=False)


def main(src, dst):
    X, y, alphas, loss, l1_ratio, tol, intercept = load(src)
    small = X[:80, :40]
    solve(small.tocsc() if sp.issparse(small) else np.asfortranarray(small), y[:80],
          alphas[:1], loss, l1_ratio, 1e-3, intercept)
    before = peaks.reset_peak()
    t0 = time.perf_counter()
    state = solve(X, y, alphas, loss, l1_ratio, tol, intercept)
    seconds = time.perf_counter() - t0
    growth = peaks.peak_growth(before)
    betas = state.betas.toarray() if sp.issparse(state.betas) else np.asarray(state.betas)
    np.savez(dst, coefs=betas, intercepts=np.asarray(state.intercepts),
             lmdas=np.asarray(state.lmdas), seconds=seconds,
             peak_growth=-1.0 if growth is None else float(growth))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
