"""The group penalty (group lasso, sparse group lasso): against skglm's GroupLasso, a
numpy proximal-gradient reference, the KKT conditions written out, the lasso, and its
certificate."""

import numpy as np
import pytest

from shrinkage import (ElasticNet, Lasso, LassoCV, LogisticRegression,
                       PoissonRegressor, regularization_path)
from shrinkage.errors import UserError
from shrinkage.penalties_group import check_groups, group_alpha_max
from shrinkage.penalty_group_kernels import group_dual_norm

LABELS = np.repeat([0, 1, 2, 3], [3, 2, 4, 1])  # sizes 3, 2, 4, 1
SIZES = np.array([3, 2, 4, 1])
ONE_HOT = (LABELS[:, None] == np.arange(4)).astype(float)


def _data(seed=0, n=40):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, LABELS.size))
    X[:, 1] += 0.5 * X[:, 0]  # correlated columns within a group
    y = X[:, :3] @ [1.0, -2.0, 1.5] + 0.8 * X[:, 5] + 0.5 * rng.standard_normal(n)
    return X, y


# -- a plain proximal-gradient reference (numpy, FISTA with restarts) ----------------

def _soft(v, t):
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


def _prox(v, step, a, b, c, weights):
    """Prox of step * (a ||w||_1 + b sum_g v_g ||w_g|| + c/2 ||w||^2), written anew:
    soft-thresholding, then each group's shrinkage, then the L2 scaling."""
    out = _soft(v, step * a)
    norms = np.sqrt(ONE_HOT.T @ out**2)
    keep = np.where(norms > 0, np.maximum(1.0 - step * b * weights / np.where(
        norms > 0, norms, 1.0), 0.0), 0.0)
    return out * (ONE_HOT @ keep) / (1.0 + step * c)


def _datafit(loss, X, y, w, b):
    z = X @ w + b
    if loss == "squared":
        return 0.5 * np.mean((y - z) ** 2), -(y - z) / y.size
    if loss == "logistic":  # y in {-1, 1}
        return np.mean(np.logaddexp(0.0, -y * z)), -y / (1.0 + np.exp(y * z)) / y.size
    return np.mean(np.exp(z) - y * z), (np.exp(z) - y) / y.size  # Poisson


def fista(loss, X, y, a, b, c, weights=None, iters=50_000):
    """The minimiser of datafit + penalty (intercept unpenalized): FISTA with
    backtracking and gradient restarts (O'Donoghue and Candes), until the iterates
    move by less than 1e-14."""
    weights = np.sqrt(SIZES) if weights is None else weights
    p = X.shape[1]
    prev = np.zeros(p + 1)
    z, t, step = prev.copy(), 1.0, 1.0
    for _ in range(iters):
        f0, gz = _datafit(loss, X, y, z[:p], z[p])
        grad = np.append(X.T @ gz, gz.sum())
        while True:  # backtracking on the smooth part's quadratic bound
            v = z - step * grad
            new = np.append(_prox(v[:p], step, a, b, c, weights), v[p])
            d = new - z
            bound = f0 + grad @ d + d @ d / (2 * step)
            if _datafit(loss, X, y, new[:p], new[p])[0] <= bound:
                break
            step *= 0.5
        if np.max(np.abs(new - prev)) < 1e-14:
            return new[:p], new[p]
        if (z - new) @ (new - prev) > 0:  # restart the momentum
            t = 1.0
        t_next = (1 + np.sqrt(1 + 4 * t * t)) / 2
        z = new + (t - 1) / t_next * (new - prev)
        prev, t = new, t_next
    return prev[:p], prev[p]


def _params(alpha, l1_ratio, tau):
    """``(a, b, c)`` of the objective at these parameters."""
    return alpha * l1_ratio * tau, alpha * l1_ratio * (1 - tau), alpha * (1 - l1_ratio)


@pytest.mark.parametrize("tau,l1_ratio", [(0.0, 1.0), (0.4, 1.0), (0.3, 0.6)])
def test_squared_matches_proximal_gradient(tau, l1_ratio):
    X, y = _data()
    model = ElasticNet(0.15, l1_ratio=l1_ratio, feature_groups=LABELS, group_l1_ratio=tau,
                       tol=1e-13, max_iter=100_000).fit(X, y)
    w, b = fista("squared", X, y, *_params(0.15, l1_ratio, tau))
    np.testing.assert_allclose(model.coef_, w, atol=1e-7)
    assert model.intercept_ == pytest.approx(b, abs=1e-7)
    assert np.any(w == 0) and np.any(w != 0)  # a group out, another in


