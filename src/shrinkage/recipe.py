"""A model's prediction recipe: the fitted compare pipeline as plain numbers in JSON.

A model.skops is a zip archive; beside skops' members it holds ``shrinkage-recipe.json``
(skops ignores it): the feature columns, each numeric column's fill value and
standardization, each categorical column's fill value and levels, the coefficients,
the classes, and how the linear scores become predictions. ``shrinkage predict`` applies
it with json and numpy alone, where loading the pipeline with skops imports
scikit-learn and runs skops' scan of every scikit-learn estimator: seconds before the
first row.

The recipe is written only where it reads back as exactly the pipeline (any other shape
of pipeline gets none, and is applied through skops); it is untrusted input like the
rest of the file, every field checked on reading, and JSON can never run code.
"""

import json
import math
import warnings
import zipfile
import zlib

import numpy as np

from .errors import UserError

#: the keys of a model's metadata (written by ``shrinkage compare``, in the skops
#: content and in the recipe alike)
METADATA_KEYS = ("run_id", "target", "task", "classes", "shrinkage_version")
#: the archive member that holds the recipe
MEMBER = "shrinkage-recipe.json"
#: what the recipe says it is, and the layout version it follows
FORMAT_KEY, FORMAT_VERSION = "shrinkage_recipe", 1
#: the largest recipe read or written (a larger model is applied through skops); 10,000
#: features of 50 classes take 12 MiB
MAX_BYTES = 64 * 2**20
_GIVE = "give the model.skops that `shrinkage compare` wrote"


def _expit(z):
    """scipy's ``expit`` (the estimator's), ``1 / (1 + exp(-z))``, to the last bit: with
    the C library's ``exp`` that it calls, where numpy's own ``exp`` may differ in the
    last bit on some processors (which ``1 - p`` makes large for a confident
    prediction); importing scipy.special would cost more than the whole prediction."""
    values = np.fromiter(map(_expit_of, np.ravel(z).tolist()), np.float64, np.size(z))
    return values.reshape(np.shape(z))


def _expit_of(x):
    try:
        e = math.exp(-x)
    except OverflowError:  # C's exp gives inf there, and the probability 0
        e = math.inf
    return 1.0 / (1.0 + e)


def _two_classes(p):
    return np.column_stack([1.0 - p, p])


def _softmax(z):
    """scipy's softmax along the rows, written out (it is these numpy calls)."""
    shifted = np.exp(z - np.max(z, axis=1, keepdims=True))
    return shifted / np.sum(shifted, axis=1, keepdims=True)


#: how the scores become the prediction (a regressor) or the class probabilities (a
#: classifier: two columns from the log-odds of the second class, or one per class)
LINKS = {
    "identity": lambda z: z,
    "exp": np.exp,
    "sigmoid": lambda z: _two_classes(_expit(z)),
    "softmax": _softmax,
}
#: links that give class probabilities
PROBABILITY_LINKS = ("sigmoid", "softmax")
#: how the scores become the predicted class (an index into the classes): a positive
#: log-odds picks the second class (0 picks the first); else the first largest score
RULES = {
    "positive_score": lambda z: (z > 0).astype(np.intp),
    "first_largest": lambda z: np.argmax(z, axis=1),
}
#: the numpy kinds a class list may have, and the JSON values each holds
_CLASS_KINDS = {"O": (str,), "U": (str,), "b": (bool,), "i": (int,), "u": (int,),
                "f": (float, int)}


