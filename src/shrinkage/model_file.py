"""Model files: the winning pipeline of ``shrinkage compare`` as a skops archive.

A pickle (or joblib) file runs code when it is loaded, so a model file shared by
someone else could do anything. skops writes a zip archive of JSON that names every
type it holds; :func:`load_model` rebuilds only the types in :data:`TRUSTED_TYPES`
(skops adds its own defaults: scikit-learn's estimators, builtins, numpy and scipy
containers) and refuses anything else before a single object is constructed. Beside
the pipeline the archive holds its prediction recipe (:mod:`shrinkage.recipe`), plain
JSON numbers that ``shrinkage predict`` applies without loading scikit-learn.
"""

import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import UserError, first_line
from .recipe import METADATA_KEYS

#: what the archive's top-level dict says it is, and the layout version it follows
FORMAT_KEY, FORMAT_VERSION = "shrinkage_model", 1

#: the estimators a compare pipeline can end in (every task, loss and penalty)
MODEL_TYPES = (
    "shrinkage.linear_model.Ridge",
    "shrinkage.linear_model_cv.LassoCV",
    "shrinkage.linear_model_cv.RidgeCV",
    "shrinkage.linear_model_cv.ElasticNetCV",
    "shrinkage.logistic.LogisticRegression",
    "shrinkage.linear_model_cv.LogisticRegressionCV",
    "shrinkage.glm.HuberRegressor",
    "shrinkage.glm_cv.HuberRegressorCV",
    "shrinkage.glm.PoissonRegressor",
    "shrinkage.glm_cv.PoissonRegressorCV",
)

#: every type beyond skops' defaults that a compare pipeline holds, found by saving the
#: pipelines of every task/loss/penalty, with and without imputation and categoricals,
#: and asking ``skops.io.get_untrusted_types``. Written here, never read from a file.
TRUSTED_TYPES = MODEL_TYPES + (
    "shrinkage.compare._dummy_name",  # OneHotEncoder's feature_name_combiner
    "numpy.dtype",  # SimpleImputer's _fit_dtype (--impute median)
)

#: the first bytes of files that are not skops archives but can run code when loaded
#: (a pickle of protocol 2 and up; joblib's compressed pickles)
_PICKLE_MAGIC = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")
_COMPRESSED_MAGIC = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda", b"\x1f\x8b",
                     b"BZh", b"\xfd7zXZ", b"\x04\x22\x4d\x18", b"ZF")
_GIVE = "give the model.skops that `shrinkage compare` wrote"
#: the most a model archive may unpack to (the coefficient paths of 10,000 features, 6
#: l1_ratios and 1,000 alphas take 0.5 GiB)
MAX_UNPACKED_BYTES = 2 * 2**30


@dataclass(frozen=True)
class SavedModel:
    """A model read back from its file.

    Attributes
    ----------
    pipeline : sklearn.pipeline.Pipeline
        ``prepare`` (the fitted ColumnTransformer) then ``model`` (the estimator).
    metadata : dict
        What compare stored with it: run_id, target, task, classes and shrinkage_version.
    """

    pipeline: object
    metadata: dict


def save_model(path, pipeline, metadata):
    """Write ``pipeline`` and its ``metadata`` to ``path`` as a skops archive, with its
    prediction recipe (:mod:`shrinkage.recipe`) beside it in the archive.

    Parameters
    ----------
    path : str or pathlib.Path
        Where to write (a plain write: the caller stages and renames it).
    pipeline : sklearn.pipeline.Pipeline
        The fitted ``prepare`` + ``model`` pipeline of a comparison.
    metadata : dict
        JSON-ready: run_id, target, task, classes, shrinkage_version.
    """
    from . import model_writer
    from .recipe_writer import add_recipe

    # by the process model_writer.start() set importing skops at the start of the run
    model_writer.dump(path, {FORMAT_KEY: FORMAT_VERSION, "pipeline": pipeline,
                             "metadata": metadata})
    add_recipe(path, pipeline, metadata)


def model_metadata(results):
    """The metadata of a comparison's model, from its ``results`` (results.json).

    Parameters
    ----------
    results : dict
        ``Comparison.results``.

    Returns
    -------
    dict
        run_id (``results["run"]["id"]`` where the run has one, else None), target,
        task, classes and shrinkage_version.
    """
    from . import __version__

    data = results["data"]
    return {"run_id": results.get("run", {}).get("id"), "target": data["target"],
            "task": data["task"], "classes": data.get("classes"),
            "shrinkage_version": __version__}


