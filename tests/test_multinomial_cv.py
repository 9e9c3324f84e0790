"""Multinomial paths and cross-validation against independent fits and metrics."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import load_wine  # noqa: E402
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score  # noqa: E402
from sklearn.model_selection import KFold, StratifiedKFold  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from shrinkage import (  # noqa: E402
    CoefficientPathDisplay,
    LogisticRegression,
    LogisticRegressionCV,
    regularization_path,
)


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), np.array(["barolo", "grignolino",
                                                        "barbera"])[y]


@pytest.mark.parametrize("multinomial", ["ungrouped", "grouped"])
def test_path_starts_at_the_exact_alpha_max_and_equals_single_fits(wine, multinomial):
    X, y = wine
    path = regularization_path(X, y, loss="multinomial", alphas=12, multinomial=multinomial,
                               tol=1e-10)
    assert path.coefs.shape == (12, 3, 13) and path.intercepts.shape == (12, 3)
    assert path.n_nonzero[0] == 0 and path.n_nonzero[-1] > 0
    # just below alpha_max a feature enters
    below = LogisticRegression(alpha=0.999 * path.alphas[0], multinomial=multinomial,
                               tol=1e-10).fit(X, y)
    assert np.count_nonzero(np.any(below.coef_ != 0, axis=0)) >= 1
    for k in (3, 11):
        single = LogisticRegression(alpha=path.alphas[k], multinomial=multinomial,
                                    tol=1e-10).fit(X, y)
        np.testing.assert_allclose(path.coefs[k], single.coef_, atol=1e-4)
    assert np.all(path.gaps <= 1e-10)


@pytest.fixture(scope="module")
def folds(wine):
    X, y = wine
    return list(StratifiedKFold(4, shuffle=True, random_state=0).split(X, y))


@pytest.mark.parametrize("scoring, metric", [
    ("log_loss", lambda y, p, classes: log_loss(y, p, labels=classes)),
    ("accuracy", lambda y, p, classes: accuracy_score(y, classes[p.argmax(axis=1)])),
    ("roc_auc", lambda y, p, classes: roc_auc_score(y, p, multi_class="ovr",
                                                    average="macro", labels=classes)),
])
def test_cv_scores_are_per_fold_refits_scored_by_scikit_learn(wine, folds, scoring, metric):
    X, y = wine
    model = LogisticRegressionCV(alphas=6, cv=folds, scoring=scoring, tol=1e-10).fit(X, y)
    for f, (train, test) in enumerate(folds):
        for j in (0, 2, 5):
            fit = LogisticRegression(alpha=model.alphas_[0, j], tol=1e-10).fit(
                X[train], y[train])
            expected = metric(y[test], fit.predict_proba(X[test]), fit.classes_)
            assert model.cv_scores_[0, f, j] == pytest.approx(expected, abs=1e-5)
    assert model.coef_.shape == (3, 13) and model.intercept_.shape == (3,)
    assert model.coef_path_.shape == (1, 6, 3, 13)


def test_scikit_learn_scorer_names_agree_with_ours(wine, folds):
    X, y = wine
    ours = LogisticRegressionCV(alphas=6, cv=folds, tol=1e-10).fit(X, y)
    named = LogisticRegressionCV(alphas=6, cv=folds, scoring="neg_log_loss",
                                 tol=1e-10).fit(X, y)
    np.testing.assert_allclose(named.cv_mean_, -ours.cv_mean_, rtol=1e-10)
    assert named.alpha_ == ours.alpha_


def test_grouped_cv_and_its_plots(wine, folds):
    X, y = wine
    model = LogisticRegressionCV(l1_ratio=[0.5, 1.0], alphas=8, cv=folds,
                                 multinomial="grouped").fit(X, y)
    # grouped: a feature is in or out for every class at once
    nonzero = model.coef_path_ != 0
    assert np.all(nonzero.any(axis=2) == nonzero.all(axis=2))
    norms = CoefficientPathDisplay.from_estimator(model)
    row = model.l1_ratios_.index(model.l1_ratio_)
    np.testing.assert_allclose(norms.lines_[0].get_ydata(),
                               np.linalg.norm(model.coef_path_[row, :, :, 0], axis=1))
    assert norms.ax_.get_ylabel() == "coefficient norm over the classes"
    one = CoefficientPathDisplay.from_estimator(model, class_label="barolo")
    k = list(model.classes_).index("barolo")
    np.testing.assert_allclose(one.lines_[2].get_ydata(), model.coef_path_[row, :, k, 2])
    with pytest.raises(ValueError, match="class_label='merlot' is not a class"):
        CoefficientPathDisplay.from_estimator(model, class_label="merlot")


def test_a_fold_without_a_class_is_an_error(wine):
    X, y = wine
    order = np.argsort(y, kind="stable")  # unshuffled folds of sorted labels
    with pytest.raises(ValueError, match="training part lacks class|single class"):
        LogisticRegressionCV(alphas=4, cv=KFold(2)).fit(X[order], y[order])
