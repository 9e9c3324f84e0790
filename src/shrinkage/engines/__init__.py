"""Engines: where a fit runs, chosen by where the data live.

An engine takes the description of a fit (``shrinkage.specs``) and the user's data and
returns the result the estimator stores. Each offers the same methods: ``claims(*data)``
(whether the data are its kind), ``validate``, ``fit``, ``cross_validate``, ``path`` and
``decision`` (prediction's linear part). Adding an engine (a GPU, say) is one module and
one line in ``ENGINES``, before the in-memory engine, which takes whatever no other
engine claims.
"""

from .dask import DaskEngine
from .memory import MemoryEngine

#: the engines in the order they are asked; the last claims everything
ENGINES = (DaskEngine(), MemoryEngine())


def engine_for(*data):
    """The engine the data call for: the first of ``ENGINES`` that claims them.

    Parameters
    ----------
    *data : objects
        X, y and the other per-sample arrays of a call (None ignored).

    Returns
    -------
    engine
        An object with ``validate``, ``fit``, ``cross_validate``, ``path`` and
        ``decision``.
    """
    return next(engine for engine in ENGINES if engine.claims(*data))


__all__ = ["DaskEngine", "ENGINES", "MemoryEngine", "engine_for"]
