"""The experiments of the lab, registered by the claims they test.

An experiment declares, in code and before any data is drawn, its data, regimes, models,
metric, repetitions and decision rule (``design``); ``run(ctx)`` then draws the data and
returns one ``ClaimResult`` per claim id it covers, and its figures.
"""

from dataclasses import dataclass, field

from .simulate import CV_GRID

EXPERIMENTS = {}


@dataclass(frozen=True)
class Context:
    """How the lab runs: ``quick`` (fewer repetitions, same code), the seed, the
    workers for experiments that run cells in parallel, and the cross-validation grid
    ``(alphas, folds)`` of the tuned models (smaller only in the test suite: see
    ``run_lab``)."""

    quick: bool = False
    seed: int = 0
    n_jobs: int = 2
    cv_grid: tuple = CV_GRID

    def reps(self, full, quick):
        return quick if self.quick else full


@dataclass
class ClaimResult:
    """The verdict on one claim (or part, such as ``C05a``) and what it rests on."""

    id: str
    verdict: str
    summary: str
    evidence: dict = field(default_factory=dict)
    regimes: list = field(default_factory=list)
    #: what a user should do, read off this evidence (principle 5 of the lab's design)
    practical: str = ""


@dataclass
class ExperimentResult:
    claims: list
    figures: dict = field(default_factory=dict)  # title -> SVG text
    evidence: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Experiment:
    name: str
    claims: tuple
    title: str
    design: dict
    run: object


def experiment(name, *, claims, title, design):
    """Register ``run(ctx) -> ExperimentResult`` under ``name`` for ``claims``."""
    required = {"data", "regimes", "models", "metric", "repetitions", "decision",
                "quantifier", "factor", "comparison"}
    missing = required - set(design)
    if missing:
        raise ValueError(f"experiment {name!r} does not declare {sorted(missing)}")
    _check_quantifiers(name, claims, design["quantifier"])

    def register(run):
        EXPERIMENTS[name] = Experiment(name, tuple(claims), title, design, run)
        return run
    return register


def experiments_for(claim_ids):
    """The experiments that cover ``claim_ids`` (a claim ``C05`` also asks for C05a...)."""
    wanted = {c.rstrip("abcdefgh") for c in claim_ids}
    return [e for e in EXPERIMENTS.values() if wanted & set(e.claims)]


def _check_quantifiers(name, claims, quantifier):
    """Each claim covered has the wording of itself or of its parts declared."""
    from .stats import QUANTIFIERS

    if not isinstance(quantifier, dict):
        raise ValueError(f"experiment {name!r}: quantifier must map claim ids to one of "
                         f"{list(QUANTIFIERS)}")
    bad = {k: v for k, v in quantifier.items() if v not in QUANTIFIERS}
    if bad:
        raise ValueError(f"experiment {name!r}: unknown quantifiers {bad}; use one of "
                         f"{list(QUANTIFIERS)}")
    declared = {k.rstrip("abcdefgh") for k in quantifier}
    undeclared = [c for c in claims if c not in declared]
    if undeclared:
        raise ValueError(f"experiment {name!r} does not declare the quantifier of "
                         f"{undeclared}")