def load_model(path):
    """Read a model file written by :func:`save_model`, executing no code from it.

    Parameters
    ----------
    path : str or pathlib.Path
        The model.skops of a comparison.

    Returns
    -------
    SavedModel
        The pipeline and its metadata.

    Raises
    ------
    UserError
        In one line, for anything else: a missing file, a folder, a pickle or joblib
        file (never unpickled), an empty, truncated or non-zip file, a skops archive of
        another object, or one holding a type outside :data:`TRUSTED_TYPES`.
    """
    path = Path(path)
    check_archive(path)
    content = _load_trusted(path)
    if not isinstance(content, dict) or FORMAT_KEY not in content:
        raise UserError(f"{path.name} is a skops file of {_kind(content)}, not a model "
                        f"written by shrinkage; {_GIVE}")
    version = content[FORMAT_KEY]
    if not isinstance(version, int) or isinstance(version, bool):
        raise UserError(f"{path.name} names no model format shrinkage knows ({version!r}); "
                        f"{_GIVE}")
    if version > FORMAT_VERSION:
        raise UserError(f"{path.name} was written by a newer shrinkage (model format "
                        f"{version}; this one reads {FORMAT_VERSION}): upgrade shrinkage to "
                        "read it")
    _check_pipeline(content.get("pipeline"), path.name)
    metadata = content.get("metadata")
    if not isinstance(metadata, dict) or any(k not in metadata for k in METADATA_KEYS):
        raise UserError(f"{path.name} lacks the metadata compare stores with a model "
                        f"({', '.join(METADATA_KEYS)}); {_GIVE}")
    return SavedModel(pipeline=content["pipeline"], metadata=metadata)


def check_archive(path):
    """A readable zip file with a skops schema; else a one-line UserError saying what
    the file is instead (read as bytes only)."""
    if not path.exists():
        raise UserError(f"model file not found: {path}; {_GIVE}")
    if path.is_dir():
        raise UserError(f"{path} is a folder; {_GIVE} (the file inside the folder)")
    if not path.is_file():  # a device, a pipe: reading would never end, or never begin
        raise UserError(f"{path} is not a regular file; {_GIVE}")
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head:
        raise UserError(f"{path.name} is empty; {_GIVE}")
    if head.startswith(_PICKLE_MAGIC) or head.startswith(_COMPRESSED_MAGIC):
        raise UserError(
            f"{path.name} looks like a pickle or joblib file, which can run code when it "
            f"is loaded, so shrinkage does not open it: shrinkage reads the model.skops "
            f"that `shrinkage compare` writes (whoever trusts this file can load it in "
            f"Python with joblib.load themselves)")
    if not head.startswith(b"PK"):
        raise UserError(f"{path.name} is not a model file (not a skops archive); {_GIVE}")
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UserError(f"{path.name} is a damaged or truncated archive; {_GIVE} "
                        "(copy it again)") from None
    if "schema.json" not in names:
        raise UserError(f"{path.name} is a zip archive of other files, not a skops model; "
                        f"{_GIVE}")
    if unpacked > MAX_UNPACKED_BYTES:  # a zip bomb would fill the memory before a check
        raise UserError(f"{path.name} unpacks to {unpacked / 2**30:.1f} GiB, more than a "
                        f"model holds (at most {MAX_UNPACKED_BYTES / 2**30:.0f} GiB); "
                        f"{_GIVE}")


def _load_trusted(path):
    """The archive's content, rebuilt only if every type in it is trusted."""
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    try:
        return sio.load(path, trusted=list(TRUSTED_TYPES))
    except UntrustedTypesFoundException:
        untrusted = [t for t in sio.get_untrusted_types(file=path)
                     if t not in TRUSTED_TYPES]
        shown = ", ".join(untrusted[:3]) + (f" and {len(untrusted) - 3} more"
                                            if len(untrusted) > 3 else "")
        raise UserError(f"{path.name} holds types a shrinkage model never holds ({shown}); "
                        f"refused without loading it: {_GIVE}") from None
    except Exception as exc:  # skops raises many kinds on a damaged schema
        first = first_line(exc, 120) if str(exc).strip() else ""
        raise UserError(f"{path.name} is a damaged skops archive or one written by a "
                        f"newer skops ({type(exc).__name__}{': ' if first else ''}{first}); "
                        f"{_GIVE}") from None


def _check_pipeline(pipeline, name):
    """``pipeline`` must be ``prepare`` (a fitted ColumnTransformer) then one of the
    :data:`MODEL_TYPES`, fitted."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    model = pipeline.steps[-1][1] if isinstance(pipeline, Pipeline) and \
        len(pipeline.steps) == 2 else None
    fine = (model is not None and [s for s, _ in pipeline.steps] == ["prepare", "model"]
            and isinstance(pipeline.steps[0][1], ColumnTransformer)
            and hasattr(pipeline.steps[0][1], "feature_names_in_")
            and _type_name(model) in MODEL_TYPES and hasattr(model, "coef_"))
    if not fine:
        raise UserError(f"{name} holds {_kind(pipeline)}, not the fitted pipeline that "
                        f"`shrinkage compare` saves; {_GIVE}")


def _type_name(obj):
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _kind(obj):
    """What an object is, for a message: its type's name."""
    return f"a {type(obj).__name__}"
