"""The command line: ``shrinkage compare`` and ``shrinkage predict``.

A problem with the user's input exits with code 1 and one line on stderr saying what is
wrong and how to fix it (``--debug`` shows the traceback instead); usage errors exit 2,
typer's convention.
"""

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
    survival = "survival"


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


def _show_version(value):
    if value:
        from . import __version__

        typer.echo(f"shrinkage {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option(
        "--version", callback=_show_version, is_eager=True,
        help="Print the version and exit.")] = False):
    """L1, L2 and elastic-net regularization: compare them on your table."""


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
    event: Annotated[str | None, typer.Option(
        help="Survival: the column saying whether each row's event happened (1) or was "
             "censored (0) at the --target time; fits Cox models.")] = None,
    loss: Annotated[Loss, typer.Option(
        help="Loss of a numeric target: squared; huber (robust to outliers); poisson "
             "(counts, log link). auto: squared, with a note for count targets.")]
    = Loss.auto,
    test_size: Annotated[float, typer.Option(min=0.05, max=0.9,
                                             help="Share of rows held out.")] = 0.25,
    cv: Annotated[int, typer.Option(min=2, help="Cross-validation folds.")] = 5,
    seed: Annotated[int, typer.Option(help="Seed of the split, folds and bootstrap.")] = 0,
    n_jobs: Annotated[int, typer.Option(help="Threads over the folds.")] = 1,
    n_alphas: Annotated[int, typer.Option(min=2, max=1000,
                                          help="Alphas per path (2 to 1000).")] = 50,
    selection: Annotated[Selection, typer.Option(
        help="Which choice of alpha competes: min CV error or the 1se rule.")]
    = Selection.min,
    max_levels: Annotated[int, typer.Option(
        min=2, help="Text columns with more distinct values are ignored (identifiers).")]
    = 50,
    impute: Annotated[Impute, typer.Option(
        help="Fill missing features with the median (numeric) / most frequent value.")]
    = Impute.none,
    relax: Annotated[bool | None, typer.Option(
        "--relax/--no-relax",
        help="The relaxed lasso's row (each lasso support refitted without penalty, "
             "blended by a gamma chosen by CV). Default: fitted for least squares, and "
             "for two classes on tables where its refits are cheap.")] = None,
    drop: Annotated[list[str] | None, typer.Option(
        help="Leave this column out (repeatable): one computed from the target, or known "
             "only after it.")] = None,
    no_groups: Annotated[bool, typer.Option(
        "--no-groups", help="Penalize a categorical's one-hot columns one by one (by "
                            "default L1 and elastic net keep or drop them together; "
                            "regression and two classes in memory only, not survival "
                            "or more classes yet).")]
    = False,
    out: Annotated[Path, typer.Option(
        help="Output folder: new, empty, or an earlier report's (replaced as a whole at "
             "the end, so that its files always come from one run).")]
    = Path("shrinkage-report"),
    joblib_copy: Annotated[bool, typer.Option(
        "--joblib", help="Also write model.joblib, for joblib.load in your own code. It "
                         "is a pickle: loading one runs code from the file, so load only "
                         "files you trust.")] = False,
    engine: Annotated[Engine, typer.Option(
        help="memory: read the table into this process. dask: leave it on a Dask "
             "cluster's workers (a Parquet file, folder or glob; every task and loss; "
             "needs shrinkage\\[dask]).")] = Engine.memory,
    scheduler: Annotated[str | None, typer.Option(
        help="With --engine dask: the address of a running scheduler (left running); "
             "without it a local cluster is started and closed.")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, help="With --engine dask and no --scheduler: worker processes of the local "
                    "cluster (default: the cores, at most 4).")] = None,
    no_progress: Annotated[bool, typer.Option("--no-progress",
                                              help="No progress bar.")] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Print only errors and warnings (no notes, table or "
                              "verdict).")] = False,
    json_output: Annotated[bool, typer.Option(
        "--json", help="Print results.json to stdout instead of the table.")] = False,
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
):
    """Fit no penalty, L1, L2 and elastic net along their paths, choose each by
    cross-validation, judge them on a held-out split, and write a report."""
    from . import model_writer

    # skops' 2-3 s import on the other core, begun before anything else (the imports
    # below take 1.7 s) and the modules of the pipeline it will write: compare's, whose
    # import brings every estimator
    model_writer.start(preload=("shrinkage.compare",))
    from .output_set import OutputSet
    from .report import output_names
    from .tables import UserError

    if engine is Engine.memory and (scheduler is not None or workers is not None):
        raise typer.BadParameter("--scheduler and --workers go with --engine dask",
                                 param_hint="--engine")
    output = OutputSet(out, output_names(joblib_copy), inputs=_inputs(data, engine))
    with _interruptible(output), _user_errors(debug):
        from .compare import Options

        if data is not None and demo is not None:
            raise UserError("give either a DATA file or --demo, not both")
        options = Options(task=task.value, loss=loss.value, test_size=test_size, cv=cv,
                          seed=seed, n_jobs=n_jobs, impute=impute.value,
                          selection=selection.value, n_alphas=n_alphas,
                          max_levels=max_levels, drop=tuple(drop or ()), relax=relax,
                          groups=not no_groups, event=event)
        with output.claim():  # before any fitting: an impossible --out fails at once
            progress = not (no_progress or quiet)
            if engine is Engine.dask:
                comparison, paths = _compare_on_dask(data, target, options, scheduler,
                                                     workers, output, progress)
            else:
                comparison, paths = _compare_in_memory(data, target, demo, options,
                                                       output, progress)
    _warn(output.warnings)
    _say_what_was_done(comparison.results, paths, quiet, json_output)


