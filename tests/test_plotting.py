"""Displays drawn to the Agg backend, and what they drew checked against the estimator."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import load_diabetes  # noqa: E402

from shrinkage import (  # noqa: E402
    CoefficientPathDisplay,
    CVCurveDisplay,
    ElasticNetCV,
    Lasso,
    LassoCV,
    RidgeCV,
    SparsityDisplay,
    regularization_path,
)


@pytest.fixture(scope="module")
def frame():
    data = load_diabetes(as_frame=True)
    return data.data, data.target


@pytest.fixture(scope="module")
def lasso(frame):
    return LassoCV(alphas=30, cv=5, selection="1se").fit(*frame)


@pytest.fixture(scope="module")
def enet(frame):
    return ElasticNetCV(l1_ratio=[0.2, 0.6, 1.0], alphas=25, cv=4).fit(*frame)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _dashed_at(ax):
    return sorted(line.get_xdata()[0] for line in ax.get_lines()
                  if line.get_linestyle() == "--")


def test_coefficient_paths_draw_every_feature(lasso, frame):
    display = CoefficientPathDisplay.from_estimator(lasso, n_labels=3)
    X = frame[0]
    assert len(display.lines_) == X.shape[1]
    for j, line in enumerate(display.lines_):
        np.testing.assert_array_equal(line.get_xdata(), lasso.alphas_[0])
        np.testing.assert_array_equal(line.get_ydata(), lasso.coef_path_[0, :, j])
    ax = display.ax_
    assert ax.get_xscale() == "log" and ax.xaxis_inverted()
    assert _dashed_at(ax) == sorted([lasso.alpha_min_, lasso.alpha_1se_])
    # the three largest final coefficients are named with the frame's column names
    last = lasso.coef_path_[0, -1]
    expected = [X.columns[j] for j in np.argsort(-np.abs(last))[:3]]
    assert [t.get_text() for t in display.labels_] == expected


def test_top_axis_counts_non_zeros(lasso):
    display = CoefficientPathDisplay.from_estimator(lasso)
    top = display.top_ax_
    ticks = top.get_xticks()
    labels = [t.get_text() for t in top.get_xticklabels()]
    alphas = list(lasso.alphas_[0])
    for alpha, label in zip(ticks, labels):
        assert int(label) == lasso.n_nonzero_path_[0, alphas.index(alpha)]
    assert top.get_xlim() == display.ax_.get_xlim()
    assert top.get_xlabel() == "non-zero coefficients"


def test_path_display_from_a_plain_path(frame):
    X, y = frame
    path = regularization_path(X.to_numpy(), y.to_numpy(), alphas=20)
    fig, ax = plt.subplots()
    display = CoefficientPathDisplay.from_path(path, ax=ax, feature_names=list(X.columns))
    assert display.ax_ is ax and display.figure_ is fig
    assert len(display.lines_) == X.shape[1]
    assert _dashed_at(ax) == []  # no CV: nothing chosen


def test_cv_curves_one_per_l1_ratio_with_error_bars(enet):
    display = CVCurveDisplay.from_estimator(enet)
    assert len(display.curves_) == 3
    labels = [c.get_label() for c in display.curves_]
    assert labels == ["l1_ratio = 0.2", "l1_ratio = 0.6", "l1_ratio = 1"]
    for row, container in enumerate(display.curves_):
        line, _, (bars,) = container.lines
        np.testing.assert_allclose(line.get_ydata(), enet.cv_mean_[row])
        segments = bars.get_segments()  # one vertical bar per alpha: mean -+ SE
        np.testing.assert_allclose([s[1, 1] - s[0, 1] for s in segments],
                                   2 * enet.cv_se_[row])
    assert _dashed_at(display.ax_) == sorted([enet.alpha_min_, enet.alpha_1se_])
    assert "mse" in display.ax_.get_ylabel()
    legend = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert "l1_ratio = 0.6" in legend and any(t.startswith("alpha_min") for t in legend)


def test_sparsity_display_shows_train_and_validation(enet):
    row = [0.2, 0.6, 1.0].index(enet.l1_ratio_)
    display = SparsityDisplay.from_estimator(enet)
    np.testing.assert_array_equal(display.nonzero_line_.get_ydata(),
                                  enet.n_nonzero_path_[row])
    np.testing.assert_array_equal(display.train_line_.get_ydata(), enet.train_mean_[row])
    np.testing.assert_array_equal(display.validation_line_.get_ydata(), enet.cv_mean_[row])
    assert display.score_ax_.get_ylabel() == "mse"
    other = SparsityDisplay.from_estimator(enet, l1_ratio=0.2)
    np.testing.assert_array_equal(other.validation_line_.get_ydata(), enet.cv_mean_[0])


def test_ridge_loo_sparsity_has_training_error(frame):
    """Leave-one-out has no folds; the training error is that of the whole-data fits."""
    X, y = frame
    model = RidgeCV(alphas=15).fit(X, y)
    display = SparsityDisplay.from_estimator(model)
    train = display.train_line_.get_ydata()
    assert np.all(np.isfinite(train)) and np.all(np.diff(train) <= 1e-9 * train[0])
    refit = y.to_numpy() - X.to_numpy() @ model.coef_path_[0, -1] - model.intercept_path_[0, -1]
    assert train[-1] == pytest.approx(np.mean(refit**2), rel=1e-10)


def test_displays_refuse_unfitted_or_plain_models(frame, enet):
    with pytest.raises(TypeError, match="cross-validated estimator"):
        CVCurveDisplay.from_estimator(Lasso().fit(*frame))
    with pytest.raises(ValueError, match="l1_ratio=0.5 was not searched"):
        SparsityDisplay.from_estimator(enet, l1_ratio=0.5)


def test_plot_draws_again_on_new_axes(lasso):
    display = CVCurveDisplay.from_estimator(lasso)
    fig, ax = plt.subplots()
    display.plot(ax=ax)
    assert display.ax_ is ax and len(ax.containers) == 1
    np.testing.assert_allclose(ax.containers[0].lines[0].get_ydata(), lasso.cv_mean_[0])


def test_cv_heatmap_maps_l1_ratio_by_alpha(enet):
    display = CVCurveDisplay.from_estimator(enet, kind="heatmap")
    np.testing.assert_array_equal(display.image_.get_array(), enet.cv_mean_)
    assert [t.get_text() for t in display.ax_.get_yticklabels()] == ["0.2", "0.6", "1"]
    row, col = np.argwhere(enet.alphas_ == enet.alpha_min_)[0]
    assert enet.l1_ratios_[row] == enet.l1_ratio_
    assert (display.choice_marker_.get_xdata()[0], display.choice_marker_.get_ydata()[0]) \
        == (col, row)
    assert display.ax_.get_xticklabels()[0].get_text() == "1"  # alpha_max itself
    with pytest.raises(ValueError, match="kind must be"):
        display.plot(kind="pie")
