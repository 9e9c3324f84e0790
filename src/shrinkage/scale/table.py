"""A table that stays on a Dask cluster: its rows labelled, summarized and encoded by the
workers.

Every row gets a place from a seeded hash of its position (partition number and row
within the partition): the test split (``uniform_of < test_size``), else one of the k
cross-validation folds. One pass summarizes the columns (``TableSummary``: moments of
the numeric training columns merged by Chan's formulas, the categories of the others,
missing values, the target's distinct values); from it the client builds the same
scikit-learn preprocessor the in-memory comparison fits, and the workers apply it to
their partitions in the passes that follow.
"""

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .statistics import fold_of, uniform_of

#: a row's position is ``partition * ROWS_PER_PARTITION + row``
ROWS_PER_PARTITION = 2**32


def is_numeric(dtype):
    """Numeric for the comparison: numbers, not booleans (polars' rule, which the
    in-memory comparison follows)."""
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def missing(values):
    """Missing entries of a pandas Series: null, or NaN in a float column."""
    return values.isna().to_numpy()


def label_rows(frame, partition, target, test_size, n_folds, seed):
    """The rows of one partition with a target, and each row's group: ``0 .. k-1`` its
    training fold, ``k`` the test split."""
    keep = ~missing(frame[target])
    positions = partition * ROWS_PER_PARTITION + np.flatnonzero(keep)
    test = uniform_of(positions, seed) < test_size
    groups = np.where(test, n_folds, fold_of(positions, n_folds, seed + 1))
    return frame[keep], groups, int((~keep).sum())


@dataclass
class TableSummary:
    """Mergeable statistics of the rows with a target (one partition's, or all).

    Attributes
    ----------
    n_train, n_test, n_dropped : int
        Rows in each split, and rows without a target.
    count, mean, m2 : dict of column -> float
        Non-missing training values of each numeric column: how many, their mean and
        the sum of squared deviations from it.
    missing : dict of column -> int
        Missing values of each feature column (every row with a target).
    levels : dict of column -> Counter or None
        Training rows per category of each categorical column; None once more than
        ``limit`` categories were seen (the column is then ignored).
    seen : dict of column -> set or None
        Categories over every row, as ``levels`` (the rule that drops a column sees
        every row, as in memory).
    target_values : set or None
        The target's distinct values, None once more than ``target_limit``.
    target_min, target_max : float
    target_whole : bool
    sketches : dict of column -> (points, weights)
        Quantile sketches of the numeric training columns (``--impute median`` only).
    infinite : dict of column -> int
        Infinite values (inf or -inf) of each numeric column (every row with a target);
        they are left out of the moments and sketches, as missing values are.
    low, high : dict of column -> float
        The least and greatest finite value of each numeric column over every row with
        a target (inf and -inf when it has none): a constant column has ``low == high``.
    target_infinite : int
        Rows whose target is inf or -inf.
    """

    limit: int
    target_limit: int
    sketch_size: int = 0
    n_train: int = 0
    n_test: int = 0
    n_dropped: int = 0
    count: dict = field(default_factory=dict)
    mean: dict = field(default_factory=dict)
    m2: dict = field(default_factory=dict)
    missing: dict = field(default_factory=dict)
    levels: dict = field(default_factory=dict)
    seen: dict = field(default_factory=dict)
    target_values: set = field(default_factory=set)
    target_min: float = np.inf
    target_max: float = -np.inf
    target_whole: bool = True
    sketches: dict = field(default_factory=dict)
    infinite: dict = field(default_factory=dict)
    low: dict = field(default_factory=dict)
    high: dict = field(default_factory=dict)
    target_infinite: int = 0


def _capped(values, limit):
    return None if values is None or len(values) > limit else values


def summarize(frame, partition, target, numeric, categorical, target_numeric, *,
              test_size, n_folds, seed, limit, target_limit, sketch_size=0):
    """One partition's ``TableSummary`` (runs on a worker)."""
    rows, groups, dropped = label_rows(frame, partition, target, test_size, n_folds, seed)
    train = groups < n_folds
    out = TableSummary(limit, target_limit, sketch_size, n_train=int(train.sum()),
                       n_test=int((~train).sum()), n_dropped=dropped)
    for c in numeric + categorical:
        out.missing[c] = int(missing(rows[c]).sum())
    for c in numeric:
        every = rows[c].to_numpy(dtype=np.float64, na_value=np.nan)
        out.infinite[c] = int(np.isinf(every).sum())
        finite = every[np.isfinite(every)]
        out.low[c], out.high[c] = (finite.min(), finite.max()) if finite.size \
            else (np.inf, -np.inf)
        values = every[train]
        values = values[np.isfinite(values)]
        out.count[c] = values.size
        out.mean[c] = float(values.mean()) if values.size else 0.0
        out.m2[c] = float(((values - out.mean[c]) ** 2).sum()) if values.size else 0.0
        if sketch_size:
            out.sketches[c] = sketch(values, sketch_size)
    for c in categorical:
        values = rows[c]
        out.seen[c] = _capped(set(values.dropna().tolist()), limit)
        counts = Counter(values[train].dropna().tolist())
        out.levels[c] = _capped(counts, limit)
    y = rows[target]
    out.target_values = _capped(set(y.tolist()), target_limit)
    if target_numeric and len(y):
        y = y.to_numpy(dtype=np.float64)
        out.target_infinite = int(np.isinf(y).sum())
        out.target_min, out.target_max = float(y.min()), float(y.max())
        out.target_whole = bool(np.all(y % 1 == 0))
    return out


