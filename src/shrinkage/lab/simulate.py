"""Data with a known linear truth, the exact excess risk, and the tuned models compared.

The excess risk of an estimate ``(w_hat, b_hat)`` of ``y = x.w + noise`` with
``x ~ N(0, Sigma)`` is ``(w_hat - w)' Sigma (w_hat - w) + b_hat^2``: the expected squared
error on a new point minus the noise variance, with no test set and so no test noise.
"""

import warnings
from dataclasses import dataclass, replace

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..glm_cv import HuberRegressorCV
from ..linear_model import Ridge
from ..linear_model_cv import ElasticNetCV, LassoCV, RidgeCV
from ..model_selection import GridEdgeWarning

#: the tuned models every generalization experiment compares
MODELS = ("none", "l1", "l2", "elasticnet")
#: grid sizes of the tuned models (small enough for the lab's time budget)
N_ALPHAS, CV_FOLDS, EN_RATIOS = 30, 5, (0.2, 0.5, 0.8)


@dataclass(frozen=True)
class Regime:
    """One cell of a regime grid.

    n, p : samples and features; k : non-zero true coefficients (None: all of them);
    rho : correlation ``rho^|i-j|`` between features; snr : sd(signal) / sd(noise);
    outliers : fraction of targets shifted by 10 noise sd; scale_decades : feature scales
    spread over this many decades (0: unit scales).
    """

    n: int
    p: int
    k: int = None
    rho: float = 0.0
    snr: float = 2.0
    outliers: float = 0.0
    scale_decades: float = 0.0

    def label(self):
        parts = [f"n={self.n}", f"p={self.p}",
                 "dense truth" if self.k is None else f"k={self.k}",
                 f"rho={self.rho:g}", f"snr={self.snr:g}"]
        if self.outliers:
            parts.append(f"outliers={self.outliers:g}")
        if self.scale_decades:
            parts.append(f"scales over {self.scale_decades:g} decades")
        return ", ".join(parts)

    def as_dict(self):
        return {"n": self.n, "p": self.p, "k": self.k, "rho": self.rho, "snr": self.snr,
                "outliers": self.outliers, "scale_decades": self.scale_decades,
                "label": self.label()}

    def but(self, **changes):
        return replace(self, **changes)


@dataclass(frozen=True)
class Draw:
    """One data set of a regime: X, y, the truth and the covariance of the features."""

    X: np.ndarray
    y: np.ndarray
    w: np.ndarray
    sigma: np.ndarray
    noise_sd: float
    clean_y: np.ndarray


def draw(regime, rng):
    """Draw X (AR(1)-correlated Gaussian columns, optionally rescaled), the truth and y."""
    n, p, rho = regime.n, regime.p, regime.rho
    Z = rng.standard_normal((n, p))
    X = np.empty((n, p))
    X[:, 0] = Z[:, 0]
    for j in range(1, p):  # stationary AR(1) along the columns: corr rho^|i-j|
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * Z[:, j]
    lags = np.abs(np.subtract.outer(np.arange(p), np.arange(p)))
    sigma = rho**lags
    if regime.k is None:
        w = rng.standard_normal(p)
    else:
        w = np.zeros(p)
        support = rng.choice(p, regime.k, replace=False)
        w[support] = rng.choice([-1.0, 1.0], regime.k) * rng.uniform(0.5, 1.5, regime.k)
    if regime.scale_decades:
        scales = 10.0 ** rng.uniform(-regime.scale_decades / 2, regime.scale_decades / 2, p)
        X, w, sigma = X * scales, w / scales, sigma * np.outer(scales, scales)
    noise_sd = np.sqrt(w @ sigma @ w) / regime.snr
    clean = X @ w + noise_sd * rng.standard_normal(n)
    y = clean.copy()
    n_out = int(round(regime.outliers * n))
    if n_out:
        rows = rng.choice(n, n_out, replace=False)
        y[rows] += rng.choice([-1.0, 1.0], n_out) * 10 * noise_sd
    return Draw(X=np.asfortranarray(X), y=y, w=w, sigma=sigma, noise_sd=noise_sd,
                clean_y=clean)


