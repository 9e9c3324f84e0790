"""L1 vs L2 vs elastic net (and no penalty) on one table, chosen by cross-validation and
judged on a held-out test split.

``run_comparison`` returns a ``Comparison``: every number of the report, typed
(``outcome``; its JSON form ``results``), and the fitted objects the figures and the
saved model need.
"""

import time
import warnings
from dataclasses import replace

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline

from ..solvers.newton import SeparationWarning, separation_sentence
from ..tables import UserError
from .losses import EN_RATIOS
from .measure import (LABELS, PENALTIES, null_test_loss, penalty_result, rank, recovery,
                      relaxed_choice, suspicions, versus)
from .memory import InMemory
from .narrative import describe
from .results import Comparison, DataSummary, GridExtension, Metric, Results, Settings
#: how far (decades) and how often the grid of a penalty is extended while its best alpha
#: sits on an end with the CV error still improving there
EXTEND_DECADES = 3
MAX_EXTENSIONS = 4
#: a warm-up longer than this was compilation: the command line says so
COMPILE_NOTE_SECONDS = 2.0
#: the relaxed lasso of a loss other than least squares refits each support of each
#: fold's path by Newton's method (about n * k^2 per step for k features); by default it
#: is fitted only while n_train * n_features^2 stays below this (20,000 x 100 costs
#: 10x the lasso's CV)
RELAX_AUTO_MAX_WORK = 5e7


def _estimators(loss, folds, options):
    common = {"alphas": options.n_alphas, "cv": folds, "n_jobs": options.n_jobs,
              "alpha_rule": options.selection}
    return loss.estimators(common)


def _group_categoricals(estimators, data):
    """Give the penalized models that take them the engine's feature groups (a
    categorical's one-hot columns in or out together), and say so in a note."""
    if data.feature_groups is None:
        return
    grouped = [p for p, model in estimators.items()
               if p != "none" and "feature_groups" in model.get_params()]
    for penalty in grouped:
        estimators[penalty].set_params(feature_groups=data.feature_groups)
    if grouped:
        data.notes.append(
            f"{' and '.join(LABELS[p] for p in grouped)}: the one-hot columns of each "
            "categorical form a group that enters or leaves the model as a whole (the "
            "group lasso, weights sqrt(levels)); --no-groups penalizes them column by "
            "column")


def _fit_inside_grid(model, fit):
    """Fit; while a CV model's best alpha sits on an end of its grid with the error still
    improving, extend the grid past that end (``EXTEND_DECADES`` at a time, at the same
    density, at most ``MAX_EXTENSIONS`` times) and fit again.

    Returns None for a model without a grid, else a dict of ``GridExtension``'s fields:
    ``extensions`` (how many), ``edge`` (the end the best alpha still sits on after
    them, or None) and the final grid's ``largest`` and ``smallest`` alpha.
    """
    fit(model)
    if not hasattr(model, "alpha_at_edge_"):
        return None
    extensions = 0
    while model.alpha_at_edge_ is not None and extensions < MAX_EXTENSIONS:
        row = model.l1_ratios_.index(model.l1_ratio_)
        grid = model.alphas_[row]
        decades = np.log10(grid[0] / grid[-1]) if grid[-1] > 0 else 0.0
        n_alphas = int(np.ceil(len(grid) * (1 + EXTEND_DECADES / max(decades, 1.0))))
        if model.alpha_at_edge_ == "smallest":
            # eps keeps each l1_ratio's own top (its exact alpha_max)
            model.set_params(alphas=n_alphas,
                             eps=grid[-1] / grid[0] * 10.0 ** -EXTEND_DECADES)
        else:
            model.set_params(alphas=np.geomspace(grid[0] * 10.0 ** EXTEND_DECADES,
                                                 grid[-1], n_alphas))
        fit(model)
        extensions += 1
    row = model.l1_ratios_.index(model.l1_ratio_)
    return {"extensions": extensions, "edge": model.alpha_at_edge_,
            "largest": float(model.alphas_[row, 0]),
            "smallest": float(model.alphas_[row, -1])}


def _grid_note(label, grid):
    ends = f"[{grid.smallest:.3g}, {grid.largest:.3g}]"
    times = f"{grid.extensions} time{'s' if grid.extensions > 1 else ''}"
    if grid.edge is None:
        return (f"{label}: the best alpha lay on an end of the default grid with the "
                f"cross-validated error still improving, so the grid was extended ({times}, "
                f"now {ends}) until it no longer improved there")
    return (f"{label}: the grid was extended {times} (now {ends}) and the best alpha is "
            f"still its {grid.edge}: the cross-validated error keeps improving beyond it")


