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
    return LassoCV(alphas=30, cv=5, alpha_rule="1se").fit(*frame)


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
    assert len(display.meshes_) == 3
    for row, mesh in enumerate(display.meshes_):
        np.testing.assert_array_equal(np.ravel(mesh.get_array()), enet.cv_mean_[row])
        # each row spans its own grid on the shared log alpha axis
        xs = mesh.get_coordinates()[..., 0]
        assert xs.max() > enet.alphas_[row, 0] and xs.min() < enet.alphas_[row, -1]
    assert display.ax_.get_xscale() == "log"
    assert [t.get_text() for t in display.ax_.get_yticklabels()] == ["0.2", "0.6", "1"]
    row = enet.l1_ratios_.index(enet.l1_ratio_)
    assert (display.choice_marker_.get_xdata()[0], display.choice_marker_.get_ydata()[0]) \
        == (enet.alpha_, row)
    with pytest.raises(ValueError, match="kind must be"):
        display.plot(kind="pie")


@pytest.mark.parametrize("alpha_rule", ["min", "1se"])
def test_heatmap_stars_the_chosen_row_when_grids_share_alphas(frame, alpha_rule):
    """An explicit grid is every row's: the star must come from l1_ratio_'s row, and
    mark the choice the estimator made."""
    X, y = frame
    X = (X - X.mean()) / X.std()
    model = ElasticNetCV(l1_ratio=[0.0, 1.0], alphas=np.geomspace(10, 1e-4, 25), cv=4,
                         alpha_rule=alpha_rule).fit(X, y)
    np.testing.assert_array_equal(model.alphas_[0], model.alphas_[1])
    row = model.l1_ratios_.index(model.l1_ratio_)
    assert row == 1  # the lasso wins on diabetes: a row other than the first
    display = CVCurveDisplay.from_estimator(model, kind="heatmap")
    assert display.choice_marker_.get_ydata()[0] == row
    assert display.choice_marker_.get_xdata()[0] == model.alpha_
    assert model.alpha_ == (model.alpha_1se_ if alpha_rule == "1se" else model.alpha_min_)
    assert f"alpha_{alpha_rule}" in display.choice_marker_.get_label()


def test_cv_curves_top_axis_reads_the_chosen_row(frame):
    """Rows with different grids: the non-zero counts sit on the chosen row's alphas."""
    X, y = frame
    model = ElasticNetCV(l1_ratio=[0.0, 1.0], alphas=20, cv=4).fit(X, y)
    row = model.l1_ratios_.index(model.l1_ratio_)
    display = CVCurveDisplay.from_estimator(model)
    ticks = display.top_ax_.get_xticks()
    assert set(ticks) <= set(model.alphas_[row])
    counts = [int(t.get_text()) for t in display.top_ax_.get_xticklabels()]
    alphas = list(model.alphas_[row])
    assert counts == [model.n_nonzero_path_[row, alphas.index(t)] for t in ticks]


def test_displays_take_a_pipeline_and_refuse_an_unfitted_model(frame):
    from sklearn.exceptions import NotFittedError
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = frame
    pipeline = make_pipeline(StandardScaler(), LassoCV(alphas=15, cv=3)).fit(X, y)
    display = CoefficientPathDisplay.from_estimator(pipeline)
    np.testing.assert_array_equal(display.lines_[0].get_ydata(),
                                  pipeline[-1].coef_path_[0, :, 0])
    for make in (CoefficientPathDisplay, CVCurveDisplay, SparsityDisplay):
        with pytest.raises(NotFittedError):
            make.from_estimator(LassoCV())
        with pytest.raises(NotFittedError):
            make.from_estimator(make_pipeline(StandardScaler(), LassoCV()))


def test_path_labels_neither_overlap_nor_leave_the_figure(frame):
    """Close final coefficients (diabetes' s1..s6 are collinear) get names spread apart,
    all drawn inside the figure."""
    X, y = frame
    model = LassoCV(alphas=30, cv=3, eps=1e-5).fit(X, y)
    fig, ax = plt.subplots(figsize=(4, 3))
    display = CoefficientPathDisplay.from_estimator(model, n_labels=10, ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in display.labels_]
    assert len(boxes) == 10
    for i, a in enumerate(boxes):
        assert fig.bbox.x0 <= a.x0 and a.x1 <= fig.bbox.x1
        assert fig.bbox.y0 <= a.y0 and a.y1 <= fig.bbox.y1
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)


def test_relaxed_curves_one_per_gamma_with_the_joint_choice_starred(frame):
    model = LassoCV(alphas=20, cv=4, relax=True).fit(*frame)
    display = CVCurveDisplay.from_estimator(model, kind="relaxed")
    assert len(display.curves_) == len(model.gammas_) == 5
    for g, container in enumerate(display.curves_):
        line, _, (bars,) = container.lines
        np.testing.assert_allclose(line.get_xdata(), model.alphas_[0])
        np.testing.assert_allclose(line.get_ydata(), model.relaxed_cv_mean_[0, g])
        np.testing.assert_allclose([s[1, 1] - s[0, 1] for s in bars.get_segments()],
                                   2 * model.relaxed_cv_se_[0, g])
    # gamma = 1 is the lasso's own curve
    np.testing.assert_allclose(display.curves_[-1].lines[0].get_ydata(), model.cv_mean_[0])
    assert "the lasso" in display.curves_[-1].get_label()
    star_x, star_y = display.choice_marker_.get_data()
    g = list(model.gammas_).index(model.gamma_)
    assert star_x[0] == model.alpha_
    k = list(model.alphas_[0]).index(model.alpha_)
    assert star_y[0] == model.relaxed_cv_mean_[0, g, k]
    assert f"gamma = {model.gamma_:g}" in display.choice_marker_.get_label()


def test_relaxed_curves_need_a_relaxed_fit(lasso):
    with pytest.raises(ValueError, match="relax=True"):
        CVCurveDisplay.from_estimator(lasso, kind="relaxed")
    with pytest.raises(ValueError, match="'curves', 'heatmap' or 'relaxed'"):
        CVCurveDisplay.from_estimator(lasso, kind="map")
