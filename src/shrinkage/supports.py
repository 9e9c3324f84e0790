"""Which features the folds' (or subsamples') paths keep: booleans per alpha, packed
8 to a byte along the features so that every fold's support at every alpha can be kept
(``model_selection.CVPaths.fold_support``) at 1/64 of the paths' floats."""

import numpy as np


def path_support(coefs):
    """Which features each alpha of a path keeps: bool (n_alphas, n_features) from
    coefficients (n_alphas, n_features), or (n_alphas, n_classes, n_features) where a
    feature is kept when any of its class coefficients is non-zero."""
    coefs = np.asarray(coefs)
    return np.any(coefs != 0, axis=1) if coefs.ndim == 3 else coefs != 0


def support_bits(ratio_coefs):
    """One fold's row of ``CVPaths.fold_support``: its path's coefficients of each
    l1_ratio (as ``path_support`` takes them) -> uint8 (n_l1_ratios, n_alphas, bytes),
    packed in the fold's task so that its float paths need not be kept."""
    return np.packbits(np.array([path_support(c) for c in ratio_coefs]), axis=-1)


def stack_support(fold_bits):
    """``CVPaths.fold_support`` from each fold's ``support_bits``."""
    return np.array(fold_bits).transpose(1, 0, 2, 3)


def share_kept(bits, n_features):
    """The share of the rows of packed ``bits`` (n_folds, bytes) keeping each of the
    ``n_features`` features: ndarray of shape (n_features,)."""
    return np.unpackbits(bits, axis=-1, count=n_features).astype(bool).mean(axis=0)
