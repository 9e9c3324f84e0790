"""The typed results (``results``) read off the fitted models: each penalty's choices
and path, the suspicions, the ranking with its intervals, the recovery of a synthetic
truth.
"""

from dataclasses import replace

import numpy as np

from .checks import at_rounding, combination_warning, leak_warning, perfect_fit_warning
from .results import (Choice, PenaltyPath, PenaltyResult, Ranking, Recovered, Recovery,
                      Versus)

PENALTIES = ("none", "l1", "l2", "elasticnet")
LABELS = {"none": "no penalty", "l1": "L1 (lasso)", "l2": "L2 (ridge)",
          "elasticnet": "elastic net"}


def penalty_result(penalty, model, data, **fitted):
    """Numbers of one penalty: both choices (or the one fit of no penalty) and its path;
    ``fitted`` are ``PenaltyResult``'s other fields (fit_seconds, converged, ...)."""
    if penalty == "none":
        cv_mean, cv_se = data.baseline_cv(model)
        choices = {"fit": _choice(0.0, None, cv_mean, cv_se, model.coef_, model.intercept_,
                                  data)}
        return PenaltyResult(LABELS[penalty], choices, **fitted)
    row = model.l1_ratios_.index(model.l1_ratio_)
    alphas = model.alphas_[row]
    choices = {}
    for name, alpha in (("min", model.alpha_min_), ("1se", model.alpha_1se_)):
        k = int(np.flatnonzero(alphas == alpha)[0])
        choices[name] = _choice(alpha, model.l1_ratio_, model.cv_mean_[row, k],
                                model.cv_se_[row, k], model.coef_path_[row, k],
                                model.intercept_path_[row, k], data)
    test_path = data.held_out.path(model.coef_path_[row], model.intercept_path_[row])
    path = PenaltyPath(alphas=alphas.tolist(), cv_mean=model.cv_mean_[row].tolist(),
                       cv_se=model.cv_se_[row].tolist(),
                       train=model.train_mean_[row].tolist(), test=test_path.tolist(),
                       n_nonzero=model.n_nonzero_path_[row].tolist())
    return PenaltyResult(LABELS[penalty], choices, l1_ratio=float(model.l1_ratio_),
                         path=path, selection_frequency=_frequencies(model, data.names),
                         **fitted)


def _frequencies(model, names):
    """Feature name -> the share of the CV folds whose model kept it at the chosen alpha
    (None for a model without ``selection_frequency_``)."""
    frequency = getattr(model, "selection_frequency_", None)
    if frequency is None:
        return None
    return {name: float(f) for name, f in zip(names, np.ravel(frequency))}


def relaxed_choice(model, data, seconds):
    """The ``Choice`` of a relaxed lasso (``relax=True``) at its joint choice of
    (alpha, gamma), fitted in ``seconds``."""
    row = model.l1_ratios_.index(model.l1_ratio_)
    g = int(np.flatnonzero(model.gammas_ == model.gamma_)[0])
    k = int(np.flatnonzero(model.alphas_[row] == model.alpha_)[0])
    choice = _choice(model.alpha_, model.l1_ratio_, model.relaxed_cv_mean_[row, g, k],
                     model.relaxed_cv_se_[row, g, k], model.coef_, model.intercept_, data)
    return replace(choice, gamma=float(model.gamma_), fit_seconds=seconds)


def versus(loss_of, first, second, interval, null_loss):
    """``first`` against ``second`` (keys of ``loss_of``, the test losses):
    ``interval(first, second)`` gives the mean difference (> 0: ``first``'s loss is
    lower) and its 95% interval. Two losses both at rounding level are a tie."""
    mean, low, high = interval(first, second)
    tie = at_rounding(loss_of[first], null_loss) and at_rounding(loss_of[second], null_loss)
    return Versus(difference=mean,
                  relative=None if tie else (float(mean / loss_of[second])
                                             if loss_of[second] else 0.0),
                  ci95=[low, high], separated=bool(low > 0) and not tie,
                  tie_at_rounding=tie)


