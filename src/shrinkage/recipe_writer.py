"""The prediction recipe (:mod:`shrinkage.recipe`) of a fitted compare pipeline, read off
its fitted transformers and estimator and added to its model archive.

Each part is taken only where its transform is known exactly (an imputer's fill, a
standardization, a one-hot encoding that ignores unseen levels, a linear model); how the
scores become predictions is found by asking the estimator itself: the link and the
class rule whose outputs are its ``predict`` and ``predict_proba`` on probe rows (ties
included). A pipeline with any other part gets no recipe: predict then loads it with
skops, as it loads the models of earlier versions.
"""

import copy
import json
import warnings
import zipfile

import numpy as np

from .recipe import (FORMAT_KEY, FORMAT_VERSION, LINKS, MAX_BYTES, MEMBER,
                     PROBABILITY_LINKS, RULES, Recipe, scores)

#: the rows the estimator is asked about (standard normal encoded features)
PROBE_ROWS = 16
#: how close the recipe's outputs must come to the estimator's on them
PROBE_RTOL = 1e-12


class _NoRecipe(Exception):
    """A part of the pipeline that the recipe does not describe."""


def add_recipe(path, pipeline, metadata):
    """Add the recipe of ``pipeline`` to the model archive at ``path``.

    Parameters
    ----------
    path : str or pathlib.Path
        The skops archive just written of ``pipeline``.
    pipeline : sklearn.pipeline.Pipeline
        ``prepare`` then ``model``, fitted.
    metadata : dict
        The model's metadata (JSON-ready).

    Returns
    -------
    bool
        Whether a recipe was added (not for a pipeline :func:`recipe_of` cannot
        describe, nor for one larger than ``recipe.MAX_BYTES``).
    """
    # the recipe only speeds predict up (the skops pipeline is the model): nothing that
    # goes wrong making it may cost the user the model file
    try:
        recipe = recipe_of(pipeline, metadata)
        if recipe is None:
            return False
        text = json.dumps(recipe, allow_nan=False, separators=(",", ":"))
        Recipe(json.loads(text))  # what predict will read, or refuse
    except Exception:  # noqa: BLE001
        return False
    if len(text.encode()) > MAX_BYTES:
        return False
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MEMBER, text)
    return True


def recipe_of(pipeline, metadata):
    """The recipe of a fitted pipeline, as a JSON-ready dict.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        ``prepare`` (a fitted ColumnTransformer) then ``model`` (a linear estimator).
    metadata : dict
        Stored as it is.

    Returns
    -------
    dict or None
        None where a part of the pipeline is not one the recipe describes.
    """
    try:
        prepare, model = pipeline.named_steps["prepare"], pipeline.named_steps["model"]
        blocks = [_block(transformer, columns)
                  for _, transformer, columns in prepare.transformers_
                  if not (isinstance(transformer, str) and transformer == "drop")
                  and len(columns)]
        coef = np.asarray(model.coef_, dtype=np.float64)
        coef = coef[None, :] if coef.ndim == 1 else coef
        intercept = np.ravel(np.asarray(model.intercept_, dtype=np.float64))
        classes = getattr(model, "classes_", None)
        link, rule = _link_and_rule(model, coef, intercept, classes)
    except (_NoRecipe, AttributeError, KeyError):
        return None
    return {FORMAT_KEY: FORMAT_VERSION, "metadata": metadata,
            "features": [str(c) for c in prepare.feature_names_in_], "blocks": blocks,
            "coef": coef.tolist(), "intercept": intercept.tolist(),
            "classes": None if classes is None else [_plain(v) for v in classes.tolist()],
            "classes_dtype": None if classes is None else classes.dtype.str,
            "link": link, "rule": rule}


def _block(transformer, columns):
    """One transformer of ``prepare``: an optional imputer, then a standardization or a
    one-hot encoding."""
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    steps = [s for _, s in transformer.steps] if type(transformer) is Pipeline else \
        [transformer]
    imputer = steps.pop(0) if type(steps[0]) is SimpleImputer else None
    if len(steps) != 1 or not all(isinstance(c, str) for c in columns) or (
            imputer is not None and imputer.add_indicator):
        raise _NoRecipe
    columns, last = list(columns), steps[0]
    if type(last) is StandardScaler and last.with_mean and last.with_std:
        if imputer is not None and not _is_nan(imputer.missing_values):
            raise _NoRecipe
        return {"kind": "numeric", "columns": columns,
                "fill": None if imputer is None else _finite(imputer.statistics_),
                "mean": _finite(last.mean_), "scale": _finite(last.scale_)}
    if type(last) is OneHotEncoder and last.handle_unknown == "ignore" and \
            last.drop is None and not last.sparse_output and last.min_frequency is None \
            and last.max_categories is None and np.dtype(last.dtype) == np.float64:
        if imputer is not None and imputer.missing_values is not None:
            raise _NoRecipe
        return {"kind": "categorical", "columns": columns,
                "fill": None if imputer is None else [_label(v) for v in
                                                      imputer.statistics_.tolist()],
                "levels": [_levels(seen) for seen in last.categories_]}
    raise _NoRecipe


def _is_nan(value):
    return isinstance(value, float) and np.isnan(value)


def _finite(values):
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or not np.isfinite(values).all():
        raise _NoRecipe  # an imputer's NaN: a column missing in every training row
    return values.tolist()


def _levels(values):
    """A column's levels as JSON values: all text, or all true/false."""
    plain = [_label(v) for v in np.asarray(values, dtype=object).tolist()]
    if len({type(v) for v in plain}) > 1:
        raise _NoRecipe
    return plain


def _label(value):
    """A level as a JSON value: text or true/false (no other level is described)."""
    value = _plain(value)
    if not isinstance(value, (str, bool)):
        raise _NoRecipe
    return value


def _plain(value):
    """A numpy scalar as the python value JSON writes (text stays text)."""
    return value.item() if isinstance(value, np.generic) and \
        not isinstance(value, np.str_) else value


def _link_and_rule(model, coef, intercept, classes):
    """The link (and for a classifier the class rule) whose outputs on probe rows are
    the estimator's own."""
    X = np.random.default_rng(0).standard_normal((PROBE_ROWS, coef.shape[1]))
    z = scores(coef, intercept, X)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if classes is None:
            names = [n for n in LINKS if n not in PROBABILITY_LINKS]
            return _first_match(names, LINKS, z, model.predict(X)), None
        link = _first_match(PROBABILITY_LINKS, LINKS, z, model.predict_proba(X))
        # ties: the same estimator with every score equal (two classes), or the second
        # and later equal and largest (more)
        tied = copy.copy(model)
        tied.coef_ = np.zeros_like(np.asarray(model.coef_, dtype=np.float64))
        tied.intercept_ = np.minimum(np.arange(len(intercept)), 1.0)
        z_tied = scores(np.zeros_like(coef), tied.intercept_, X)
        index = _first_match(RULES, RULES, np.concatenate([z, z_tied]),
                             np.concatenate([model.predict(X), tied.predict(X)]),
                             lambda k: classes[k])
    return link, index


def _first_match(names, functions, z, reference, after=lambda out: out):
    """The first of ``names`` whose function of ``z`` is ``reference``."""
    for name in names:
        try:
            out = after(functions[name](z))
        except (ValueError, IndexError):  # a rule for scores of another shape
            continue
        if np.shape(out) != np.shape(reference):
            continue
        if out.dtype.kind == "f" and np.allclose(out, reference, rtol=PROBE_RTOL, atol=0) \
                or out.dtype.kind != "f" and np.array_equal(out, reference):
            return name
    raise _NoRecipe

