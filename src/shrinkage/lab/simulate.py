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
from ..linear_model_cv import ElasticNetCV
from ..model_selection import GridEdgeWarning, grid_edge

#: the tuned models every generalization experiment compares
MODELS = ("none", "l1", "l2", "elasticnet")
#: grid sizes of the tuned models (small enough for the lab's time budget); the elastic
#: net's l1_ratio grid holds both ends, so that it is never worse than its components,
#: tuned on the same folds and alphas, except through the noise of cross-validation
N_ALPHAS, CV_FOLDS, EN_RATIOS = 30, 5, (0.0, 0.2, 0.5, 0.8, 1.0)
#: the cross-validation grid of every tuned model, ``(alphas, folds)``; the lab's
#: ``Context.cv_grid`` may ask for a smaller one (the test suite's size knob: the same code
#: on cheaper fits, never for verdicts)
CV_GRID = (N_ALPHAS, CV_FOLDS)
#: Zou and Hastie's (2005) groups: this many nearly identical features per group
GROUP_SIZE, GROUP_NOISE = 5, 0.1


@dataclass(frozen=True)
class Regime:
    """One cell of a regime grid.

    n, p : samples and features; k : non-zero true coefficients (None: all of them);
    rho : correlation ``rho^|i-j|`` between features; snr : sd(signal) / sd(noise);
    outliers : fraction of targets shifted by 10 noise sd; scale_decades : feature scales
    spread over this many decades (0: unit scales); decoy : a null feature built from the
    true ones so that the lasso's irrepresentable index is this value on it (above 1: the
    condition fails and the lasso cannot be sign-consistent); groups : Zou and Hastie's
    design instead, this many groups of ``GROUP_SIZE`` features correlated 0.99 that carry
    all the signal (k is then ``groups * GROUP_SIZE``).
    """

    n: int
    p: int
    k: int = None
    rho: float = 0.0
    snr: float = 2.0
    outliers: float = 0.0
    scale_decades: float = 0.0
    decoy: float = 0.0
    groups: int = 0

    def __post_init__(self):
        if self.groups and self.k != self.groups * GROUP_SIZE:
            raise ValueError(f"groups={self.groups} needs k={self.groups * GROUP_SIZE}")
        if self.decoy and (self.k is None or self.decoy > np.sqrt(self.k) or self.rho):
            raise ValueError("a decoy needs a sparse truth, rho=0 and decoy <= sqrt(k)")

    def label(self):
        truth = ("dense truth" if self.k is None else
                 f"{self.groups} groups of {GROUP_SIZE} features corr 0.99" if self.groups
                 else f"k={self.k}")
        parts = [f"n={self.n}", f"p={self.p}", truth, f"rho={self.rho:g}",
                 f"snr={self.snr:g}"]
        if self.decoy:
            parts.append(f"decoy (irrepresentable {self.decoy:g})")
        if self.outliers:
            parts.append(f"outliers={self.outliers:g}")
        if self.scale_decades:
            parts.append(f"scales over {self.scale_decades:g} decades")
        return ", ".join(parts)

    def as_dict(self):
        return {"n": self.n, "p": self.p, "k": self.k, "rho": self.rho, "snr": self.snr,
                "outliers": self.outliers, "scale_decades": self.scale_decades,
                "decoy": self.decoy, "groups": self.groups, "label": self.label()}

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
    """Draw X (AR(1)-correlated Gaussian columns, or Zou and Hastie's groups, optionally
    a decoy and rescaled columns), the truth and y.

    The random numbers drawn do not depend on ``outliers`` nor ``scale_decades``: two
    regimes that differ only there, drawn from generators in the same state, share their
    features, truth and noise (a dose-response sweep changes that one factor alone), and
    the outlying rows of a smaller share are among those of a larger one.
    """
    n, p, rho = regime.n, regime.p, regime.rho
    Z = rng.standard_normal((n, p))
    X = np.empty((n, p))
    X[:, 0] = Z[:, 0]
    for j in range(1, p):  # stationary AR(1) along the columns: corr rho^|i-j|
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * Z[:, j]
    lags = np.abs(np.subtract.outer(np.arange(p), np.arange(p)))
    sigma = rho**lags
    if regime.groups:
        X, sigma, w = _groups(regime, Z, rng)
    elif regime.k is None:
        w = rng.standard_normal(p)
    else:
        w = np.zeros(p)
        support = rng.choice(p, regime.k, replace=False)
        w[support] = rng.choice([-1.0, 1.0], regime.k) * rng.uniform(0.5, 1.5, regime.k)
    if regime.decoy:
        X, sigma = _decoy(X, sigma, w, regime.decoy)
    spread = rng.uniform(-0.5, 0.5, p)
    eps = rng.standard_normal(n)
    rows, signs = rng.permutation(n), rng.choice([-1.0, 1.0], n)
    if regime.scale_decades:
        scales = 10.0 ** (regime.scale_decades * spread)
        X, w, sigma = X * scales, w / scales, sigma * np.outer(scales, scales)
    noise_sd = np.sqrt(w @ sigma @ w) / regime.snr
    clean = X @ w + noise_sd * eps
    y = clean.copy()
    n_out = int(round(regime.outliers * n))
    y[rows[:n_out]] += signs[:n_out] * 10 * noise_sd
    return Draw(X=np.asfortranarray(X), y=y, w=w, sigma=sigma, noise_sd=noise_sd,
                clean_y=clean)


