"""L1 vs L2 vs elastic net (and no penalty) on one table, chosen by cross-validation and
judged on a held-out test split.

``run_comparison`` returns a ``Comparison``: every number of the report as a JSON-ready
dict (``results``), and the fitted objects the figures and the saved model need.
"""

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline

from ..solvers.newton import SeparationWarning, separation_sentence
from ..tables import UserError
from .checks import at_rounding, combination_warning, leak_warning, perfect_fit_warning
from .losses import EN_RATIOS
from .memory import InMemory
from .narrative import describe

PENALTIES = ("none", "l1", "l2", "elasticnet")
LABELS = {"none": "no penalty", "l1": "L1 (lasso)", "l2": "L2 (ridge)",
          "elasticnet": "elastic net"}
#: how far (decades) and how often the grid of a penalty is extended while its best alpha
#: sits on an end with the CV error still improving there
EXTEND_DECADES = 3
MAX_EXTENSIONS = 4
#: a warm-up longer than this was compilation: the command line says so
COMPILE_NOTE_SECONDS = 2.0


@dataclass
class Comparison:
    """Results (JSON-ready) and the fitted objects behind them."""

    results: dict
    models: dict
    pipeline: object
    feature_names: list
    extras: dict = field(default_factory=dict)


def _estimators(loss, folds, options):
    common = {"alphas": options.n_alphas, "cv": folds, "n_jobs": options.n_jobs,
              "alpha_rule": options.selection}
    return loss.estimators(common)


def _fit_inside_grid(model, fit):
    """Fit; while a CV model's best alpha sits on an end of its grid with the error still
    improving, extend the grid past that end (``EXTEND_DECADES`` at a time, at the same
    density, at most ``MAX_EXTENSIONS`` times) and fit again.

    Returns None for a model without a grid, else a dict: ``extensions`` (how many),
    ``edge`` (the end the best alpha still sits on after them, or None) and the final
    grid's ``largest`` and ``smallest`` alpha.
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
    ends = f"[{grid['smallest']:.3g}, {grid['largest']:.3g}]"
    times = f"{grid['extensions']} time{'s' if grid['extensions'] > 1 else ''}"
    if grid["edge"] is None:
        return (f"{label}: the best alpha lay on an end of the default grid with the "
                f"cross-validated error still improving, so the grid was extended ({times}, "
                f"now {ends}) until it no longer improved there")
    return (f"{label}: the grid was extended {times} (now {ends}) and the best alpha is "
            f"still its {grid['edge']}: the cross-validated error keeps improving beyond it")


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
    engine for a table on a cluster)."""
    step = progress or (lambda name: None)
    step("preparing the table")
    data = engine if engine is not None else InMemory(table, options)
    loss, names, notes = data.loss, data.names, data.notes
    estimators = _estimators(loss, data.folds, options)
    entries, models, seconds = {}, {}, {}
    warm_up = data.warm_up(estimators)
    for penalty in PENALTIES:
        step(f"fitting {LABELS[penalty]}")
        model = estimators[penalty]
        if penalty != "none" and loss.least_squares and "tol" in model.get_params():
            model.set_params(tol=_noise_scaled_tol(data.residual_share(models["none"])))
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            try:
                grid = _fit_inside_grid(model, data.fit)
            except ValueError as exc:
                raise UserError(f"cannot fit {LABELS[penalty]}: {exc}") from None
        seconds[penalty] = time.perf_counter() - start
        converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
        separation = getattr(model, "separation_", None)
        if separation is not None:
            said = separation_sentence(separation, data.names)  # the encoded features
            notes.append(f"{LABELS[penalty]}: on the training rows {said}"
                         " (a linear program's finding): separable classes leave the "
                         "unpenalized log-loss without a minimum, and its coefficients are "
                         "where Newton's method stopped (large, and not unique)")
        elif any(issubclass(w.category, SeparationWarning) for w in caught):
            notes.append(f"{LABELS[penalty]}: the training classes are linearly separable, "
                         "so the unpenalized log-loss has no minimum; its coefficients are "
                         "where Newton's method stopped (large, and not unique)")
        models[penalty] = model
        references = _reference_levels(model, data) if penalty == "none" else None
        entries[penalty] = _entry(penalty, model, data)
        if references:
            entries[penalty]["reference_levels"] = references
            notes.append(
                "no penalty: each categorical column is coded against a reference level "
                "(its coefficient 0, the others differences from it), since all its levels "
                "beside the intercept leave the unpenalized coefficients undetermined: "
                + ", ".join(f"{c}={v}" for c, v in references.items()))
        entries[penalty].update(fit_seconds=seconds[penalty], converged=converged)
        if grid is not None:
            entries[penalty]["grid"] = grid
            if grid["extensions"]:
                notes.append(_grid_note(LABELS[penalty], grid))
    step("writing the verdict")
    key = loss.test_key
    classes = data.classes
    null_loss = _null_test_loss(entries)
    warnings_found = _suspicions(data, models, entries, loss, options, null_loss)
    results = {
        "data": {"name": data.name, "target": data.target, "task": data.task,
                 **data.counts, "n_features": len(names), "notes": notes,
                 "warnings": warnings_found,
                 "classes": None if classes is None else [str(c) for c in classes]},
        "settings": {"test_size": options.test_size, "cv": options.cv,
                     "seed": options.seed, "selection": options.selection,
                     "n_alphas": options.n_alphas, "elasticnet_l1_ratios": list(EN_RATIOS),
                     "impute": options.impute, "engine": data.engine},
        "metric": {"loss": loss.name, "cv": loss.cv_scoring, "test": key,
                   "test_columns": list(loss.test_columns), "lower_is_better": True,
                   "null_test_loss": null_loss,
                   **({"huber_delta": loss.delta} if loss.delta is not None else {})},
        # where the machine, not the data, decides: compilation of the kernels
        "timing": {"warm_up_seconds": warm_up},
        "penalties": entries,
    }
    results["comparison"] = _compare(results, key, options,
                                     lambda a, b: data.interval(models, a, b),
                                     data.interval_method(), null_loss)
    if data.truth:
        results["recovery"] = _recovery(data.truth, data.preprocessor, models, names)
    results["verdict"] = describe(results, data.columns_of)
    winner = results["comparison"]["winner"]
    pipeline = Pipeline([("prepare", data.preprocessor), ("model", models[winner])])
    return Comparison(results=results, models=models, pipeline=pipeline,
                      feature_names=names, extras=data.extras(models))


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


