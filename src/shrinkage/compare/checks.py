"""Answers too good to be true: the checks ``shrinkage compare`` runs before its verdict.

A column computed from the target (``bikers = casual + registered``, ``Today`` deciding
``Direction``, ``logwage`` beside ``wage``) makes every model look perfect, and a
comparison of perfect models is a comparison of rounding errors. Three checks, each
naming the columns involved:

- a single column that alone determines the target on the training rows: a regression
  target that is a monotone function of it (rank correlation at least ``DETERMINED``) or
  constant within each of its levels, a class that is decided by where its value falls
  (the classes occupy disjoint ranges of it) or by its level;
- a regression target that is an exact linear combination of the columns (the
  least-squares residual at rounding level), named by the smallest lasso support that
  reaches it;
- a near-perfect fit of the held-out rows by any model.

``ROUNDING`` also decides when two test losses are both at rounding level: a tie, never
an advantage.
"""

import numpy as np

from .results import Suspicion

#: a test (or training) loss below this share of the constant model's is rounding
ROUNDING = 1e-9
#: a rank correlation (or share of variance explained) this close to 1 is determination
#: (a strong but noisy predictor, y = 2 x + 0.01 noise, reaches 0.99998)
DETERMINED = 1.0 - 1e-6
#: a test loss below this share of the constant model's is a near-perfect fit
NEAR_PERFECT = 1e-6
#: columns named at most in one warning
MAX_NAMED = 8


def _quoted(columns):
    shown = ", ".join(repr(c) for c in columns[:MAX_NAMED])
    return shown + (f" and {len(columns) - MAX_NAMED} more" if len(columns) > MAX_NAMED
                    else "")


def _drop_hint(columns):
    return " ".join(f"--drop {c}" for c in columns[:MAX_NAMED])


def single_column_leaks(X, y, columns_of, names, task):
    """The columns that alone determine the target on these (training) rows.

    Parameters
    ----------
    X : ndarray of shape (n, p), the encoded training rows
    y : ndarray of shape (n,), the target (numbers, or class labels)
    columns_of : dict, encoded name -> original column
    names : list of str, the encoded names in X's order
    task : "regression" or "classification"

    Returns
    -------
    list of ``(column, evidence)`` with ``evidence`` a short phrase with its number.
    """
    if task == "classification":  # the classes as codes once, not once per column
        y = np.unique(y, return_inverse=True)[1]
    blocks = {}
    for j, name in enumerate(names):
        blocks.setdefault(columns_of.get(name, name), []).append(j)
    single = [index[0] for index in blocks.values() if len(index) == 1]
    # the numeric columns all at once: one vectorized pass instead of a sort each
    numeric = dict(zip(single, _numeric_determine(X[:, single], y, task)))
    found = []
    for column, index in blocks.items():
        if len(index) == 1:
            evidence = numeric[index[0]]
        else:
            evidence = _levels_determine(X[:, index], y, task)
        if evidence:
            found.append((column, evidence))
    return found


def _numeric_determine(X, y, task):
    """The evidence (or None) that each column of ``X`` alone determines ``y``: a
    regression target a monotone function of it (Spearman's rank correlation, average
    ranks for ties, at least ``DETERMINED``), or class codes in disjoint ranges of it."""
    if X.shape[1] == 0:
        return []
    constant = np.ptp(X, axis=0) == 0
    if task == "regression":
        from scipy.stats import rankdata

        y = np.asarray(y, dtype=float)
        if np.ptp(y) == 0:
            return [None] * X.shape[1]
        ry = rankdata(y)
        ry -= ry.mean()
        ranks = rankdata(X, axis=0)
        ranks -= ranks.mean(axis=0)
        norms = np.sqrt(np.sum(ranks ** 2, axis=0) * float(ry @ ry))
        rho = (ry @ ranks) / np.where(constant, 1.0, norms)
        return [None if c or abs(r) < DETERMINED else
                f"the target is a monotone function of it (rank correlation {r:.5f})"
                for c, r in zip(constant, rho)]
    # classes in disjoint ranges of x: the classes' [min, max] intervals, ordered by
    # their minima, each end strictly below the next one's start (no value of x shared)
    n_classes = int(y.max()) + 1
    lows = np.array([X[y == k].min(axis=0) for k in range(n_classes)])
    highs = np.array([X[y == k].max(axis=0) for k in range(n_classes)])
    order = np.argsort(lows, axis=0, kind="stable")
    lows, highs = (np.take_along_axis(a, order, axis=0) for a in (lows, highs))
    disjoint = np.all(highs[:-1] < lows[1:], axis=0)
    return [None if c or not d else
            "the classes occupy disjoint ranges of it (it separates them alone)"
            for c, d in zip(constant, disjoint)]


