"""The summary of a comparison on the console: the table of every penalty's numbers,
readable at 80 columns, and the verdict."""

import os

from .losses import TASK_LOSSES

#: column headers and penalty names of the terminal table, short enough for 80 columns
SHORT_HEADERS = {"l1_ratio": "l1r", "cv_score": "CV", "cv_se": "SE", "test_mse": "MSE",
                 "test_r2": "R2", "test_mae": "MAE", "test_huber": "Huber",
                 "test_poisson_deviance": "dev", "test_log_loss": "LL", "test_accuracy": "acc",
                 "test_balanced_accuracy": "bal",
                 "test_roc_auc": "AUC", "test_cox_deviance": "dev", "test_c_index": "C",
                 "n_nonzero": "nnz", "fit_seconds": "sec"}
SHORT_PENALTIES = {"none": "none", "l1": "L1", "l2": "L2", "elasticnet": "EN"}


def terminal_number(value, digits=2):
    """A short number (``digits`` significant digits, whole from 100 on when that is
    enough): the terminal table is for reading at 80 columns, results.json keeps every
    digit."""
    if value is None:
        return "-"
    if 10 ** digits <= abs(value) < 1e6:
        return f"{value:.0f}"
    if value == 0 or 1e-3 <= abs(value) < 1e6:
        return f"{value:.{digits}g}"
    return f"{value:.{digits - 1}e}".replace("e-0", "e-").replace("e+0", "e")


#: the most significant digits a column of the terminal table is given to tell its rows
#: apart
MAX_DIGITS = 6


def column_digits(values):
    """The fewest significant digits (2 to ``MAX_DIGITS``) at which the distinct values
    of a column print differently (two significant digits made every CV score "1.1" on
    one table)."""
    distinct = {v for v in values if v is not None}
    for digits in range(2, MAX_DIGITS + 1):
        if len({terminal_number(v, digits) for v in distinct}) == len(distinct):
            return digits
    return MAX_DIGITS


def fitting_digits(results, rows, width):
    """Each column's digits (``column_digits``), taken back one at a time from the
    column with the most while the table would be wider than ``width``."""
    from rich.console import Console

    digits = [column_digits([row["cells"][k][2] for row in rows])
              for k in range(len(rows[0]["cells"]))]

    def squeezed():  # rich cuts cells with an ellipsis where the table does not fit
        with open(os.devnull, "w") as sink:
            console = Console(width=width, record=True, file=sink)
            console.print(summary_table(results, rows, digits))
        return "…" in console.export_text()

    while max(digits) > 2 and squeezed():
        digits[digits.index(max(digits))] -= 1
    return digits


def summary_table(results, rows, digits):
    """The rich table of the summary rows, each column at its ``digits``."""
    from rich import box
    from rich.table import Table

    task = results["data"]["task"]
    # the task's own loss goes without saying (results.json before --loss had none)
    loss = results["metric"].get("loss", TASK_LOSSES[task].name)
    kind = task if loss == TASK_LOSSES[task].name else f"{task} ({loss} loss)"
    table = Table(title=f"{results['data']['name']}: {kind}, "
                        f"{results['data']['n_test']} test rows", box=box.SIMPLE_HEAD,
                  pad_edge=False, padding=(0, 0, 0, 1))
    table.add_column("penalty", no_wrap=True)
    table.add_column("rule", no_wrap=True)
    for key, _, _ in rows[0]["cells"]:
        table.add_column(SHORT_HEADERS.get(key, key), justify="right", no_wrap=True)
    for row in rows:
        table.add_row(SHORT_PENALTIES.get(row["penalty"], row["penalty"]), row["choice"],
                      *[terminal_number(v, d) for (_, _, v), d in zip(row["cells"], digits)],
                      style="bold green" if row["winner"] else None)
    return table


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
            # a relaxed choice is a fit of its own
            own = "fit_seconds" in numbers
            cells.append(("fit_seconds", f"{base}.fit_seconds" if own
                          else f"penalties.{penalty}.fit_seconds",
                          numbers["fit_seconds"] if own else entry["fit_seconds"]))
            rows.append({"penalty": penalty, "label": entry["label"], "choice": choice,
                         # a tie at rounding level has no winner to highlight
                         "winner": penalty == results["comparison"]["winner"]
                         and choice in ("fit", results["settings"]["selection"])
                         and not results["comparison"].get("tie_at_rounding", False),
                         "cells": cells})
    return rows


def print_summary(results, console=None):
    """The summary table and the verdict on stdout (readable at 80 columns)."""
    from rich.console import Console

    console = console or Console()
    rows = summary_rows(results)
    console.print(summary_table(results, rows, fitting_digits(results, rows, 80)))
    console.print("EN: elastic net; LL: log loss; dev: mean Poisson deviance (Cox: "
                  "partial-likelihood deviance per row); C: Harrell's C-index; nnz: "
                  "non-zero coefficients; sec: fit time, compilation excluded", style="dim",
                  highlight=False)
    for sentence in results["verdict"]:
        console.print(f"- {sentence}", highlight=False)