def _noise_scaled_tol(residual_share, tol=1e-4):
    """``tol`` relative to the least-squares residual instead of the null model's.

    The solvers' gap is relative to the objective at w = 0; with a strong signal the
    residual variance is a tiny share of it, and a gap of 1e-4 of it can exceed the noise
    itself (the path then stops far from its optimum and CV scores are noise). Scaling by
    the share of the residual in the total keeps the accuracy on the noise's scale.
    """
    return max(tol * min(residual_share, 1.0), 1e-10)


def run_comparison(table, options, progress=None, engine=None):
    """Fit no penalty, L1, L2 and elastic net on the training split; judge them on the
    test split. ``progress(step)`` is called before each stage. ``engine`` holds the
    split table and fits the models (``InMemory(table, options)`` by default; the Dask
    engine for a table on a cluster): any ``engine.Engine``, never asked which."""
    step = progress or (lambda name: None)
    step("preparing the table")
    data = engine if engine is not None else InMemory(table, options)
    estimators = _estimators(data.loss, data.folds, options)
    _group_categoricals(estimators, data)
    entries, models = {}, {}
    warm_up = data.warm_up(estimators)
    for penalty in PENALTIES:
        step(f"fitting {LABELS[penalty]}")
        models[penalty], entries[penalty] = _fit_penalty(penalty, estimators[penalty],
                                                         data, models)
    if relax_by_default(data, options, models["l1"]):
        step("relaxing the lasso")
        entries["l1"] = _relax_lasso(models["l1"], entries, data, options)
    step("writing the verdict")
    outcome = _outcome(data, options, models, entries, warm_up)
    winner = outcome.comparison.winner
    pipeline = Pipeline([("prepare", data.preprocessor), ("model", models[winner])])
    return Comparison(outcome=outcome, models=models, pipeline=pipeline,
                      feature_names=data.names, extras=data.extras(models))


def _fit_penalty(penalty, model, data, models):
    """Fit one penalty's ``model`` (``models`` holds those fitted before it) inside its
    grid; returns it and its ``PenaltyResult``, its notes added to ``data.notes``."""
    label = LABELS[penalty]
    if penalty != "none" and data.loss.least_squares and "tol" in model.get_params():
        model.set_params(tol=_noise_scaled_tol(data.residual_share(models["none"])))
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            grid = _fit_inside_grid(model, data.fit)
            grid = None if grid is None else GridExtension(**grid)
        except ValueError as exc:
            raise UserError(f"cannot fit {label}: {exc}") from None
    seconds = time.perf_counter() - start
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    separation = getattr(model, "separation_", None)
    if separation is not None:
        said = separation_sentence(separation, data.names)  # the encoded features
        data.notes.append(f"{label}: on the training rows {said}"
                          " (a linear program's finding): separable classes leave the "
                          "unpenalized log-loss without a minimum, and its coefficients "
                          "are where Newton's method stopped (large, and not unique)")
    elif any(issubclass(w.category, SeparationWarning) for w in caught):
        data.notes.append(f"{label}: the training classes are linearly separable, so the "
                          "unpenalized log-loss has no minimum; its coefficients are where "
                          "Newton's method stopped (large, and not unique)")
    # (a model without intercept, Cox's, leaves the levels as fitted: its baseline
    # hazard absorbs the shift, which moving it to an intercept would break)
    references = _reference_levels(model, data) \
        if penalty == "none" and getattr(model, "fit_intercept", True) else None
    entry = penalty_result(penalty, model, data, reference_levels=references or None,
                           fit_seconds=seconds, converged=converged, grid=grid)
    if references:
        data.notes.append(
            "no penalty: each categorical column is coded against a reference level "
            "(its coefficient 0, the others differences from it), since all its levels "
            "beside the intercept leave the unpenalized coefficients undetermined: "
            + ", ".join(f"{c}={v}" for c, v in references.items()))
    if grid is not None and grid.extensions:
        data.notes.append(_grid_note(label, grid))
    return model, entry


def relax_by_default(data, options, lasso):
    """Whether the relaxed lasso is fitted: ``--relax`` / ``--no-relax``, else where it
    is offered and cheap (least squares, or ``RELAX_AUTO_MAX_WORK``); a note says why
    it was left out."""
    offered = "relax" in lasso.get_params() and data.relaxes
    if options.relax is False or (options.relax is None and not offered):
        return False
    if not offered:
        data.notes.append("relaxed lasso: not offered " + (
            f"for the {data.loss.name} loss yet" if data.relaxes else
            f"by the {data.engine} engine yet"))
        return False
    work = data.counts["n_train"] * len(data.names) ** 2
    if options.relax is None and not data.loss.least_squares and \
            work > RELAX_AUTO_MAX_WORK:
        data.notes.append(
            "relaxed lasso: not fitted by default on a table this size (its unpenalized "
            "refits are one Newton fit per support of each fold's path); --relax fits it")
        return False
    return True


