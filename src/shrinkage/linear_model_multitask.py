"""Multi-task estimators: the columns of a 2-d y fitted jointly, each feature in or out
for every output (scikit-learn's ``MultiTaskLasso`` / ``MultiTaskElasticNet`` and their
CV twins, on scikit-learn's scale)."""

from ._docs import fill_doc
from .linear_model import _LinearRegressor, _store_params
from .linear_model_cv import _CrossValidated
from .losses import MULTITASK


class _MultiTaskModel(_LinearRegressor):
    """What the multi-task estimators share: the multi-task loss, a 2-d y only, no
    penalty factors or bounds (scikit-learn's parameters)."""

    _loss = MULTITASK
    _multi_output = True
    # (not parameters of these estimators: the FitSpec reads them)
    penalty_factor, positive, lower_bounds, upper_bounds = None, False, None, None

    def fit(self, X, y, sample_weight=None):
        """Fit the model to every output at once.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples, n_tasks)
            The outputs (2-d: a single output is ``Lasso`` / ``ElasticNet``'s).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights, rescaled internally to sum to n_samples
            (scikit-learn's multi-task estimators take none).

        Returns
        -------
        self
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.single_output = False
        return tags


_OBJECTIVE = """
    Minimises, over ``W`` (n_tasks, n_features) and the intercepts ``b``::

        (1 / 2n) sum_i s_i ||y_i - W x_i - b||_2^2
            + alpha * l1_ratio * sum_j ||W_j||_2 + alpha * (1 - l1_ratio) / 2 ||W||_F^2

    (``W_j``: the column of feature j, its coefficients in every output), scikit-learn's
    scale, by block coordinate descent on working sets of features with gap-safe
    screening, stopped on a certified relative duality gap. A feature is in or out for
    every output at once; ``Lasso`` and ``ElasticNet`` fit each column of a 2-d y on
    its own instead."""

_PARAMS = """\
    fit_intercept : bool, default=True
        Fit an unpenalized intercept per output.
    max_iter : int, default=1000
        Budget of coordinate-descent epochs.
    tol : float, default=1e-4
        Target relative duality gap: (primal - dual) over the objective at W = 0 with
        the intercepts fitted.
    warm_start : bool, default=False
        Start from the previous solution when fitting again.
    selection : {"cyclic"}, default="cyclic"
        Accepted so that ported code runs (``"random"`` is refused)."""

#: the examples' data: three outputs of two shared features
_EXAMPLE_DATA = """\
    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> X, Y = make_regression(60, 8, n_targets=3, n_informative=2, noise=1.0,
    ...                        random_state=0)"""

_ATTRIBUTES = """\
    coef_ : ndarray of shape (n_tasks, n_features)
        Coefficients.
    intercept_ : ndarray of shape (n_tasks,)
        Intercepts (0 when ``fit_intercept=False``).
    dual_gap_ : float
        Relative duality gap reached: the certificate of the solution.
    n_iter_ : int
        Coordinate-descent epochs run.
    n_features_in_ : int
        Number of features seen during fit."""


class MultiTaskElasticNet(_MultiTaskModel):
    __doc__ = f"""Multi-task elastic net: a group L1 and an L2 penalty on the outputs.

    The penalty is taken on each feature's coefficients across the outputs.
{_OBJECTIVE}

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength, >= 0.
    l1_ratio : float, default=0.5
        Mix of the group L1 (1) and L2 (0) terms, in [0, 1].
{_PARAMS}

    Attributes
    ----------
{_ATTRIBUTES}

    See Also
    --------
    MultiTaskLasso : The same with ``l1_ratio=1``.
    MultiTaskElasticNetCV : Alpha and l1_ratio chosen by cross-validation.

{_EXAMPLE_DATA}
    >>> from shrinkage import MultiTaskElasticNet
    >>> model = MultiTaskElasticNet(alpha=0.1, l1_ratio=0.7).fit(X, Y)
    >>> model.coef_.shape
    (3, 8)
    """

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, max_iter=1000,
                 tol=1e-4, warm_start=False, selection="cyclic"):
        _store_params(self, locals())


class MultiTaskLasso(_MultiTaskModel):
    __doc__ = f"""Multi-task lasso: a feature in or out for every output at once.

    The penalty is the L2 norm of each feature's coefficients across the outputs
    (``MultiTaskElasticNet`` with ``l1_ratio=1``).
{_OBJECTIVE}

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength, >= 0.
{_PARAMS}

    Attributes
    ----------
{_ATTRIBUTES}

    See Also
    --------
    MultiTaskLassoCV : Alpha chosen by cross-validation.

