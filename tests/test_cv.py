"""Cross-validated estimators against scikit-learn on the same folds and alphas."""

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk
from sklearn.datasets import load_breast_cancer, load_diabetes, make_regression
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from shrinkage import ElasticNetCV, Lasso, LassoCV, LogisticRegressionCV, RidgeCV
from shrinkage.model_selection import choose_alpha


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def objective(X, y, coef, intercept, alpha, l1_ratio):
    residual = y - X @ coef - intercept
    penalty = l1_ratio * np.abs(coef).sum() + (1 - l1_ratio) / 2 * coef @ coef
    return residual @ residual / (2 * len(y)) + alpha * penalty


@pytest.mark.parametrize("sparse", [False, True])
def test_lasso_cv_matches_sklearn(diabetes, sparse):
    X, y = diabetes
    X = sp.csr_matrix(X) if sparse else X
    ours = LassoCV(alphas=30, cv=KFold(5), tol=1e-10).fit(X, y)
    ref = sk.LassoCV(alphas=ours.alphas_[0], cv=KFold(5), tol=1e-12,
                     max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(ours.cv_scores_[0], ref.mse_path_.T, rtol=1e-6)
    np.testing.assert_allclose(ours.cv_mean_[0], ref.mse_path_.mean(axis=1), rtol=1e-6)
    assert ours.alpha_ == ref.alpha_
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6 * np.abs(ref.coef_).max())


def test_lasso_cv_grid_is_sklearn_grid(diabetes):
    """An int grid starts at the exact alpha_max, as scikit-learn's does."""
    X, y = diabetes
    ours = LassoCV(alphas=20, cv=3).fit(X, y)
    ref = sk.LassoCV(alphas=20, cv=3).fit(X, y)
    np.testing.assert_allclose(ours.alphas_[0], ref.alphas_, rtol=1e-12)


def test_elastic_net_cv_searches_l1_ratio_jointly(diabetes):
    X, y = diabetes
    ratios = [0.1, 0.5, 0.9]
    # scikit-learn's grid (glmnet's eps = 1e-3); the data-driven default is tested in
    # test_grid.py
    # solved to 1e-13: two solutions within a relative gap g of the optimum differ by up
    # to sqrt(2 g null / mu) in the coefficients, which at 1e-10 already moves a fold's
    # error by 2e-6 relative (the kernel may stop right at its certificate)
    ours = ElasticNetCV(l1_ratio=ratios, alphas=40, eps=1e-3, cv=KFold(4),
                        tol=1e-13).fit(X, y)
    ref = sk.ElasticNetCV(l1_ratio=ratios, alphas=40, cv=KFold(4), tol=1e-12,
                          max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-12)
    np.testing.assert_allclose(ours.cv_mean_, ref.mse_path_.mean(axis=2), rtol=1e-6)
    assert ours.l1_ratio_ == ref.l1_ratio_
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    assert ours.cv_mean_.shape == ours.cv_se_.shape == (3, 40)
    assert ours.l1_ratios_ == ratios  # the row of each l1_ratio
    assert ours.coef_path_.shape == (3, 40, X.shape[1])
    # the refit: at least as good an objective as scikit-learn's (the problem is flat
    # along l1_ratio 0.9's small ridge term, so coefficients may differ in the 4th digit)
    assert objective(X, y, ours.coef_, ours.intercept_, ours.alpha_, ours.l1_ratio_) <= \
        objective(X, y, ref.coef_, ref.intercept_, ref.alpha_, ref.l1_ratio_) * (1 + 1e-10)