class Recipe:
    """A recipe read back and checked (:func:`read_recipe`), ready to apply.

    Parameters
    ----------
    data : dict
        The recipe as JSON gives it back (untrusted: every field is checked).
    name : str
        The model file's name, for the messages.

    Raises
    ------
    UserError
        In one line naming the field, for a field that is missing or of the wrong
        type, shape or value.

    Attributes
    ----------
    metadata : dict
        What compare stored with the model (:data:`METADATA_KEYS`).
    features : list of str
        The table columns the model reads, in the training table's order.
    numeric, categorical : list of str
        The standardized and the one-hot encoded columns.
    levels : dict
        Categorical column -> its training levels (str, or bool for a true/false column).
    imputed : bool
        Whether the model fills missing values (fitted with --impute median).
    classes : numpy.ndarray or None
        A classifier's classes, in the numpy type the estimator holds them in.
    blocks : list of dict
        The transformers of ``prepare`` in order: ``kind`` ("numeric" or "categorical"),
        ``columns``, ``fill`` (None without imputation), ``mean`` and ``scale`` or
        ``levels``.
    coef, intercept : numpy.ndarray
        One row of coefficients (a regressor, a binary classifier) or one per class.
    link, rule : str
        Keys of :data:`LINKS` and (a classifier) :data:`RULES`.
    """

    def __init__(self, data, name="the model"):
        check = _Checker(name)
        self.metadata = check.metadata(data)
        self.features = check.strings(check.field(data, "features", list), "features",
                                      nonempty=True)
        self.blocks = [check.block(block, k, self.features)
                       for k, block in enumerate(check.field(data, "blocks", list))]
        check.consistent(self.blocks)
        self.numeric = [c for b in self.blocks if b["kind"] == "numeric"
                        for c in b["columns"]]
        self.categorical = [c for b in self.blocks if b["kind"] == "categorical"
                            for c in b["columns"]]
        self.levels = {c: list(seen) for b in self.blocks if b["kind"] == "categorical"
                       for c, seen in zip(b["columns"], b["levels"])}
        self.imputed = any(b["fill"] is not None for b in self.blocks)
        width = sum(len(b["columns"]) if b["kind"] == "numeric" else
                    sum(map(len, b["levels"])) for b in self.blocks)
        self.coef, self.intercept = check.coefficients(data, width)
        self.classes = check.classes(data)
        self.link, self.rule = check.link(data, len(self.coef), self.classes)

    def transform(self, features):
        """The encoded features: ``prepare.transform`` of the pipeline, as numbers.

        Parameters
        ----------
        features : polars.DataFrame
            The feature columns as predict reads them: numeric ones Float64 (missing as
            null or NaN), categorical ones in their levels' type.

        Returns
        -------
        numpy.ndarray of shape (n_rows, n_encoded)
            float64, the columns in the pipeline's order, laid out in memory as the
            pipeline lays them out (the model's products then add in the same order).
        """
        parts = [_standardized(features, b) if b["kind"] == "numeric" else
                 _one_hot(features, b) for b in self.blocks]
        return np.hstack(parts)

    def predict(self, X):
        """The predictions of encoded rows, computed as the estimator's ``predict`` and
        ``predict_proba`` compute them.

        Parameters
        ----------
        X : numpy.ndarray of shape (n_rows, n_encoded)
            From :meth:`transform`.

        Returns
        -------
        prediction : numpy.ndarray of shape (n_rows,)
            The predicted value, or class (from ``classes``).
        probabilities : numpy.ndarray of shape (n_rows, n_classes) or None
            A classifier's probability of each class.
        """
        z = scores(self.coef, self.intercept, X)
        if self.classes is None:
            return LINKS[self.link](z), None
        return self.classes[RULES[self.rule](z)], LINKS[self.link](z)


def scores(coef, intercept, X):
    """The linear scores of encoded rows, by the estimator's own operations.

    Parameters
    ----------
    coef : numpy.ndarray of shape (n_rows_of_coef, n_encoded)
    intercept : numpy.ndarray of shape (n_rows_of_coef,)
    X : numpy.ndarray of shape (n_rows, n_encoded)

    Returns
    -------
    numpy.ndarray
        ``X @ coef[0] + intercept[0]`` of shape (n_rows,) for one row of coefficients
        (a regressor, a binary classifier); ``X @ coef.T + intercept``, a column per
        row of coefficients, for several (one per class).
    """
    if len(coef) == 1:
        return X @ coef[0] + intercept[0]
    return X @ coef.T + intercept


def _standardized(features, block):
    values = features.select(block["columns"]).to_numpy().astype(np.float64)
    if block["fill"] is not None:
        values = np.where(np.isnan(values), block["fill"], values)
    return (values - block["mean"]) / block["scale"]


def _one_hot(features, block):
    """One 0/1 column per level of each column; a value that is none of them (an unseen
    level) leaves all its column's zero, as the encoder's ``handle_unknown="ignore"``."""
    n = features.height
    parts = []
    for k, (column, seen) in enumerate(zip(block["columns"], block["levels"])):
        position = {level: j for j, level in enumerate(seen)}  # python's == decides
        fill = None if block["fill"] is None else block["fill"][k]
        values = features.get_column(column).to_list()
        codes = np.array([position.get(fill if v is None else v, -1) for v in values],
                         dtype=np.intp)
        part = np.zeros((n, len(seen)))
        known = codes >= 0
        part[np.flatnonzero(known), codes[known]] = 1.0
        parts.append(part)
    return np.hstack(parts)