def _entry(penalty, model, data):
    """Numbers of one penalty: both choices (or the one fit of no penalty) and its path."""
    if penalty == "none":
        cv_mean, cv_se = data.baseline_cv(model)
        choices = {"fit": _choice(0.0, None, cv_mean, cv_se, model.coef_, model.intercept_,
                                  data)}
        return {"label": LABELS[penalty], "choices": choices}
    row = model.l1_ratios_.index(model.l1_ratio_)
    alphas = model.alphas_[row]
    choices = {}
    for name, alpha in (("min", model.alpha_min_), ("1se", model.alpha_1se_)):
        k = int(np.flatnonzero(alphas == alpha)[0])
        choices[name] = _choice(alpha, model.l1_ratio_, model.cv_mean_[row, k],
                                model.cv_se_[row, k], model.coef_path_[row, k],
                                model.intercept_path_[row, k], data)
    test_path = data.held_out.path(model.coef_path_[row], model.intercept_path_[row])
    return {"label": LABELS[penalty], "l1_ratio": float(model.l1_ratio_),
            "choices": choices,
            "path": {"alphas": alphas.tolist(), "cv_mean": model.cv_mean_[row].tolist(),
                     "cv_se": model.cv_se_[row].tolist(),
                     "train": model.train_mean_[row].tolist(), "test": test_path.tolist(),
                     "n_nonzero": model.n_nonzero_path_[row].tolist()}}


