"""The evidence lab: every claim of the essay as a reproducible experiment with a verdict.

``run_lab(claims=None, quick=False, seed=0)`` runs the experiments that cover the asked
claims and returns ``{"claims": [...], "contradictions": [...], "experiments": {...}}``.
"""

import re
from importlib import resources

from . import (dimension, documentary, generalization, mechanics, networks,  # noqa: F401
               outliers, robustness, training)
from . import stats as st
from .registry import Context, experiments_for
from .simulate import CV_GRID

#: the essay's contradictions (claims.md) and the claims whose evidence settles each
CONTRADICTIONS = [
    ("C12 vs C13", "L1 is more effective against overfitting / L2 is", ("C12", "C13")),
    ("C21 vs C22", "L1 is less affected by outliers / L2 is less sensitive", ("C21", "C22")),
    ("C24 vs C25", "L1 is faster to train / L1 is expensive, L2 efficient", ("C24", "C25")),
    ("C07 vs C04", "L2 is a form of feature selection / L2 gives non-zero weights",
     ("C07", "C04")),
    ("L41 vs L17", "L1 better at preventing overfitting but L2 more accurate, against the "
     "essay's own definition of overfitting as poor performance on new data",
     ("C10", "C12", "C13")),
    ("C19", "the choice depends on the problem / is a matter of personal preference",
     ("C19a", "C19b")),
]


#: what an undecided claim tells a user instead of a reading its numbers cannot carry
UNDECIDED_READING = ("its tests had too few repetitions to decide either way (a quick "
                     "run's cells cannot reach significance after the correction): run "
                     "the full lab (shrinkage lab, without --quick) before acting on it.")


def load_claims():
    """The claims table of claims.md: ``{id: {"text": ..., "lines": [int, ...]}}``."""
    text = resources.files(__package__).joinpath("claims.md").read_text(encoding="utf-8")
    claims = {}
    for cid, words, lines in re.findall(r"^\| (C\d\d) \| (.+?) \| (.+?) \|$", text, re.M):
        claims[cid] = {"text": words.strip(),
                       "lines": [int(n) for n in re.findall(r"L(\d+)", lines)]}
    return claims


def essay_lines(numbers):
    """The essay's own words at those line numbers (1-based; missing lines skipped)."""
    lines = resources.files(__package__).joinpath("essay.txt").read_text(
        encoding="utf-8").split("\n")
    return [{"line": n, "text": lines[n - 1]} for n in numbers
            if 0 < n <= len(lines) and lines[n - 1].strip()]


def check_claim_ids(claim_ids, known):
    """Upper-case ids, each a known claim (``C05``) or part (``C05a``)."""
    checked = []
    for cid in claim_ids:
        cid = cid.strip().upper()
        if cid.rstrip("abcdefgh") not in known:
            raise ValueError(f"unknown claim {cid!r}; the claims are C01 to C{len(known):02d}")
        checked.append(cid)
    return checked


