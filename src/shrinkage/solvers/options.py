"""The working-set solver's tuning, one frozen object passed down to the solves.

Each rule was kept because an A/B run on the benchmark problems paid for it (the
numbers below are ratios of time with the rule over time without it). ``solve`` takes
an ``options`` argument; ``None`` means ``DEFAULT``.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class SolverOptions:
    """How working sets are solved.

    Attributes
    ----------
    newton_rescue : bool
        A working set that coordinate descent has not solved in ``rescue_after_epochs``
        epochs, nor in ``rescue_epochs_per_feature`` epochs per feature of the set (about
        what its Gram block costs), gets orthant Newton steps between chunks, if that
        block stays under ``rescue_max_features`` (a 2500 x 2500 block: 50 MB). Ill-
        conditioned sets whose support nears n (a 150 x 300 lasso at rho 0.95 reaches a
        gap of 1e-10 in 353 epochs instead of not in 500). Triggered after 20 epochs
        whatever the set's size, the rescue cost benchmark problem 2 1.49x and a
        1000 x 2000 no-intercept path 1.5x (their Gram blocks of up to 2000 features);
        with the per-feature floor (0.25, prox_newton's switch to Gram models) 7.1 s and
        1.6 s instead of 9.1 s and 2.6 s (2026-12-07).
    ws_gap_rule : bool
        A working set that holds every violator is solved to its own duality gap <=
        ``ws_gap_fraction`` of the target (squared loss), not to 0.3 of the violation it
        started from (problem 3, 72 x 7129: 3.85 full gradients per alpha, one per 10x
        of gap; A/B 0.64); only where a full gradient costs ``ws_gap_min_ratio`` epochs
        of the set and no violator is new since the last set (without both, problem 1b
        1.46, 4 1.29).
    warm_settled : bool
        ... and a path step's first set counts as settled (problem 3 A/B 0.81; 1a, 2, 4
        1.00-1.01).
    glm_settled_rule : bool
        ... and for the Newton datafits, the quadratic models of a settled set are solved
        to ``glm_settled_fraction`` of the violation instead of 0.3, within a pass's
        worth of epochs (else one Newton step per round: linear convergence, a round and
        a full gradient per 10-20x of gap; problem 10 A/B 0.80; problem 5 0.87, 11 0.99).
    """

    newton_rescue: bool = True
    rescue_after_epochs: int = 20
    rescue_epochs_per_feature: float = 0.25
    rescue_max_features: int = 2500
    ws_gap_rule: bool = True
    ws_gap_fraction: float = 0.5
    ws_gap_min_ratio: float = 20
    warm_settled: bool = True
    glm_settled_rule: bool = True
    glm_settled_fraction: float = 0.01


#: the options of every solve that is given none
DEFAULT = SolverOptions()
