"""The ConvergenceWarning every solver gives when it stops short of its target."""

import warnings

from sklearn.exceptions import ConvergenceWarning

#: what the user can do about it, unless a solver knows better
ADVICE = "increase max_iter or tol, or scale the data"


def warn_short_of_tol(what, value, tol, *, measure="relative duality gap", where="",
                      advice=ADVICE, stacklevel=2):
    """Warn that ``what`` (a phrase, "Coordinate descent stopped after 9 epochs with")
    left its certificate ``measure`` at ``value`` above ``tol`` (``where``: " at 2 of
    9 alphas", say). ``stacklevel`` counts from the caller, as ``warnings.warn``'s
    does."""
    warnings.warn(f"{what} {measure} {value:.3e} > tol={tol:.1e}{where}; {advice}.",
                  ConvergenceWarning, stacklevel=stacklevel + 1)
