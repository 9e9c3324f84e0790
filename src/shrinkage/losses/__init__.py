"""The losses: one object per loss, registered by name.

``get_loss(name)`` is called once, where a user's string enters (the estimators, the
path functions); everything below holds the object. Adding a loss is one module here
(its ``Loss`` subclass, its datafit) and one line in ``REGISTRY``.
"""

from .base import Loss
from .cox import COX, concordance_index
from .huber import HUBER, huber_losses
from .logistic import LOGISTIC
from .multinomial import MULTINOMIAL, class_log_losses
from .multitask import MULTITASK
from .poisson import POISSON, poisson_deviances
from .squared import SQUARED

REGISTRY = {loss.name: loss for loss in (SQUARED, LOGISTIC, MULTINOMIAL, POISSON, HUBER,
                                         COX, MULTITASK)}
#: the names offered
LOSSES = tuple(REGISTRY)


def get_loss(loss):
    """The loss object of a name (a loss object is returned as it is).

    Raises
    ------
    ValueError
        For a name that is not registered, listing those that are.
    """
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str) and loss in REGISTRY:
        return REGISTRY[loss]
    raise ValueError(f"loss must be one of {', '.join(map(repr, LOSSES))}, got {loss!r}")


__all__ = ["COX", "HUBER", "LOGISTIC", "LOSSES", "Loss", "MULTINOMIAL", "MULTITASK", "POISSON",
           "REGISTRY", "SQUARED", "class_log_losses", "concordance_index", "get_loss",
           "huber_losses", "poisson_deviances"]
