"""Estimators fitted on ``dd.read_parquet(folder)``, as a user does: the columns of a
lazily read folder of small files (which dask's query planning merges into fewer
partitions once the columns are projected) give the in-memory answers."""

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")
pytest.importorskip("pyarrow")

from shrinkage import ElasticNet, LogisticRegression  # noqa: E402

NAMES = [f"x{j}" for j in range(6)]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Five files of 400 rows: columns x0 .. x5, a response y, labels "no" / "yes" and
    weights; the whole table (read back with pandas) beside it."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((2000, 6)) + 1.5
    z = X[:, :3] @ [1.0, -1.5, 0.5] - 0.5
    table = pd.DataFrame(X, columns=NAMES)
    table["y"] = z + rng.standard_normal(2000)
    table["label"] = np.where(rng.uniform(size=2000) < 1 / (1 + np.exp(-z)), "yes", "no")
    table["weight"] = rng.uniform(0.5, 2.0, 2000)
    path = tmp_path_factory.mktemp("parquet")
    for k in range(5):
        table.iloc[400 * k:400 * (k + 1)].to_parquet(path / f"part.{k}.parquet",
                                                    index=False)
    return path, pd.read_parquet(path)


def test_the_projected_columns_of_a_folder_are_fewer_partitions(folder):
    """The premise: dask's lengths of the projected frame do not match its partitions
    (what made every fit on such a frame fail)."""
    frame = dd.read_parquet(folder[0])
    with pytest.raises(ValueError, match="does not match the number of partitions"):
        frame[NAMES].astype("float64").to_dask_array(lengths=True)


def test_a_squared_fit_on_read_parquet_equals_the_in_memory_fit(client, folder):
    path, table = folder
    frame = dd.read_parquet(path)
    on_cluster = ElasticNet(alpha=0.02, l1_ratio=0.5, tol=1e-10).fit(
        frame[NAMES], frame["y"], sample_weight=frame["weight"])
    in_memory = ElasticNet(alpha=0.02, l1_ratio=0.5, tol=1e-10).fit(
        table[NAMES], table["y"], sample_weight=table["weight"])
    np.testing.assert_allclose(on_cluster.coef_, in_memory.coef_, atol=1e-8)
    assert on_cluster.intercept_ == pytest.approx(in_memory.intercept_, abs=1e-8)
    assert list(on_cluster.feature_names_in_) == NAMES


def test_a_logistic_fit_on_read_parquet_equals_the_in_memory_fit(client, folder):
    path, table = folder
    frame = dd.read_parquet(path)
    on_cluster = LogisticRegression(alpha=0.01, l1_ratio=0.5, tol=1e-8).fit(
        frame[NAMES], frame["label"])
    in_memory = LogisticRegression(alpha=0.01, l1_ratio=0.5, tol=1e-12).fit(
        table[NAMES], table["label"])
    assert list(on_cluster.classes_) == ["no", "yes"]
    assert on_cluster.dual_gap_ <= 1e-8
    np.testing.assert_allclose(on_cluster.coef_, in_memory.coef_, atol=1e-4)
    np.testing.assert_allclose(on_cluster.intercept_, in_memory.intercept_, atol=1e-4)


def test_a_pass_is_a_task_per_worker_thread(client, folder):
    """The persisted parts of a fit are grouped by the worker that holds them: a pass
    over five parts on two single-thread workers is two tasks, every part in one."""
    import dask

    from shrinkage.scale.passes import worker_groups

    parts = dask.persist(*[dask.delayed(np.ones)(k + 1) for k in range(5)])
    groups = worker_groups(list(parts))
    assert len(groups) == 2
    assert sorted(p.key for g in groups for p in g) == sorted(p.key for p in parts)
    holders = client.who_has(list(parts))
    for group in groups:  # a group's parts live on one worker
        assert len({holders[p.key][0] for p in group}) == 1


def test_an_elastic_net_logistic_path_takes_a_pass_per_alpha(client):
    """The pass that certifies an alpha steps toward the next one's optimum: 100 alphas
    to 1e-3 in about a pass each (2 without), every gap within tol and the coefficients
    the in-memory path's."""
    import dask.array as da

    from shrinkage import regularization_path

    rng = np.random.default_rng(5)
    X = rng.standard_normal((20_000, 12))
    y = (rng.uniform(size=20_000) < 1 / (1 + np.exp(-(X[:, :4] @ [1, -1, 0.5, 0.3]))))
    Xd, yd = da.from_array(X, chunks=(5000, 12)), da.from_array(y, chunks=5000)
    on_cluster = regularization_path(Xd, yd, loss="logistic", l1_ratio=0.5, alphas=100,
                                     eps=1e-3, tol=1e-6)
    in_memory = regularization_path(X, y, loss="logistic", l1_ratio=0.5,
                                    alphas=on_cluster.alphas, tol=1e-10)
    assert on_cluster.gaps.max() <= 1e-6
    assert on_cluster.n_iter.sum() <= 115
    np.testing.assert_allclose(on_cluster.coefs, in_memory.coefs, atol=2e-3)