def test_elastic_net_cv_gram_downdate_matches_direct():
    """n >> p runs folds in covariance mode on downdated Gram matrices; the weighted
    problem cannot downdate and computes each fold's own: both agree with scikit-learn."""
    X, y = make_regression(400, 20, n_informative=5, noise=5.0, random_state=0)
    folds = list(KFold(4, shuffle=True, random_state=1).split(X))
    ours = ElasticNetCV(l1_ratio=0.7, alphas=25, cv=folds, tol=1e-13).fit(X, y)
    weighted = ElasticNetCV(l1_ratio=0.7, alphas=25, cv=folds, tol=1e-13).fit(
        X, y, sample_weight=np.ones(len(y)))
    ref = sk.ElasticNetCV(l1_ratio=0.7, alphas=ours.alphas_[0], cv=folds, tol=1e-12,
                          max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(ours.cv_mean_[0], ref.mse_path_.mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(weighted.cv_mean_, ours.cv_mean_, rtol=1e-6)


def test_sample_weights_weigh_the_fits_and_the_errors(diabetes):
    X, y = diabetes
    w = np.random.default_rng(0).integers(1, 4, len(y)).astype(float)
    ours = LassoCV(alphas=15, cv=KFold(3), tol=1e-10).fit(X, y, sample_weight=w)
    ref = sk.LassoCV(alphas=ours.alphas_[0], cv=KFold(3), tol=1e-12,
                     max_iter=100_000).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.cv_mean_[0], ref.mse_path_.mean(axis=1), rtol=1e-6)


@pytest.mark.parametrize("shape", [(120, 30), (40, 90)])
def test_ridge_cv_leave_one_out_matches_sklearn(shape):
    n, p = shape
    X, y = make_regression(n, p, noise=10.0, random_state=2)
    ours = RidgeCV(alphas=30).fit(X, y)
    ref = sk.RidgeCV(alphas=ours.alphas_[0] * n, store_cv_results=True).fit(X, y)
    np.testing.assert_allclose(ours.cv_mean_[0], ref.cv_results_.mean(axis=0), rtol=1e-7)
    assert ours.alpha_ * n == pytest.approx(ref.alpha_, rel=1e-12)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-10)
    errors = ref.cv_results_
    np.testing.assert_allclose(ours.cv_se_[0], errors.std(axis=0, ddof=1) / np.sqrt(n),
                               rtol=1e-6)


def test_ridge_cv_k_fold_matches_grid_search(diabetes):
    X, y = diabetes[0][:440], diabetes[1][:440]
    folds = list(KFold(5).split(X))
    ours = RidgeCV(alphas=20, cv=folds).fit(X, y)
    n_train = np.array([len(tr) for tr, _ in folds])
    assert np.all(n_train == n_train[0])  # one sklearn alpha scale for every fold
    grid = GridSearchCV(sk.Ridge(), {"alpha": ours.alphas_[0] * n_train[0]}, cv=folds,
                        scoring="neg_mean_squared_error").fit(X, y)
    np.testing.assert_allclose(ours.cv_mean_[0], -grid.cv_results_["mean_test_score"],
                               rtol=1e-8)


def test_logistic_cv_matches_per_fold_sklearn_fits(cancer):
    """L2 logistic on each fold = sklearn's lbfgs at C = 1 / (n_train alpha)."""
    X, y = cancer
    alphas = np.array([0.3, 0.05, 0.01, 0.002])
    folds = list(StratifiedKFold(4).split(X, y))
    scores = {}
    for scoring in ("log_loss", "accuracy", "roc_auc"):
        scores[scoring] = LogisticRegressionCV(l1_ratio=0.0, alphas=alphas, cv=folds,
                                               scoring=scoring, tol=1e-13).fit(X, y)
    for f, (train, test) in enumerate(folds):
        for k, alpha in enumerate(alphas):
            clf = sk.LogisticRegression(C=1.0 / (len(train) * alpha), tol=1e-12,
                                        max_iter=10_000).fit(X[train], y[train])
            proba = clf.predict_proba(X[test])[:, 1]
            expected = {"log_loss": log_loss(y[test], proba),
                        "accuracy": accuracy_score(y[test], clf.predict(X[test])),
                        "roc_auc": roc_auc_score(y[test], proba)}
            for scoring, value in expected.items():
                assert scores[scoring].cv_scores_[0, f, k] == pytest.approx(value, rel=1e-5)


def test_logistic_cv_folds_are_stratified_and_refit_predicts(cancer):
    X, y = cancer
    labels = np.where(y == 1, "yes", "no")
    model = LogisticRegressionCV(alphas=20, cv=5).fit(X, labels)
    assert list(model.classes_) == ["no", "yes"]
    assert model.predict(X).dtype == labels.dtype
    ref = LogisticRegressionCV(alphas=20, cv=StratifiedKFold(5)).fit(X, labels)
    np.testing.assert_array_equal(model.cv_scores_, ref.cv_scores_)
    # higher-is-better scores choose their maximum
    acc = LogisticRegressionCV(alphas=20, scoring="accuracy").fit(X, y)
    assert acc.cv_mean_[0, list(acc.alphas_[0]).index(acc.alpha_min_)] == acc.cv_mean_.max()


