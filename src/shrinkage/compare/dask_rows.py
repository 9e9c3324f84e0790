"""The rows of a Parquet partition as ``shrinkage compare --engine dask`` reads them:
the in-memory comparison's preprocessor fitted from a summary of the table, the rows it
encodes, and the moments of the test losses that the intervals are made of.
"""

import numpy as np

from ..scale.table import is_numeric, scaler_moments
from ..tables import UserError
from .engine import decision_values
from .prepare import build_preprocessor


def fitted_preprocessor(summary, numeric, categorical, medians, impute):
    """The in-memory comparison's preprocessor, its statistics set from the summary."""
    import pandas as pd

    categories = [sorted(summary.levels[c]) for c in categorical]
    if any(not levels for levels in categories):
        empty = [c for c, levels in zip(categorical, categories) if not levels]
        raise UserError(f"column(s) {', '.join(map(repr, empty))} have no value in the "
                        "training rows; remove them")
    preprocessor = build_preprocessor(numeric, categorical, impute, categories or "auto")
    # a two-row frame of the right columns fixes the transformers' layout; the
    # statistics are then set from the whole table's summary
    prototype = pd.DataFrame({**{c: [0.0, 1.0] for c in numeric},
                              **{c: [levels[0], levels[-1]]
                                 for c, levels in zip(categorical, categories)}})
    preprocessor.fit(prototype)
    steps = dict(preprocessor.named_transformers_)
    if numeric:
        scaler = steps["numeric"][-1]
        moments = [scaler_moments(summary, c, medians[c] if medians else None)
                   for c in numeric]
        scaler.mean_ = np.array([m for m, _ in moments])
        scaler.var_ = np.array([v for _, v in moments])
        scale = np.sqrt(scaler.var_)
        # a constant column is left unscaled, as StandardScaler does
        scaler.scale_ = np.where(scale > 10 * np.finfo(float).eps * np.abs(scaler.mean_),
                                 scale, 1.0)
        scaler.n_samples_seen_ = summary.n_train
        if impute == "median":
            steps["numeric"][0].statistics_ = np.array([medians[c] for c in numeric])
    if categorical and impute == "median":
        modes = [summary.levels[c].most_common(1)[0][0] for c in categorical]
        steps["categorical"][0].statistics_ = np.array(modes, dtype=object)
    return preprocessor


def _features_of(rows, features):
    """The feature columns as the preprocessor reads them: missing text as None."""
    out = rows[features].copy()
    for c in features:
        if is_numeric(out[c].dtype):
            # inf is missing under --impute median (refused without it)
            out[c] = out[c].replace([np.inf, -np.inf], np.nan)
        else:
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def encoded_rows(preprocessor, rows, features):
    """The rows encoded by ``preprocessor`` (none: an empty matrix of its width, which
    scikit-learn's transform refuses to make)."""
    if len(rows) == 0:
        return np.empty((0, len(preprocessor.get_feature_names_out())))
    return np.asarray(preprocessor.transform(_features_of(rows, features)), dtype=np.float64)


def loss_moments(X, y, fitted, loss):
    """The rows' count, mean loss of each of the ``fitted`` ``(coef, intercept)``, and
    the scatter matrix of the losses about their means (``loss.moments``)."""
    return loss.moments(y, [decision_values(X, coef, intercept)
                            for coef, intercept in fitted])


def merge_moments(a, b):
    """Chan's pairwise update of (count, mean, scatter matrix)."""
    na, ma, sa = a
    nb, mb, sb = b
    n = na + nb
    if n == 0:
        return a
    delta = mb - ma
    return n, ma + delta * nb / n, sa + sb + np.outer(delta, delta) * na * nb / n