def excess_risk(data, coef, intercept):
    """``(coef - w)' Sigma (coef - w) + intercept^2`` (the truth has no intercept)."""
    d = np.ravel(coef) - data.w
    return float(d @ data.sigma @ d + float(intercept) ** 2)


def plain_penalty(alpha, l1_ratio, p):
    """The elastic-net penalty with unit factors and no bounds (the essay's penalties)."""
    from ..penalties import ElasticNetPenalty

    inf = np.full(p, np.inf)
    return ElasticNetPenalty.from_params(alpha, l1_ratio, np.ones(p), -inf, inf)


def null_risk(data):
    """Excess risk of predicting 0: all the signal variance."""
    return float(data.w @ data.sigma @ data.w)


def fit(name, X, y, seed):
    """Fit one of ``MODELS`` (or ``huber_l1`` / ``huber_l2``: the Huber loss with the
    lasso's or ridge's penalty, the robust positive controls) tuned by cross-validation
    (the same folds for all)."""
    from sklearn.model_selection import KFold

    folds = list(KFold(CV_FOLDS, shuffle=True, random_state=seed).split(X))
    model = {"none": lambda: Ridge(alpha=0.0),  # least squares (minimum norm if p > n)
             "l1": lambda: LassoCV(alphas=N_ALPHAS, cv=folds),
             "l2": lambda: RidgeCV(alphas=N_ALPHAS),  # exact leave-one-out
             "elasticnet": lambda: ElasticNetCV(l1_ratio=list(EN_RATIOS),
                                                alphas=N_ALPHAS, cv=folds),
             "huber_l1": lambda: HuberRegressorCV(l1_ratio=1.0, alphas=N_ALPHAS, cv=folds),
             "huber_l2": lambda: HuberRegressorCV(l1_ratio=0.0, alphas=N_ALPHAS,
                                                  cv=folds)}[name]()
    with warnings.catch_warnings():
        # an edge choice is not lost: evaluate() counts alpha_at_edge_
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", GridEdgeWarning)
        return model.fit(X, y)


def grid_edge_shares(cells, models):
    """Share of the CV fits, over every cell, whose best alpha sat on an end of its grid
    with the CV error still improving there (a grid that may have cut the optimum off)."""
    return {m: float(np.mean(np.concatenate([c[m]["at_edge"] for c in cells])))
            for m in models if m != "none"}


def evaluate(regime, models, reps, seed, extra=None):
    """Fit ``models`` on ``reps`` paired draws of ``regime``.

    Returns ``{model: {"risk": array, "nnz": array, ...}}``; every model sees the same
    draws. ``extra(data, fitted)`` may add per-model entries (a dict of name -> value).
    """
    out = {m: {"risk": [], "nnz": [], "zeros_exact": [], "at_edge": []} for m in models}
    null = []
    rng = np.random.default_rng(seed)
    for rep in range(reps):
        data = draw(regime, rng)
        null.append(null_risk(data))
        for m in models:
            model = fit(m, data.X, data.y, seed + rep)
            coef = np.ravel(model.coef_)
            out[m]["risk"].append(excess_risk(data, coef, np.ravel(model.intercept_)[0]))
            out[m]["nnz"].append(int(np.count_nonzero(coef)))
            out[m]["zeros_exact"].append(int(np.sum(coef == 0)))
            # the best alpha on an end of its grid with the CV error still improving
            out[m]["at_edge"].append(getattr(model, "alpha_at_edge_", None) is not None)
            if extra:
                for key, value in extra(data, coef).items():
                    out[m].setdefault(key, []).append(value)
    result = {m: {k: np.asarray(v) for k, v in d.items()} for m, d in out.items()}
    result["null_risk"] = np.asarray(null)
    return result
