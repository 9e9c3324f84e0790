import os

# BLAS on one thread in this process and in those the tests start, unless asked
# otherwise: the suite's matrices are small, and OpenBLAS's threads spin waiting for each
# other on a busy two-core machine. The solvers limit their own products (solvers/blas.py);
# this covers the tests' references (scikit-learn, scipy) and the child processes:
# test_multinomial, test_cv, test_ridge, test_logistic and test_solver together used
# 14.3 s of CPU, 12.5 s so (the same 12.9 s of wall time at load 1; before the solvers
# limited theirs, 29-41 s -> 13-25 s at load 3.3-4.9). Set before numpy and scipy load
# their OpenBLAS, which read it then; the results do not depend on it beyond rounding.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402


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


@pytest.fixture(scope="session", autouse=True)
def blas_threads():
    """The BLAS libraries loaded before this file (by a plugin) on the same threads."""
    with threadpool_limits(limits=int(os.environ["OPENBLAS_NUM_THREADS"]), user_api="blas"):
        yield


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
