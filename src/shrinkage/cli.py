"""The command line: ``shrinkage compare`` and ``shrinkage predict``.

A problem with the user's input exits with code 1 and one line on stderr saying what is
wrong and how to fix it (``--debug`` shows the traceback instead); usage errors exit 2,
typer's convention.
"""

import os
import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="L1, L2 and elastic-net regularization: compare them on your table.")


class Task(str, Enum):
    auto = "auto"
    regression = "regression"
    classification = "classification"


class Loss(str, Enum):
    auto = "auto"
    squared = "squared"
    huber = "huber"
    poisson = "poisson"


class Impute(str, Enum):
    none = "none"
    median = "median"


class Engine(str, Enum):
    memory = "memory"
    dask = "dask"


class Selection(str, Enum):
    min = "min"
    one_se = "1se"


@contextmanager
def _user_errors(debug):
    """Turn input problems into one line and exit code 1 (unless --debug)."""
    from .tables import UserError

    try:
        yield
    except (UserError, FileExistsError, PermissionError) as exc:
        if debug:
            raise
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


@contextmanager
def _progress(enabled, total):
    """A rich progress bar on stderr; ``step(name)`` advances it. Off when stderr is not
    a terminal."""
    from rich.console import Console

    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield lambda name, done=None, total=None: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description:<28}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("starting", total=total)
        started = [False]

        def step(name, done=None, total=None):
            """Next stage ``name``; or, given ``done`` of ``total``, jump there."""
            if total is not None:
                bar.update(task, total=total, completed=done, description=name)
                return
            if started[0]:
                bar.advance(task)
            started[0] = True
            bar.update(task, description=name)

        yield step
        bar.update(task, completed=total)


@app.command()
def compare(
    data: Annotated[Path | None, typer.Argument(
        help="CSV or Parquet file (with --engine dask: a Parquet file, folder or glob); "
             "without it, the embedded diabetes table.")] = None,
    target: Annotated[str | None, typer.Option(
        "--target", "-t", help="Column to predict (demos: 'target').")] = None,
    demo: Annotated[str | None, typer.Option(
        help="Embedded table: diabetes, breast-cancer, sparse-signal, dense-signal, "
             "correlated-groups.")] = None,
    task: Annotated[Task, typer.Option(help="Force the task instead of detecting it.")]
    = Task.auto,
    loss: Annotated[Loss, typer.Option(
        help="Loss of a numeric target: squared; huber (robust to outliers); poisson "
             "(counts, log link). auto: squared, with a note for count targets.")]
    = Loss.auto,
    test_size: Annotated[float, typer.Option(min=0.05, max=0.9,
                                             help="Share of rows held out.")] = 0.25,
    cv: Annotated[int, typer.Option(min=2, help="Cross-validation folds.")] = 5,
    seed: Annotated[int, typer.Option(help="Seed of the split, folds and bootstrap.")] = 0,
    n_jobs: Annotated[int, typer.Option(help="Threads over the folds.")] = 1,
    n_alphas: Annotated[int, typer.Option(min=2, help="Alphas per path.")] = 50,
    selection: Annotated[Selection, typer.Option(
        help="Which choice of alpha competes: min CV error or the 1se rule.")]
    = Selection.min,
    max_levels: Annotated[int, typer.Option(
        min=2, help="Text columns with more distinct values are ignored (identifiers).")]
    = 50,
    impute: Annotated[Impute, typer.Option(
        help="Fill missing features with the median (numeric) / most frequent value.")]
    = Impute.none,
    drop: Annotated[list[str] | None, typer.Option(
        help="Leave this column out (repeatable): one computed from the target, or known "
             "only after it.")] = None,
    out: Annotated[Path, typer.Option(help="Output folder (never emptied).")]
    = Path("shrinkage-report"),
    engine: Annotated[Engine, typer.Option(
        help="memory: read the table into this process. dask: leave it on a Dask "
             "cluster's workers (squared loss; needs shrinkage[dask]).")] = Engine.memory,
    scheduler: Annotated[str | None, typer.Option(
        help="With --engine dask: the address of a running scheduler (left running); "
             "without it a local cluster is started and closed.")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, help="With --engine dask and no --scheduler: worker processes of the local "
                    "cluster (default: the cores, at most 4).")] = None,
    no_progress: Annotated[bool, typer.Option("--no-progress",
                                              help="No progress bar.")] = False,
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
):
    """Fit no penalty, L1, L2 and elastic net along their paths, choose each by
    cross-validation, judge them on a held-out split, and write a report."""
    from .compare import COMPILE_NOTE_SECONDS, Options, run_comparison
    from .report import write_outputs
    from .tables import UserError

    if engine is Engine.memory and (scheduler is not None or workers is not None):
        raise typer.BadParameter("--scheduler and --workers go with --engine dask",
                                 param_hint="--engine")
    with _user_errors(debug):
        if data is not None and demo is not None:
            raise UserError("give either a DATA file or --demo, not both")
        options = Options(task=task.value, loss=loss.value, test_size=test_size, cv=cv,
                          seed=seed, n_jobs=n_jobs, impute=impute.value,
                          selection=selection.value, n_alphas=n_alphas,
                          max_levels=max_levels, drop=tuple(drop or ()))
        if engine is Engine.dask:
            comparison, paths = _compare_on_dask(data, target, options, scheduler, workers,
                                                 out, not no_progress)
        else:
            table = _memory_table(data, target, demo, seed)
            with _progress(not no_progress, total=8) as step:
                comparison = run_comparison(table, options, progress=step)
                paths = write_outputs(comparison, out, progress=step)
    warm_up = comparison.results["timing"]["warm_up_seconds"]
    if warm_up > COMPILE_NOTE_SECONDS:
        typer.echo(f"note: the solvers' kernels were compiled on this first run "
                   f"({warm_up:.0f} s, once per install); fit times exclude it", err=True)
    for warning in comparison.results["data"].get("warnings", []):
        typer.secho(f"warning: {warning['message']}", err=True, fg="red", bold=True)
    for note in comparison.results["data"]["notes"]:
        typer.echo(f"note: {note}", err=True)
    _print_summary(comparison.results)
    typer.echo(f"wrote {', '.join(str(p) for p in paths)}")