def test_one_standard_error_rule_on_a_hand_made_curve():
    alphas = np.array([[8.0, 4.0, 2.0, 1.0, 0.5]])
    mean = np.array([[10.0, 6.0, 5.5, 5.0, 5.2]])
    se = np.array([[0.5, 0.4, 0.3, 0.6, 0.3]])
    # minimum 5.0 at alpha 1; within 5.6: 5.5 (alpha 2), 5.2 (0.5); not 6.0 (alpha 4)
    assert choose_alpha(mean, se, alphas) == (0, 3, 2)
    # higher is better: the maximum, and within one SE below it
    assert choose_alpha(-mean, se, alphas, greater_is_better=True) == (0, 3, 2)
    # two l1_ratios: the best row wins, the 1se choice stays in that row
    two_alphas = np.vstack([alphas, alphas * 3])
    two = np.vstack([mean + 1.0, mean - 1.0])
    assert choose_alpha(two, np.vstack([se, se]), two_alphas) == (1, 3, 2)
    # ties go to the larger alpha
    flat = np.array([[3.0, 2.0, 2.0, 2.0, 4.0]])
    assert choose_alpha(flat, np.zeros_like(flat), alphas) == (0, 1, 1)


def test_selection_1se_uses_the_definition(diabetes):
    X, y = diabetes
    model = LassoCV(alphas=40, cv=KFold(5), alpha_rule="1se").fit(X, y)
    mean, se, alphas = model.cv_mean_[0], model.cv_se_[0], model.alphas_[0]
    best = np.argmin(mean)
    expected = max(a for a, m in zip(alphas, mean) if m <= mean[best] + se[best])
    assert model.alpha_ == model.alpha_1se_ == expected
    assert model.alpha_min_ == alphas[best] < model.alpha_1se_
    k = list(alphas).index(expected)
    np.testing.assert_array_equal(model.coef_, model.coef_path_[0, k])
    fold_scores = model.cv_scores_[0]
    np.testing.assert_allclose(se, fold_scores.std(axis=0, ddof=1) / np.sqrt(5))


