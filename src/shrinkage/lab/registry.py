"""The experiments of the lab, registered by the claims they test.

An experiment declares, in code and before any data is drawn, its data, regimes, models,
metric, repetitions and decision rule (``design``); ``run(ctx)`` then draws the data and
returns one ``ClaimResult`` per claim id it covers, and its figures.
"""

from dataclasses import dataclass, field

EXPERIMENTS = {}


@dataclass(frozen=True)
class Context:
    """How the lab runs: ``quick`` (fewer repetitions, same code), the seed, and the
    workers for experiments that run cells in parallel."""

    quick: bool = False
    seed: int = 0
    n_jobs: int = 2

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
    required = {"data", "regimes", "models", "metric", "repetitions", "decision"}
    missing = required - set(design)
    if missing:
        raise ValueError(f"experiment {name!r} does not declare {sorted(missing)}")

    def register(run):
        EXPERIMENTS[name] = Experiment(name, tuple(claims), title, design, run)
        return run
    return register


def experiments_for(claim_ids):
    """The experiments that cover ``claim_ids`` (a claim ``C05`` also asks for C05a...)."""
    wanted = {c.rstrip("abcdefgh") for c in claim_ids}
    return [e for e in EXPERIMENTS.values() if wanted & set(e.claims)]
