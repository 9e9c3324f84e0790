"""The comparison's outputs: report.html, results.json, paths.csv and the winning model.

The files are written as one set (``output_set.OutputSet``): into a fresh folder beside
``--out``, then swapped into place, so that the folder holds every file of one run or
every file of the run before, never a mix.
"""

import json
from pathlib import Path

from ..compare.console import summary_rows
from ..compare.narrative import format_number
from ..output_set import OutputSet
from .vega import script_json, vendored_scripts

FILES = ("report.html", "results.json", "paths.csv", "model.skops")
#: the summary table's column headers in words (each header's tooltip gives its key in
#: results.json)
COLUMN_TITLES = {"cv_score": "CV score", "cv_se": "CV SE", "test_mse": "test MSE",
                 "test_r2": "test R\u00b2", "test_mae": "test MAE",
                 "test_huber": "test Huber loss",
                 "test_poisson_deviance": "test Poisson deviance",
                 "test_log_loss": "test log loss", "test_accuracy": "test accuracy",
                 "test_balanced_accuracy": "test balanced accuracy",
                 "test_roc_auc": "test ROC AUC",
                 "test_cox_deviance": "test partial-likelihood deviance",
                 "test_c_index": "test C-index", "n_nonzero": "non-zero coefficients",
                 "fit_seconds": "fit seconds"}


def render_html(comparison, charts):
    """The self-contained HTML report: ``charts`` (from ``all_charts``) as Vega-Lite
    specs drawn by the browser with the vendored scripts, inlined so that the file
    works offline."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("shrinkage", "report"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined)
    env.filters["num"] = lambda v: "-" if v is None else format_number(v)
    env.filters["script_json"] = script_json
    template = env.get_template("template.html.j2")
    return template.render(results=comparison.results, charts=charts,
                           scripts=vendored_scripts(), headers=COLUMN_TITLES,
                           rows=summary_rows(comparison.results))


def paths_frame(results):
    """Long table of every path: penalty, alpha, scores and non-zeros."""
    import polars as pl

    records = []
    for penalty, entry in results["penalties"].items():
        if "path" not in entry:
            continue
        path = entry["path"]
        for k, alpha in enumerate(path["alphas"]):
            records.append({"penalty": penalty, "l1_ratio": entry["l1_ratio"],
                            "alpha": alpha, "n_nonzero": path["n_nonzero"][k],
                            "cv_mean": path["cv_mean"][k], "cv_se": path["cv_se"][k],
                            "train": path["train"][k], "test": path["test"][k]})
    return pl.DataFrame(records)


def output_names(joblib_copy=False):
    """The files of one run (``joblib_copy``: also ``model.joblib``)."""
    return FILES + (("model.joblib",) if joblib_copy else ())


def write_outputs(comparison, output, progress=None):
    """Write the run's files into ``output`` (a claimed ``OutputSet``: its staging
    folder; or a folder's path, claimed here), then swap them into place as one set;
    returns their paths.

    results.json (``run.id``), the report's footer and the model's metadata carry the
    run's id, so that each still says which run made it once moved away from its
    folder; the folder's manifest lists every file with its digest."""
    from .. import __version__
    from .charts import all_charts

    if not isinstance(output, OutputSet):
        with OutputSet(output, FILES) as claimed:
            return write_outputs(comparison, claimed, progress)
    step = progress or (lambda name: None)
    comparison.record_run(output.run_id, __version__)
    step("writing the report")
    charts = all_charts(comparison)
    with output.writing() as folder:
        write_files(comparison, charts, folder, output.names)
    return output.commit()


def write_files(comparison, charts, folder, names):
    """The files ``names`` of ``comparison`` (its ``charts`` built) written into
    ``folder``."""
    import joblib

    from ..model_file import model_metadata, save_model

    folder = Path(folder)
    writers = {
        "results.json": lambda path: path.write_text(
            json.dumps(comparison.results, indent=1), encoding="utf-8"),
        "report.html": lambda path: path.write_text(render_html(comparison, charts),
                                                    encoding="utf-8"),
        "paths.csv": lambda path: paths_frame(comparison.results).write_csv(path),
        "model.skops": lambda path: save_model(path, comparison.pipeline,
                                               model_metadata(comparison.results)),
        "model.joblib": lambda path: joblib.dump(comparison.pipeline, path),
    }
    for name in names:
        writers[name](folder / name)