def test_threads_give_the_same_answer(diabetes):
    X, y = diabetes
    one = ElasticNetCV(l1_ratio=[0.3, 1.0], alphas=20, n_jobs=1).fit(X, y)
    two = ElasticNetCV(l1_ratio=[0.3, 1.0], alphas=20, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(one.cv_scores_, two.cv_scores_)
    np.testing.assert_array_equal(one.coef_, two.coef_)


def test_group_splitter_receives_groups(diabetes):
    X, y = diabetes
    groups = np.arange(len(y)) % 7
    model = LassoCV(alphas=10, cv=GroupKFold(7)).fit(X, y, groups=groups)
    assert model.cv_scores_.shape == (1, 7, 10)


def test_train_error_falls_as_alpha_falls(diabetes):
    """Training error of a nested family decreases along the path (less penalty)."""
    X, y = diabetes
    model = LassoCV(alphas=30, tol=1e-8).fit(X, y)
    assert np.all(np.diff(model.train_mean_[0]) <= 1e-8 * model.train_mean_[0, 0])
    assert model.n_nonzero_path_[0, 0] == 0 and model.n_nonzero_path_[0, -1] > 0


@pytest.mark.parametrize("make, message", [
    (lambda: LassoCV(alphas=[]), "alphas is empty"),
    (lambda: LassoCV(cv=500), "cv=500 folds but X has only 442 samples"),
    (lambda: LassoCV(cv=1), "cv must be at least 2"),
    (lambda: LassoCV(alpha_rule="best"), "alpha_rule must be 'min' or '1se'"),
    (lambda: LassoCV(selection="1se"), "selection must be .cyclic.*now alpha_rule"),
    (lambda: Lasso(selection="random"), "selection=.random. is not supported"),
    (lambda: ElasticNetCV(l1_ratio=[0.5, 1.5]), "l1_ratio must be <= 1.0"),
    (lambda: ElasticNetCV(l1_ratio=[]), "l1_ratio must be a float or a non-empty list"),
    (lambda: RidgeCV(penalty_factor=np.ones(10) * 2), "penalty_factor needs k-fold"),
])
def test_bad_input_is_named(diabetes, make, message):
    X, y = diabetes
    with pytest.raises(ValueError, match=message):
        make().fit(X, y)


def test_lasso_cv_has_no_l1_ratio():
    with pytest.raises(TypeError, match="l1_ratio"):
        LassoCV(l1_ratio=0.0)


def test_single_class_in_a_fold_is_an_error(cancer):
    X, y = cancer
    order = np.argsort(y, kind="stable")
    X, y = X[order], y[order]  # unshuffled KFold then trains folds on one class only
    with pytest.raises(ValueError, match="fold 0's training part holds a single class"):
        LogisticRegressionCV(alphas=5, cv=KFold(2)).fit(X, y)
    with pytest.raises(ValueError, match="test part holds a single class"):
        LogisticRegressionCV(alphas=5, cv=KFold(5), scoring="roc_auc").fit(X, y)
    with pytest.raises(ValueError, match="scoring: 'no_such_score' is not a valid"):
        LogisticRegressionCV(scoring="no_such_score").fit(X, y)


def test_elastic_net_cv_at_l1_ratio_zero_is_ridge_cv(diabetes):
    """l1_ratio 0 runs the ridge closed forms per fold: the same scores as RidgeCV's."""
    X, y = diabetes
    folds = list(KFold(4).split(X))
    enet = ElasticNetCV(l1_ratio=[0.0, 1.0], alphas=15, cv=folds).fit(X, y)
    ridge = RidgeCV(alphas=15, cv=folds).fit(X, y)
    np.testing.assert_allclose(enet.alphas_[0], ridge.alphas_[0])
    np.testing.assert_allclose(enet.cv_scores_[0], ridge.cv_scores_[0], rtol=1e-10)


def test_ridge_grid_reaches_weak_penalties(diabetes):
    """On standardized diabetes (nearly best unpenalized) the leave-one-out minimum of
    the default grid is inside it, as it is for small dense effects in noise."""
    X, y = diabetes
    X = StandardScaler().fit_transform(X)
    model = RidgeCV().fit(X, y)
    assert model.alphas_[0, -1] < model.alpha_ < model.alphas_[0, 0]
    # diabetes is nearly best unpenalized; small dense effects in noise are not
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 40))
    y = X @ (0.2 * rng.standard_normal(40)) + rng.standard_normal(60)
    model = RidgeCV().fit(X, y)
    assert model.alphas_[0, -1] < model.alpha_ < model.alphas_[0, 0]


def test_blas_threads_follow_the_size_of_x_and_the_folds_at_once(cancer, monkeypatch):
    """threadpoolctl, read inside each fold's path: one BLAS thread for a small X (its
    products are too small for threads); for a large one (here: any X, the threshold
    set to 0), the process's threads alone, shared among the folds run in parallel; and
    the answers do not change."""
    import os

    from threadpoolctl import threadpool_info

    import shrinkage.model_selection as ms
    from shrinkage.solvers import blas

    def blas_now():
        return {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}

    seen, original = [], ms.compute_path

    def spy(*args, **kwargs):
        seen.append(blas_now())
        return original(*args, **kwargs)

    monkeypatch.setattr(ms, "compute_path", spy)
    X, y = cancer
    before = blas_now()
    fits = {}
    for large in (False, True):
        if large:
            monkeypatch.setattr(blas, "SMALL_ENTRIES", 0)
        for n_jobs in (1, 2):
            seen.clear()
            fits[large, n_jobs] = LogisticRegressionCV(alphas=5, cv=3,
                                                       n_jobs=n_jobs).fit(X, y)
            expected = ({1} if not large else before if n_jobs == 1
                        else {max(1, (os.cpu_count() or 1) // 2)})
            assert seen and all(s == expected for s in seen), (large, n_jobs, seen)
    assert blas_now() == before  # restored after each fit
    for model in fits.values():
        np.testing.assert_allclose(model.coef_, fits[False, 1].coef_, rtol=1e-12)
        np.testing.assert_allclose(model.cv_mean_, fits[False, 1].cv_mean_, rtol=1e-12)
