"""The comparison's outputs: report.html, results.json, paths.csv and the winning model.

Every file is written atomically; the output folder is created if needed and never
emptied (files of other names in it are left alone).
"""

import json
from pathlib import Path

from .._atomic import atomic_write, atomic_write_text
from ..narrative import format_number
from .figures import all_figures

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


def summary_rows(results):
    """One row per (penalty, choice) of the summary table, with the JSON path of each
    number so that a reader (or a test) can find it in results.json."""
    metric = results["metric"]
    test_keys = list(metric["test_columns"])
    classes = results["data"].get("classes")
    if classes is not None and len(classes) > 2:
        test_keys.insert(2, "test_balanced_accuracy")
    rows = []
    for penalty, entry in results["penalties"].items():
        for choice, numbers in entry["choices"].items():
            base = f"penalties.{penalty}.choices.{choice}"
            cells = [(key, f"{base}.{key}", numbers[key]) for key in
                     ["alpha", "l1_ratio", "cv_score", "cv_se", *test_keys, "n_nonzero"]]
            cells.append(("fit_seconds", f"penalties.{penalty}.fit_seconds",
                          entry["fit_seconds"]))
            rows.append({"penalty": penalty, "label": entry["label"], "choice": choice,
                         # a tie at rounding level has no winner to highlight
                         "winner": penalty == results["comparison"]["winner"]
                         and choice in ("fit", results["settings"]["selection"])
                         and not results["comparison"].get("tie_at_rounding", False),
                         "cells": cells})
    return rows


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


def write_outputs(comparison, out_dir, progress=None):
    """Write the four files into ``out_dir`` (created if missing); returns their paths."""
    from ..model_file import model_metadata, save_model

    step = progress or (lambda name: None)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"--out {out} is a file; give a folder")
    out.mkdir(parents=True, exist_ok=True)
    step("drawing the figures")
    figures = all_figures(comparison)
    step("writing the report")
    atomic_write_text(out / "results.json", json.dumps(comparison.results, indent=1))
    atomic_write_text(out / "report.html", render_html(comparison, figures))
    atomic_write(out / "paths.csv", lambda tmp: paths_frame(comparison.results)
                 .write_csv(tmp))
    atomic_write(out / "model.skops", lambda tmp: save_model(
        tmp, comparison.pipeline, model_metadata(comparison.results)))
    return [out / name for name in FILES]