{_EXAMPLE_DATA}
    >>> from shrinkage import MultiTaskLasso
    >>> model = MultiTaskLasso(alpha=1.0).fit(X, Y)
    >>> [int(j) for j in (model.coef_ != 0).any(axis=0).nonzero()[0]]  # in every output
    [1, 3]
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, max_iter=1000, tol=1e-4,
                 warm_start=False, selection="cyclic"):
        _store_params(self, locals())

    def _penalty_params(self):
        return self.alpha, 1.0


class _MultiTaskCV(_CrossValidated):
    """The multi-task CV estimators: 2-d y, the mean squared error over every output
    (scikit-learn's) as the score."""

    _multi_output = True

    def fit(self, X, y, sample_weight=None, groups=None):
        """Cross-validate the paths, choose alpha (and l1_ratio), keep the refit model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples, n_tasks)
            The outputs.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the fits and of the validation scores.
        groups : array-like of shape (n_samples,), default=None
            Group labels for a group splitter given as ``cv``.

        Returns
        -------
        self
            The fitted estimator.
        """
        return self._cross_validate(X, y, sample_weight, groups)


_CV_DOC = """
    Each fold runs one warm-started path per l1_ratio; the folds and the path on the
    whole data run in threads (``n_jobs``); the refit model is the whole-data path at
    the chosen alpha. The score is the mean squared error over the samples and the
    outputs (scikit-learn's ``mse_path_``).

    Parameters
    ----------
{l1_ratio}    <<cv_params>>
    fit_intercept : bool, default=True
        Fit an unpenalized intercept per output.
    tol : float, default=1e-4
        Target relative duality gap at every alpha.
    max_iter : int, default=1000
        Budget of coordinate-descent epochs per alpha.
    <<n_jobs>>
    selection : {{"cyclic"}}, default="cyclic"
        Accepted so that ported code runs.

    Attributes
    ----------
    <<cv_attributes>>
    coef_ : ndarray of shape (n_tasks, n_features)
        Coefficients of the refit model (``coef_path_`` has shape (n_l1_ratios,
        n_alphas, n_tasks, n_features), ``intercept_path_`` (n_l1_ratios, n_alphas,
        n_tasks)).
    intercept_ : ndarray of shape (n_tasks,)
        Its intercepts.
    dual_gap_ : float
        Relative duality gap of the refit model.
    n_iter_ : int
        Epochs of the whole-data path that gave the refit model.

    See Also
    --------
    {see_also}
"""


@fill_doc
class MultiTaskElasticNetCV(_MultiTaskCV, MultiTaskElasticNet):
    __doc__ = ("""Multi-task elastic net with alpha and l1_ratio chosen by cross-validation.
""" + _CV_DOC.format(l1_ratio="""\
    l1_ratio : float or list of float, default=0.5
        A list is searched jointly with alpha (each l1_ratio has its own grid).
""", see_also="MultiTaskElasticNet : The model at one alpha and l1_ratio.") + "\n" + \
        _EXAMPLE_DATA + """
    >>> from shrinkage import MultiTaskElasticNetCV
    >>> model = MultiTaskElasticNetCV(l1_ratio=[0.5, 1.0], alphas=20, cv=3).fit(X, Y)
    >>> model.cv_mean_.shape
    (2, 20)
    """)

    def __init__(self, *, l1_ratio=0.5, alphas=100, eps=None, cv=5, alpha_rule="min",
                 fit_intercept=True, tol=1e-4, max_iter=1000, n_jobs=None,
                 selection="cyclic"):
        _store_params(self, locals())


@fill_doc
class MultiTaskLassoCV(_MultiTaskCV, MultiTaskLasso):
    __doc__ = ("""Multi-task lasso with alpha chosen by cross-validation along paths.
""" + _CV_DOC.format(
        l1_ratio="", see_also="MultiTaskLasso : The model at one alpha.") + "\n" + _EXAMPLE_DATA + """
    >>> from shrinkage import MultiTaskLassoCV
    >>> model = MultiTaskLassoCV(alphas=20, cv=3).fit(X, Y)
    >>> model.coef_.shape
    (3, 8)
    """)

    def __init__(self, *, alphas=100, eps=None, cv=5, alpha_rule="min",
                 fit_intercept=True, tol=1e-4, max_iter=1000, n_jobs=None,
                 selection="cyclic"):
        _store_params(self, locals())

    def _l1_ratio_grid(self):
        return [1.0]
