import numpy as np
import pytest
import scipy.sparse as sp


def make_regression_problem(n=80, p=120, density=1.0, seed=0, offset=3.0):
    """Correlated columns with non-zero means and a sparse truth."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[:, 1:] += 0.5 * X[:, :-1]  # neighbouring columns correlated
    X += offset * rng.random(p)  # means away from zero, so the intercept matters
    if density < 1.0:
        X *= rng.random((n, p)) < density
    truth = np.zeros(p)
    truth[: max(1, p // 10)] = rng.standard_normal(max(1, p // 10)) * 2
    y = X @ truth + rng.standard_normal(n) + 4.0
    return X, y


def make_classification_problem(n=120, p=60, density=1.0, seed=0):
    X, score = make_regression_problem(n, p, density, seed, offset=1.0)
    labels = np.where(score > np.median(score), "yes", "no")
    return X, labels


@pytest.fixture
def full_products(monkeypatch):
    """Counts the full products ``X' v`` (``Design.rmatvec`` calls) a test makes:
    ``full_products["calls"]``."""
    from shrinkage.solvers import _design

    counts = {"calls": 0}
    rmatvec = _design.Design.rmatvec

    def counting_rmatvec(self, v):
        counts["calls"] += 1
        return rmatvec(self, v)

    monkeypatch.setattr(_design.Design, "rmatvec", counting_rmatvec)
    return counts


@pytest.fixture(params=["dense", "sparse"])
def storage(request):
    return request.param


def as_storage(X, storage):
    return sp.csc_matrix(X) if storage == "sparse" else X


@pytest.fixture(scope="session")
def local_cluster():
    """A real Dask LocalCluster: two worker processes on the loopback, no dashboard. One
    for the session: its workers import the library and load its kernels once (about
    10 s a cluster), not once per module; no test here needs a fresh one (those that
    kill a worker or the scheduler start their own)."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def client(local_cluster):
    """A client of the session's cluster, the default one while its module runs (the
    other modules' dask data computes as it would without a cluster)."""
    import distributed

    with distributed.Client(local_cluster) as c:
        yield c