def _groups(regime, Z, rng):
    """Zou and Hastie's design: each of the first ``groups * GROUP_SIZE`` columns is its
    group's common factor plus a little noise of its own (correlation 1 / 1.01 = 0.99);
    the truth is 1 on them (the same sign within a group), 0 elsewhere."""
    n, p = Z.shape
    factors = rng.standard_normal((n, regime.groups))
    X, sigma, w = Z.copy(), np.eye(p), np.zeros(p)
    scale = np.sqrt(1 + GROUP_NOISE**2)
    for g in range(regime.groups):
        cols = slice(g * GROUP_SIZE, (g + 1) * GROUP_SIZE)
        X[:, cols] = (factors[:, [g]] + GROUP_NOISE * Z[:, cols]) / scale
        sigma[cols, cols] = 1 / scale**2
        w[cols] = 1.0
    np.fill_diagonal(sigma, 1.0)
    return X, sigma, w


def _decoy(X, sigma, w, index):
    """Make the first null column ``a * sum_S sign(w_j) x_j + sqrt(1 - a^2 k) x_0`` with
    ``a = index / k``: unit variance, and (with independent unit columns) its
    irrepresentable index ``|Sigma_jS Sigma_SS^-1 sign(w_S)|`` equals ``index``."""
    support = np.flatnonzero(w)
    k = support.size
    j0 = np.flatnonzero(w == 0)[0]
    a = index / k
    A = np.eye(X.shape[1])
    A[support, j0] = a * np.sign(w[support])
    A[j0, j0] = np.sqrt(1 - a**2 * k)
    return X @ A, A.T @ sigma @ A


def irrepresentable_index(sigma, w):
    """``max_j |Sigma_jS Sigma_SS^-1 sign(w_S)|`` over the null features j: the lasso
    recovers the signs of the support (for some alpha, as n grows) only if it is < 1
    (Zhao and Yu, 2006)."""
    support, null = np.flatnonzero(w), np.flatnonzero(w == 0)
    if support.size == 0 or null.size == 0:
        return 0.0
    direction = np.linalg.solve(sigma[np.ix_(support, support)], np.sign(w[support]))
    return float(np.max(np.abs(sigma[np.ix_(null, support)] @ direction)))


