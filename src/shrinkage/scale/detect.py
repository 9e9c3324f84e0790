"""Whether an input is a Dask collection, without importing dask."""

import sys


def is_dask(obj):
    """True for a dask array or dask DataFrame / Series (dask imported by their owner)."""
    if "dask" not in sys.modules:
        return False  # nothing can be a dask collection before dask is imported
    return type(obj).__module__.split(".")[0] == "dask" and hasattr(obj, "__dask_graph__")


def any_dask(*objs):
    """True when any of ``objs`` is a Dask collection."""
    return any(is_dask(o) for o in objs)
