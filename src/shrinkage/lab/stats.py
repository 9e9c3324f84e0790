"""Paired comparisons and the decision rules that turn them into verdicts.

Every rule is declared here, before any data is drawn, and unit-tested on constructed
inputs. A cell of a regime grid compares two methods on the same draws (paired): the
effect is the relative difference of their mean losses with a bootstrap confidence
interval; significance is a Wilcoxon signed-rank test, Holm-corrected over the cells of
one claim. A method wins a cell only with both a meaningful effect and significance.
"""

import itertools
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: smallest relative difference of mean losses that counts as a win
MIN_EFFECT = 0.10
#: family-wise error rate over the cells of one claim (Holm)
ALPHA = 0.05
#: bootstrap resamples for effect-size intervals
N_BOOT = 2000

TRUE, FALSE, DEPENDS, NOT_TESTABLE = "true", "false", "depends", "not-testable"
#: a verdict that rests on tests which could not have come out significant (too few
#: repetitions for their correction: a quick run): neither true nor false
UNDECIDED = "undecided"
#: a cell whose test cannot reach significance at its number of pairs, whatever the data
UNDERPOWERED = "underpowered"

#: how a claim (or part) is worded, which sets the rule that turns its checks into a
#: verdict (claims.md): "universal" ("ensures", "always", "only", "is called X because
#: Y"), "can" (one regime where it happens suffices), "tendency" (a comparison or a
#: tendency: the place for depends), "reason" (the "since" / "because" of a claim, which
#: can make the whole false on its own), "not-testable" (usage, naming, preference)
QUANTIFIERS = ("universal", "can", "tendency", "reason", "not-testable")


@dataclass(frozen=True)
class Cell:
    """One paired comparison of method A against method B (losses: lower is better).

    Attributes
    ----------
    effect : float
        ``mean(B) / mean(A) - 1``: > 0 when A's loss is lower (A better).
    ci : (float, float)
        95% bootstrap interval of ``effect``.
    p_value : float
        Two-sided Wilcoxon signed-rank p-value of the paired differences.
    p_adjusted : float
        After Holm's correction over the claim's cells (set by ``decide_cells``).
    outcome : str
        "A", "B", "tie", or "underpowered" where even the most one-sided pairs could
        not be significant after the correction (``smallest_p_value``).
    n_pairs : int
        The paired draws the test had.
    """

    effect: float
    ci: tuple
    p_value: float
    p_adjusted: float = float("nan")
    outcome: str = "tie"
    n_pairs: int = 0

    def as_dict(self):
        return {"effect": self.effect, "ci95": list(self.ci), "p_value": self.p_value,
                "p_adjusted": self.p_adjusted, "outcome": self.outcome,
                "n_pairs": self.n_pairs}


def smallest_p_value(n_pairs):
    """The smallest two-sided p-value a signed-rank test of ``n_pairs`` pairs can give:
    every difference of one sign, the exact null probability ``2 / 2^n``."""
    return 2.0 / 2.0 ** n_pairs if n_pairs > 0 else 1.0


def won(cell, side="A"):
    """Whether ``side`` won the cell: True, False, or None when the cell's test could
    not have decided (underpowered), for the verdict rules' three-valued checks."""
    return None if cell.outcome == UNDERPOWERED else cell.outcome == side


def paired_cell(loss_a, loss_b, rng):
    """Effect size, its bootstrap interval and the signed-rank p-value of A vs B."""
    a, b = np.asarray(loss_a, float), np.asarray(loss_b, float)
    if a.shape != b.shape or a.ndim != 1 or a.size < 2:
        raise ValueError("paired losses must be two 1-d arrays of the same length >= 2")
    effect = float(b.mean() / a.mean() - 1.0)
    draws = rng.integers(0, a.size, size=(N_BOOT, a.size))
    boot = b[draws].mean(axis=1) / a[draws].mean(axis=1) - 1.0
    ci = tuple(float(q) for q in np.quantile(boot, [0.025, 0.975]))
    diff = b - a
    if np.all(diff == 0):
        p_value = 1.0
    else:
        p_value = float(stats.wilcoxon(a, b, zero_method="zsplit").pvalue)
    return Cell(effect=effect, ci=ci, p_value=p_value, n_pairs=int(a.size))


def holm(p_values):
    """Holm's step-down adjusted p-values (monotone, capped at 1)."""
    p = np.asarray(p_values, float)
    order = np.argsort(p)
    m = p.size
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, (m - rank) * p[index])
        adjusted[index] = min(running, 1.0)
    return adjusted


