"""The whole of scikit-learn's estimator checks, for every estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from shrinkage import ElasticNet, Lasso, LogisticRegression, Ridge


@parametrize_with_checks([Lasso(), ElasticNet(), Ridge(), LogisticRegression()])
def test_sklearn_compatible(estimator, check):
    check(estimator)
