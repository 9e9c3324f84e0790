"""The loss objects (``shrinkage.losses``): one per name, resolved once; their target
preparation, options, per-sample losses and inverse links against scikit-learn and
closed forms; and the engine registry that picks where a fit runs."""

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.metrics import log_loss, mean_absolute_error, mean_poisson_deviance

from shrinkage import model_selection as ms
from shrinkage.losses import (HUBER, LOGISTIC, LOSSES, MULTINOMIAL, POISSON, REGISTRY,
                              SQUARED, get_loss)


def test_a_name_resolves_to_its_one_object_and_an_unknown_name_is_refused():
    assert LOSSES == ("squared", "logistic", "multinomial", "poisson", "huber", "cox",
                      "multitask")
    for name in LOSSES:
        assert get_loss(name) is REGISTRY[name] and get_loss(name).name == name
        assert get_loss(get_loss(name)) is get_loss(name)  # an object passes through
    with pytest.raises(ValueError, match="loss must be one of 'squared', 'logistic', "
                                         "'multinomial', 'poisson', 'huber', 'cox', "
                                         "'multitask', got 'gamma'"):
        get_loss("gamma")
    with pytest.raises(ValueError, match="got None"):
        get_loss(None)


def test_what_each_loss_supports():
    assert [name for name in LOSSES if REGISTRY[name].quadratic] == ["squared", "multitask"]
    assert [name for name in LOSSES if REGISTRY[name].class_rows] == ["multinomial"]
    assert [name for name in LOSSES if not REGISTRY[name].supports_bounds] == \
        ["multinomial", "multitask"]
    assert [name for name in LOSSES if REGISTRY[name].joint_outputs] == ["multitask"]
    assert [name for name in LOSSES if not REGISTRY[name].numeric_target] == \
        ["logistic", "multinomial"]
    assert [name for name in LOSSES if not REGISTRY[name].takes_intercept] == ["cox"]
    assert [name for name in LOSSES if not REGISTRY[name].on_dask] == ["cox", "multitask"]


def test_per_sample_losses_agree_with_scikit_learn_and_closed_forms():
    rng = np.random.default_rng(0)
    z = rng.normal(0.3, 0.8, 60)
    counts = rng.poisson(np.exp(z)).astype(float)
    assert np.mean(POISSON.per_sample(counts, z)) == \
        pytest.approx(mean_poisson_deviance(counts, np.exp(z)))
    assert np.allclose(SQUARED.per_sample(counts, z), (counts - z) ** 2)
    r = np.abs(counts - z)
    assert np.allclose(HUBER.per_sample(counts, z, 0.7),
                       np.where(r <= 0.7, r ** 2 / 2, 0.7 * (r - 0.35)))
    labels = np.where(rng.random(60) < expit(z), 1.0, -1.0)
    assert np.mean(LOGISTIC.per_sample(labels, z)) == \
        pytest.approx(log_loss(labels > 0, expit(z)))
    scores = rng.normal(size=(60, 3))
    codes = rng.integers(0, 3, 60)
    assert np.mean(MULTINOMIAL.per_sample(codes, scores)) == \
        pytest.approx(log_loss(codes, softmax(scores, axis=1), labels=[0, 1, 2]))


def test_the_inverse_links():
    z = np.linspace(-2, 2, 7)
    assert np.array_equal(SQUARED.mean(z), z) and np.array_equal(HUBER.mean(z), z)
    assert np.allclose(POISSON.mean(z), np.exp(z))
    assert np.allclose(LOGISTIC.mean(z), 1 / (1 + np.exp(-z)))
    assert np.allclose(MULTINOMIAL.mean(np.outer(z, [1.0, 0.0])).sum(axis=1), 1.0)


def test_targets_are_prepared_and_checked_by_their_loss():
    assert np.array_equal(LOGISTIC.prepare_target(np.array(["b", "a", "b"]), None, True),
                          [1.0, -1.0, 1.0])
    assert np.array_equal(MULTINOMIAL.prepare_target(np.array([5, 1, 3, 1]), None, True),
                          [2, 0, 1, 0])
    with pytest.raises(ValueError, match="y must be >= 0 for the Poisson loss"):
        POISSON.prepare_target(np.array([1.0, -2.0]), None, True)
    y = np.array([0.5, 1.5])
    assert SQUARED.prepare_target(y, None, True) is y


def test_options_of_another_loss_are_refused_with_the_loss_named():
    with pytest.raises(ValueError, match="offset is for loss='poisson'; got loss='huber'"):
        HUBER.check_options(3, offset=np.zeros(3))
    with pytest.raises(ValueError, match="delta is for loss='huber'; got loss='poisson'"):
        POISSON.check_options(3, delta=1.0)
    assert POISSON.check_options(3, offset=[0.0, 1.0, 2.0])["offset"].tolist() == [0, 1, 2]
    assert HUBER.check_options(3, delta=2.0) == {"delta": 2.0}
    assert SQUARED.check_options(3) == {}


def test_regression_scorers_take_the_loss_object_or_its_name():
    rng = np.random.default_rng(1)
    z = rng.normal(0.5, 0.3, (40, 2))
    y = rng.poisson(np.exp(z[:, 0])).astype(float)
    sw = np.ones(40)
    by_object = ms.regression_scorer("mae", POISSON).function(y, z, sw)
    by_name = ms.regression_scorer("mae", "poisson").function(y, z, sw)
    expected = [mean_absolute_error(y, np.exp(z[:, k])) for k in range(2)]
    assert np.allclose(by_object, expected) and np.allclose(by_name, expected)
    huber = ms.regression_scorer("huber", HUBER, 0.4).function(y, z, sw)
    assert np.allclose(huber, HUBER.per_sample(y[:, None], z, 0.4).mean(axis=0))
    with pytest.raises(ValueError, match="scoring must be one of 'mse', 'mae' for the "
                                         "squared loss, got 'huber'"):
        ms.regression_scorer("huber", SQUARED)


def test_the_engine_is_the_one_the_data_call_for():
    da = pytest.importorskip("dask.array")
    from shrinkage.engines import DaskEngine, MemoryEngine, engine_for

    X, y = np.zeros((4, 2)), np.zeros(4)
    assert isinstance(engine_for(X, y, None), MemoryEngine)
    assert isinstance(engine_for(da.from_array(X), y, None), DaskEngine)
    assert isinstance(engine_for(X, y, da.ones(4)), DaskEngine)