def merge(a, b):
    """Two summaries as one (runs on a worker)."""
    out = TableSummary(a.limit, a.target_limit, a.sketch_size,
                       n_train=a.n_train + b.n_train,
                       n_test=a.n_test + b.n_test, n_dropped=a.n_dropped + b.n_dropped)
    for c in a.missing:
        out.missing[c] = a.missing[c] + b.missing[c]
    for c in a.count:
        out.infinite[c] = a.infinite[c] + b.infinite[c]
        out.low[c], out.high[c] = min(a.low[c], b.low[c]), max(a.high[c], b.high[c])
        # Chan, Golub and LeVeque's pairwise update: no cancellation of large means
        na, nb = a.count[c], b.count[c]
        n = na + nb
        delta = b.mean[c] - a.mean[c]
        out.count[c] = n
        out.mean[c] = a.mean[c] + delta * nb / n if n else 0.0
        out.m2[c] = a.m2[c] + b.m2[c] + (delta**2 * na * nb / n if n else 0.0)
    for c in a.levels:
        both = None if a.levels[c] is None or b.levels[c] is None \
            else a.levels[c] + b.levels[c]
        out.levels[c] = _capped(both, a.limit)
        seen = None if a.seen[c] is None or b.seen[c] is None else a.seen[c] | b.seen[c]
        out.seen[c] = _capped(seen, a.limit)
    values = None if a.target_values is None or b.target_values is None \
        else a.target_values | b.target_values
    out.target_values = _capped(values, a.target_limit)
    out.target_min = min(a.target_min, b.target_min)
    out.target_max = max(a.target_max, b.target_max)
    out.target_whole = a.target_whole and b.target_whole
    out.target_infinite = a.target_infinite + b.target_infinite
    for c in a.sketches:
        out.sketches[c] = merge_sketches(a.sketches[c], b.sketches[c], a.sketch_size)
    return out


def sketch(values, size):
    """A quantile sketch of ``values``: at most ``size`` points, each standing for an
    equal share of them (the values themselves when there are few)."""
    values = np.sort(values)
    if values.size <= size:
        return values, np.ones(values.size)
    levels = (np.arange(size) + 0.5) / size
    return np.quantile(values, levels), np.full(size, values.size / size)


def merge_sketches(a, b, size):
    """Two sketches as one of at most ``size`` points: the merged points' weighted
    quantiles at ``size`` evenly spaced levels (each merge adds at most 1/size to the
    rank error)."""
    points = np.concatenate([a[0], b[0]])
    weights = np.concatenate([a[1], b[1]])
    order = np.argsort(points, kind="stable")
    points, weights = points[order], weights[order]
    if points.size <= size:
        return points, weights
    total = weights.sum()
    levels = (np.arange(size) + 0.5) / size * total
    chosen = np.searchsorted(np.cumsum(weights), levels)
    return points[np.minimum(chosen, points.size - 1)], np.full(size, total / size)


def sketch_quantile(sketched, q):
    """The ``q`` quantile of a sketch (a point of it: the weighted lower quantile)."""
    points, weights = sketched
    if points.size == 0:
        return float("nan")
    cumulative = np.cumsum(weights)
    return float(points[min(np.searchsorted(cumulative, q * cumulative[-1]),
                            points.size - 1)])


def scaler_moments(summary, column, median=None):
    """Mean and variance (ddof 0) of a numeric training column as StandardScaler sees
    it: after its missing values are filled with ``median`` (when given)."""
    n, mean, m2 = summary.count[column], summary.mean[column], summary.m2[column]
    filled = summary.n_train - n if median is not None else 0
    if filled:
        # the filled values are a group of their own at the median (no spread)
        total = n + filled
        delta = median - mean
        mean, m2, n = mean + delta * filled / total, m2 + delta**2 * n * filled / total, total
    return mean, (m2 / n if n else 0.0)
