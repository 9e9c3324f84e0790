"""Values a comparison cannot fit, found before it starts: infinities, numbers too large
to standardize, encoded names that collide, columns empty on every training row, classes
too rare to split.

Each check names the column and a row (1-based, as the rows of the table were read)
in one line that says how to go on.
"""

import numpy as np

from .errors import UserError

#: a value larger than this in size overflows standardization (its square is inf)
LARGEST = 1e150


def _float_columns(frame):
    return [c for c, t in frame.schema.items() if t.is_float()]


def _rows(mask):
    """The first row (1-based) where ``mask`` holds and how many rows it holds on."""
    hits = np.flatnonzero(mask)
    return int(hits[0]) + 1, hits.size


def infinite_values(frame, target, impute):
    """``frame`` with the infinities of its feature columns made missing (with
    ``--impute median``: a note says so), else a ``UserError`` naming the first column,
    its first row and how many; an infinite target is always refused.

    Returns ``(frame, notes)``.
    """
    import polars as pl

    found = {}
    for column in _float_columns(frame):
        mask = frame.get_column(column).is_infinite().fill_null(False).to_numpy()
        if mask.any():
            found[column] = _rows(mask)
    if target in found:
        row, count = found[target]
        raise UserError(f"the target {target!r} is infinite on {count} row"
                        f"{'s' if count > 1 else ''} (first: data row {row}): remove those "
                        "rows or fix their values")
    if not found:
        return frame, []
    if impute != "median":
        column, (row, count) = next(iter(found.items()))
        more = f" (and {len(found) - 1} more column{'s' if len(found) > 2 else ''})" \
            if len(found) > 1 else ""
        raise UserError(f"feature column {column!r} is infinite on {count} row"
                        f"{'s' if count > 1 else ''} (first: data row {row}){more}: give "
                        "--impute median to treat infinities as missing, or fix them")
    frame = frame.with_columns(pl.when(pl.col(c).is_infinite()).then(None)
                               .otherwise(pl.col(c)).alias(c) for c in found)
    return frame, ["read infinite values as missing (--impute median): "
                   + ", ".join(f"{c!r} ({count} row{'s' if count > 1 else ''})"
                               for c, (_, count) in found.items())]


def huge_values(frame, target):
    """A ``UserError`` for the first column (the target included) holding a finite value
    larger than ``LARGEST`` in size: standardizing it overflows."""
    for column in _float_columns(frame):
        # in float64: LARGEST does not fit a float32
        values = frame.get_column(column).to_numpy().astype(np.float64)
        with np.errstate(invalid="ignore"):
            mask = np.abs(values) > LARGEST
        mask &= np.isfinite(values)
        if mask.any():
            row, count = _rows(mask)
            what = "the target" if column == target else "feature column"
            raise UserError(f"{what} {column!r} holds {values[row - 1]:g} (data row {row}; "
                            f"{count} value{'s' if count > 1 else ''} beyond {LARGEST:g} in "
                            "size), too large to standardize: rescale the column (divide it "
                            "by a power of ten)" + ("" if column == target
                                                     else f" or --drop {column}"))


def encoded_collisions(features, numeric, categorical, encoded_name):
    """A ``UserError`` when two feature columns would give an encoded feature the same
    name: a numeric column ``a=1`` beside a categorical ``a`` with the level ``1``
    (``encoded_name(column, level)`` is the encoder's naming)."""
    owner = {name: (name, None) for name in numeric}
    for column in categorical:
        for level in features.get_column(column).drop_nulls().unique().to_list():
            name = encoded_name(column, level)
            if name in owner:
                first = owner[name]
                said = [f"{c!r}" + (f" (level {v!r})" if v is not None else "")
                        for c, v in (first, (column, level))]
                raise UserError(f"columns {said[0]} and {said[1]} both encode as feature "
                                f"{name!r}: rename one of them")
            owner[name] = (column, level)


def empty_in_training(train, test, notes):
    """The feature columns missing on every training row left out of both splits (with a
    note: the median of nothing is undefined); a ``UserError`` if none is left.

    Returns ``(train, test)``.
    """
    empty = [c for c in train.columns if train.get_column(c).null_count() == train.height]
    if not empty:
        return train, test
    if len(empty) == train.width:
        raise UserError(f"every feature column is missing on every training row "
                        f"({', '.join(map(repr, empty[:10]))}): fill them in or choose "
                        "columns with values")
    notes.append(f"left out {len(empty)} column{'s' if len(empty) > 1 else ''} missing on "
                 f"every training row: {', '.join(map(repr, empty))}")
    return train.drop(empty), test.drop(empty)


def rare_classes(target, options):
    """A ``UserError`` where the classes of ``target`` (a polars Series) cannot all reach
    the test split and every cross-validation fold: each class needs about
    ``cv / (1 - test_size)`` rows (its training share is then one per fold), and the test
    split at least one row per class."""
    import math

    counts = target.drop_nulls().value_counts(sort=True)
    classes, sizes = counts[:, 0].to_list(), counts[:, 1].to_list()
    n, k = sum(sizes), len(classes)
    n_test = math.ceil(options.test_size * n)
    if n_test < k or n - n_test < k:
        raise UserError(f"the target {target.name!r} has {k} classes but the test split "
                        f"would hold {n_test} of the {n} rows: each class needs a place in "
                        "both parts; give more rows, or a --test-size nearer 0.5")
    needed = max(2, math.ceil(options.cv / (1 - options.test_size)))
    rare = [(c, m) for c, m in zip(classes, sizes) if m < needed]
    if rare:
        shown = ", ".join(f"{c!r} ({m} row{'s' if m > 1 else ''})" for c, m in rare[-3:])
        more = f" and {len(rare) - 3} more" if len(rare) > 3 else ""
        fewer = (f"fewer folds (--cv {max(2, options.cv - 1)}), " if options.cv > 2
                 else "")
        raise UserError(f"class{'es' if len(rare) > 1 else ''} {shown}{more} of the target "
                        f"{target.name!r} {'have' if len(rare) > 1 else 'has'} fewer than "
                        f"the {needed} rows that --cv {options.cv} and --test-size "
                        f"{options.test_size} need for a class to reach the test split and "
                        f"every fold; give {fewer}more rows of "
                        f"{'them' if len(rare) > 1 else 'it'}, or leave "
                        f"{'them' if len(rare) > 1 else 'it'} out")