def _choice(alpha, l1_ratio, cv_mean, cv_se, coef, intercept, data):
    """The numbers of one chosen model. A multinomial model's coefficients are given by
    class, and each feature's size as its norm over the classes (a feature is kept when
    any class uses it)."""
    coef = np.asarray(coef)
    names = data.names
    by_class = coef.ndim == 2 and coef.shape[0] > 1
    size = np.linalg.norm(coef, axis=0) if by_class else np.ravel(coef)
    nonzero = np.flatnonzero(size)
    order = np.argsort(-np.abs(size), kind="stable")
    return Choice(
        alpha=float(alpha), l1_ratio=l1_ratio, cv_score=float(cv_mean), cv_se=float(cv_se),
        metrics=data.held_out.metrics(coef, intercept), n_nonzero=int(nonzero.size),
        n_features=int(size.size),
        kept_columns=sorted({data.columns_of[names[j]] for j in nonzero}),
        intercept=(np.ravel(intercept).tolist() if by_class
                   else float(np.ravel(intercept)[0])),
        coefficients={names[j]: float(size[j]) for j in order},
        coefficients_by_class=([[float(c) for c in row] for row in coef] if by_class
                               else None))


def null_test_loss(entries):
    """The test loss of the null model (the intercept alone, fitted on the training
    rows): the lasso path's first point, where every coefficient is zero. The scale
    against which a test loss is at rounding level."""
    path = entries["l1"].path
    if path is None or path.n_nonzero[0] != 0:
        return None
    return float(path.test[0])


def suspicions(data, models, entries, loss, selection, null_loss):
    """The ``checks.Suspicion``s of the comparison (empty when nothing looks too good to
    be true)."""
    found = [leak_warning(data.target, data.leaks())]
    if loss.least_squares:
        cv = entries["none"].choices["fit"].cv_score
        found.append(combination_warning(
            data.target, data.residual_share(models["none"]),
            cv / null_loss if null_loss else None, models["l1"], data.columns_of,
            data.names))
    separated = [p for p, m in models.items() if getattr(m, "separation_", None)]
    found.append(perfect_fit_warning(entries, loss.test_key, null_loss, selection,
                                     separated))
    return [w for w in found if w]


def rank(entries, key, selection, interval, method, null_loss=None):
    """The winner by test loss among the selected choices, and the 95% interval of its
    test-loss difference to each other penalty (``interval(winner, other)`` gives the
    mean difference and the interval's ends; ``method`` says how it was made). Two test
    losses both at rounding level (``checks.at_rounding``) are a tie: no difference, no
    relative change, not separated."""
    loss_of = {p: entries[p].chosen(selection).metrics[key] for p in PENALTIES}
    ranking = sorted(PENALTIES, key=lambda p: loss_of[p])
    winner = ranking[0]
    against = {other: versus(loss_of, winner, other, interval, null_loss)
               for other in ranking[1:]}
    tie = bool(against) and against[ranking[1]].tie_at_rounding
    return Ranking(winner=winner, ranking=ranking, key=key, against=against,
                   tie_at_rounding=tie, interval=method)


def recovery(truth, preprocessor, models, names):
    """Support recovery against a synthetic truth, coefficients in standardized units."""
    scaler = preprocessor.named_transformers_["numeric"][-1]
    numeric = list(preprocessor.transformers_[0][2])
    true_std = np.array([truth[c] for c in numeric]) * scaler.scale_
    index = [names.index(c) for c in numeric]
    support = true_std != 0
    by_penalty = {}
    for penalty, model in models.items():
        coef = np.ravel(model.coef_)[index]
        found = coef != 0
        tp = int(np.sum(found & support))
        by_penalty[penalty] = Recovered(
            true_positives=tp, false_positives=int(np.sum(found & ~support)),
            false_negatives=int(np.sum(~found & support)),
            precision=tp / max(int(found.sum()), 1),
            recall=tp / max(int(support.sum()), 1),
            coefficient_error=float(np.linalg.norm(coef - true_std)
                                    / np.linalg.norm(true_std)),
            estimated_standardized=dict(zip(numeric, coef.tolist())))
    return Recovery(dict(zip(numeric, true_std.tolist())), by_penalty)