def draw_nested(regime, ps, rng):
    """Draws of ``regime`` at each number of features in ``ps``, nested: the first p
    columns of one wide draw, the same rows and noise, so that dimension is the only thing
    that changes; a sparse truth lies in the first ``min(ps)`` columns (the added features
    are null), a dense one gives every added feature an N(0, 1) weight. The noise keeps
    the regime's signal-to-noise ratio at each p."""
    wide = max(ps)
    base = draw(regime.but(p=wide, k=None), rng)
    w = base.w.copy()
    if regime.k is not None:
        w[:] = 0.0
        support = rng.choice(min(ps), regime.k, replace=False)
        w[support] = rng.choice([-1.0, 1.0], regime.k) * rng.uniform(0.5, 1.5, regime.k)
    eps = (base.clean_y - base.X @ base.w) / base.noise_sd
    draws = []
    for p in ps:
        X, wp, sigma = base.X[:, :p], w[:p], base.sigma[:p, :p]
        noise_sd = np.sqrt(wp @ sigma @ wp) / regime.snr
        y = X @ wp + noise_sd * eps
        draws.append(Draw(X=np.asfortranarray(X), y=y, w=wp, sigma=sigma,
                          noise_sd=noise_sd, clean_y=y.copy()))
    return draws


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


@dataclass(frozen=True)
class Fitted:
    """A tuned model: its coefficients and intercept, whether its best alpha sat on an
    end of its grid with the CV error still improving there, its CV error at the chosen
    alpha (nan for least squares) and the l1_ratio chosen (the elastic net's)."""

    coef: np.ndarray
    intercept: float
    at_edge: bool = False
    cv_error: float = float("nan")
    l1_ratio: float = float("nan")


#: the models read off one elastic-net CV fit over ``EN_RATIOS`` (same folds, same number
#: of alphas): the lasso is its l1_ratio=1 row, ridge its l1_ratio=0 row, "component"
#: whichever of the two has the lower CV error (what a user tuning L1 and L2 the same
#: way and keeping the better would get)
FAMILY = ("l1", "l2", "elasticnet", "component")


def _quiet_fit(model, X, y):
    with warnings.catch_warnings():
        # an edge choice is not lost: Fitted.at_edge counts it
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", GridEdgeWarning)
        return model.fit(X, y)


def _folds(X, seed, folds=CV_FOLDS):
    from sklearn.model_selection import KFold

    return list(KFold(folds, shuffle=True, random_state=seed).split(X))


def _from_cv(model, row=None):
    """The fit of one l1_ratio row of a CV model at its best alpha (None: its choice)."""
    if row is None:
        return Fitted(np.ravel(model.coef_), float(np.ravel(model.intercept_)[0]),
                      model.alpha_at_edge_ is not None, float(np.min(model.cv_mean_)),
                      float(model.l1_ratio_))
    best = int(np.argmin(model.cv_mean_[row]))
    top_is_null = not np.any(model.coef_path_[row, 0])
    edge = grid_edge(model.cv_mean_[row], model.cv_se_[row], top_is_null)
    return Fitted(model.coef_path_[row, best], float(model.intercept_path_[row, best]),
                  edge is not None, float(model.cv_mean_[row, best]),
                  float(model.l1_ratios_[row]))