@pytest.mark.parametrize("loss,tau", [("logistic", 0.0), ("logistic", 0.5),
                                      ("poisson", 0.0), ("poisson", 0.5)])
def test_glm_matches_proximal_gradient(loss, tau):
    X, y = _data(1)
    if loss == "logistic":
        labels = np.where(y > 0, 1.0, -1.0)
        model = LogisticRegression(0.03, feature_groups=LABELS, group_l1_ratio=tau,
                                   tol=1e-13, max_iter=100_000).fit(X, labels)
        coef, intercept, target = model.coef_[0], model.intercept_[0], labels
    else:
        target = np.random.default_rng(2).poisson(np.exp(0.3 * X[:, 0] - 0.2 * X[:, 5]))
        model = PoissonRegressor(0.02, l1_ratio=1.0, feature_groups=LABELS,
                                 group_l1_ratio=tau, tol=1e-13, max_iter=100_000)
        model.fit(X, target)
        coef, intercept = model.coef_, model.intercept_
    alpha = model.alpha
    w, b = fista(loss, X, target.astype(float), *_params(alpha, 1.0, tau))
    np.testing.assert_allclose(coef, w, atol=2e-6)
    assert intercept == pytest.approx(b, abs=2e-6)


def test_kkt_per_group():
    """Per group: zero groups have u_g in the dual ball, the others satisfy the
    stationarity equation with the subgradient of the L1 part."""
    X, y = _data(3)
    alpha, l1_ratio, tau = 0.12, 0.8, 0.3
    model = ElasticNet(alpha, l1_ratio=l1_ratio, feature_groups=LABELS, group_l1_ratio=tau,
                       tol=1e-13, max_iter=100_000).fit(X, y)
    a, b, c = _params(alpha, l1_ratio, tau)
    w = model.coef_
    u = X.T @ (y - X @ w - model.intercept_) / y.size  # minus the gradient
    for g in range(SIZES.size):
        cols = LABELS == g
        wg, ug, bg = w[cols], u[cols], b * np.sqrt(SIZES[g])
        if not np.any(wg):
            assert np.linalg.norm(_soft(ug, a)) <= bg + 1e-9
            continue
        r = ug - c * wg - bg * wg / np.linalg.norm(wg)
        nz = wg != 0
        # (the gap reached, ~1e-13, puts w within ~1e-6 of the optimum)
        np.testing.assert_allclose(r[nz], a * np.sign(wg[nz]), atol=1e-6)
        assert np.all(np.abs(r[~nz]) <= a + 1e-6)
    assert np.sum(y - X @ w - model.intercept_) == pytest.approx(0.0, abs=1e-8)


def test_skglm_group_lasso():
    skglm = pytest.importorskip("skglm")
    X, y = _data(4)
    weights = np.array([1.0, 0.5, 2.0, 1.0])
    lists = [list(np.flatnonzero(LABELS == g)) for g in range(4)]
    theirs = skglm.GroupLasso(lists, alpha=0.1, weights=weights, tol=1e-12,
                              max_iter=1000, max_epochs=100_000).fit(X, y)
    ours = Lasso(0.1, feature_groups=lists, group_weights=weights, tol=1e-13,
                 max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-6)
    assert ours.intercept_ == pytest.approx(theirs.intercept_, abs=1e-6)