def run_lab(claims=None, *, quick=False, seed=0, n_jobs=2, progress=None,
            cv_grid=CV_GRID):
    """Run the experiments for ``claims`` (all by default); returns the lab's results.

    ``cv_grid``, ``(alphas, folds)`` of every tuned model's cross-validation, is the test
    suite's size knob: a smaller grid runs the same code on cheaper fits, for tests of the
    lab's plumbing and rules, not for verdicts (the results' settings record it)."""
    known = load_claims()
    asked = check_claim_ids(claims, known) if claims else list(known)
    ctx = Context(quick=quick, seed=seed, n_jobs=n_jobs, cv_grid=tuple(cv_grid))
    step = progress or (lambda name, done, total: None)
    todo = experiments_for(asked)
    results, experiments = {}, {}
    for k, exp in enumerate(todo):
        step(exp.title, k, len(todo))
        outcome = exp.run(ctx)
        experiments[exp.name] = {"title": exp.title, "design": exp.design,
                                 "figures": outcome.figures, "evidence": outcome.evidence,
                                 "claims": [c.id for c in outcome.claims]}
        for c in outcome.claims:
            practical = UNDECIDED_READING if c.verdict == st.UNDECIDED else c.practical
            results[c.id] = {"id": c.id, "verdict": c.verdict,
                             "summary": _with_reading(c.summary, practical),
                             "practical": practical,
                             "experiment": exp.name, "regimes": c.regimes,
                             "evidence": c.evidence,
                             "quantifier": exp.design["quantifier"].get(c.id, "whole")}
    step("done", len(todo), len(todo))
    _compose_wholes(results, known)
    entries = []
    for cid in known:
        if cid.rstrip("abcdefgh") not in {a.rstrip("abcdefgh") for a in asked}:
            continue
        for part in sorted(r for r in results if r.rstrip("abcdefgh") == cid):
            entry = dict(results[part])
            entry["essay"] = known[cid]["text"]
            entry["quotes"] = essay_lines(known[cid]["lines"])
            entries.append(entry)
    by_id = {e["id"]: e for e in entries}
    return {"claims": entries, "contradictions": _settle(by_id),
            "experiments": experiments,
            "settings": {"quick": quick, "seed": seed, "cv_grid": list(ctx.cv_grid),
                         "min_effect": st.MIN_EFFECT, "alpha": st.ALPHA}}


def _compose_wholes(results, known):
    """A claim tested only in parts (C05a, C05b) gets its whole verdict from them."""
    for cid in known:
        parts = [r for r in results if r.rstrip("abcdefgh") == cid and r != cid]
        if parts and cid not in results:
            verdict = st.combine_parts((results[p]["verdict"], results[p]["quantifier"])
                                       for p in sorted(parts))
            readings = list(dict.fromkeys(results[p]["practical"] for p in sorted(parts)))
            practical = UNDECIDED_READING if verdict == st.UNDECIDED else \
                " ".join(r for r in readings if r)
            summary = "; ".join(f"{p}: {results[p]['verdict']}" for p in sorted(parts)) + "."
            results[cid] = {"id": cid, "verdict": verdict, "quantifier": "whole",
                            "summary": _with_reading(summary, practical),
                            "practical": practical,
                            "experiment": results[sorted(parts)[0]]["experiment"],
                            "regimes": [], "evidence": {"parts": sorted(parts)}}


def _with_reading(summary, practical):
    """The verdict's sentence, ending with what a user should do."""
    return f"{summary} In practice: {practical}" if practical else summary


def _settle(by_id):
    """Each contradiction of the essay with the verdicts that settle it, in words."""
    settled = []
    for name, words, ids in CONTRADICTIONS:
        found = [by_id[i] for i in ids if i in by_id]
        if len(found) < len(ids):
            continue  # not all of its claims were run
        verdicts = {e["id"]: e["verdict"] for e in found}
        settled.append({"name": name, "essay": words, "verdicts": verdicts,
                        "settlement": _settlement(name, verdicts, by_id)})
    return settled


def _settlement(name, verdicts, by_id):
    said = ", ".join(f"{cid} is {v}" for cid, v in verdicts.items())
    if name == "L41 vs L17":
        return (f"{said}. Overfitting is poor performance on new data (C10), so 'better at "
                "preventing overfitting' and 'more accurate on new data' are the same "
                "test: the regime map of C12/C13 answers both at once, and one penalty "
                "cannot win one and lose the other.")
    if name == "C19":
        return (f"{said}. Which penalty wins is measurable and changes with the regime "
                "(C19a); nothing in the data calls for preference (C19b).")
    a, b = list(verdicts.values())[:2]
    if a == st.TRUE and b != st.TRUE:
        side = f"the evidence sides with {list(verdicts)[0]}"
    elif b == st.TRUE and a != st.TRUE:
        side = f"the evidence sides with {list(verdicts)[1]}"
    elif a == b == st.FALSE:
        side = "neither side holds"
    elif st.DEPENDS in (a, b):
        side = "each side holds only in some regimes: see the map of the experiment"
    else:
        side = "the two statements are not exclusive"
    return f"{said}: {side}. {by_id[list(verdicts)[0]]['summary']}"