def fit(name, X, y, seed, grid=CV_GRID):
    """Fit ``name`` tuned by cross-validation on the folds of ``seed``: "none" (least
    squares, minimum norm if p > n), "l1", "l2" (the elastic net at l1_ratio 1 and 0, the
    same folds and number of alphas), or "huber_l1" / "huber_l2" (the Huber loss with
    those penalties: the robust positive controls); any of them + "_standardized" is fit
    on standardized columns and brought back to the raw ones. ``grid``: the
    cross-validation's ``(alphas, folds)``. Returns a ``Fitted``."""
    if name.endswith("_standardized"):  # fit on unit-variance columns, back to raw units
        scale = X.std(axis=0)
        scale[scale == 0] = 1.0
        mean = X.mean(axis=0)
        f = fit(name.removesuffix("_standardized"), np.asfortranarray((X - mean) / scale),
                y, seed, grid)
        coef = f.coef / scale
        return replace(f, coef=coef, intercept=f.intercept - coef @ mean)
    if name == "none":
        model = _quiet_fit(Ridge(alpha=0.0), X, y)
        return Fitted(np.ravel(model.coef_), float(model.intercept_))
    n_alphas, n_folds = grid
    ratio = {"l1": 1.0, "l2": 0.0, "huber_l1": 1.0, "huber_l2": 0.0}[name]
    cls = HuberRegressorCV if name.startswith("huber") else ElasticNetCV
    return _from_cv(_quiet_fit(cls(l1_ratio=ratio, alphas=n_alphas,
                                   cv=_folds(X, seed, n_folds)), X, y))


def fit_family(X, y, seed, grid=CV_GRID):
    """The ``FAMILY`` from one ``ElasticNetCV`` over ``EN_RATIOS``: ``{name: Fitted}``."""
    n_alphas, n_folds = grid
    model = _quiet_fit(ElasticNetCV(l1_ratio=list(EN_RATIOS), alphas=n_alphas,
                                    cv=_folds(X, seed, n_folds)), X, y)
    out = {"l1": _from_cv(model, EN_RATIOS.index(1.0)),
           "l2": _from_cv(model, EN_RATIOS.index(0.0)), "elasticnet": _from_cv(model)}
    out["component"] = min(out["l1"], out["l2"], key=lambda f: f.cv_error)
    return out


def fit_models(models, X, y, seed, grid=CV_GRID):
    """``{name: Fitted}`` for ``models``; the family's members come from one fit when the
    elastic net is among them (otherwise each alone, as ``fit``)."""
    family = {}
    if "elasticnet" in models or "component" in models:
        family = fit_family(X, y, seed, grid)
    return {m: family[m] if m in family else fit(m, X, y, seed, grid) for m in models}


def grid_edge_shares(cells, models):
    """Share of the CV fits, over every cell, whose best alpha sat on an end of its grid
    with the CV error still improving there (a grid that may have cut the optimum off)."""
    return {m: float(np.mean(np.concatenate([c[m]["at_edge"] for c in cells])))
            for m in models if m != "none"}


def evaluate(regime, models, reps, seed, extra=None, grid=CV_GRID):
    """Fit ``models`` on ``reps`` paired draws of ``regime`` (cross-validated over
    ``grid``, ``(alphas, folds)``).

    Returns ``{model: {"risk": array, "nnz": array, "gap": array, ...}}`` (``gap``: the
    expected squared error on new data minus the training one: overfitting); every model
    sees the same draws. ``extra(data, coef)`` may add per-model entries (a dict of
    name -> value).
    """
    keys = ("risk", "nnz", "zeros_exact", "at_edge", "gap", "l1_ratio")
    out = {m: {k: [] for k in keys} for m in models}
    null = []
    rng = np.random.default_rng(seed)
    for rep in range(reps):
        data = draw(regime, rng)
        null.append(null_risk(data))
        for m, fitted in fit_models(models, data.X, data.y, seed + rep, grid).items():
            coef = fitted.coef
            risk = excess_risk(data, coef, fitted.intercept)
            train = float(np.mean((data.y - data.X @ coef - fitted.intercept) ** 2))
            values = {"risk": risk, "nnz": int(np.count_nonzero(coef)),
                      "zeros_exact": int(np.sum(coef == 0)), "at_edge": fitted.at_edge,
                      "gap": risk + data.noise_sd**2 - train, "l1_ratio": fitted.l1_ratio}
            if extra:
                values.update(extra(data, coef))
            for key, value in values.items():
                out[m].setdefault(key, []).append(value)
    result = {m: {k: np.asarray(v) for k, v in d.items()} for m, d in out.items()}
    result["null_risk"] = np.asarray(null)
    return result