def decide_cells(cells, min_effect=MIN_EFFECT, alpha=ALPHA):
    """Holm-correct the cells of one claim and give each its outcome.

    Under Holm's correction over m cells no adjusted p-value falls below m times the
    smallest p-value: a cell whose ``smallest_p_value`` times m is not below ``alpha``
    could not have been significant whatever its pairs showed (4 or 5 repetitions give
    0.125 or 0.0625 before any correction). It is "underpowered", never a tie."""
    adjusted = holm([c.p_value for c in cells]) if cells else []
    decided = []
    for cell, p_adj in zip(cells, adjusted):
        outcome = "tie"
        if cell.n_pairs and smallest_p_value(cell.n_pairs) * len(cells) >= alpha:
            outcome = UNDERPOWERED
        elif p_adj < alpha and abs(cell.effect) >= min_effect:
            # the interval must agree on the sign too
            if cell.effect > 0 and cell.ci[0] > 0:
                outcome = "A"
            elif cell.effect < 0 and cell.ci[1] < 0:
                outcome = "B"
        decided.append(Cell(cell.effect, cell.ci, cell.p_value, float(p_adj), outcome,
                            cell.n_pairs))
    return decided


def replicated(pooled, first, second, side="A"):
    """Per cell, whether ``side`` won on two independent draws: True where it won the
    cell of both draws pooled and each draw's own effect points its way, None where the
    pooled test was underpowered, False otherwise."""
    sign = 1.0 if side == "A" else -1.0
    out = []
    for c, a, b in zip(pooled, first, second, strict=True):
        wins = won(c, side)
        out.append(None if wins is None else
                   bool(wins and sign * a.effect > 0 and sign * b.effect > 0))
    return out


def tally(decided, a_name, b_name, unit="regimes"):
    """How a family of decided cells came out, in words (``unit``: what a cell is)."""
    wins_a = sum(c.outcome == "A" for c in decided)
    wins_b = sum(c.outcome == "B" for c in decided)
    weak = sum(c.outcome == UNDERPOWERED for c in decided)
    ties = len(decided) - wins_a - wins_b - weak
    if weak == len(decided):
        n = min(c.n_pairs for c in decided)
        return (f"{a_name} against {b_name} undecided in all {len(decided)} {unit}: "
                f"{n} repetitions cannot reach significance over {len(decided)} cells")
    return (f"{a_name} beat {b_name} in {wins_a} of {len(decided)} {unit}, {b_name} beat "
            f"{a_name} in {wins_b}, {ties} tied"
            + (f", {weak} undecided (too few repetitions)" if weak else ""))


def cell_records(decided, labels):
    """The decided cells as JSON-ready records, each named by its regime label."""
    return [dict(regime=label, **c.as_dict()) for c, label in zip(decided, labels)]


def verdict_a_better(outcomes):
    """Claim "A is better than B" over a regime map of outcomes.

    true: A wins every cell; false: A wins no cell; depends: A wins some cells only;
    undecided where underpowered cells could still tip it either way.
    """
    outcomes = list(outcomes)
    if not outcomes:
        raise ValueError("no cells to decide on")
    return verdict_from_checks([None if o == UNDERPOWERED else o == "A"
                                for o in outcomes])


def _checks(passed):
    """The checks as a non-empty list of True, False or None (a check whose test could
    not decide: an underpowered cell)."""
    passed = [None if p is None else bool(p) for p in passed]
    if not passed:
        raise ValueError("no checks to decide on")
    return passed


def verdict_from_checks(passed):
    """A claim checked in several regimes: true when every check passes, false when none
    does, depends when some do and some do not; undecided when the undecided checks
    (None) could still make it true or false."""
    passed = _checks(passed)
    if True in passed and False in passed:
        return DEPENDS
    if None in passed:
        return UNDECIDED
    return TRUE if passed[0] else FALSE


def verdict_universal(passed):
    """A universal claim checked in several regimes: true when every check passes,
    false on a single counterexample (there is no "depends" for "always")."""
    passed = _checks(passed)
    if False in passed:
        return FALSE
    return UNDECIDED if None in passed else TRUE


def verdict_can(passed):
    """A "can" claim: true when it is shown to happen in at least one regime, false when
    it happens in none of those swept."""
    passed = _checks(passed)
    if True in passed:
        return TRUE
    return UNDECIDED if None in passed else FALSE


def verdict_by_quantifier(quantifier, passed):
    """The verdict of checks under the rule of ``quantifier`` (see ``QUANTIFIERS``)."""
    rules = {"universal": verdict_universal, "can": verdict_can,
             "tendency": verdict_from_checks, "reason": verdict_universal}
    if quantifier not in rules:
        raise ValueError(f"quantifier must be one of {sorted(rules)}, got {quantifier!r}")
    return rules[quantifier](passed)