def _warn(messages):
    """Each message as a red ``warning:`` line on stderr (shown even with --quiet)."""
    for message in messages:
        typer.secho(f"warning: {message}", err=True, fg="red", bold=True)


def _inputs(data, engine):
    """The files a comparison reads, which its output folder may not hold: DATA (with
    --engine dask a folder, or a glob's part before its first wildcard)."""
    if data is None:
        return ()
    text = str(data)
    if engine is Engine.dask:
        text = text[:min((text.find(c) for c in "*?[" if c in text), default=len(text))]
    return (Path(text),) if text else ()


def _compare_in_memory(data, target, demo, options, output, progress):
    """The comparison of a table read into this process, written into ``output``."""
    from .compare import run_comparison
    from .report import write_outputs

    table = _memory_table(data, target, demo, options.seed)
    with _progress(progress, total=8) as step:
        comparison = run_comparison(table, options, progress=step)
        paths = write_outputs(comparison, output, progress=step)
    return comparison, paths


def _say_what_was_done(results, paths, quiet, json_output):
    """Warnings (always), then unless ``quiet``: notes, the summary (or results.json
    with ``json_output``) and the files written."""
    from .compare import COMPILE_NOTE_SECONDS
    from .compare.console import print_summary

    _warn(w["message"] for w in results["data"].get("warnings", []))
    if json_output:
        import json

        typer.echo(json.dumps(results, indent=1))
    if quiet:
        return
    warm_up = results["timing"]["warm_up_seconds"]
    if warm_up > COMPILE_NOTE_SECONDS:
        typer.echo(f"note: the solvers' kernels were compiled on this first run "
                   f"({warm_up:.0f} s, once per install); fit times exclude it", err=True)
    for note in results["data"]["notes"]:
        typer.echo(f"note: {note}", err=True)
    if not json_output:
        print_summary(results)
    typer.echo(f"wrote {', '.join(str(p) for p in paths)}",
               err=json_output)  # stdout holds only the JSON with --json


@contextmanager
def _interruptible(output):
    """Ctrl-C (SIGINT) or SIGTERM during a run that writes ``output`` (an ``OutputSet``)
    ends it with one line saying what became of the folder, and exit 128 + the signal
    (130 for Ctrl-C), the shell's convention."""
    try:
        yield
    except (KeyboardInterrupt, Interrupted) as exc:
        from .output_set import signals_held

        with signals_held(replay=False):  # a second Ctrl-C does not cut this answer
            output.release()
            typer.echo(f"interrupted; {output.after_interruption()}", err=True)
        raise typer.Exit(128 + getattr(exc, "signum", 2)) from None


