"""Robust statistics of values spread over a cluster's parts: the exact median (the
in-memory rule's lower median) in two passes, and the Huber threshold's rule built on
it (``datafits_glm.default_huber_delta``, unweighted).

The median: a first pass merges a quantile sketch of every part (``table.sketch``),
which brackets the median within a few sketch ranks; a second pass counts the values
below the bracket and brings back those inside it (a small share of them), among which
the client picks the median exactly. Should the bracket miss (it cannot with the rank
error of the sketches, but rounding is cheap to guard), it widens and the second pass
runs again.
"""

import numpy as np

from ..datafits_glm import MAD_TO_SD, HUBER_DEFAULT_EPSILON
from .statistics import reduce_parts
from .table import merge_sketches, sketch, sketch_quantile

#: points of the sketch that brackets a median
SKETCH_POINTS = 2048
#: half-width of the bracket, in sketch ranks (each pairwise merge adds one)
BRACKET_RANKS = 16


def distributed_median(parts, values_of, *args):
    """The lower median (the smallest value with at least half the values at or below
    it) of ``values_of(part, *args)`` over every part."""
    sketched = reduce_parts(parts, _part_sketch, _merge, values_of, args)
    count = float(sketched[1].sum())
    if count == 0:
        return float("nan")
    rank = int(np.ceil(0.5 * count)) - 1  # 0-based rank of the lower median
    width = BRACKET_RANKS * (np.log2(max(len(parts), 2)) + 1) / SKETCH_POINTS
    while True:
        low = sketch_quantile(sketched, max(0.5 - width, 0.0))
        high = sketch_quantile(sketched, min(0.5 + width, 1.0))
        if width >= 0.5:
            low, high = -np.inf, np.inf
        below, inside = reduce_parts(parts, _part_bracket, _join, values_of, args, low,
                                     high)
        k = rank - below
        if 0 <= k < inside.size:
            return float(np.sort(inside)[k])
        width *= 4


def huber_delta(parts, values_of, *args, fallback=1.0):
    """``HUBER_DEFAULT_EPSILON`` times the normal-consistent median absolute deviation of
    the values from their median (the standard deviation when more than half are one
    value, ``fallback`` when all are): the in-memory rule, unweighted."""
    centre = distributed_median(parts, values_of, *args)
    scale = MAD_TO_SD * distributed_median(parts, _deviations, values_of, args, centre)
    if not scale > 0:
        n, total, squares = reduce_parts(parts, _part_moments, _add, values_of, args)
        variance = squares / n - (total / n) ** 2 if n > 0 else 0.0
        scale = float(np.sqrt(max(variance, 0.0)))
    if not scale > 0:
        return float(fallback)
    return HUBER_DEFAULT_EPSILON * scale


def _deviations(part, values_of, args, centre):
    return np.abs(values_of(part, *args) - centre)


def _part_sketch(part, values_of, args):
    return sketch(np.asarray(values_of(part, *args), dtype=np.float64), SKETCH_POINTS)


def _merge(a, b):
    return merge_sketches(a, b, SKETCH_POINTS)


def _part_bracket(part, values_of, args, low, high):
    values = np.asarray(values_of(part, *args), dtype=np.float64)
    return int(np.sum(values < low)), values[(values >= low) & (values <= high)]


def _join(a, b):
    return a[0] + b[0], np.concatenate([a[1], b[1]])


def _part_moments(part, values_of, args):
    values = np.asarray(values_of(part, *args), dtype=np.float64)
    return np.array([values.size, values.sum(), values @ values], dtype=np.float64)


def _add(a, b):
    return a + b