#: column headers and penalty names of the terminal table, short enough for 80 columns
SHORT_HEADERS = {"l1_ratio": "l1r", "cv_score": "CV", "cv_se": "SE", "test_mse": "MSE",
                 "test_r2": "R2", "test_mae": "MAE", "test_huber": "Huber",
                 "test_poisson_deviance": "dev", "test_log_loss": "LL", "test_accuracy": "acc",
                 "test_balanced_accuracy": "bal",
                 "test_roc_auc": "AUC", "n_nonzero": "nnz", "fit_seconds": "sec"}
SHORT_PENALTIES = {"none": "none", "l1": "L1", "l2": "L2", "elasticnet": "EN"}


def _terminal_number(value, digits=2):
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


def _column_digits(values):
    """The fewest significant digits (2 to ``MAX_DIGITS``) at which the distinct values
    of a column print differently (two significant digits made every CV score "1.1" on
    one table)."""
    distinct = {v for v in values if v is not None}
    for digits in range(2, MAX_DIGITS + 1):
        if len({_terminal_number(v, digits) for v in distinct}) == len(distinct):
            return digits
    return MAX_DIGITS


def _fitting_digits(results, rows, width):
    """Each column's digits (``_column_digits``), taken back one at a time from the
    column with the most while the table would be wider than ``width``."""
    from rich.console import Console

    digits = [_column_digits([row["cells"][k][2] for row in rows])
              for k in range(len(rows[0]["cells"]))]

    def squeezed():  # rich cuts cells with an ellipsis where the table does not fit
        with open(os.devnull, "w") as sink:
            console = Console(width=width, record=True, file=sink)
            console.print(_summary_table(results, rows, digits))
        return "…" in console.export_text()

    while max(digits) > 2 and squeezed():
        digits[digits.index(max(digits))] -= 1
    return digits


def _summary_table(results, rows, digits):
    """The rich table of the summary rows, each column at its ``digits``."""
    from rich import box
    from rich.table import Table

    loss = results["metric"].get("loss", "squared")
    kind = results["data"]["task"] if loss in ("squared", "logistic") else \
        f"{results['data']['task']} ({loss} loss)"
    table = Table(title=f"{results['data']['name']}: {kind}, "
                        f"{results['data']['n_test']} test rows", box=box.SIMPLE_HEAD,
                  pad_edge=False, padding=(0, 0, 0, 1))
    table.add_column("penalty", no_wrap=True)
    table.add_column("rule", no_wrap=True)
    for key, _, _ in rows[0]["cells"]:
        table.add_column(SHORT_HEADERS.get(key, key), justify="right", no_wrap=True)
    for row in rows:
        table.add_row(SHORT_PENALTIES.get(row["penalty"], row["penalty"]), row["choice"],
                      *[_terminal_number(v, d) for (_, _, v), d in zip(row["cells"], digits)],
                      style="bold green" if row["winner"] else None)
    return table


def _print_summary(results, console=None):
    """The summary table and the verdict on stdout (readable at 80 columns)."""
    from rich.console import Console

    from .report import summary_rows

    console = console or Console()
    rows = summary_rows(results)
    console.print(_summary_table(results, rows, _fitting_digits(results, rows, 80)))
    console.print("EN: elastic net; LL: log loss; dev: mean Poisson deviance; nnz: "
                  "non-zero coefficients; sec: fit time, compilation excluded", style="dim",
                  highlight=False)
    for sentence in results["verdict"]:
        console.print(f"- {sentence}", highlight=False)


