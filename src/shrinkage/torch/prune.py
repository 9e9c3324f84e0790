"""Remove the hidden units of a pair of linear layers that a group penalty switched off."""

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class PruneReport:
    """What ``prune_units`` removed.

    Attributes
    ----------
    kept : list of int
        The hidden units kept, in order (their indices in the original layers).
    removed_dead_outputs : list of int
        Units whose outgoing weights were all zero: removed exactly.
    removed_constant : list of int
        Units whose incoming weights were all zero: their constant output
        ``activation(bias)`` was folded into the second layer's bias.
    """

    kept: list
    removed_dead_outputs: list
    removed_constant: list

    @property
    def n_removed(self):
        return len(self.removed_dead_outputs) + len(self.removed_constant)


@torch.no_grad()
def prune_units(first, second, activation=None):
    """Smaller copies of ``first`` and ``second`` (``second(activation(first(x)))``) without
    the hidden units that cannot change the output.

    A unit is removed when its outgoing weights (its column of ``second.weight``) are all
    zero, and, when ``activation`` is given, also when its incoming weights (its row of
    ``first.weight``) are all zero: it then outputs the constant ``activation(bias)``,
    which is added to ``second``'s bias. The layers given are not modified.

    Parameters
    ----------
    first, second : torch.nn.Linear
        ``second.in_features == first.out_features``.
    activation : callable, optional
        The elementwise function between the layers (``torch.relu``, say); without it
        only units with zero outgoing weights are removed.

    Returns
    -------
    first, second : torch.nn.Linear
        New layers of the same dtype and device.
    report : PruneReport
    """
    for name, layer in (("first", first), ("second", second)):
        if not isinstance(layer, torch.nn.Linear):
            raise TypeError(f"{name} must be a torch.nn.Linear, got {type(layer).__name__}")
    if second.in_features != first.out_features:
        raise ValueError(f"second.in_features ({second.in_features}) must equal "
                         f"first.out_features ({first.out_features}): the hidden units")
    dead_out = ~second.weight.ne(0).any(dim=0)
    constant = ~first.weight.ne(0).any(dim=1) & ~dead_out
    if activation is None:
        constant = torch.zeros_like(constant)
    keep = ~(dead_out | constant)
    bias = None if second.bias is None else second.bias.clone()
    if constant.any():
        hidden_bias = (first.bias[constant] if first.bias is not None
                       else first.weight.new_zeros(int(constant.sum())))
        shift = second.weight[:, constant] @ activation(hidden_bias)
        bias = shift if bias is None else bias + shift
    index = torch.nonzero(keep).ravel()
    new_first = _linear(first.weight[index], None if first.bias is None
                        else first.bias[index])
    new_second = _linear(second.weight[:, index], bias)
    report = PruneReport(kept=index.tolist(),
                         removed_dead_outputs=torch.nonzero(dead_out).ravel().tolist(),
                         removed_constant=torch.nonzero(constant).ravel().tolist())
    return new_first, new_second, report


def _linear(weight, bias):
    layer = torch.nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None,
                            dtype=weight.dtype, device=weight.device)
    layer.weight.copy_(weight)
    if bias is not None:
        layer.bias.copy_(bias)
    return layer
