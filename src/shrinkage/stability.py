"""Stability selection (Meinshausen and Buhlmann 2010): how often each feature is
selected along a regularization path fitted on random subsamples of the rows.

A CV-tuned lasso's support is one draw of a noisy procedure; refitting the path on many
half-samples shows which features are kept whatever the rows, and the error bound says
how many of the features above a probability threshold may be noise.
"""

from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.validation import _num_samples

from . import validation as v
from .losses import MULTINOMIAL
from .regularization import regularization_path
from .supports import path_support


@dataclass(frozen=True)
class StabilityPath:
    """The selection probability of each feature at each alpha over the subsamples.

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,)
        The grid every subsample's path was fitted on.
    probabilities : ndarray of shape (n_alphas, n_features)
        The share of the subsamples whose path keeps each feature (a non-zero
        coefficient; with several classes, non-zero in any class) at each alpha.
    max_probability : ndarray of shape (n_features,)
        The maximum over the alphas: Meinshausen and Buhlmann's stability score.
    n_selected : ndarray of shape (n_resamples,)
        The features each subsample's path keeps at some alpha of the grid (the size
        of the union of its supports over the grid).
    subsamples : ndarray of shape (n_resamples, n_subsample)
        The rows of each subsample, sorted.

    See Also
    --------
    stability_selection : Computes it.

    Examples
    --------
    >>> import numpy as np
    >>> from shrinkage import Lasso, stability_selection
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 30))
    >>> y = X[:, :2] @ [2.0, -2.0] + rng.standard_normal(200)
    >>> result = stability_selection(Lasso(), X, y, n_resamples=20,
    ...                              alphas=[1.5, 1.0, 0.5], random_state=0)
    >>> result.probabilities.shape
    (3, 30)
    >>> result.selected(0.9), bool(result.error_bound(0.9) < 1)
    (array([0, 1]), True)
    """

    alphas: np.ndarray
    probabilities: np.ndarray
    max_probability: np.ndarray
    n_selected: np.ndarray
    subsamples: np.ndarray

    def selected(self, threshold=0.8):
        """The features selected at a probability threshold.

        Parameters
        ----------
        threshold : float, default=0.8
            The probability ``max_probability`` must reach.

        Returns
        -------
        ndarray of int
            The indices of those features, increasing.
        """
        return np.flatnonzero(self.max_probability >= threshold)

    def error_bound(self, threshold=0.8):
        """Meinshausen and Buhlmann's bound on the expected number of false selections.

        ``E[V] <= q^2 / ((2 threshold - 1) p)`` for the features whose
        ``max_probability`` reaches ``threshold``, where ``q`` is the mean of
        ``n_selected`` (the features a subsample selects over the grid) and ``p`` the
        number of features. It assumes that the noise features are exchangeable and the
        procedure no worse than random guessing; a narrower grid (smaller ``q``) gives a
        tighter bound.

        Parameters
        ----------
        threshold : float, default=0.8
            In (0.5, 1].

        Returns
        -------
        float
            The bound on the expected number of noise features selected.
        """
        threshold = v.check_scalar_param(threshold, "threshold", low=0.5, high=1.0,
                                         low_open=True)
        q = float(np.mean(self.n_selected))
        return q**2 / ((2.0 * threshold - 1.0) * self.probabilities.shape[1])


def _path_arguments(estimator, y):
    """``regularization_path``'s arguments that ``estimator``'s parameters give."""
    # the estimator's own FitSpec reads its parameters as its fit does (Lasso's l1_ratio
    # of 1, HuberRegressor's delta), as prepared.py does at this same layer
    spec = getattr(estimator, "_fit_spec", None)
    if spec is None or hasattr(estimator, "_cv_spec"):
        raise ValueError(f"estimator must be one of shrinkage's single-alpha estimators "
                         f"(Lasso, ElasticNet, LogisticRegression, PoissonRegressor, "
                         f"HuberRegressor), got {type(estimator).__name__}")
    spec = spec()
    if spec.class_weight is not None:
        raise ValueError("estimator: class_weight is not offered by stability_selection; "
                         "set it to None")
    delta = spec.delta
    if isinstance(delta, str):
        raise ValueError(f"estimator: delta={delta!r} needs a pilot fit per subsample; "
                         "give a float delta (a fitted HuberRegressor's delta_) or None")
    loss = spec.loss
    # a classifier of more than two classes has a row of coefficients per class, as the
    # estimators' engines decide from the target
    if not loss.numeric_target and len(np.unique(np.asarray(y))) > 2:
        loss = MULTINOMIAL
    return dict(loss=loss.name, l1_ratio=spec.l1_ratio, fit_intercept=spec.fit_intercept,
                penalty_factor=spec.penalty_factor, positive=spec.positive,
                lower_bounds=spec.lower_bounds, upper_bounds=spec.upper_bounds,
                tol=spec.tol, max_iter=spec.max_iter, multinomial=spec.multinomial,
                delta=delta, feature_groups=spec.feature_groups,
                group_l1_ratio=spec.group_l1_ratio, group_weights=spec.group_weights)