class Interrupted(BaseException):
    """A signal that ends the program (SIGINT, SIGTERM), raised where the program is so
    that every cleanup on the way runs. Not a KeyboardInterrupt, which click would turn
    into "Aborted!" and exit code 1."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _raise_interrupted(signum, frame):
    raise Interrupted(signum)


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


def _compare_on_dask(data, target, options, scheduler, workers, output, progress):
    """The comparison of a Parquet table left on a Dask cluster's workers."""
    from .compare import run_comparison
    from .report import write_outputs
    from .tables import UserError

    if data is None:
        raise UserError("--engine dask reads a Parquet file, folder or glob: give DATA "
                        "(the demos are in memory: drop --engine dask)")
    if options.event is not None or options.task == "survival":
        raise UserError("a survival comparison (--event) runs in memory only for now: "
                        "drop --engine dask")
    try:
        from .scale.cluster import dask_client
        from .compare.dask import OnDask
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
        paths = write_outputs(comparison, output, progress=step)
    return comparison, paths


@app.command()
def predict(
    model: Annotated[Path, typer.Argument(
        help="The model.skops that `shrinkage compare` wrote.")],
    data: Annotated[Path, typer.Argument(
        help="CSV or Parquet table holding the model's feature columns (any order; "
             "other columns are ignored).")],
    out: Annotated[Path | None, typer.Option(
        help="Write the predictions to this file (CSV; Parquet if it ends in .parquet); "
             "default: standard output. Never the DATA or MODEL file.")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace an existing --out file.")] = False,
    id_columns: Annotated[list[str] | None, typer.Option(
        "--id", help="Copy this column of DATA to the output, first and unchanged "
                     "(repeatable).")] = None,
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
):
    """Apply a saved model to a new table: one prediction per row, and for a classifier
    the probability of each class (columns probability_<class>). What the model cannot
    read as it read its training rows (unseen levels, ignored columns) is said on
    standard error."""
    from .predict import check_output, predict_table, write_predictions

    with _user_errors(debug):
        if out is not None:  # before the model is applied: a bad --out wastes no work
            out = check_output(out, {"DATA": data, "MODEL": model}, force)
        result = predict_table(model, data, ids=id_columns or ())
        for note in result.notes:
            typer.echo(f"note: {note}", err=True)
        if out is None:
            sys.stdout.write(result.frame.write_csv())
        else:
            write_predictions(result.frame, out, force)
            typer.echo(f"wrote {out}")


@app.command()
def lab(
    claim: Annotated[list[str] | None, typer.Option(
        "--claim", help="Only this claim (C01 ... C29); repeat for several.")] = None,
    quick: Annotated[bool, typer.Option(help="Fewer repetitions, same code paths.")]
    = False,
    out: Annotated[Path, typer.Option(
        help="Output folder: new, empty, or an earlier lab run's (replaced as a whole at "
             "the end).")] = Path("shrinkage-lab"),
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
    from .lab.report import LAB_FILES, read_previous, to_json, verdict_changes, write_lab
    from .output_set import OutputSet
    from .tables import UserError

    output = OutputSet(out, LAB_FILES)
    with _interruptible(output), _user_errors(debug), output.claim():
        from .lab import run_lab

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
        paths = write_lab(results, output)
    _warn(output.warnings)
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
    """Entry point of the ``shrinkage`` script: SIGINT and SIGTERM end a command with one
    line and exit 128 + the signal (a command that writes files says what became of
    them)."""
    import signal

    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:  # a background job keeps it
            signal.signal(signum, _raise_interrupted)
    try:
        app()
    except Interrupted as exc:
        typer.echo("interrupted", err=True)
        sys.exit(128 + exc.signum)