def test_groups_of_one_are_the_lasso():
    X, y = _data(5)
    singles = Lasso(0.1, feature_groups=np.arange(X.shape[1]), tol=1e-12).fit(X, y)
    lasso = Lasso(0.1, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(singles.coef_, lasso.coef_, atol=1e-9)
    # and group_l1_ratio=1 is the lasso whatever the groups
    plain = Lasso(0.1, feature_groups=LABELS, group_l1_ratio=1.0, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(plain.coef_, lasso.coef_, atol=1e-9)


@pytest.mark.parametrize("loss", ["squared", "logistic"])
def test_alpha_max(loss):
    X, y = _data(6)
    target = y if loss == "squared" else (y > 0).astype(int)
    path = regularization_path(X, target, loss=loss, feature_groups=LABELS,
                               group_l1_ratio=0.3, alphas=3, eps=0.99, tol=1e-10)
    assert not np.any(path.coefs[0])  # at alpha_max: every group out
    top = path.alphas[0]
    below = regularization_path(X, target, loss=loss, feature_groups=LABELS,
                                group_l1_ratio=0.3, alphas=[0.999 * top], tol=1e-10)
    assert np.any(below.coefs[0])
    # alpha_max by hand: the largest group dual norm of minus the gradient at 0
    if loss == "squared":
        u0 = X.T @ (y - y.mean()) / y.size
        a, b = 0.3, 0.7 * np.sqrt(SIZES)
        # ||S_{t a}(u_g)|| = t b_g solved by bisection, written anew
        tops = []
        for g in range(4):
            ug, lo, hi = u0[LABELS == g], 0.0, 1e3
            for _ in range(200):
                mid = (lo + hi) / 2
                lo, hi = (lo, mid) if np.linalg.norm(_soft(ug, mid * a)) <= mid * b[g] \
                    else (mid, hi)
            tops.append(hi)
        assert top == pytest.approx(max(tops), rel=1e-12)


def test_dual_norm_is_a_safe_upper_bound():
    rng = np.random.default_rng(7)
    for _ in range(50):
        u = rng.standard_normal(6) * rng.exponential(size=6)
        a = rng.uniform(0.0, 1.0, 6)
        b = rng.uniform(0.0, 2.0)
        index = np.arange(6, dtype=np.int64)
        t = group_dual_norm(u, index, 0, 6, a, b)
        assert np.linalg.norm(_soft(u, t * a)) <= t * b + 1e-12 * t  # feasible
        assert np.linalg.norm(_soft(u, t * a * (1 - 1e-9))) > t * b * (1 - 1e-9)  # tight


def test_gap_bounds_the_suboptimality():
    """The reported gap of a rough solve bounds P(w) - P(w*) (P in numpy)."""
    X, y = _data(8)
    a, b, c = _params(0.1, 0.9, 0.2)

    def primal(model):
        w = model.coef_
        r = y - X @ w - model.intercept_
        return (0.5 * np.mean(r**2) + a * np.abs(w).sum() + 0.5 * c * w @ w +
                b * sum(np.sqrt(SIZES[g]) * np.linalg.norm(w[LABELS == g])
                        for g in range(4)))

    best = ElasticNet(0.1, l1_ratio=0.9, feature_groups=LABELS, group_l1_ratio=0.2,
                      tol=1e-13).fit(X, y)
    null = 0.5 * np.var(y)
    for tol in (1e-1, 1e-2, 1e-3):
        rough = ElasticNet(0.1, l1_ratio=0.9, feature_groups=LABELS, group_l1_ratio=0.2,
                           tol=tol).fit(X, y)
        excess = primal(rough) - primal(best)
        assert -1e-12 <= excess <= rough.dual_gap_ * null + 1e-12
        assert rough.dual_gap_ <= tol


def test_unpenalized_group_is_fitted_freely():
    X, y = _data(9)
    model = Lasso(10.0, feature_groups=LABELS, group_weights=[1.0, 0.0, 1.0, 1.0],
                  tol=1e-12).fit(X, y)
    free = LABELS == 1
    assert not np.any(model.coef_[~free])  # alpha far above: only group 1 is left
    Xc = X[:, free] - X[:, free].mean(axis=0)
    ls = np.linalg.lstsq(Xc, y - y.mean(), rcond=None)[0]
    # the certified gap bounds the distance to the optimum: ||w - w*||^2 <= 2 gap / mu
    # (with 1e-14 of rounding: the primal and dual values are ~4, the gap ~3e-13)
    mu = np.linalg.eigvalsh(Xc.T @ Xc / y.size)[0]
    bound = np.sqrt(2 * (model.dual_gap_ * 0.5 * np.var(y) + 1e-14) / mu)
    assert np.linalg.norm(model.coef_[free] - ls) <= bound
    assert bound < 1e-5


def test_cv_and_path_certified():
    X, y = _data(10, n=60)
    y = y + 3.0 * np.random.default_rng(10).standard_normal(60)  # an alpha inside the grid
    model = LassoCV(feature_groups=LABELS, cv=3, alphas=8, tol=1e-8).fit(X, y)
    path = regularization_path(X, y, feature_groups=LABELS, alphas=8, tol=1e-8)
    assert path.gaps.max() <= 1e-8
    # whole groups enter: a group is all in or all out at every alpha
    for coefs in path.coefs:
        for g in range(4):
            nz = coefs[LABELS == g] != 0
            assert nz.all() or not nz.any()
    assert model.alpha_ in model.alphas_


@pytest.mark.parametrize("groups,message", [
    ([0, 1], "one label per column of X (10), got 2"),
    ([[0, 1, 2], [3, 4]], "leaves column 5 in no group"),
    ([[0, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9]], "feature_groups[1] repeats a column"),
    ([[0, 1], [2, 3, 4, 5, 6, 7, 8, 9, 10]], "feature_groups[1] holds a column index "
                                             "outside 0..9"),
    ([[0, 1], []], "feature_groups[1] is empty"),
    ("abc", "feature_groups must be a label per column"),
])
def test_bad_groups(groups, message):
    X, y = _data(11)
    with pytest.raises(UserError) as err:
        Lasso(0.1, feature_groups=groups).fit(X, y)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_refusals():
    X, y = _data(12)
    with pytest.raises(UserError, match="group_weights must hold 4 finite numbers"):
        Lasso(feature_groups=LABELS, group_weights=[1.0, -1.0, 1.0, 1.0]).fit(X, y)
    with pytest.raises(UserError, match="neither penalty_factor nor bounds"):
        Lasso(feature_groups=LABELS, positive=True).fit(X, y)
    with pytest.raises(UserError, match="group_l1_ratio must be a number in"):
        Lasso(feature_groups=LABELS, group_l1_ratio=1.5).fit(X, y)
    with pytest.raises(UserError, match="two classes only"):
        LogisticRegression(feature_groups=LABELS).fit(X, np.arange(40) % 3)
    da = pytest.importorskip("dask.array")
    with pytest.raises(UserError, match="not offered for dask input"):
        Lasso(feature_groups=LABELS).fit(da.from_array(X), da.from_array(y))


def test_labels_and_lists_agree():
    names = np.array(["b", "b", "b", "a", "a", "c", "c", "c", "c", "d"])
    groups = check_groups(names, 10)
    assert list(groups.labels) == ["a", "b", "c", "d"]
    np.testing.assert_allclose(groups.weights, np.sqrt([2, 3, 4, 1]))
    X, y = _data(13)
    lists = [[3, 4], [0, 1, 2], [5, 6, 7, 8], [9]]
    one = Lasso(0.1, feature_groups=names, tol=1e-12).fit(X, y)
    two = Lasso(0.1, feature_groups=lists, tol=1e-12).fit(X, y)
    np.testing.assert_array_equal(one.coef_, two.coef_)
    u0 = np.ones(10)
    assert group_alpha_max(u0, 1.0, groups, 0.0) == pytest.approx(1.0)  # ||1_g|| / sqrt|g|


@pytest.mark.parametrize("loss", ["squared", "logistic", "poisson"])
def test_sparse_weights_and_no_intercept(loss):
    """Sparse X equals dense X; integer sample weights equal repeated rows; without an
    intercept the reference's intercept is held at 0."""
    sparse = pytest.importorskip("scipy.sparse")
    X, y = _data(14)
    X[np.abs(X) < 0.7] = 0.0
    target = {"squared": y, "logistic": (y > 0).astype(float),
              "poisson": np.random.default_rng(3).poisson(np.exp(0.3 * X[:, 0]))}[loss]
    options = dict(loss=loss, feature_groups=LABELS, group_l1_ratio=0.2, alphas=[0.03],
                   tol=1e-12)
    dense = regularization_path(X, target, **options).coefs[0]
    csc = regularization_path(sparse.csc_matrix(X), target, **options).coefs[0]
    np.testing.assert_allclose(csc, dense, atol=1e-8)
    weights = np.arange(40) % 3  # 0, 1 or 2 copies of each row
    weighted = regularization_path(X, target, sample_weight=weights, **options).coefs[0]
    rows = np.repeat(np.arange(40), weights)
    repeated = regularization_path(X[rows], target[rows], **options).coefs[0]
    np.testing.assert_allclose(weighted, repeated, atol=1e-7)
    if loss != "squared":
        return
    through_origin = regularization_path(X, y, fit_intercept=False, **options).coefs[0]
    a, b, _ = _params(0.03, 1.0, 0.2)
    np.testing.assert_allclose(through_origin, _ista_through_origin(X, y, a, b), atol=1e-7)


def _ista_through_origin(X, y, a, b):
    """Proximal gradient without an intercept (ISTA at 1/L, to 1e-14)."""
    L = np.linalg.norm(X, 2) ** 2 / y.size
    w = np.zeros(X.shape[1])
    for _ in range(100_000):
        new = _prox(w + X.T @ (y - X @ w) / y.size / L, 1.0 / L, a, b, 0.0, np.sqrt(SIZES))
        if np.max(np.abs(new - w)) < 1e-15:
            break
        w = new
    return new


def test_stability_selection_keeps_the_groups():
    from shrinkage import stability_selection

    X, y = _data(15, n=60)
    stable = stability_selection(Lasso(feature_groups=LABELS), X, y, n_resamples=10,
                                 alphas=[0.5, 0.2], random_state=0)
    for g in range(4):  # a group's features are kept together on every half-sample
        cols = stable.probabilities[:, LABELS == g]
        np.testing.assert_array_equal(cols, cols[:, :1].repeat(cols.shape[1], axis=1))
    assert stable.probabilities[:, 0].max() == 1.0


def test_compare_groups_a_categorical():
    """In compare, the penalized models keep or drop a categorical's one-hot columns
    together (a note says so); --no-groups (``groups=False``) fits them column by
    column."""
    import polars as pl

    from shrinkage.compare import Options, run_comparison
    from shrinkage.tables import Table

    rng = np.random.default_rng(16)
    n = 160
    shop = rng.choice(list("abcdef"), n)
    effect = dict(zip("abcdef", [0.0, 0.6, -0.4, 0.2, 0.0, 0.9]))
    x = rng.standard_normal(n)
    y = x + np.array([effect[s] for s in shop]) + rng.standard_normal(n)
    frame = pl.DataFrame({"x": x, "shop": shop, "noise": rng.choice(list("uvw"), n),
                          "y": y})
    table = Table(frame, "y", "groups-test")
    grouped = run_comparison(table, Options(cv=2, n_alphas=5))
    names = np.asarray(grouped.feature_names)
    for penalty in ("l1", "elasticnet"):
        model = grouped.models[penalty]
        for column in ("shop", "noise"):
            kept = model.coef_[np.char.startswith(names, f"{column}=")] != 0
            assert kept.all() or not kept.any()
        assert list(model.feature_groups) == [n.split("=")[0] for n in names]
    shop = np.char.startswith(names, "shop=")
    assert np.all(grouped.models["l1"].coef_[shop] != 0)  # the group is in, whole
    notes = grouped.outcome.data.notes
    assert any("form a group that enters or leaves" in note for note in notes)
    plain = run_comparison(table, Options(cv=2, n_alphas=5, groups=False))
    assert plain.models["l1"].feature_groups is None
    assert not any("form a group" in note for note in plain.outcome.data.notes)


def test_relaxed_group_lasso():
    """relax=True refits the group lasso's supports (whole groups) without penalty."""
    X, y = _data(17, n=60)
    model = LassoCV(feature_groups=LABELS, relax=True, cv=3, alphas=6).fit(X, y)
    kept = model.coef_ != 0
    for g in range(4):
        assert kept[LABELS == g].all() or not kept[LABELS == g].any()
    assert model.gamma_ == 0.0  # the refit alone: least squares on the kept columns
    Xc = X[:, kept] - X[:, kept].mean(axis=0)
    ls = np.linalg.lstsq(Xc, y - y.mean(), rcond=None)[0]
    np.testing.assert_allclose(model.coef_[kept], ls, atol=1e-6)


def test_the_verdict_counts_variables():
    from shrinkage.compare.narrative import _sparsity_sentence

    columns_of = {"x": "x", "shop=a": "shop", "shop=b": "shop", "shop=c": "shop"}
    choice = {"n_nonzero": 3, "kept_columns": ["shop"], "l1_ratio": 0.5,
              "coefficients": {"shop=a": 1.0, "shop=b": 0.5, "shop=c": 0.2, "x": 0.0}}
    penalties = {p: {"label": p.upper()} for p in ("l1", "elasticnet", "l2")}
    sentence = _sparsity_sentence(penalties, lambda p: choice, 4, columns_of)
    assert "L1 kept 3 of 4 features (1 of 2 variables)" in sentence
    assert "(1 of 2 variables)" not in _sparsity_sentence(
        penalties, lambda p: choice, 4, {name: name for name in columns_of})
