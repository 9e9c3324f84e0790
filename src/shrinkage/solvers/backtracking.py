"""The step length of a proximal Newton direction: halve until the objective does not
increase (the binary, Poisson and Huber solver and the multinomial one share it)."""

#: halvings tried before the direction is given up
MAX_HALVINGS = 30
#: near the optimum objective changes fall below rounding: a step that does not
#: measurably raise the objective is taken (its gradient is what improves)
ROUNDING = 1e-14


def backtracking_step(objective_at, before):
    """The first step of 1, 1/2, 1/4, ... whose objective does not exceed ``before``.

    Parameters
    ----------
    objective_at : callable
        ``objective_at(step) -> (objective, datafit value)`` along the direction.
    before : float
        The objective at step 0.

    Returns
    -------
    (step, datafit value) or None
        None when no step of ``MAX_HALVINGS`` halvings decreases the objective.
    """
    step = 1.0
    for _ in range(MAX_HALVINGS):
        after, fit = objective_at(step)
        if after <= before + ROUNDING * abs(before):
            return step, fit
        step *= 0.5
    return None