def read_recipe(path):
    """The recipe in the model archive ``path``, checked; None where it has none (a
    model written by an earlier shrinkage) or one of a newer layout (skops reads those).

    Parameters
    ----------
    path : pathlib.Path
        A model archive that ``model_file.check_archive`` has passed.

    Returns
    -------
    Recipe or None

    Raises
    ------
    UserError
        In one line, for a recipe that is too large, not JSON, or holds a field of the
        wrong type, shape or value.
    """
    text = b""
    try:
        with zipfile.ZipFile(path) as archive:
            if MEMBER not in archive.namelist():
                return None
            size = archive.getinfo(MEMBER).file_size
            if size <= MAX_BYTES:
                with archive.open(MEMBER) as member:
                    text = member.read(MAX_BYTES + 1)
    # what a damaged member raises: a bad CRC or deflate stream, an unknown compression
    # method, a password
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError):
        raise UserError(f"{path.name} is a damaged or truncated archive; {_GIVE} "
                        "(copy it again)") from None
    if size > MAX_BYTES or len(text) > MAX_BYTES:
        raise UserError(f"{path.name} holds a prediction recipe of "
                        f"{max(size, len(text)) / 2**20:.0f} MiB, more than a model's "
                        f"(at most {MAX_BYTES / 2**20:.0f} MiB); {_GIVE}")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except _NotANumber as exc:
        raise UserError(f"{path.name} holds a damaged prediction recipe ({exc} where a "
                        f"number belongs); {_GIVE}") from None
    except (ValueError, RecursionError):  # not UTF-8, not JSON, nested without end
        raise UserError(f"{path.name} holds a damaged prediction recipe (not JSON); "
                        f"{_GIVE}") from None
    version = data.get(FORMAT_KEY) if isinstance(data, dict) else None
    if not isinstance(version, int) or isinstance(version, bool):
        raise UserError(f"{path.name} holds a damaged prediction recipe (no "
                        f"{FORMAT_KEY} version); {_GIVE}")
    if version > FORMAT_VERSION:
        return None
    return Recipe(data, path.name)


class _NotANumber(ValueError):
    """NaN or Infinity in a recipe (JSON has no such number; python's json reads them)."""


def _no_constant(word):
    raise _NotANumber(word)


