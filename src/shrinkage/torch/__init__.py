"""Penalties for PyTorch models: exact proximal steps after any optimizer's step.

Needs the ``torch`` extra (``pip install "shrinkage[torch]"``). The names live here,
not in ``shrinkage``'s namespace: ``shrinkage.ElasticNet`` is the estimator,
``shrinkage.torch.ElasticNet`` the penalty on a tensor.
"""

try:
    import torch  # noqa: F401  (the message below instead of a bare ImportError)
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("shrinkage.torch needs PyTorch: pip install \"shrinkage[torch]\"") \
        from exc

from .penalties import L1, L2, ElasticNet, GroupLasso, Penalty
from .proximal import Proximal
from .prune import PruneReport, prune_units

__all__ = ["L1", "L2", "ElasticNet", "GroupLasso", "Penalty", "Proximal", "PruneReport",
           "prune_units"]
