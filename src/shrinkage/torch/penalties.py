"""Penalties on tensors: each a value (to log, or to add to a loss) and an exact proximal
step taken in place.

The scale is the package's: ``alpha * (l1_ratio * |w|_1 + (1 - l1_ratio) / 2 * |w|_2^2)``,
so that ``L1(alpha)`` on a linear layer with the mean squared error halved is the
``Lasso(alpha)`` objective. ``prox_(w, step)`` replaces ``w`` by
``argmin_v |v - w|^2 / (2 step) + penalty(v)``: the step that makes exact zeros, which a
subgradient of ``|w|`` added to the loss never does.
"""

import numbers

import torch


def _check_alpha(alpha):
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"alpha must be a real number, got {type(alpha).__name__}")
    if not alpha >= 0 or alpha == float("inf"):
        raise ValueError(f"alpha must be finite and >= 0, got {alpha}")
    return float(alpha)


def _check_step(step):
    step = float(step)
    if not step >= 0:
        raise ValueError(f"step must be >= 0 (a learning rate), got {step}")
    return step


class Penalty:
    """A penalty ``value(w)`` with its in-place proximal step ``prox_(w, step)``."""

    def value(self, tensor):
        """The penalty of ``tensor`` (a 0-d tensor, differentiable)."""
        raise NotImplementedError

    def prox_(self, tensor, step):
        """Replace ``tensor`` by its proximal point for ``step`` (in place, no grad);
        returns ``tensor``."""
        raise NotImplementedError

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


class ElasticNet(Penalty):
    """``alpha * (l1_ratio * |w|_1 + (1 - l1_ratio) / 2 * |w|^2)``.

    Its proximal step soft-thresholds by ``step * alpha * l1_ratio`` and then divides by
    ``1 + step * alpha * (1 - l1_ratio)``.

    Parameters
    ----------
    alpha : float, >= 0
    l1_ratio : float in [0, 1]
    """

    def __init__(self, alpha, l1_ratio=0.5):
        self.alpha = _check_alpha(alpha)
        if isinstance(l1_ratio, bool) or not isinstance(l1_ratio, numbers.Real):
            raise TypeError(f"l1_ratio must be a real number, got {type(l1_ratio).__name__}")
        if not 0.0 <= l1_ratio <= 1.0:
            raise ValueError(f"l1_ratio must be in [0, 1], got {l1_ratio}")
        self.l1_ratio = float(l1_ratio)

    def value(self, tensor):
        l1, l2 = self.alpha * self.l1_ratio, self.alpha * (1.0 - self.l1_ratio)
        return l1 * tensor.abs().sum() + 0.5 * l2 * tensor.pow(2).sum()

    @torch.no_grad()
    def prox_(self, tensor, step):
        step = _check_step(step)
        threshold = step * self.alpha * self.l1_ratio
        if threshold > 0:
            # sign(w) * max(|w| - t, 0), in place
            magnitude = tensor.abs().sub_(threshold).clamp_(min=0.0)
            tensor.copy_(tensor.sign().mul_(magnitude))
        shrink = 1.0 + step * self.alpha * (1.0 - self.l1_ratio)
        if shrink != 1.0:
            tensor.div_(shrink)
        return tensor


class L1(ElasticNet):
    """``alpha * |w|_1`` (the lasso's penalty); its proximal step is soft-thresholding
    by ``step * alpha``.

    Parameters
    ----------
    alpha : float, >= 0
    """

    def __init__(self, alpha):
        super().__init__(alpha, 1.0)

    def __repr__(self):
        return f"L1(alpha={self.alpha!r})"


class L2(ElasticNet):
    """``alpha / 2 * |w|^2`` (ridge); its proximal step divides by ``1 + step * alpha``.

    After any optimizer's step this is decoupled weight decay in its proximal form: AdamW
    multiplies by ``1 - lr * weight_decay``, the same to first order in ``lr * alpha``.

    Parameters
    ----------
    alpha : float, >= 0
    """

    def __init__(self, alpha):
        super().__init__(alpha, 0.0)

    def __repr__(self):
        return f"L2(alpha={self.alpha!r})"


class GroupLasso(Penalty):
    """``alpha * sum_g |w_g|_2`` over the slices of a weight along ``dim``: whole groups
    become zero together.

    For a ``torch.nn.Linear`` weight of shape ``(out_features, in_features)``, ``dim=1``
    groups each row (a unit's incoming weights: the unit can be removed when its bias
    and activation allow, see ``prune_units``) and ``dim=0`` each column (an input's
    outgoing weights: the input is dropped from the model).

    Its proximal step scales each group by ``max(0, 1 - step * alpha / |w_g|)``.

    Parameters
    ----------
    alpha : float, >= 0
    dim : int or tuple of int
        The dimensions each group's norm runs over.
    """

    def __init__(self, alpha, dim=1):
        self.alpha = _check_alpha(alpha)
        self.dim = dim

    def _norms(self, tensor):
        if tensor.dim() < 2:
            raise ValueError(f"GroupLasso needs a tensor of 2 or more dimensions (a "
                             f"weight), got shape {tuple(tensor.shape)}")
        return torch.linalg.vector_norm(tensor, dim=self.dim, keepdim=True)

    def value(self, tensor):
        return self.alpha * self._norms(tensor).sum()

    @torch.no_grad()
    def prox_(self, tensor, step):
        step = _check_step(step)
        norms = self._norms(tensor)
        scale = (1.0 - step * self.alpha / norms.clamp(min=torch.finfo(norms.dtype).tiny))
        tensor.mul_(scale.clamp_(min=0.0))
        return tensor