def _choice(alpha, l1_ratio, cv_mean, cv_se, coef, intercept, data):
    """The numbers of one chosen model. A multinomial model's coefficients are given by
    class, and each feature's size as its norm over the classes (a feature is kept when
    any class uses it)."""
    coef = np.asarray(coef)
    names = data.names
    by_class = coef.ndim == 2 and coef.shape[0] > 1
    size = np.linalg.norm(coef, axis=0) if by_class else np.ravel(coef)
    nonzero = np.flatnonzero(size)
    kept_columns = sorted({data.columns_of[names[j]] for j in nonzero})
    order = np.argsort(-np.abs(size), kind="stable")
    out = {"alpha": float(alpha), "l1_ratio": l1_ratio, "cv_score": float(cv_mean),
           "cv_se": float(cv_se), **data.held_out.metrics(coef, intercept),
           "n_nonzero": int(nonzero.size), "n_features": int(size.size),
           "kept_columns": kept_columns,
           "intercept": (np.ravel(intercept).tolist() if by_class
                         else float(np.ravel(intercept)[0])),
           "coefficients": {names[j]: float(size[j]) for j in order}}
    if by_class:
        out["coefficients_by_class"] = [[float(c) for c in row] for row in coef]
    return out


def _null_test_loss(entries):
    """The test loss of the null model (the intercept alone, fitted on the training
    rows): the lasso path's first point, where every coefficient is zero. The scale
    against which a test loss is at rounding level."""
    path = entries["l1"].get("path")
    if path is None or path["n_nonzero"][0] != 0:
        return None
    return float(path["test"][0])


def _suspicions(data, models, entries, loss, options, null_loss):
    """The warnings of ``checks`` (a list of dicts, empty when nothing looks too
    good to be true)."""
    found = [leak_warning(data.target, data.leaks())]
    if loss.least_squares:
        cv = entries["none"]["choices"]["fit"]["cv_score"]
        found.append(combination_warning(
            data.target, data.residual_share(models["none"]),
            cv / null_loss if null_loss else None, models["l1"], data.columns_of,
            data.names))
    separated = [p for p, m in models.items() if getattr(m, "separation_", None)]
    found.append(perfect_fit_warning(entries, loss.test_key, null_loss, options.selection,
                                     separated))
    return [w for w in found if w]


def _compare(results, key, options, interval, method, null_loss=None):
    """The winner by test loss among the selected choices, and the 95% interval of its
    test-loss difference to each other penalty (``interval(winner, other)`` gives the
    mean difference and the interval's ends; ``method`` says how it was made). Two test
    losses both at rounding level (``checks.at_rounding``) are a tie: no
    difference, no relative change, not separated."""
    chosen = {p: results["penalties"][p]["choices"]["fit" if p == "none"
                                                      else options.selection]
              for p in PENALTIES}
    ranking = sorted(PENALTIES, key=lambda p: chosen[p][key])
    winner = ranking[0]
    against = {}
    for other in ranking[1:]:
        mean, low, high = interval(winner, other)  # > 0: the winner's loss is lower
        tie = at_rounding(chosen[winner][key], null_loss) and \
            at_rounding(chosen[other][key], null_loss)
        against[other] = {"difference": mean,
                          "relative": None if tie else (float(mean / chosen[other][key])
                                                        if chosen[other][key] else 0.0),
                          "ci95": [low, high], "separated": bool(low > 0) and not tie,
                          "tie_at_rounding": tie}
    tie = bool(against) and against[ranking[1]]["tie_at_rounding"]
    return {"winner": winner, "ranking": ranking, "key": key, "against": against,
            "tie_at_rounding": tie,
            "interval": method, **({"n_bootstrap": method["n_bootstrap"]}
                                   if "n_bootstrap" in method else {})}


def _recovery(truth, preprocessor, models, names):
    """Support recovery against a synthetic truth, coefficients in standardized units."""
    scaler = preprocessor.named_transformers_["numeric"][-1]
    numeric = list(preprocessor.transformers_[0][2])
    true_std = np.array([truth[c] for c in numeric]) * scaler.scale_
    index = [names.index(c) for c in numeric]
    out = {"true_standardized": dict(zip(numeric, true_std.tolist()))}
    support = true_std != 0
    for penalty, model in models.items():
        coef = np.ravel(model.coef_)[index]
        found = coef != 0
        tp = int(np.sum(found & support))
        out[penalty] = {
            "true_positives": tp, "false_positives": int(np.sum(found & ~support)),
            "false_negatives": int(np.sum(~found & support)),
            "precision": tp / max(int(found.sum()), 1),
            "recall": tp / max(int(support.sum()), 1),
            "coefficient_error": float(np.linalg.norm(coef - true_std)
                                       / np.linalg.norm(true_std)),
            "estimated_standardized": dict(zip(numeric, coef.tolist()))}
    return out
