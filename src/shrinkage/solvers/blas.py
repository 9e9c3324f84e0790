"""How many threads BLAS may start while a solver runs.

The solvers' BLAS products on a small X (a Gram block, ``X' G`` for ten classes on 1,800
rows) take microseconds; OpenBLAS's threads cost more than that to wake and join, and
when they outnumber free cores (a loaded machine, or folds already running as threads)
they spin: multinomial L1 on digits took 3.4-6.9 s per path with two BLAS threads on two
cores, 1.37 s with one. Large products keep every core, shared among the folds that run
at once.
"""

import os
from contextlib import nullcontext
from functools import lru_cache

#: an X with at most this many stored entries gets one BLAS thread (a product with it
#: is well under a millisecond on one core)
SMALL_ENTRIES = 1 << 20


@lru_cache(maxsize=1)
def _controller():
    # built once (it lists the loaded BLAS libraries: 1.5 ms); a limit is then 30 us
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def blas_threads(X, workers=1):
    """A context in which BLAS uses one thread for a small ``X``, else its share of the
    cores among ``workers`` tasks running at once (nothing changes for one task on a
    large X, or for an X without a shape)."""
    shape = getattr(X, "shape", None)
    if shape is None or len(shape) != 2:
        entries = None
    else:
        entries = X.nnz if hasattr(X, "nnz") else shape[0] * shape[1]
    small = entries is not None and entries <= SMALL_ENTRIES
    if workers <= 1 and not small:
        return nullcontext()
    share = 1 if small else max(1, (os.cpu_count() or 1) // workers)
    return _controller().limit(limits=share, user_api="blas")
