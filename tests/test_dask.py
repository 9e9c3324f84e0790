"""The squared-loss estimators on dask data, on a real LocalCluster (two worker
processes on the loopback): the in-memory answers, from one pass of statistics, with
the client holding none of the rows."""

import tracemalloc

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import PredefinedSplit

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")

from shrinkage import ElasticNet, ElasticNetCV, Lasso, LassoCV, Ridge, RidgeCV  # noqa: E402
from shrinkage.scale.detect import is_dask  # noqa: E402
from shrinkage.scale.statistics import fold_of  # noqa: E402


def _data(n=3000, p=12, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 2.0  # means away from 0: the centring matters
    y = X[:, :3] @ [1.0, -2.0, 0.5] + rng.standard_normal(n) + 5.0
    w = rng.uniform(0.2, 3.0, n)
    return X, y, w


def _dask(X, y, w=None, rows=700):
    out = (da.from_array(X, chunks=(rows, X.shape[1] // 2 + 1)), da.from_array(y, rows))
    return out + ((None,) if w is None else (da.from_array(w, rows),))


@pytest.mark.parametrize("model", [Lasso(alpha=0.05, tol=1e-10),
                                   ElasticNet(alpha=0.1, l1_ratio=0.3, tol=1e-10),
                                   ElasticNet(alpha=0.1, positive=True, tol=1e-10),
                                   Ridge(alpha=0.5), Ridge(alpha=0.0)])
@pytest.mark.parametrize("weighted", [False, True])
def test_fits_equal_the_in_memory_ones(client, model, weighted):
    X, y, w = _data()
    w = w if weighted else None
    Xd, yd, wd = _dask(X, y, w)
    on_cluster = type(model)(**model.get_params()).fit(Xd, yd, sample_weight=wd)
    in_memory = type(model)(**model.get_params()).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(on_cluster.coef_, in_memory.coef_, atol=1e-7)
    assert abs(on_cluster.intercept_ - in_memory.intercept_) < 1e-7
    assert on_cluster.dual_gap_ <= max(model.tol, 1e-10) or isinstance(model, Ridge)
    prediction = on_cluster.predict(Xd)
    assert is_dask(prediction)  # lazy, on the workers
    np.testing.assert_allclose(prediction.compute(), in_memory.predict(X), atol=1e-6)


def test_a_dask_dataframe_keeps_its_column_names(client):
    import pandas as pd

    X, y, _ = _data()
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    ddf = dd.from_pandas(frame, npartitions=4)
    target = dd.from_pandas(pd.Series(y), npartitions=4)
    model = Lasso(alpha=0.05, tol=1e-10).fit(ddf, target)
    assert list(model.feature_names_in_) == list(frame.columns)
    np.testing.assert_allclose(model.coef_, Lasso(alpha=0.05, tol=1e-10).fit(frame, y).coef_,
                               atol=1e-7)


@pytest.mark.parametrize("make", [lambda: LassoCV(alphas=20, cv=5, tol=1e-10),
                                  lambda: ElasticNetCV(l1_ratio=[0.3, 0.9], alphas=15,
                                                       cv=4, tol=1e-10),
                                  lambda: RidgeCV(alphas=20, cv=5)])
def test_cross_validation_equals_the_in_memory_one_on_the_same_folds(client, make):
    X, y, _ = _data()
    Xd, yd, _ = _dask(X, y)
    on_cluster = make().fit(Xd, yd)
    # the folds the workers drew: a seeded hash of each row's position
    folds = fold_of(np.arange(len(y)), on_cluster.cv, 0)
    in_memory = make().set_params(cv=PredefinedSplit(folds)).fit(X, y)
    np.testing.assert_allclose(on_cluster.alphas_, in_memory.alphas_, rtol=1e-10)
    np.testing.assert_allclose(on_cluster.cv_mean_, in_memory.cv_mean_, rtol=1e-6)
    np.testing.assert_allclose(on_cluster.cv_se_, in_memory.cv_se_, rtol=1e-5, atol=1e-12)
    assert on_cluster.alpha_ == pytest.approx(in_memory.alpha_, rel=1e-10)
    np.testing.assert_allclose(on_cluster.coef_, in_memory.coef_, atol=1e-7)


def test_folds_do_not_depend_on_the_chunking(client):
    X, y, _ = _data()
    a = LassoCV(alphas=10, cv=5).fit(*_dask(X, y, rows=500)[:2])
    b = LassoCV(alphas=10, cv=5).fit(*_dask(X, y, rows=1300)[:2])
    np.testing.assert_allclose(a.cv_mean_, b.cv_mean_, rtol=1e-9)


def test_the_client_never_holds_the_rows(client):
    n, p = 400_000, 20  # 64 MB of X, generated on the workers
    X = da.random.RandomState(0).standard_normal((n, p), chunks=(50_000, p))
    y = X[:, 0] * 2.0 - X[:, 1] + da.random.RandomState(1).standard_normal(n, chunks=50_000)
    # imports and compilation allocate once per process: not what is measured
    ElasticNetCV(l1_ratio=0.5, alphas=20, cv=5).fit(X[:1000], y[:1000])
    tracemalloc.start()
    model = ElasticNetCV(l1_ratio=0.5, alphas=20, cv=5).fit(X, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 0.05 * n * p * 8, f"the client peaked at {peak / 1e6:.1f} MB"
    assert abs(model.coef_[0] - 2.0) < 0.05


def test_dask_input_errors_say_what_to_do(client):
    X, y, _ = _data(n=200)
    Xd, yd, _ = _dask(X, y)
    with pytest.raises(ValueError, match="cv must be an int >= 2 for dask input"):
        LassoCV(cv=PredefinedSplit(np.zeros(200))).fit(Xd, yd)
    with pytest.raises(ValueError, match="groups are not offered for dask input"):
        LassoCV(cv=3).fit(Xd, yd, groups=np.zeros(200))
    with pytest.raises(ValueError, match="cv=None .* needs every row on the client"):
        RidgeCV().fit(Xd, yd)
    wide = da.zeros((100, 5001), chunks=(50, 5001))
    with pytest.raises(ValueError, match="5001 features: fitting dask data keeps a p x p"):
        Lasso().fit(wide, da.zeros(100, chunks=50))
    with pytest.raises(ValueError, match="unpenalized features"):
        Lasso(penalty_factor=np.r_[0.0, np.ones(11)]).fit(Xd, yd)
    from shrinkage import HuberRegressorCV, LogisticRegressionCV, PoissonRegressor

    with pytest.raises(ValueError, match="scoring='roc_auc' is not offered for dask"):
        LogisticRegressionCV(scoring="roc_auc").fit(Xd, yd > 5)
    with pytest.raises(ValueError, match="give delta as a float"):
        HuberRegressorCV().fit(Xd, yd)
    bad = Xd.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        Lasso().fit(bad, yd)
    with pytest.raises(ValueError, match="NaN or infinity"):
        PoissonRegressor().fit(bad, abs(yd))


def test_numpy_fits_never_import_dask():
    import subprocess
    import sys

    code = ("import sys, numpy as np; from shrinkage import Lasso, LassoCV; "
            "X = np.random.default_rng(0).standard_normal((50, 3)); "
            "Lasso().fit(X, X[:, 0]); LassoCV(cv=3).fit(X, X[:, 0]); "
            "print('dask' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_a_worker_killed_mid_fit_changes_nothing():
    """A real worker process dies during the pass: its nanny starts a new one, Dask
    recomputes the lost chunks from the graph, and the fit returns the same model."""
    import os
    import signal
    import threading
    import time

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    with distributed.Client(cluster) as c:
        n, p = 200_000, 10

        def data():
            X = da.random.RandomState(3).standard_normal((n, p), chunks=(2_000, p))
            return X, X[:, 0] - 0.5 * X[:, 3] + 0.1 * X.sum(axis=1)

        expected = Lasso(alpha=0.01, tol=1e-10).fit(*data()).coef_
        victim = sorted(c.run(os.getpid).values())[0]
        result = {}

        def fit():
            result["coef"] = Lasso(alpha=0.01, tol=1e-10).fit(*data()).coef_
            result["done"] = time.perf_counter()

        worker = threading.Thread(target=fit)
        worker.start()
        time.sleep(0.3)  # the pass is under way
        os.kill(victim, signal.SIGKILL)
        killed = time.perf_counter()
        worker.join(timeout=120)
        assert not worker.is_alive(), "the fit hung after its worker died"
        assert result["done"] > killed  # the kill landed during the fit
        c.wait_for_workers(2, timeout=60)
        assert victim not in c.run(os.getpid).values()  # a new process took its place
        np.testing.assert_allclose(result["coef"], expected, atol=1e-12)
    cluster.close()


def test_regularization_path_on_dask_equals_in_memory(client):
    from shrinkage import regularization_path

    X, y, w = _data()
    Xd, yd, wd = _dask(X, y, w)
    on_cluster = regularization_path(Xd, yd, l1_ratio=0.5, alphas=30, sample_weight=wd,
                                     tol=1e-10)
    in_memory = regularization_path(X, y, l1_ratio=0.5, alphas=30, sample_weight=w,
                                    tol=1e-10)
    np.testing.assert_allclose(on_cluster.alphas, in_memory.alphas, rtol=1e-10)
    np.testing.assert_allclose(on_cluster.coefs, in_memory.coefs, atol=1e-7)
    assert on_cluster.gaps.max() <= 1e-10
    with pytest.raises(TypeError, match="dask data without an offset"):
        regularization_path(Xd, abs(yd), loss="poisson", offset=np.zeros(len(y)))
    with pytest.raises(ValueError, match="delta is for loss='huber'"):
        regularization_path(Xd, yd, delta=1.0)


def _binary(n=6000, p=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    z = X[:, :3] @ [1.5, -1.0, 0.5] + 0.7
    y = np.where(rng.uniform(size=n) < 1 / (1 + np.exp(-z)), "yes", "no")
    return X, y, rng.uniform(0.5, 2.0, n)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_logistic_equals_the_in_memory_fit(client, l1_ratio, weighted):
    from shrinkage import LogisticRegression

    X, y, w = _binary()
    w = w if weighted else None
    Xd, yd = da.from_array(X, chunks=(1500, 10)), da.from_array(y, chunks=1500)
    wd = None if w is None else da.from_array(w, chunks=1500)
    on_cluster = LogisticRegression(alpha=0.01, l1_ratio=l1_ratio, tol=1e-8).fit(
        Xd, yd, sample_weight=wd)
    in_memory = LogisticRegression(alpha=0.01, l1_ratio=l1_ratio, tol=1e-12).fit(
        X, y, sample_weight=w)
    assert list(on_cluster.classes_) == ["no", "yes"]
    assert on_cluster.dual_gap_ <= 1e-8
    np.testing.assert_allclose(on_cluster.coef_, in_memory.coef_, atol=1e-4)
    np.testing.assert_allclose(on_cluster.intercept_, in_memory.intercept_, atol=1e-4)
    # a few passes per alpha of its short warm-start grid, not one per coordinate
    assert on_cluster.n_iter_ <= 20
    z = on_cluster.decision_function(Xd)
    assert is_dask(z)
    np.testing.assert_allclose(z.compute(), in_memory.decision_function(X), atol=1e-3)


def test_logistic_on_dask_says_what_it_cannot_do_yet(client):
    from shrinkage import LogisticRegression

    X, _, _ = _binary(n=300)
    Xd = da.from_array(X, chunks=(100, 10))
    three = da.from_array(np.arange(300) % 3, chunks=100)
    with pytest.raises(ValueError, match="every penalty_factor > 0"):
        LogisticRegression(penalty_factor=np.r_[0.0, np.ones(9)]).fit(Xd, three % 2)


def test_logistic_path_takes_few_passes_per_alpha(client):
    from shrinkage import regularization_path

    X, y, _ = _binary(n=20_000, p=20)
    Xd, yd = da.from_array(X, chunks=(5000, 20)), da.from_array(y, chunks=5000)
    on_cluster = regularization_path(Xd, yd, loss="logistic", l1_ratio=0.5, alphas=20,
                                     tol=1e-6)
    in_memory = regularization_path(X, y, loss="logistic", l1_ratio=0.5,
                                    alphas=on_cluster.alphas, tol=1e-10)
    default = regularization_path(X, y, loss="logistic", l1_ratio=0.5, alphas=20, tol=1e-2)
    np.testing.assert_allclose(on_cluster.alphas, default.alphas, rtol=1e-8)  # same grid
    assert on_cluster.gaps.max() <= 1e-6
    np.testing.assert_allclose(on_cluster.coefs, in_memory.coefs, atol=2e-3)
    # a pass per Newton step, and the one that certifies the last: the target
    # of 3 passes per alpha (2.6 here; 3.3 with the Newton models solved loosely)
    assert on_cluster.n_iter.mean() <= 3.0


def _counts(n=6000, p=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * 0.5 + 0.3
    y = rng.poisson(np.exp(X[:, :3] @ [0.8, -0.6, 0.4] - 0.5)).astype(float)
    return X, y, rng.uniform(0.5, 2.0, n)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_poisson_equals_the_in_memory_fit(client, l1_ratio, weighted):
    """scikit-learn's PoissonRegressor for the ridge end; our in-memory solver (tested
    against it and against L-BFGS-B) for the others; half the counts are 0."""
    from sklearn.linear_model import PoissonRegressor as SkPoisson

    from shrinkage import PoissonRegressor

    X, y, w = _counts()
    assert np.mean(y == 0) > 0.4
    w = w if weighted else None
    Xd, yd = da.from_array(X, chunks=(1500, 8)), da.from_array(y, chunks=1500)
    wd = None if w is None else da.from_array(w, chunks=1500)
    on_cluster = PoissonRegressor(alpha=0.02, l1_ratio=l1_ratio, tol=1e-10).fit(
        Xd, yd, sample_weight=wd)
    in_memory = PoissonRegressor(alpha=0.02, l1_ratio=l1_ratio, tol=1e-12).fit(
        X, y, sample_weight=w)
    assert on_cluster.dual_gap_ <= 1e-10
    np.testing.assert_allclose(on_cluster.coef_, in_memory.coef_, atol=1e-5)
    assert abs(on_cluster.intercept_ - in_memory.intercept_) < 1e-5
    assert np.array_equal(on_cluster.coef_ == 0, in_memory.coef_ == 0) or l1_ratio == 0
    if l1_ratio == 0:
        # scikit-learn's alpha multiplies ||w||^2 / 2, as ours at l1_ratio 0
        reference = SkPoisson(alpha=0.02, tol=1e-12, max_iter=1000).fit(
            X, y, sample_weight=w)
        np.testing.assert_allclose(on_cluster.coef_, reference.coef_, atol=1e-5)
    assert on_cluster.n_iter_ <= 20  # passes, Newton from the null model
    mean = on_cluster.predict(Xd)
    assert is_dask(mean)
    np.testing.assert_allclose(mean.compute(), in_memory.predict(X), rtol=1e-4)


def test_poisson_on_dask_refuses_what_it_cannot_fit(client):
    from shrinkage import PoissonRegressor

    X, y, _ = _counts(n=400)
    Xd, yd = da.from_array(X, chunks=(100, 8)), da.from_array(y, chunks=100)
    with pytest.raises(ValueError, match="y must be >= 0"):
        PoissonRegressor().fit(Xd, yd - 1.0)
    with pytest.raises(ValueError, match="offset is not offered for dask"):
        PoissonRegressor().fit(Xd, yd, offset=da.zeros(400, chunks=100))
    with pytest.raises(ValueError, match="every penalty_factor > 0"):
        PoissonRegressor(penalty_factor=np.r_[0.0, np.ones(7)]).fit(Xd, yd)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_huber_equals_the_in_memory_fit(client, l1_ratio, weighted):
    """The in-memory HuberRegressor (tested against skglm and L-BFGS-B) on targets with
    wild outliers, from an uncentred X."""
    from shrinkage import HuberRegressor

    rng = np.random.default_rng(2)
    X = rng.standard_normal((5000, 8)) + 1.0
    y = X[:, :3] @ [2.0, -1.0, 0.5] + 3.0 + rng.standard_t(3, 5000)
    y[rng.choice(5000, 250, replace=False)] += 40.0
    w = rng.uniform(0.5, 2.0, 5000) if weighted else None
    Xd, yd = da.from_array(X, chunks=(1200, 8)), da.from_array(y, chunks=1200)
    wd = None if w is None else da.from_array(w, chunks=1200)
    on_cluster = HuberRegressor(alpha=0.02, l1_ratio=l1_ratio, delta=1.5, tol=1e-10).fit(
        Xd, yd, sample_weight=wd)
    in_memory = HuberRegressor(alpha=0.02, l1_ratio=l1_ratio, delta=1.5, tol=1e-12).fit(
        X, y, sample_weight=w)
    assert on_cluster.dual_gap_ <= 1e-10 and on_cluster.delta_ == 1.5
    np.testing.assert_allclose(on_cluster.coef_, in_memory.coef_, atol=1e-5)
    assert abs(on_cluster.intercept_ - in_memory.intercept_) < 1e-5
    assert on_cluster.n_iter_ <= 30
    np.testing.assert_allclose(on_cluster.predict(Xd).compute(), in_memory.predict(X),
                               atol=1e-4)


def test_huber_location_is_the_null_models_intercept(client):
    from shrinkage import HuberRegressor
    from shrinkage.scale.fit_glm import huber_location

    rng = np.random.default_rng(3)
    y = np.r_[rng.standard_normal(900), rng.standard_normal(100) + 30.0]
    w = rng.uniform(0.5, 2.0, 1000)
    c = huber_location(da.from_array(y, chunks=300), da.from_array(w, chunks=300), 1.2)
    # a huge alpha leaves the intercept alone: the in-memory null model's
    null = HuberRegressor(alpha=1e6, delta=1.2).fit(np.zeros((1000, 1)), y, sample_weight=w)
    assert c == pytest.approx(null.intercept_, abs=1e-9)
    psi = np.clip(y - c, -1.2, 1.2)
    assert abs(w @ psi) < 1e-9 * w.sum()


def test_huber_on_dask_needs_a_float_delta(client):
    from shrinkage import HuberRegressor

    Xd = da.zeros((100, 2), chunks=(50, 2))
    yd = da.ones(100, chunks=50)
    for rule in ("residuals", None):
        with pytest.raises(ValueError, match="give delta as a float"):
            HuberRegressor(delta=rule).fit(Xd, yd)


@pytest.mark.parametrize("loss", ["poisson", "huber"])
def test_glm_paths_on_dask_equal_the_in_memory_ones(client, loss):
    from shrinkage import regularization_path

    if loss == "poisson":
        X, y, w = _counts(n=4000)
    else:
        rng = np.random.default_rng(5)
        X = rng.standard_normal((4000, 8))
        y = X[:, :3] @ [1.0, -1.0, 0.5] + rng.standard_t(3, 4000)
        w = rng.uniform(0.5, 2.0, 4000)
    Xd, yd = da.from_array(X, chunks=(1000, 8)), da.from_array(y, chunks=1000)
    wd = da.from_array(w, chunks=1000)
    delta = 1.3 if loss == "huber" else None
    on_cluster = regularization_path(Xd, yd, loss=loss, l1_ratio=0.7, alphas=15,
                                     sample_weight=wd, delta=delta, tol=1e-12)
    in_memory = regularization_path(X, y, loss=loss, l1_ratio=0.7, alphas=15,
                                    sample_weight=w, delta=delta, tol=1e-12)
    # the same grid: alpha_max from the same null model
    np.testing.assert_allclose(on_cluster.alphas, in_memory.alphas, rtol=1e-8)
    assert on_cluster.gaps.max() <= 1e-12 and on_cluster.loss == loss
    np.testing.assert_allclose(on_cluster.coefs, in_memory.coefs, atol=1e-5)
    np.testing.assert_allclose(on_cluster.intercepts, in_memory.intercepts, atol=1e-5)


def _huber_data(n=4000, seed=5):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 8)) + 0.5
    y = X[:, :3] @ [1.0, -1.0, 0.5] + 2.0 + rng.standard_t(3, n)
    y[rng.choice(n, n // 20, replace=False)] += 30.0
    return X, y, rng.uniform(0.5, 2.0, n)


@pytest.mark.parametrize("loss", ["logistic", "poisson", "huber"])
def test_glm_cross_validation_equals_the_in_memory_one_on_the_same_folds(client, loss):
    """Every fold and the whole-data path in the same passes; the in-memory CV estimator
    on the same folds (the seeded hash of each row's position) is the reference."""
    from shrinkage import HuberRegressorCV, LogisticRegressionCV, PoissonRegressorCV
    from shrinkage.scale.fit import FOLD_SEED

    n_alphas = 6  # each alpha costs Dask round trips: the passes per alpha are checked
    if loss == "logistic":
        X, y, w = _binary(n=4000, p=8)
        model = LogisticRegressionCV(l1_ratio=[1.0, 0.3], alphas=n_alphas, cv=4, tol=1e-12)
    elif loss == "poisson":
        X, y, w = _counts(n=4000)
        model = PoissonRegressorCV(l1_ratio=[1.0, 0.3], alphas=n_alphas, cv=4, tol=1e-12)
    else:
        X, y, w = _huber_data()
        model = HuberRegressorCV(l1_ratio=[1.0, 0.3], delta=1.5, alphas=n_alphas,
                                 cv=4, tol=1e-12)
    Xd, yd = da.from_array(X, chunks=(900, 8)), da.from_array(y, chunks=900)
    wd = da.from_array(w, chunks=900)
    on_cluster = clone(model).fit(Xd, yd, sample_weight=wd)
    folds = PredefinedSplit(fold_of(np.arange(len(y)), 4, FOLD_SEED))
    in_memory = clone(model).set_params(cv=folds).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(on_cluster.alphas_, in_memory.alphas_, rtol=1e-8)
    np.testing.assert_allclose(on_cluster.cv_scores_, in_memory.cv_scores_, rtol=1e-6)
    np.testing.assert_allclose(on_cluster.train_mean_, in_memory.train_mean_, rtol=1e-6)
    assert on_cluster.alpha_ == pytest.approx(in_memory.alpha_, rel=1e-10)
    assert on_cluster.l1_ratio_ == in_memory.l1_ratio_
    np.testing.assert_allclose(on_cluster.coef_, in_memory.coef_, atol=1e-5)
    np.testing.assert_allclose(on_cluster.intercept_, in_memory.intercept_, atol=1e-5)
    # the 10 models (2 ratios x (4 folds + the whole data)) share their passes: 5 to 6
    # per alpha at this tolerance for all of them together (27 to 35 in all), not 5 each
    assert on_cluster.n_passes_ <= 2 + 10 * n_alphas


def test_the_newton_fits_never_hold_the_rows_either():
    """Every pass returns p x p statistics per model: a 3-fold logistic CV on 64 MB of
    X generated on the workers peaks at a small fraction of it on the client. The
    scheduler runs in a process of its own, as on a real cluster (a LocalCluster's
    scheduler would count its records of the passes' tasks in this process)."""
    from distributed.deploy.subprocess import SubprocessCluster

    from shrinkage import LogisticRegressionCV

    with SubprocessCluster(host="127.0.0.1", n_workers=2, threads_per_worker=1,
                           dashboard_address=None) as cluster, distributed.Client(cluster):
        n, p = 400_000, 20
        X = da.random.RandomState(0).standard_normal((n, p), chunks=(50_000, p))
        z = X[:, 0] - X[:, 1] + da.random.RandomState(1).logistic(size=n, chunks=50_000)
        y = (z > 0).astype(int)
        LogisticRegressionCV(l1_ratio=1.0, alphas=3, cv=5).fit(X[:2000], y[:2000])
        tracemalloc.start()
        model = LogisticRegressionCV(l1_ratio=1.0, alphas=4, cv=3, tol=1e-6).fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < 0.05 * n * p * 8, f"the client peaked at {peak / 1e6:.1f} MB"
    assert model.coef_[0, 0] > 0.5 and model.coef_[0, 1] < -0.5


@pytest.mark.parametrize("loss", ["logistic", "poisson", "huber"])
def test_unpenalized_fits_equal_the_in_memory_ones(client, loss):
    """alpha = 0: damped Newton certified by its decrement; scikit-learn's unpenalized
    LogisticRegression / PoissonRegressor, and our in-memory Huber fit, as references."""
    from sklearn.linear_model import LogisticRegression as SkLogistic
    from sklearn.linear_model import PoissonRegressor as SkPoisson

    from shrinkage import HuberRegressor, LogisticRegression, PoissonRegressor

    if loss == "logistic":
        X, y, w = _binary(n=4000, p=8)
        model = LogisticRegression(alpha=0.0, tol=1e-12)
        reference = SkLogistic(C=np.inf, tol=1e-12, max_iter=10_000).fit(
            X, y, sample_weight=w)
    elif loss == "poisson":
        X, y, w = _counts(n=4000)
        model = PoissonRegressor(alpha=0.0, tol=1e-12)
        reference = SkPoisson(alpha=0.0, tol=1e-12, max_iter=10_000).fit(
            X, y, sample_weight=w)
    else:
        X, y, w = _huber_data()
        model = HuberRegressor(alpha=0.0, delta=1.5, tol=1e-12)
        reference = clone(model).fit(X, y, sample_weight=w)
    Xd, yd = da.from_array(X, chunks=(900, 8)), da.from_array(y, chunks=900)
    on_cluster = clone(model).fit(Xd, yd, sample_weight=da.from_array(w, chunks=900))
    assert on_cluster.dual_gap_ <= 1e-12 and on_cluster.n_iter_ <= 40
    np.testing.assert_allclose(np.ravel(on_cluster.coef_), np.ravel(reference.coef_),
                               atol=1e-6)
    np.testing.assert_allclose(np.ravel(on_cluster.intercept_),
                               np.ravel(reference.intercept_), atol=1e-6)


def test_unpenalized_logistic_on_separable_classes_warns_and_stops(client):
    """No minimum exists: a few passes, then the in-memory fit's SeparationWarning."""
    from shrinkage import LogisticRegression, SeparationWarning

    rng = np.random.default_rng(0)
    X = rng.standard_normal((2000, 3))
    y = (X[:, 0] > 0).astype(int)
    Xd, yd = da.from_array(X, chunks=(500, 3)), da.from_array(y, chunks=500)
    with pytest.warns(SeparationWarning, match="look linearly separable"):
        model = LogisticRegression(alpha=0.0).fit(Xd, yd)
    assert model.n_iter_ <= 40
    with pytest.warns(SeparationWarning):
        LogisticRegression(alpha=0.0).fit(X, y)  # the in-memory fit says the same
    assert np.all(model.predict(X) == y)


def test_the_null_models_intercept_needs_no_pass_over_x():
    """A target-only request reads y and the weights alone: X full of NaN changes
    nothing, and its sums give the in-memory null intercept (the log-odds of the
    classes' weights)."""
    from shrinkage.scale.passes import Request, chunk_pass
    from shrinkage.scale.terms import LogisticTerms

    rng = np.random.default_rng(0)
    y = np.where(rng.uniform(size=500) < 0.3, 1.0, -1.0)
    w = rng.uniform(0.5, 2.0, 500)
    X = np.full((500, 4), np.nan)
    terms = LogisticTerms()
    (sums,) = chunk_pass(X, y, w, None, [Request(terms, np.zeros(4), 0.0,
                                                 target_only=True)])
    assert sums.weight[0] == pytest.approx(w.sum())
    assert terms.null_intercept(sums) == pytest.approx(
        np.log(w[y > 0].sum() / w[y < 0].sum()), rel=1e-12)


def test_a_chunk_summed_block_by_block_is_the_whole_chunk():
    """Every field of a pass (Grams, products, losses at each step, lagged dual terms,
    held-out sums) is a sum over rows: blocks of 7 rows give the one-block answer."""
    from shrinkage.scale.passes import Request, chunk_pass
    from shrinkage.scale.terms import LogisticTerms
    from shrinkage.scale.terms_multinomial import MultinomialTerms

    rng = np.random.default_rng(2)
    X = rng.standard_normal((250, 5))
    w = rng.uniform(0.5, 2.0, 250)
    groups = rng.integers(0, 3, 250)
    labels = np.where(rng.uniform(size=250) < 0.4, 1.0, -1.0)
    codes = rng.integers(0, 3, 250).astype(float)
    for terms, y, size in ((LogisticTerms(), labels, 5), (MultinomialTerms((0, 1, 2)), codes,
                                                           15)):
        step = rng.standard_normal(size) * 0.1
        requests = [Request(terms, step, 0.1 if size == 5 else np.zeros(3), step,
                            0.0 if size == 5 else np.zeros(3), (0.8,) * 3, fold=f)
                    for f in (-1, 1)]
        whole = chunk_pass(X, y, w, groups, requests, rows=10**6)
        blocks = chunk_pass(X, y, w, groups, requests, rows=7)
        for a, b in zip(whole, blocks):
            for x, z in zip(a._fields(), b._fields()):
                np.testing.assert_allclose(z, x, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_a_chunks_group_sums_are_the_sums_written_out(weighted):
    """The squared loss's statistics of each group, summed block by block (7 rows, rows
    of group -1 and of group k left out), are the sums written out group by group."""
    from shrinkage.scale.statistics import group_sums

    rng = np.random.default_rng(5)
    X = rng.standard_normal((250, 4))
    y = rng.standard_normal(250)
    w = rng.uniform(0.0, 2.0, 250) if weighted else None
    groups = rng.integers(-1, 4, 250)
    sums = group_sums(X, y, w, groups, 3, rows=7)
    weights = np.ones(250) if w is None else w
    for f in range(3):
        Xf, yf, wf = X[groups == f], y[groups == f], weights[groups == f]
        expected = (Xf.T @ (wf[:, None] * Xf), wf @ Xf, (wf * yf) @ Xf, wf @ yf**2,
                    wf @ yf, wf.sum(), float(len(yf)))
        for got, want in zip(sums.fold(f)._fields(), expected):
            np.testing.assert_allclose(got[0], want, rtol=1e-12, atol=1e-12)
