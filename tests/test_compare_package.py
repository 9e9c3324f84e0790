"""The compare package's seams: a loss is resolved from its name once (an unknown name
is refused), each loss's test numbers agree with scikit-learn's, both engines offer the
one protocol, and the typed results say what results.json says."""

import inspect

import numpy as np
import pytest
from scipy.special import expit
from sklearn.metrics import log_loss, mean_absolute_error, mean_poisson_deviance, r2_score

from shrinkage.compare import CompareLoss
from shrinkage.compare.engine import Engine
from shrinkage.compare.losses import LOSSES, compare_loss, loss_class
from shrinkage.compare.memory import InMemory
from shrinkage.compare.results import Choice, PenaltyResult


@pytest.mark.parametrize("make", [lambda: loss_class("gamma"),
                                  lambda: CompareLoss("gamma", "", "", ()),
                                  lambda: compare_loss("gamma")])
def test_an_unknown_loss_is_refused_not_turned_into_another(make):
    with pytest.raises(ValueError, match="unknown loss 'gamma': one of squared, logistic, "
                                         "huber, poisson"):
        make()


def test_the_registry_is_keyed_by_each_loss_s_own_name():
    for name, cls in LOSSES.items():
        loss = CompareLoss(name, "", "", (), delta=1.0)
        assert type(loss) is cls and loss.name == name == cls().name


def _regression(seed=0, n=40):
    rng = np.random.default_rng(seed)
    z = rng.normal(0.5, 0.4, n)
    return rng.poisson(np.exp(z)).astype(float), z


def test_regression_losses_score_as_scikit_learn_does():
    y, z = _regression()
    poisson = compare_loss("poisson").metrics(y, z)
    assert poisson == pytest.approx({
        "test_poisson_deviance": mean_poisson_deviance(y, np.exp(z)),
        "test_mae": mean_absolute_error(y, np.exp(z))})
    squared = compare_loss("squared").metrics(y, z)
    assert squared == pytest.approx({"test_mse": np.mean((y - z) ** 2),
                                     "test_r2": r2_score(y, z)})
    huber = compare_loss("huber", delta=0.5).metrics(y, z)
    r = np.abs(y - z)  # the Huber function written out: r^2 / 2 within delta
    assert huber["test_huber"] == pytest.approx(
        np.mean(np.where(r <= 0.5, r ** 2 / 2, 0.5 * (r - 0.25))))


def test_logistic_loss_scores_as_scikit_learn_does():
    rng = np.random.default_rng(1)
    z = rng.normal(0, 2, 50)
    y = np.where(rng.random(50) < expit(z), 1.0, -1.0)
    metrics = compare_loss("logistic").metrics(y, z)
    assert metrics["test_log_loss"] == pytest.approx(log_loss(y > 0, expit(z)))
    assert metrics["test_accuracy"] == pytest.approx(np.mean((z > 0) == (y > 0)))


def test_the_test_loss_moments_are_the_losses_mean_and_scatter():
    y, z = _regression(2)
    loss = compare_loss("squared")
    n, mean, scatter = loss.moments(y, [z, z + 1.0])
    losses = np.column_stack([(y - z) ** 2, (y - z - 1.0) ** 2])
    assert n == len(y) and mean == pytest.approx(losses.mean(axis=0))
    assert scatter == pytest.approx(np.cov(losses.T) * (n - 1))


def test_both_engines_offer_the_one_protocol():
    pytest.importorskip("dask.dataframe")
    from shrinkage.compare.dask import OnDask

    wanted = {name for name, _ in inspect.getmembers(Engine, inspect.isfunction)
              if not name.startswith("_")}
    assert wanted >= {"fit", "baseline_cv", "interval", "extras"}
    for engine in (InMemory, OnDask):
        assert wanted <= {name for name, value in vars(engine).items() if callable(value)}


def test_a_penalty_result_writes_the_keys_of_results_json_in_order():
    choice = Choice(alpha=0.0, l1_ratio=None, cv_score=2.0, cv_se=0.5,
                    metrics={"test_mse": 1.5, "test_r2": 0.25}, n_nonzero=1, n_features=2,
                    kept_columns=["a"], intercept=0.5, coefficients={"a": 1.0, "b": 0.0})
    entry = PenaltyResult("no penalty", {"fit": choice}, fit_seconds=0.1, converged=True,
                          reference_levels={"g": "u"})
    written = entry.as_json()
    assert list(written) == ["label", "choices", "reference_levels", "fit_seconds",
                             "converged"]
    assert list(written["choices"]["fit"]) == [
        "alpha", "l1_ratio", "cv_score", "cv_se", "test_mse", "test_r2", "n_nonzero",
        "n_features", "kept_columns", "intercept", "coefficients"]
    assert entry.chosen("1se") is choice