def _subsamples(n_samples, n_resamples, sample_fraction, random_state):
    """``n_resamples`` sorted draws of ``floor(sample_fraction * n)`` rows without
    replacement: ``random_state.permutation(n)[:m]`` for each, in turn."""
    size = int(np.floor(sample_fraction * n_samples))
    if size < 2:
        raise ValueError(f"sample_fraction={sample_fraction} keeps {size} of "
                         f"{n_samples} rows; each subsample needs at least 2")
    rng = check_random_state(random_state)
    return np.array([np.sort(rng.permutation(n_samples)[:size])
                     for _ in range(n_resamples)])


def _sparse_grid(path, penalty_factor=None):
    """The alphas of ``path`` (fitted on the whole data) down to the first where it keeps
    ``ceil(sqrt(0.8 p))`` penalized features (p: the penalized ones): the q for which
    Meinshausen and Buhlmann's bound at threshold 0.9, q^2 / (0.8 p), is about one false
    selection. Features with a penalty factor of 0 are in every model and do not count.
    The whole path where it never keeps that many."""
    kept = path_support(path.coefs)
    if penalty_factor is not None:
        kept = kept[:, np.asarray(penalty_factor, dtype=float) > 0]
    needed = np.ceil(np.sqrt(0.8 * kept.shape[1]))
    reached = np.flatnonzero(np.count_nonzero(kept, axis=1) >= needed)
    return path.alphas if reached.size == 0 else path.alphas[:reached[0] + 1]


def stability_selection(estimator, X, y, *, n_resamples=100, sample_fraction=0.5,
                        alphas=None, random_state=None, n_jobs=None):
    """Selection probabilities of the features along a path fitted on subsamples.

    Fits ``estimator``'s regularization path (its loss, l1_ratio, penalty factors,
    bounds, tol and max_iter; its alpha is replaced by the grid) on ``n_resamples``
    random subsamples of the rows drawn without replacement, over one grid of alphas,
    and counts how often each feature is kept at each alpha (Meinshausen and Buhlmann
    2010). Without ``alphas`` the grid is the estimator's default one on the whole data,
    which costs one more path.

    Parameters
    ----------
    estimator : Lasso, ElasticNet, LogisticRegression, PoissonRegressor or HuberRegressor
        The model whose selection is assessed (not fitted, not changed).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,)
        Target.
    n_resamples : int, default=100
        Number of subsamples.
    sample_fraction : float, default=0.5
        In (0, 1]: each subsample holds ``floor(sample_fraction * n_samples)`` rows.
    alphas : int or array-like, default=None
        The grid. None: the estimator's default grid of 100 alphas on the whole data,
        from alpha_max down to the first alpha where that path keeps
        ``ceil(sqrt(0.8 p))`` features (then ``error_bound(0.9)`` is about 1 when the
        subsamples keep as many). An int: that many alphas of the default grid, to its
        end. An array is used as given.
    random_state : int, RandomState or None, default=None
        Draws the subsamples: ``random_state.permutation(n_samples)[:m]`` for each in
        turn (``sklearn.utils.check_random_state``), so they can be drawn again.
    n_jobs : int, default=None
        Subsample paths fitted at once, in threads.

    Returns
    -------
    StabilityPath
        The probabilities along the grid, their maxima, the subsamples and the bound.

    See Also
    --------
    LassoCV : Its ``selection_frequency_`` is the share of CV folds keeping a feature.

    Notes
    -----
    The maximum over the grid is only as stable as the grid's smallest alpha: on a
    half-sample, a grid reaching far down (a path's default one ends at 1e-3 or 1e-2
    times alpha_max) lets most features in somewhere, and every one looks stable. The
    default grid therefore stops where few features have entered (Meinshausen and
    Buhlmann's Lambda); ``error_bound`` says how many false selections to expect.

    Examples
    --------
    >>> import numpy as np
    >>> from shrinkage import Lasso, stability_selection
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 20))
    >>> y = X[:, :3] @ [2.0, -2.0, 2.0] + rng.standard_normal(100)
    >>> result = stability_selection(Lasso(), X, y, n_resamples=20,
    ...                              alphas=[2.0, 1.0, 0.5], random_state=0)
    >>> result.selected(0.9)
    array([0, 1, 2])
    """
    n_resamples = v.check_scalar_param(n_resamples, "n_resamples", low=1, integer=True)
    sample_fraction = v.check_scalar_param(sample_fraction, "sample_fraction", low=0.0,
                                           high=1.0, low_open=True)
    arguments = _path_arguments(estimator, y)
    v.check_lengths(X, y)
    rows = _subsamples(_num_samples(X), n_resamples, sample_fraction, random_state)
    if alphas is None:
        grid = _sparse_grid(regularization_path(X, y, alphas=100, **arguments),
                            arguments["penalty_factor"])
    elif isinstance(alphas, (int, np.integer)) and not isinstance(alphas, bool):
        grid = regularization_path(X, y, alphas=alphas, **arguments).alphas
    else:
        grid = np.asarray(alphas, dtype=float)

    def support(subsample):
        path = regularization_path(_safe_indexing(X, subsample),
                                   _safe_indexing(y, subsample), alphas=grid, **arguments)
        return path_support(path.coefs)

    supports = np.array(Parallel(n_jobs=n_jobs, prefer="threads")(
        delayed(support)(subsample) for subsample in rows))
    probabilities = supports.mean(axis=0)
    return StabilityPath(alphas=grid, probabilities=probabilities,
                         max_probability=probabilities.max(axis=0),
                         n_selected=supports.any(axis=1).sum(axis=1), subsamples=rows)