#: the share of rows in levels seen at least twice that a categorical needs before its
#: levels can be said to determine the target (an identifier's levels hold one row each,
#: and "constant within each level" then says nothing)
REPEATED_LEVELS = 0.9


def _levels_determine(block, y, task):
    level = np.argmax(block, axis=1) + (block.max(axis=1) > 0)  # 0: no level (unknown)
    repeated = np.bincount(level)[level] >= 2
    if repeated.mean() < REPEATED_LEVELS:
        return None
    level, y = level[repeated], np.asarray(y)[repeated]
    if task == "regression":
        y = np.asarray(y, dtype=float)
        total = float(np.sum((y - y.mean()) ** 2))
        if total == 0:
            return None
        means = np.bincount(level, weights=y) / np.maximum(np.bincount(level), 1)
        within = float(np.sum((y - means[level]) ** 2))
        if within <= (1 - DETERMINED) * total:
            return (f"the target is (almost) constant within each of its levels "
                    f"(share of variance explained {1 - within / total:.5f})")
        return None
    codes = np.unique(y, return_inverse=True)[1]
    pairs = np.unique(np.column_stack([level, codes]), axis=0)
    if len(np.unique(pairs[:, 0])) == len(pairs) and len(np.unique(level)) > 1:
        return "each of its levels holds a single class"
    return None


def leak_warning(target, leaks):
    """The ``Suspicion`` of ``single_column_leaks``'s findings, or None."""
    if not leaks:
        return None
    columns = [c for c, _ in leaks]
    detail = "; ".join(f"{c!r}: {why}" for c, why in leaks[:MAX_NAMED])
    return Suspicion("single_column", columns,
                     (f"{_quoted(columns)} alone determine{'s' if len(columns) == 1 else ''}"
                      f" {target!r} on the training rows ({detail}): either the task is "
                      "that easy, or the column is computed from the target or known only "
                      "after it (a leak, which makes every model look perfect); if it "
                      "would not be known when predicting, run again with "
                      f"{_drop_hint(columns)}"))


def combination_warning(target, residual_share, cv_share, l1_model, columns_of, names):
    """The ``Suspicion`` of a regression target that least squares fits to rounding on the
    training rows and, cross-validated, on rows it did not see (``cv_share``: its CV
    error over the null model's; with as many features as rows, least squares
    interpolates any target), naming the smallest lasso support along ``l1_model``'s
    path that does it; or None."""
    if not (residual_share <= ROUNDING and cv_share is not None and cv_share <= NEAR_PERFECT):
        return None
    columns = []
    train = getattr(l1_model, "train_mean_", None)
    if train is not None:
        row = l1_model.l1_ratios_.index(l1_model.l1_ratio_)
        path = np.asarray(train[row])
        reached = np.flatnonzero(path <= np.min(path) + ROUNDING * max(np.max(path), 1e-300))
        if reached.size:
            support = np.flatnonzero(l1_model.coef_path_[row, reached[0]])
            for j in support:
                column = columns_of.get(names[j], names[j])
                if column not in columns:
                    columns.append(column)
    which = f" of {_quoted(columns)}" if columns else ""
    return Suspicion("combination", columns,
                     (f"possible target leak: {target!r} is an exact linear combination"
                      f"{which} (least squares leaves {residual_share:.1e} of its variance "
                      "on the training rows, rounding). If those columns are parts of the "
                      "target (a total and its parts), every model is perfect and the "
                      "comparison says nothing: run again with "
                      + (_drop_hint(columns) if columns else "--drop COLUMN")))


def perfect_fit_warning(entries, key, null_loss, selection, left_out=()):
    """The ``Suspicion`` of a near-perfect fit of the held-out rows, or None.

    ``entries`` are the penalties' ``PenaltyResult``s, ``key`` the ranking test loss and
    ``null_loss`` that of the best constant prediction of the test rows; ``left_out``
    penalties are not considered (the unpenalized fit of separable classes, whose
    log-loss runs to zero: the separation note says it)."""
    if not null_loss or not np.isfinite(null_loss):
        return None
    candidates = [p for p in entries if p not in left_out]
    if not candidates:
        return None
    best = min(candidates, key=lambda p: entries[p].chosen(selection).metrics[key])
    loss = entries[best].chosen(selection).metrics[key]
    if loss > NEAR_PERFECT * null_loss:
        return None
    return Suspicion("perfect_test_fit", [],
                     (f"{entries[best].label} fits the held-out rows almost perfectly "
                      f"(test loss {loss:.2g}, {loss / null_loss:.1e} of a constant "
                      "prediction's): real data are rarely this predictable; look for a "
                      "column computed from the target, or known only after it"))


def at_rounding(loss, null_loss):
    """Whether a test loss is at rounding level (no difference of two such is real)."""
    return bool(null_loss) and np.isfinite(null_loss) and loss <= ROUNDING * null_loss
