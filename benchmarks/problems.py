"""The benchmark problems, with fixed seeds and the shapes users meet."""

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp


@dataclass
class BenchProblem:
    """One benchmark problem: data, loss, the alphas to solve, and what it measures."""

    key: str
    title: str
    X: object
    y: np.ndarray
    loss: str = "squared"
    l1_ratio: float = 1.0
    alphas: np.ndarray = None  # filled from alpha_max when None
    alpha_fracs: tuple = ()  # single alphas as fractions of alpha_max
    n_alphas: int = 0
    eps: float = 1e-3
    kind: str = "path"  # "single", "path", "cv", "ridge_loo"
    extra: dict = field(default_factory=dict)

    @property
    def fit_intercept(self):
        """Whether the problem fits an intercept (every one does but problem 13)."""
        return self.extra.get("fit_intercept", True)


def toeplitz_design(n, p, rho, rng):
    """Columns with corr(x_j, x_k) = rho^|j-k|, drawn as an AR(1) across columns."""
    X = np.empty((n, p), order="F")
    X[:, 0] = rng.standard_normal(n)
    scale = np.sqrt(1 - rho**2)
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + scale * rng.standard_normal(n)
    return X


def sparse_truth_response(X, n_true, snr, rng):
    p = X.shape[1]
    w = np.zeros(p)
    support = rng.choice(p, n_true, replace=False)
    w[support] = rng.standard_normal(n_true)
    signal = X @ w
    noise = rng.standard_normal(X.shape[0])
    return signal + noise * np.std(signal) / snr


def unit_row_sparse(n, p, density, rng):
    X = sp.random(n, p, density=density, format="csr", random_state=rng,
                  data_rvs=rng.standard_normal)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    X = sp.diags(1.0 / norms) @ X
    return X.tocsc()


def make_problems(which=None):
    """Build the problems (all of them, or the keys in ``which``)."""
    builders = {
        "1": _p1, "2": _p2, "3": _p3, "4": _p4, "5": _p5, "6": _p6, "7": _p7, "8": _p8,
        "9": _p9, "10": _p10, "11": _p11, "12": _p12, "13": _p13,
    }
    keys = which or list(builders)
    return [builders[k]() for k in keys]


def _p1():
    rng = np.random.default_rng(1)
    X = toeplitz_design(500, 5000, 0.6, rng)
    y = sparse_truth_response(X, 50, 3.0, rng)
    return BenchProblem("1", "dense lasso 500x5000, Toeplitz-correlated, one alpha",
                        X, y, kind="single", alpha_fracs=(1 / 20, 1 / 100))


def _p2():
    rng = np.random.default_rng(2)
    X = toeplitz_design(1000, 2000, 0.6, rng)
    y = sparse_truth_response(X, 100, 3.0, rng)
    return BenchProblem("2", "dense lasso path 1000x2000, 100 alphas to 1e-3",
                        X, y, n_alphas=100, eps=1e-3)


def _p13():
    """Issue 31's shape: problem 2's design, 40 true features and no intercept (the
    rows where the orthant-Newton rescue of a stalled working set cost 25%)."""
    rng = np.random.default_rng(13)
    X = toeplitz_design(1000, 2000, 0.6, rng)
    y = sparse_truth_response(X, 40, 3.0, rng)
    return BenchProblem("13", "dense lasso path 1000x2000, 40 true, no intercept, 100 "
                        "alphas to 1e-3", X, y, n_alphas=100, eps=1e-3,
                        extra={"fit_intercept": False})


def _p3():
    rng = np.random.default_rng(3)
    X = toeplitz_design(72, 7129, 0.8, rng)
    y = sparse_truth_response(X, 20, 2.0, rng)
    return BenchProblem("3", "leukemia-shaped path 72x7129, 100 alphas to 1e-2",
                        X, y, n_alphas=100, eps=1e-2)


def _sparse_data():
    rng = np.random.default_rng(4)
    X = unit_row_sparse(20000, 50000, 0.001, rng)
    y = sparse_truth_response(X, 500, 3.0, rng)
    return X, y


def _p4():
    X, y = _sparse_data()
    return BenchProblem("4", "sparse lasso path 20000x50000, density 1e-3, 50 alphas to 1e-2",
                        X, y, n_alphas=50, eps=1e-2)


def _p5():
    X, y = _sparse_data()
    labels = np.where(y > np.median(y), 1.0, -1.0)
    return BenchProblem("5", "sparse L1 logistic, one alpha = alpha_max/20", X, labels,
                        loss="logistic", kind="single", alpha_fracs=(1 / 20,))


def _p12():
    X, y = _sparse_data()
    return BenchProblem("12", "sparse lasso 20000x50000, density 1e-3, one alpha",
                        X, y, kind="single", alpha_fracs=(1 / 20,))


def _p6():
    rng = np.random.default_rng(6)
    X = toeplitz_design(2000, 500, 0.5, rng)
    y = sparse_truth_response(X, 50, 2.0, rng)
    return BenchProblem("6", "elastic-net CV 2000x500, 5 folds x l1_ratio {0.1,0.5,0.9} x 50 alphas",
                        X, y, kind="cv", n_alphas=50, eps=1e-3,
                        extra={"l1_ratios": (0.1, 0.5, 0.9), "folds": 5})


def _p7():
    rng = np.random.default_rng(7)
    X = toeplitz_design(5000, 1000, 0.5, rng)
    y = X @ rng.standard_normal(1000) * 0.1 + rng.standard_normal(5000)
    return BenchProblem("7", "ridge 5000x1000, 50 alphas, leave-one-out choice", X, y,
                        kind="ridge_loo", l1_ratio=0.0,
                        alphas=np.geomspace(1e-4, 10, 50))