def combine_parts(parts):
    """The whole claim's verdict from its parts, given as ``(verdict, quantifier)``
    pairs (claims.md): true only when every testable part is true and none is
    not-testable; false when a universal or reason part is false, or every testable
    part is; not-testable when no part is testable; depends otherwise."""
    parts = [(v, q) for v, q in parts]
    if not parts:
        raise ValueError("no parts to combine")
    for verdict, quantifier in parts:
        if quantifier not in QUANTIFIERS:
            raise ValueError(f"quantifier must be one of {list(QUANTIFIERS)}, got "
                             f"{quantifier!r}")
    open_parts = [k for k, (v, _) in enumerate(parts) if v == UNDECIDED]
    if open_parts:
        # the whole is decided only if every way the undecided parts could come out
        # gives the same verdict
        wholes = set()
        for values in itertools.product((TRUE, FALSE, DEPENDS), repeat=len(open_parts)):
            filled = list(parts)
            for k, value in zip(open_parts, values):
                filled[k] = (value, parts[k][1])
            wholes.add(combine_parts(filled))
        return wholes.pop() if len(wholes) == 1 else UNDECIDED
    testable = [(v, q) for v, q in parts if v != NOT_TESTABLE]
    if not testable:
        return NOT_TESTABLE
    if any(v == FALSE and q in ("universal", "reason") for v, q in testable):
        return FALSE
    if all(v == FALSE for v, _ in testable):
        return FALSE
    if len(testable) == len(parts) and all(v == TRUE for v, _ in testable):
        return TRUE
    return DEPENDS


def relative_change(losses):
    """Each draw's loss at each dose over its loss at the first dose (no dose), for
    losses of shape (levels, draws) where a draw keeps its base data across the doses:
    the method's change against its own baseline, (levels, draws)."""
    losses = np.asarray(losses, float)
    if losses.ndim != 2 or losses.shape[0] < 2:
        raise ValueError("losses must have shape (levels >= 2, draws): the first level "
                         "is the baseline without the factor")
    if np.any(losses[0] <= 0):
        raise ValueError("baseline losses must be positive to compare changes")
    return losses / losses[0]


def paired_difference_cell(added_a, added_b, reference, rng):
    """A against B on an absolute scale: the effect is ``(mean(B) - mean(A)) /
    mean(reference)`` (> 0: A's added loss is smaller, in units of the reference loss),
    with its bootstrap interval over the draws and the signed-rank p-value."""
    a, b, ref = (np.asarray(x, float) for x in (added_a, added_b, reference))
    if not a.shape == b.shape == ref.shape or a.ndim != 1 or a.size < 2:
        raise ValueError("paired values must be three 1-d arrays of the same length >= 2")
    if ref.mean() <= 0:
        raise ValueError("the reference loss must have a positive mean")
    draws = rng.integers(0, a.size, size=(N_BOOT, a.size))
    boot = (b[draws].mean(axis=1) - a[draws].mean(axis=1)) / ref[draws].mean(axis=1)
    diff = b - a
    p_value = 1.0 if np.all(diff == 0) else float(
        stats.wilcoxon(a, b, zero_method="zsplit").pvalue)
    return Cell(effect=float(diff.mean() / ref.mean()),
                ci=tuple(float(q) for q in np.quantile(boot, [0.025, 0.975])),
                p_value=p_value, n_pairs=int(a.size))


def dose_response_cells(losses_a, losses_b, rng, scale="ratio"):
    """Is A less affected by a factor than B? At each dose above the baseline, a paired
    cell of the two methods' changes against their own no-dose baselines on the same
    draws, Holm-corrected over the doses: outcome "A" where A's loss grew less than B's.

    ``scale="ratio"`` compares ``relative_change`` (loss at the dose / loss without);
    ``scale="difference"`` the loss added (loss at the dose - loss without), in units of
    the two methods' mean baseline loss."""
    return decide_cells(dose_cells(losses_a, losses_b, rng, scale))


def dose_cells(losses_a, losses_b, rng, scale="ratio"):
    """The cells of ``dose_response_cells`` before Holm's correction (to correct over the
    doses of several sweeps of one claim at once)."""
    a, b = np.asarray(losses_a, float), np.asarray(losses_b, float)
    change_a, change_b = relative_change(a), relative_change(b)
    if change_a.shape != change_b.shape:
        raise ValueError("A's and B's losses must come from the same doses and draws")
    levels = range(1, a.shape[0])
    if scale == "ratio":
        return [paired_cell(change_a[k], change_b[k], rng) for k in levels]
    if scale == "difference":
        reference = (a[0] + b[0]) / 2
        return [paired_difference_cell(a[k] - a[0], b[k] - b[0], reference, rng)
                for k in levels]
    raise ValueError(f"scale must be 'ratio' or 'difference', got {scale!r}")


def on_both_scales(by_ratio, by_difference):
    """One outcome per cell where two scales agree ("less affected" must hold relative to
    each method's own baseline and in loss added: a ratio alone flatters the method whose
    baseline was worse); the effect and interval stay the ratio's."""
    merged = []
    for r, d in zip(by_ratio, by_difference, strict=True):
        if UNDERPOWERED in (r.outcome, d.outcome):
            outcome = UNDERPOWERED
        else:
            outcome = r.outcome if r.outcome == d.outcome else "tie"
        merged.append(Cell(r.effect, r.ci, r.p_value, r.p_adjusted, outcome, r.n_pairs))
    return merged
