"""The whole of scikit-learn's estimator checks, for every estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from shrinkage import (
    ElasticNet,
    ElasticNetCV,
    HuberRegressor,
    HuberRegressorCV,
    Lasso,
    LassoCV,
    LogisticRegression,
    LogisticRegressionCV,
    MultiTaskElasticNet,
    MultiTaskElasticNetCV,
    MultiTaskLasso,
    MultiTaskLassoCV,
    PoissonRegressor,
    PoissonRegressorCV,
    Ridge,
    RidgeCV,
)

_CV_ESTIMATORS = (ElasticNetCV, LassoCV, LogisticRegressionCV, RidgeCV,
                  PoissonRegressorCV, HuberRegressorCV, MultiTaskLassoCV,
                  MultiTaskElasticNetCV)


def _expected_failures(estimator):
    if not isinstance(estimator, _CV_ESTIMATORS) or getattr(estimator, "cv", 0) is None:
        return {}  # leave-one-out sees every row: no folds to differ
    # as scikit-learn's own CV estimators: repeating a row moves copies of it into
    # different folds, so weights are not equivalent to repetitions
    reason = "cross-validation folds differ between weighted and repeated rows"
    return {"check_sample_weight_equivalence_on_dense_data": reason,
            "check_sample_weight_equivalence_on_sparse_data": reason}


@parametrize_with_checks(
    [Lasso(), ElasticNet(), Ridge(), LogisticRegression(), LassoCV(),
     LassoCV(alphas=10, relax=True),
     ElasticNetCV(l1_ratio=[0.2, 0.8]), RidgeCV(), RidgeCV(cv=3),
     LogisticRegressionCV(alphas=10), PoissonRegressor(), HuberRegressor(),
     PoissonRegressorCV(alphas=10),
     HuberRegressorCV(alphas=10), MultiTaskLasso(), MultiTaskElasticNet(),
     MultiTaskLassoCV(alphas=10), MultiTaskElasticNetCV(alphas=10, l1_ratio=[0.2, 0.8])],
    expected_failed_checks=_expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)