def _memory_table(data, target, demo, seed):
    """The table of an in-memory comparison: the file, else a demo."""
    from .tables import UserError, demo_table, read_table

    if data is not None:
        return read_table(data, target)
    table = demo_table(demo or "diabetes", seed=seed)
    if target is not None and target != table.target:
        raise UserError(f"the demo's target column is {table.target!r}; drop --target or "
                        "give a DATA file")
    return table


def _compare_on_dask(data, target, options, scheduler, workers, out, progress):
    """The comparison of a Parquet table left on a Dask cluster's workers."""
    from .compare import run_comparison
    from .report import write_outputs
    from .tables import UserError

    if data is None:
        raise UserError("--engine dask reads a Parquet file, folder or glob: give DATA "
                        "(the demos are in memory: drop --engine dask)")
    try:
        from .scale.cluster import dask_client
        from .scale.compare import OnDask
    except ImportError:
        raise UserError("--engine dask needs Dask: pip install \"shrinkage[dask]\"") \
            from None
    with _progress(progress, total=9) as step:
        # the outputs are written once the cluster is done with: a cluster lost during
        # the run leaves nothing behind
        with dask_client(scheduler, workers):
            step("summarizing the table on the workers")
            engine = OnDask(data, target, options)
            comparison = run_comparison(None, options, progress=step, engine=engine)
        paths = write_outputs(comparison, out, progress=step)
    return comparison, paths


@app.command()
def predict(
    model: Annotated[Path, typer.Argument(help="model.joblib written by compare.")],
    data: Annotated[Path, typer.Argument(help="CSV or Parquet file with the same columns.")],
    out: Annotated[Path | None, typer.Option(
        help="Write the predictions here (CSV); default: standard output.")] = None,
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
):
    """Apply a saved model to a new table: one prediction per row (and the probability
    of the second class for a classifier)."""
    from .predict import predict_table

    with _user_errors(debug):
        frame = predict_table(model, data)
        if out is None:
            sys.stdout.write(frame.write_csv())
        else:
            from ._atomic import atomic_write

            atomic_write(out, frame.write_csv)
            typer.echo(f"wrote {out}")


@app.command()
def lab(
    claim: Annotated[list[str] | None, typer.Option(
        "--claim", help="Only this claim (C01 ... C29); repeat for several.")] = None,
    quick: Annotated[bool, typer.Option(help="Fewer repetitions, same code paths.")]
    = False,
    out: Annotated[Path, typer.Option(help="Output folder (never emptied).")]
    = Path("shrinkage-lab"),
    json_output: Annotated[bool, typer.Option("--json",
                                              help="Print lab.json to stdout.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of every experiment.")] = 0,
    n_jobs: Annotated[int, typer.Option(min=1, help="Worker processes for the grids.")]
    = 2,
    no_progress: Annotated[bool, typer.Option("--no-progress",
                                              help="No progress bar.")] = False,
    previous: Annotated[Path | None, typer.Option(
        help="A previous run's lab.json: the report shows each changed verdict with its "
             "old and new framing.")] = None,
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
):
    """Test the essay's claims about L1 and L2: one experiment per claim, a verdict each
    (true, false, depends, not-testable, or undecided where its tests could not decide),
    written to lab.json and lab.html."""
    from .lab import run_lab
    from .lab.report import read_previous, to_json, verdict_changes, write_lab
    from .tables import UserError

    with _user_errors(debug):
        try:
            before = None if previous is None else read_previous(previous)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        with _progress(not no_progress, total=1) as step:
            try:
                results = run_lab(claim, quick=quick, seed=seed, n_jobs=n_jobs,
                                  progress=step)
            except ValueError as exc:
                raise UserError(str(exc)) from None
        if before is not None:
            results["changes"] = verdict_changes(results, before)
            results["previous_run"] = str(previous)
        paths = write_lab(results, out)
    if json_output:
        typer.echo(to_json(results))
        return
    for c in results["claims"]:
        typer.echo(f"{c['id']:<5} {c['verdict']:<13} {c['summary']}")
    for change in results.get("changes", []):
        was = change["before"]["verdict"] if change["before"] else "new"
        typer.echo(f"changed: {change['id']} {was} -> {change['now']['verdict']}")
    for exp in results["experiments"].values():
        if "skipped" in (exp["evidence"] or {}):
            typer.echo(f"skipped: {exp['title']}: {exp['evidence']['skipped']}")
    typer.echo(f"wrote {', '.join(str(p) for p in paths)}")


def main():
    """Entry point of the ``shrinkage`` script."""
    app()