class _Checker:
    """The checks of one recipe's fields, each refusal one line naming the field."""

    def __init__(self, name):
        self.name = name

    def fail(self, field, problem):
        raise UserError(f"{self.name} holds a damaged prediction recipe ({field} "
                        f"{problem}); {_GIVE}")

    def field(self, data, key, kind, where=""):
        if key not in data:
            self.fail(f"{where}{key}", "is missing")
        if not isinstance(data[key], kind):
            self.fail(f"{where}{key}", f"is not a {kind.__name__}")
        return data[key]

    def numbers(self, values, field, length):
        if not isinstance(values, list) or len(values) != length:
            self.fail(field, f"is not a list of {length} numbers")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                   for v in values):
            self.fail(field, "holds a value that is not a number")
        try:
            array = np.array(values, dtype=np.float64)
        except OverflowError:  # a JSON integer of hundreds of digits
            array = np.array([np.inf])
        if not np.isfinite(array).all():
            self.fail(field, "holds a number too large for a float")
        return array

    def strings(self, values, field, nonempty=False):
        if not all(isinstance(v, str) for v in values):
            self.fail(field, "holds a value that is not text")
        if len(set(values)) != len(values) or (nonempty and not values):
            self.fail(field, "is empty or names a column twice")
        return values

    def metadata(self, data):
        metadata = self.field(data, "metadata", dict)
        absent = [k for k in METADATA_KEYS if k not in metadata]
        if absent:
            self.fail("metadata", f"lacks {absent[0]!r}")
        for key in ("target", "shrinkage_version"):
            if not isinstance(metadata[key], str):
                self.fail(f"metadata.{key}", "is not text")
        return metadata

    def block(self, block, k, features):
        where = f"blocks[{k}]."
        if not isinstance(block, dict):
            self.fail(f"blocks[{k}]", "is not a dict")
        columns = self.strings(self.field(block, "columns", list, where), f"{where}columns",
                               nonempty=True)
        if any(c not in features for c in columns):
            self.fail(f"{where}columns", "names a column that is not a feature")
        kind, fill = self.field(block, "kind", str, where), block.get("fill")
        if kind == "numeric":
            n = len(columns)
            return {"kind": kind, "columns": columns,
                    "fill": None if fill is None else self.numbers(fill, f"{where}fill", n),
                    "mean": self.numbers(block.get("mean"), f"{where}mean", n),
                    "scale": self.scales(block.get("scale"), f"{where}scale", n)}
        if kind == "categorical":
            levels = self.field(block, "levels", list, where)
            if len(levels) != len(columns):
                self.fail(f"{where}levels", f"is not a list per column ({len(columns)})")
            levels = [self.levels(seen, f"{where}levels[{j}]") for j, seen in
                      enumerate(levels)]
            if fill is not None and (not isinstance(fill, list) or len(fill) != len(columns)
                                     or not all(isinstance(v, (str, bool)) for v in fill)):
                self.fail(f"{where}fill", f"is not a list of {len(columns)} levels")
            return {"kind": kind, "columns": columns, "fill": fill, "levels": levels}
        return self.fail(f"{where}kind", "is neither 'numeric' nor 'categorical'")

    def scales(self, values, field, length):
        scale = self.numbers(values, field, length)
        if (scale == 0).any():
            self.fail(field, "holds a zero")
        return scale

    def levels(self, seen, field):
        if not isinstance(seen, list) or not seen or not (
                all(isinstance(v, str) for v in seen) or
                all(isinstance(v, bool) for v in seen)):
            self.fail(field, "is not a list of text or of true/false levels")
        if len(set(seen)) != len(seen):
            self.fail(field, "holds a level twice")
        return seen

    def consistent(self, blocks):
        if not blocks:
            self.fail("blocks", "is empty")
        columns = [c for b in blocks for c in b["columns"]]
        if len(set(columns)) != len(columns):
            self.fail("blocks", "encode a column twice")
        if len({b["fill"] is None for b in blocks}) > 1:  # one --impute for every column
            self.fail("blocks", "fill the missing values of some columns only")

    def coefficients(self, data, width):
        rows = self.field(data, "coef", list)
        if not rows:
            self.fail("coef", "is empty")
        coef = np.array([self.numbers(row, f"coef[{k}]", width)
                         for k, row in enumerate(rows)]).reshape(len(rows), width)
        return coef, self.numbers(data.get("intercept"), "intercept", len(rows))

    def classes(self, data):
        values, dtype = data.get("classes"), data.get("classes_dtype")
        if values is None:
            return None
        try:  # a string numpy parses as a type (it runs no code)
            dtype = np.dtype(dtype) if isinstance(dtype, str) else None
        except (TypeError, ValueError, OverflowError):
            dtype = None
        if dtype is None or dtype.kind not in _CLASS_KINDS:
            self.fail("classes_dtype", "is not a numpy type of class labels")
        if not isinstance(values, list) or not all(
                isinstance(v, _CLASS_KINDS[dtype.kind])
                and isinstance(v, bool) == (dtype.kind == "b") for v in values):
            self.fail("classes", "is not a list of "
                      f"{'text' if dtype.kind in 'OU' else dtype.name} labels")
        if len(set(values)) != len(values):
            self.fail("classes", "names a class twice")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # numpy warns of some overflows
                # text as the estimator holds it: python str in an object array, or a
                # unicode array as wide as the longest label
                return np.array(values, dtype={"O": object, "U": str}.get(dtype.kind, dtype))
        except (OverflowError, ValueError, TypeError, RuntimeWarning):
            return self.fail("classes", f"do not fit {dtype.str}")

    def link(self, data, rows, classes):
        link, rule = data.get("link"), data.get("rule")
        if link not in LINKS:
            self.fail("link", f"is not one of {', '.join(LINKS)}")
        if classes is None:
            if link in PROBABILITY_LINKS or rows != 1 or rule is not None:
                self.fail("link", "gives no regression prediction of one score")
            return link, None
        binary = (link, rule, rows, len(classes)) == ("sigmoid", "positive_score", 1, 2)
        several = (link, rule) == ("softmax", "first_largest") and rows == len(classes) > 1
        if not (binary or several):
            self.fail("classes", f"({len(classes)}) do not match the link {link!r}, the "
                      f"rule {rule!r} and the {rows} rows of coef")
        return link, rule
