"""``regularization_path``, the user's entry to paths: the engine the data call for
computes it (``path.py`` holds the grid and the warm-started solves the engines use)."""

from ._docs import fill_doc
from .engines import engine_for
from .losses import get_loss


@fill_doc
def regularization_path(X, y, *, loss="squared", l1_ratio=1.0, alphas=100, eps=None,
                        sample_weight=None, fit_intercept=True, penalty_factor=None,
                        positive=False, lower_bounds=None, upper_bounds=None, tol=1e-4,
                        max_iter=1000, screening=True, multinomial="ungrouped",
                        offset=None, delta=None, feature_groups=None, group_l1_ratio=0.0,
                        group_weights=None):
    """Solve the penalized problem over a grid of alphas, with warm starts.

    Minimises, for each alpha::

        datafit(y, X w + b) + alpha * sum_j f_j (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2)

    where the datafit is ``(1/2n) sum s_i (y_i - z_i)^2`` (``loss="squared"``), the
    weighted mean log-loss (``loss="logistic"``, binary y), the multinomial log-loss
    (``loss="multinomial"``, two classes or more, a row of coefficients per class),
    the Poisson loss ``(1/n) sum s_i (exp(eta_i) - y_i eta_i)`` with ``eta = z +
    offset`` (``loss="poisson"``, counts), the Huber loss (``loss="huber"``, see
    ``HuberRegressor``), the Cox partial likelihood (``loss="cox"``, see
    ``CoxRegressor``; no intercept, ``fit_intercept`` is ignored) or, for a 2-d y of T
    outputs fitted jointly, the multi-task squared loss ``(1/2n) sum s_i ||y_i - z_i||^2``
    (``loss="multitask"``: the penalty is then ``alpha (l1_ratio ||W_j||_2 + (1 -
    l1_ratio)/2 ||W_j||^2)`` on each feature's row across the outputs, scikit-learn's
    ``MultiTaskElasticNet``; ``Path.coefs`` has shape (n_alphas, T, n_features)). Every
    solution is certified by its relative duality gap (``Path.gaps``).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,) or (n_samples, n_tasks)
        Target (two classes for the logistic loss; for ``loss="cox"`` survival data,
        as ``CoxRegressor.fit`` takes it; 2-d for ``loss="multitask"``).
    loss : {"squared", "logistic", "multinomial", "poisson", "huber", "cox", "multitask"}, \
default="squared"
        The datafit.
    l1_ratio : float, default=1.0
        In [0, 1]: 1 is the lasso, 0 ridge (closed forms for the squared loss).
    alphas : int or array-like, default=100
        An array is used as given, in its order. An int builds that many log-spaced
        values between the ends that ``default_grid_ends`` describes: from the exact
        ``alpha_max`` (lasso, elastic net) or from where ridge's effective degrees of
        freedom are 0.01, down to glmnet's ``eps`` (lasso) or to the neighbourhood of
        least squares (ridge; elastic net with the lower of the two).
    eps : float, default=None
        Ratio of the smallest to the largest alpha. None: the data decide, as above.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights, rescaled internally to sum to n_samples.
    <<penalty_params>>
    screening : bool, default=True
        Gap-safe screening.
    multinomial : {"ungrouped", "grouped"}, default="ungrouped"
        For ``loss="multinomial"``: the penalty on each coefficient, or on each
        feature's class coefficients as a group.
    offset : array-like of shape (n_samples,), default=None
        For ``loss="poisson"``: added to the linear predictor (log exposure).
    delta : float, default=None
        For ``loss="huber"``: the threshold of the loss; None is
        ``HuberRegressor``'s default rule.
    <<group_params>>

    Returns
    -------
    Path
        The solutions, their gaps and epochs. ``tol`` and ``max_iter`` hold at each
        alpha.

    See Also
    --------
    ElasticNetCV : Paths on cross-validation folds, alpha chosen.
    CoefficientPathDisplay.from_path : Its plot.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from shrinkage import regularization_path
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> path = regularization_path(X, y, loss="logistic", alphas=[1.0, 0.1, 0.01])
    >>> bool((path.gaps <= 1e-4).all())
    True
    """
    loss = get_loss(loss)
    engine = engine_for(X, y, sample_weight, offset)
    return engine.path(X, y, loss=loss, l1_ratio=l1_ratio, alphas=alphas, eps=eps,
                       sample_weight=sample_weight, fit_intercept=fit_intercept,
                       penalty_factor=penalty_factor, positive=positive,
                       lower_bounds=lower_bounds, upper_bounds=upper_bounds, tol=tol,
                       max_iter=max_iter, screening=screening, multinomial=multinomial,
                       offset=offset, delta=delta, feature_groups=feature_groups,
                       group_l1_ratio=group_l1_ratio, group_weights=group_weights)
