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

FILES = ("report.html", "results.json", "paths.csv", "model.skops")


def render_html(comparison, figures):
    """The self-contained HTML report (figures inline as SVG)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("shrinkage", "report"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined)
    env.filters["num"] = lambda v: "-" if v is None else format_number(v)
    template = env.get_template("template.html.j2")
    return template.render(results=comparison.results, figures=figures,
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


def write_outputs(comparison, output, progress=None, figures=None):
    """Write the run's files into ``output`` (a claimed ``OutputSet``: its staging
    folder; or a folder's path, claimed here), then swap them into place as one set;
    returns their paths. ``figures`` (from ``all_figures``) saves drawing them again.

    results.json (``run.id``), the report's footer and the model's metadata carry the
    run's id, so that each still says which run made it once moved away from its
    folder; the folder's manifest lists every file with its digest."""
    from .. import __version__
    from .figures import all_figures

    if not isinstance(output, OutputSet):
        with OutputSet(output, FILES) as claimed:
            return write_outputs(comparison, claimed, progress, figures)
    step = progress or (lambda name: None)
    comparison.record_run(output.run_id, __version__)
    step("drawing the figures")
    figures = all_figures(comparison) if figures is None else figures
    step("writing the report")
    with output.writing() as folder:
        write_files(comparison, figures, folder, output.names)
    return output.commit()


def write_files(comparison, figures, folder, names):
    """The files ``names`` of ``comparison`` (figures drawn) written into ``folder``."""
    import joblib

    from ..model_file import model_metadata, save_model

    folder = Path(folder)
    writers = {
        "results.json": lambda path: path.write_text(
            json.dumps(comparison.results, indent=1), encoding="utf-8"),
        "report.html": lambda path: path.write_text(render_html(comparison, figures),
                                                    encoding="utf-8"),
        "paths.csv": lambda path: paths_frame(comparison.results).write_csv(path),
        "model.skops": lambda path: save_model(path, comparison.pipeline,
                                               model_metadata(comparison.results)),
        "model.joblib": lambda path: joblib.dump(comparison.pipeline, path),
    }
    for name in names:
        writers[name](folder / name)