def _relax_lasso(lasso, entries, data, options):
    """The lasso's entry (``entries["l1"]``) with its relaxed choice (``relaxed``: each
    support refitted without penalty and blended, (alpha, gamma) chosen by CV on the
    same folds and grid) and the relaxed model's test loss against the lasso's. A
    target the relaxed lasso refuses (more than two classes) is noted when ``--relax``
    asked for it, skipped silently by default."""
    from sklearn.base import clone

    entry = entries["l1"]
    relaxed = clone(lasso).set_params(relax=True)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the lasso's row says it
        try:
            data.fit(relaxed)
        except ValueError as exc:  # the target refuses it (more than two classes)
            if options.relax:
                data.notes.append(f"relaxed lasso: not fitted ({exc})")
            return entry
    choice = relaxed_choice(relaxed, data, time.perf_counter() - start)
    key = data.loss.test_key
    loss_of = {"l1": entry.chosen(options.selection).metrics[key],
               "relaxed": choice.metrics[key]}
    against = versus(loss_of, "relaxed", "l1",
                     lambda a, b: data.interval({"l1": lasso, "relaxed": relaxed}, a, b),
                     null_test_loss(entries))
    return replace(entry, choices={**entry.choices, "relaxed": choice},
                   relaxed_vs_lasso=against)


def _outcome(data, options, models, entries, warm_up):
    """The typed results of the fitted ``models`` (their ``entries``), with the ranking,
    the recovery of a synthetic truth and the verdict."""
    loss = data.loss
    null_loss = null_test_loss(entries)
    found = suspicions(data, models, entries, loss, options.selection, null_loss)
    classes = data.classes
    outcome = Results(
        data=DataSummary(name=data.name, target=data.target, task=data.task,
                         counts=data.counts, n_features=len(data.names), notes=data.notes,
                         warnings=found,
                         classes=None if classes is None else [str(c) for c in classes]),
        settings=Settings(test_size=options.test_size, cv=options.cv, seed=options.seed,
                          selection=options.selection, n_alphas=options.n_alphas,
                          elasticnet_l1_ratios=list(EN_RATIOS), impute=options.impute,
                          engine=data.engine),
        metric=Metric(loss=loss.name, cv=loss.cv_scoring, test=loss.test_key,
                      test_columns=list(loss.test_columns), null_test_loss=null_loss,
                      huber_delta=loss.delta),
        warm_up_seconds=warm_up, penalties=entries,
        comparison=rank(entries, loss.test_key, options.selection,
                        lambda a, b: data.interval(models, a, b), data.interval_method(),
                        null_loss),
        recovery=(recovery(data.truth, data.preprocessor, models, data.names)
                  if data.truth else None))
    # the sentences are read off the numbers as results.json holds them
    return replace(outcome, verdict=tuple(describe(outcome.as_json(), data.columns_of)))


def _reference_levels(model, data):
    """Recode an unpenalized model's one-hot groups against a reference level, in place.

    Every row has exactly one level of each categorical column, so adding a constant to
    a group's coefficients and taking it from the intercept changes no prediction: the
    unpenalized fit is not unique, and its minimum-norm split of a group's effect among
    the levels is arbitrary. The first level of each group is made the reference (its
    coefficient 0); the others become differences from it, which the data determine.
    (A level unseen in training, encoded as no level at all, is then predicted as the
    reference.) Returns ``{column: reference level}``, empty without categoricals."""
    groups = {}
    for j, name in enumerate(data.names):
        column = data.columns_of.get(name, name)
        if column != name and name.startswith(f"{column}="):
            groups.setdefault(column, []).append(j)
    if not groups:
        return {}
    coef = np.array(model.coef_, dtype=float)
    intercept = np.array(model.intercept_, dtype=float)
    rows = coef.reshape(-1, coef.shape[-1])  # a row per class (or the one row)
    shift = np.zeros(rows.shape[0])
    references = {}
    for column, index in groups.items():
        base = rows[:, index[0]].copy()
        rows[:, index] -= base[:, None]
        shift += base
        references[column] = data.names[index[0]][len(column) + 1:]
    model.coef_ = rows.reshape(coef.shape)
    model.intercept_ = (intercept + shift.reshape(intercept.shape) if intercept.ndim
                        else float(intercept + shift[0]))
    return references
