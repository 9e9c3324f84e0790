"""Groups of features: the group lasso and the sparse group lasso.

For groups ``g`` of the features (a partition), the penalty is::

    alpha * [ l1_ratio * ((1 - group_l1_ratio) * sum_g v_g ||w_g||_2
                          + group_l1_ratio * ||w||_1)
              + (1 - l1_ratio) / 2 * ||w||_2^2 ]

with ``v_g = sqrt(|g|)`` by default (Yuan and Lin, 2006; user weights allowed, 0 leaves
a group unpenalized). ``group_l1_ratio = 0`` is the group lasso, 1 the lasso (or the
elastic net), between the sparse group lasso (Simon et al., 2013: their ``alpha``;
skglm's ``WeightedL1GroupL2`` with ``alpha_1, alpha_2``). The solvers read ``blocks``
(the groups), not this class's name: a penalty with blocks gets the block iterates.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import penalty_group_kernels as gk
from .errors import UserError
from .penalties import L1_RATIO_FLOOR


@dataclass(frozen=True)
class Groups:
    """A partition of the features into groups, in the kernels' layout.

    Attributes
    ----------
    ptr : ndarray of shape (n_groups + 1,)
        Group ``g`` holds the features ``index[ptr[g]:ptr[g + 1]]``.
    index : ndarray of shape (n_features,)
        The features, group by group.
    of : ndarray of shape (n_features,)
        Each feature's group.
    weights : ndarray of shape (n_groups,)
        ``v_g`` (0: the group is unpenalized).
    labels : ndarray of shape (n_groups,)
        The user's name of each group (its label, or its position in the list).
    """

    ptr: np.ndarray
    index: np.ndarray
    of: np.ndarray
    weights: np.ndarray
    labels: np.ndarray

    @property
    def n_groups(self):
        return self.ptr.shape[0] - 1

    @property
    def sizes(self):
        return np.diff(self.ptr)

    def members(self, g):
        """The features of group ``g``."""
        return self.index[self.ptr[g]:self.ptr[g + 1]]

    def subset(self, features):
        """The groups of ``features`` (a union of whole groups), renumbered."""
        features = np.asarray(features, dtype=np.int64)
        kept = np.unique(self.of[features])
        if int(self.sizes[kept].sum()) != features.size:
            raise ValueError("a group penalty's subset must hold whole groups")
        position = np.full(self.n_groups, -1)
        position[kept] = np.arange(kept.size)
        return _layout(position[self.of[features]], self.weights[kept], self.labels[kept])


def _layout(codes, weights, labels):
    """``Groups`` from a group code per feature (0 .. n_groups - 1)."""
    order = np.argsort(codes, kind="stable").astype(np.int64)
    ptr = np.zeros(len(weights) + 1, dtype=np.int64)
    np.cumsum(np.bincount(codes, minlength=len(weights)), out=ptr[1:])
    return Groups(ptr=ptr, index=order, of=np.asarray(codes, dtype=np.int64),
                  weights=np.asarray(weights, dtype=np.float64), labels=np.asarray(labels))


def check_groups(groups, n_features, group_weights=None):
    """``groups`` as given by the user, checked: a label per column (any hashable
    numbers or strings) or a list of index arrays that partition the columns.

    ``group_weights`` (one per group, >= 0, in the order of ``Groups.labels``: sorted
    labels, or the list's order) replaces the default ``sqrt(|g|)``.
    """
    if isinstance(groups, (str, bytes)) or np.isscalar(groups) or groups is None:
        raise UserError(f"feature_groups must be a label per column of X or a list of "
                        f"column index lists (e.g. [0, 0, 1, 1, 1]), got {groups!r}")
    items = list(groups)
    if items and all(np.ndim(item) == 1 for item in items):
        codes, labels = _codes_from_lists(items, n_features)
    else:
        per_column = np.asarray(items)
        if per_column.ndim != 1 or per_column.shape[0] != n_features:
            given = per_column.shape[0] if per_column.ndim else 0
            raise UserError(f"feature_groups must hold one label per column of X "
                            f"({n_features}), got {given} labels; or give a list of column "
                            "index lists")
        labels, codes = np.unique(per_column, return_inverse=True)
    sizes = np.bincount(codes, minlength=len(labels))
    if group_weights is None:
        weights = np.sqrt(sizes.astype(np.float64))
    else:
        weights = np.asarray(group_weights, dtype=np.float64).ravel()
        if weights.shape[0] != len(labels) or not np.all(np.isfinite(weights)) or \
                np.any(weights < 0):
            raise UserError(f"group_weights must hold {len(labels)} finite numbers >= 0 "
                            f"(one per group, in the order of the sorted labels), got "
                            f"{weights.shape[0]} values")
    return _layout(codes, weights, labels)


def _codes_from_lists(items, n_features):
    """The group code of each column from a list of index lists (a partition)."""
    codes = np.full(n_features, -1, dtype=np.int64)
    for g, item in enumerate(items):
        columns = np.asarray(item)
        if columns.size and not np.issubdtype(columns.dtype, np.integer):
            raise UserError(f"feature_groups[{g}] must hold column indices (integers), got "
                            f"{columns.dtype} values")
        if columns.size == 0:
            raise UserError(f"feature_groups[{g}] is empty; every group needs a column")
        if columns.min() < 0 or columns.max() >= n_features:
            raise UserError(f"feature_groups[{g}] holds a column index outside "
                            f"0..{n_features - 1}")
        if np.any(codes[columns] >= 0) or np.unique(columns).size != columns.size:
            raise UserError(f"feature_groups[{g}] repeats a column already in a group; "
                            "the groups must not overlap")
        codes[columns] = g
    if np.any(codes < 0):
        missing = int(np.flatnonzero(codes < 0)[0])
        raise UserError(f"feature_groups leaves column {missing} in no group; put every "
                        "column in one group (a group of its own is fine)")
    return codes, np.arange(len(items))


@dataclass(frozen=True)
class GroupPenalty:
    """The (sparse) group penalty as arrays: ``l1`` and ``l2`` per feature (the plain
    L1 and the L2 parts), ``group_l1`` per group (``b_g``), and the groups (``blocks``).
    """

    l1: np.ndarray
    l2: np.ndarray
    group_l1: np.ndarray
    blocks: Groups

    @classmethod
    def from_params(cls, alpha, l1_ratio, groups, group_l1_ratio):
        """The arrays of the user-facing parameters (already validated)."""
        penalized = (groups.weights > 0)[groups.of].astype(np.float64)
        return cls(l1=alpha * l1_ratio * group_l1_ratio * penalized,
                   l2=alpha * (1.0 - l1_ratio) * penalized,
                   group_l1=alpha * l1_ratio * (1.0 - group_l1_ratio) * groups.weights,
                   blocks=groups)

    @cached_property
    def lower(self):
        return np.full(self.l1.shape[0], -np.inf)

    @cached_property
    def upper(self):
        return np.full(self.l1.shape[0], np.inf)

    @cached_property
    def unpenalized(self):
        """Features whose group is unpenalized."""
        return (self.l1 == 0.0) & (self.l2 == 0.0) & (self.group_l1[self.blocks.of] == 0.0)

    def subset(self, features):
        """The penalty of ``features`` (whole groups) only."""
        kept = np.unique(self.blocks.of[features])
        return GroupPenalty(self.l1[features], self.l2[features], self.group_l1[kept],
                            self.blocks.subset(features))

    def value(self, w):
        """The penalty at ``w``."""
        return float(self.gap_terms(np.zeros_like(w), w)[2])

    def prox(self, v, step):
        """Proximal operator of ``step * penalty`` at ``v``: soft-thresholding, then
        the group's shrinkage, then the L2 part's scaling (exact for this sum)."""
        soft = np.sign(v) * np.maximum(np.abs(v) - step * self.l1, 0.0)
        norms = np.sqrt(np.bincount(self.blocks.of, soft**2, self.blocks.n_groups))
        with np.errstate(divide="ignore", invalid="ignore"):
            keep = np.where(norms > 0, np.maximum(1.0 - step * self.group_l1 / norms, 0.0),
                            0.0)
        return soft * keep[self.blocks.of] / (1.0 + step * self.l2)

    def group_scores(self, w, u):
        """Per group, the distance of ``u`` (minus the datafit gradient) to the
        subdifferential at ``w``: all zero exactly at a KKT point."""
        out = np.empty(self.blocks.n_groups)
        g = self.blocks
        gk.group_scores(np.ascontiguousarray(w, dtype=np.float64),
                        np.ascontiguousarray(u, dtype=np.float64), g.ptr, g.index,
                        self.l1, self.group_l1, self.l2, out)
        return out

    def violation_scores(self, w, u_grad, u_dual, col_norm, radius, screened, newly,
                         scores):
        """Each feature's score is its group's KKT violation, so that the driver ranks
        and admits whole groups (-1 where screened: columns with no information); no
        gap-safe screening of groups yet."""
        newly[:] = False
        scores[:] = self.group_scores(w, u_grad)[self.blocks.of]
        scores[screened] = -1.0

    def gap_terms(self, u, w):
        """``(kappa, sum_g h_g*(kappa u_g), value(w))``; kappa in (0, 1] scales ``u``
        into the conjugate's domain through each group's dual norm (an upper bound, so
        that the scaled point stays feasible). Unpenalized features must have been
        zeroed in ``u`` by the caller."""
        g = self.blocks
        kappa, conjugate, value = gk.group_gap_terms(
            np.ascontiguousarray(u, dtype=np.float64),
            np.ascontiguousarray(w, dtype=np.float64), g.ptr, g.index, self.l1,
            self.group_l1, self.l2)
        return float(kappa), float(conjugate), float(value)


def group_alpha_max(u0, l1_ratio, groups, group_l1_ratio):
    """Smallest alpha with every penalized group zero, from minus the datafit gradient
    ``u0`` at ``w = 0`` (intercept and unpenalized groups fitted): the largest group
    dual norm over ``l1_ratio`` (floored at 1e-3, as glmnet's ridge)."""
    unit = GroupPenalty.from_params(1.0, 1.0, groups, group_l1_ratio)
    u0 = np.ascontiguousarray(u0, dtype=np.float64)
    top = 0.0
    for g in range(groups.n_groups):
        if groups.weights[g] > 0:
            top = max(top, gk.group_dual_norm(u0, groups.index, groups.ptr[g],
                                              groups.ptr[g + 1], unit.l1,
                                              unit.group_l1[g]))
    return float(top / max(l1_ratio, L1_RATIO_FLOOR))


@dataclass(frozen=True)
class GroupStructure:
    """What a path needs to build the group penalty at any alpha: the groups and the
    share of plain L1 in the L1 part (``group_l1_ratio``)."""

    groups: Groups
    group_l1_ratio: float

    @cached_property
    def factor(self):
        """Per feature, 1 where its group is penalized, else 0 (the penalty factors the
        alpha_max and the unpenalized fits read)."""
        return (self.groups.weights > 0)[self.groups.of].astype(np.float64)

    def penalty(self, alpha, l1_ratio):
        """The ``GroupPenalty`` at ``alpha``."""
        return GroupPenalty.from_params(alpha, l1_ratio, self.groups, self.group_l1_ratio)

    def alpha_max(self, u0, l1_ratio):
        """``group_alpha_max`` of minus the gradient ``u0`` at ``w = 0``."""
        return group_alpha_max(u0, l1_ratio, self.groups, self.group_l1_ratio)


def check_group_structure(feature_groups, n_features, group_l1_ratio=0.0,
                          group_weights=None):
    """The checked ``GroupStructure`` of the user's parameters."""
    ratio = group_l1_ratio
    number = isinstance(ratio, (int, float, np.number)) and \
        not isinstance(ratio, (bool, np.bool_))
    if not number or not 0.0 <= float(ratio) <= 1.0:
        raise UserError(f"group_l1_ratio must be a number in [0, 1] (0: the group lasso, "
                        f"1: the lasso), got {ratio!r}")
    return GroupStructure(check_groups(feature_groups, n_features, group_weights),
                          float(ratio))


def refuse_factors_and_bounds(penalty_factor, lower, upper):
    """The group penalty takes no penalty factors and no bounds (checked ``lower``,
    ``upper``): refuse them, naming what to use instead."""
    if penalty_factor is not None or np.any(np.isfinite(lower)) or \
            np.any(np.isfinite(upper)):
        raise UserError("feature_groups takes neither penalty_factor nor bounds "
                        "(positive, lower_bounds, upper_bounds); weigh the groups with "
                        "group_weights (0 leaves a group unpenalized)")