def caravan_like(seed=8):
    """5822 x 85 like ISLP's Caravan (which tests may not download): 43 ordinal
    socio-demographic columns coded 0-9 and driven by a few shared factors, 42 product
    ownership counts (mostly zero), standardized; 6% positives from a weak sparse signal."""
    rng = np.random.default_rng(seed)
    n = 5822
    factors = rng.standard_normal((n, 6))
    latent = factors @ rng.standard_normal((6, 43)) + rng.standard_normal((n, 43))
    ordinal = np.clip(np.round(4.5 + 1.8 * latent / latent.std(axis=0)), 0, 9)
    rates = np.exp(-2.0 + 0.6 * factors[:, :1] + 0.5 * rng.standard_normal((1, 42)))
    counts = rng.poisson(np.broadcast_to(rates, (n, 42)))
    X = np.hstack([ordinal, counts]).astype(float)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    w = np.zeros(85)
    w[rng.choice(85, 12, replace=False)] = rng.normal(0, 0.4, 12)
    z = X @ w
    shift = np.quantile(z + rng.logistic(size=n), 0.94)  # about 6% positives
    y = np.where(z + rng.logistic(size=n) > shift, 1.0, -1.0)
    return np.asfortranarray(X), y


def caravan():
    """ISLP's Caravan, standardized, when benchmarks/get_islp_data.sh fetched it; else the
    synthetic stand-in. Returns (X, y in {-1, +1}, source)."""
    import os

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".peers", "data",
                        "Caravan.csv")
    if not os.path.exists(path):
        return (*caravan_like(), "synthetic stand-in (run benchmarks/get_islp_data.sh)")
    import polars as pl

    frame = pl.read_csv(path)
    X = frame.drop("Purchase").to_numpy().astype(float)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = np.where(frame.get_column("Purchase").to_numpy() == "Yes", 1.0, -1.0)
    return np.asfortranarray(X), y, "ISLP Caravan"


def _p8():
    X, y, source = caravan()
    return BenchProblem("8", f"logistic CV on {source} (5822x85), 5 folds x 50 alphas", X, y,
                        loss="logistic", kind="class_cv", n_alphas=50,
                        extra={"l1_ratios": (1.0, 0.5, 0.0)})


def _p9():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    spread = X.std(axis=0)
    spread[spread == 0] = 1.0  # blank pixels stay 0
    X = np.asfortranarray((X - X.mean(axis=0)) / spread)
    return BenchProblem("9", "multinomial L1 CV on digits (1797x64, 10 classes), 5 folds x "
                        "50 alphas", X, y.astype(np.int64), loss="multinomial",
                        kind="class_cv", n_alphas=50, extra={"l1_ratios": (1.0,)})


def bikeshare():
    """ISLP's Bikeshare (bikers per hour) when benchmarks/get_islp_data.sh fetched it:
    month, hour, weather, weekday and season as dummies (the first level the baseline,
    R's treatment contrasts), hour x working-day interactions,
    temperature, humidity and wind, standardized; else a synthetic count table of the
    same shape."""
    import os

    import polars as pl

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".peers", "data",
                        "Bikeshare.csv")
    if not os.path.exists(path):
        rng = np.random.default_rng(10)
        X = toeplitz_design(8645, 80, 0.5, rng)
        w = np.zeros(80)
        w[rng.choice(80, 15, replace=False)] = 0.3 * rng.standard_normal(15)
        y = rng.poisson(np.exp(X @ w + 3.0)).astype(float)
        return X, y, "synthetic counts (run benchmarks/get_islp_data.sh)"
    frame = pl.read_csv(path, schema_overrides={"hr": pl.Utf8})
    parts = []
    for column in ("mnth", "hr", "weathersit", "weekday", "season"):
        values = frame.get_column(column).cast(pl.Utf8).to_numpy()
        for level in np.unique(values)[1:]:  # the first level is the baseline, as in R
            parts.append((values == level).astype(float))
    working = frame.get_column("workingday").to_numpy().astype(float)
    hours = frame.get_column("hr").to_numpy()
    for level in np.unique(hours):
        parts.append((hours == level) * working)
    for column in ("workingday", "holiday", "temp", "atemp", "hum", "windspeed"):
        parts.append(frame.get_column(column).to_numpy().astype(float))
    X = np.column_stack(parts)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = frame.get_column("bikers").to_numpy().astype(float)
    return np.asfortranarray(X), y, "ISLP Bikeshare"


def _p10():
    X, y, source = bikeshare()
    return BenchProblem("10", f"Poisson L1 path on {source} ({X.shape[0]}x{X.shape[1]}), "
                        "100 alphas", X, y, loss="poisson", n_alphas=100)


def _p11():
    """Huber L1 path: a sparse truth, correlated columns, heavy-tailed noise and 5% of
    the targets thrown 20 noise sds off; delta 1.35 (the t3 noise has scale 1)."""
    rng = np.random.default_rng(11)
    n, p = 5000, 1000
    X = toeplitz_design(n, p, 0.5, rng)
    w = np.zeros(p)
    w[rng.choice(p, 20, replace=False)] = rng.standard_normal(20)
    y = X @ w + rng.standard_t(3, n)
    wild = rng.choice(n, n // 20, replace=False)
    y[wild] += 20.0 * rng.choice([-1.0, 1.0], wild.size)
    return BenchProblem("11", f"Huber L1 path, heavy tails and 5% outliers ({n}x{p}), "
                        "100 alphas", X, y, loss="huber", n_alphas=100,
                        extra={"datafit": {"delta": 1.35}})
