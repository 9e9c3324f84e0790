"""Plots of regularization paths and cross-validation curves (scikit-learn's Display
pattern: ``from_estimator(...)`` builds and draws, ``plot(ax=...)`` draws again).

The alpha axis is logarithmic and runs from the strongest penalty on the left to the
weakest on the right, the order in which a path is computed; a top axis gives the number
of non-zero coefficients at some of the alphas. matplotlib is imported only when drawing.
"""

import numpy as np

from ._docs import fill_doc

#: ticks on the top (non-zeros) axis
N_TOP_TICKS = 6


def _axes(ax):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax


def _alpha_axis(ax):
    ax.set_xscale("log")
    if not ax.xaxis_inverted():
        ax.invert_xaxis()
    ax.set_xlabel("alpha (penalty strength, log scale)")


def _nonzero_axis(ax, alphas, n_nonzero):
    """A top axis with the number of non-zeros at evenly spaced alphas of the grid."""
    top = ax.twiny()
    top.set_xscale("log")
    top.set_xlim(ax.get_xlim())
    picks = np.unique(np.linspace(0, len(alphas) - 1, N_TOP_TICKS).round().astype(int))
    top.set_xticks(alphas[picks])
    top.set_xticklabels([str(int(n_nonzero[i])) for i in picks])
    top.minorticks_off()
    top.set_xlabel("non-zero coefficients")
    return top


def _mark_choices(ax, alpha_min, alpha_1se):
    """Dashed vertical lines at the chosen alphas (either may be None)."""
    lines = []
    for alpha, name, color in ((alpha_min, "alpha_min", "black"),
                               (alpha_1se, "alpha_1se", "gray")):
        if alpha is not None:
            lines.append(ax.axvline(alpha, linestyle="--", color=color, linewidth=1,
                                    label=f"{name} = {alpha:.3g}"))
    return lines


def _ratio_row(estimator, l1_ratio):
    """Row of the estimator's arrays for ``l1_ratio`` (its chosen one by default)."""
    ratios = estimator.l1_ratios_
    wanted = estimator.l1_ratio_ if l1_ratio is None else l1_ratio
    rows = np.flatnonzero(np.isclose(ratios, wanted))
    if rows.size == 0:
        raise ValueError(f"l1_ratio={wanted!r} was not searched; choose one of {ratios}")
    return int(rows[0])


def _fitted_cv(estimator):
    """The cross-validated estimator behind ``estimator`` (a Pipeline's last step),
    checked to be fitted."""
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted

    if isinstance(estimator, Pipeline):
        estimator = estimator[-1]
    if not hasattr(type(estimator), "_cross_validate"):
        raise TypeError(f"{type(estimator).__name__} is not a cross-validated estimator: "
                        "pass a fitted LassoCV, ElasticNetCV, RidgeCV, "
                        "LogisticRegressionCV, PoissonRegressorCV or HuberRegressorCV (or a "
                        "Pipeline ending in one)")
    check_is_fitted(estimator, ("cv_mean_", "coef_path_", "alphas_"))
    return estimator


def _class_paths(coefs, classes, class_label):
    """2-d paths to draw from a multinomial path (n_alphas, n_classes, n_features): one
    class's coefficients, or each feature's norm over the classes; and the y label."""
    coefs = np.asarray(coefs)
    if coefs.ndim == 2:
        return coefs, "coefficient"
    if class_label is None:
        return np.linalg.norm(coefs, axis=1), "coefficient norm over the classes"
    matches = np.flatnonzero(np.asarray(classes) == class_label)
    if matches.size == 0:
        raise ValueError(f"class_label={class_label!r} is not a class; choose one of "
                         f"{list(classes)}")
    return coefs[:, matches[0], :], f"coefficient of class {class_label}"


def _chosen_column(alphas, alpha):
    """Column of ``alpha`` in one row's grid (the exact value the estimator chose)."""
    return int(np.argmin(np.abs(np.log(alphas) - np.log(alpha))))


class CoefficientPathDisplay:
    """Plot of the coefficients against alpha.

    The alpha axis is logarithmic, strongest penalty on the left; a top axis counts the
    non-zero coefficients, dashed lines mark the chosen alphas, and the largest final
    coefficients are named beside the weakest-penalty end.

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,)
        The grid.
    coefs : ndarray of shape (n_alphas, n_features)
        Coefficients at each alpha.
    alpha_min : float, default=None
        The alpha of the best CV score, dashed in black.
    alpha_1se : float, default=None
        The one-standard-error alpha, dashed in gray.
    feature_names : sequence of str, default=None
        Names of the features (``x0``, ``x1``, ... by default).
    ylabel : str, default="coefficient"
        The y axis's name.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        Its figure.
    top_ax_ : matplotlib Axes
        The non-zeros axis on top.
    lines_ : list of Line2D
        One line per feature.
    labels_ : list of Text
        The names written beside the largest paths.
    choice_lines_ : list of Line2D
        The dashed lines at the chosen alphas.

    See Also
    --------
    CVCurveDisplay : The cross-validation curves.
    SparsityDisplay : Non-zeros with training and validation scores.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_diabetes
    >>> from shrinkage import CoefficientPathDisplay, LassoCV
    >>> X, y = load_diabetes(return_X_y=True, as_frame=True)
    >>> display = CoefficientPathDisplay.from_estimator(LassoCV(cv=3).fit(X, y))
    >>> len(display.lines_)
    10
    """

    def __init__(self, alphas, coefs, *, alpha_min=None, alpha_1se=None,
                 feature_names=None, ylabel="coefficient"):
        self.alphas = np.asarray(alphas, dtype=float)
        self.coefs = np.asarray(coefs, dtype=float)
        self.ylabel = ylabel
        self.alpha_min, self.alpha_1se = alpha_min, alpha_1se
        n_features = self.coefs.shape[1]
        self.feature_names = (list(feature_names) if feature_names is not None
                              else [f"x{j}" for j in range(n_features)])

    @classmethod
    @fill_doc
    def from_estimator(cls, estimator, *, l1_ratio=None, feature_names=None, n_labels=5,
                       ax=None, class_label=None):
        """Draw the whole-data path of a fitted cross-validated estimator.

        Parameters
        ----------
        <<display_estimator>>
        l1_ratio : float, default=None
            Which row to draw (the chosen l1_ratio by default).
        feature_names : sequence of str, default=None
            Names of the features; the estimator's ``feature_names_in_`` by default.
        n_labels : int, default=5
            How many of the largest final coefficients to name.
        <<display_ax>>
        class_label : label, default=None
            A multinomial model: the class whose coefficients to draw; None draws each
            feature's norm over the classes.

        Returns
        -------
        CoefficientPathDisplay
            The display, drawn.
        """
        estimator = _fitted_cv(estimator)
        row = _ratio_row(estimator, l1_ratio)
        if feature_names is None:
            feature_names = getattr(estimator, "feature_names_in_", None)
        coefs, ylabel = _class_paths(estimator.coef_path_[row],
                                     getattr(estimator, "classes_", None), class_label)
        display = cls(estimator.alphas_[row], coefs, alpha_min=estimator.alpha_min_,
                      alpha_1se=estimator.alpha_1se_, feature_names=feature_names,
                      ylabel=ylabel)
        return display.plot(ax=ax, n_labels=n_labels)

    @classmethod
    @fill_doc
    def from_path(cls, path, *, feature_names=None, n_labels=5, ax=None, class_index=None):
        """Draw a ``Path`` from ``regularization_path``.

        Parameters
        ----------
        path : Path
            The path to draw.
        feature_names : sequence of str, default=None
            Names of the features.
        n_labels : int, default=5
            How many of the largest final coefficients to name.
        <<display_ax>>
        class_index : int, default=None
            A multinomial path: the class (its code) whose coefficients to draw; None
            draws each feature's norm over the classes.

        Returns
        -------
        CoefficientPathDisplay
            The display, drawn.
        """
        classes = np.arange(path.coefs.shape[1]) if path.coefs.ndim == 3 else None
        coefs, ylabel = _class_paths(path.coefs, classes, class_index)
        return cls(path.alphas, coefs, feature_names=feature_names, ylabel=ylabel).plot(
            ax=ax, n_labels=n_labels)

    @fill_doc
    def plot(self, ax=None, *, n_labels=5):
        """Draw the paths.

        Parameters
        ----------
        <<display_ax>>
        n_labels : int, default=5
            How many of the largest final coefficients to name.

        Returns
        -------
        CoefficientPathDisplay
            This display, with its fitted attributes set.
        """
        ax = _axes(ax)
        self.lines_ = [ax.plot(self.alphas, self.coefs[:, j], linewidth=1)[0]
                       for j in range(self.coefs.shape[1])]
        ax.axhline(0.0, color="lightgray", linewidth=0.8, zorder=0)
        _alpha_axis(ax)
        ax.set_ylabel(self.ylabel)
        self.choice_lines_ = _mark_choices(ax, self.alpha_min, self.alpha_1se)
        self.labels_ = self._label_largest(ax, n_labels)
        self.top_ax_ = _nonzero_axis(ax, self.alphas, np.count_nonzero(self.coefs, axis=1))
        if self.choice_lines_:
            ax.legend(handles=self.choice_lines_, fontsize=8, loc="best")
        self.ax_, self.figure_ = ax, ax.figure
        return self


    def _label_largest(self, ax, n_labels):
        """Name the largest final coefficients beside the weakest-penalty end, spread
        apart so that no two names overlap, with the x axis widened to hold them."""
        last = self.coefs[-1]
        largest = [j for j in np.argsort(-np.abs(last), kind="stable")[:n_labels]
                   if last[j] != 0]
        if not largest:
            return []
        x_end = self.alphas.min()
        labels = [ax.annotate(self.feature_names[j], (x_end, last[j]), xytext=(4, 0),
                              textcoords="offset points", fontsize=8, va="center",
                              ha="left", color=self.lines_[j].get_color(),
                              parse_math=False)  # a name is literal text, not TeX
                  for j in largest]
        renderer = ax.figure.canvas.get_renderer()
        boxes = [t.get_window_extent(renderer) for t in labels]
        axes_box = ax.get_window_extent(renderer)
        # the names need this share of the axes' width right of the last alpha
        share = min(0.45, (max(b.width for b in boxes) + 8) / max(axes_box.width, 1.0))
        span = np.log(self.alphas.max() / x_end) or 1.0
        ax.set_xlim(self.alphas.max(), x_end * np.exp(-share * span / (1 - share)))
        # spread the names vertically (in pixels) by at least their height
        to_pixels, to_data = ax.transData, ax.transData.inverted()
        wanted = np.array([to_pixels.transform((x_end, last[j]))[1] for j in largest])
        height = max(b.height for b in boxes)
        placed = _spread(wanted, 1.15 * height)
        # keep the block inside the axes (shifting it whole keeps the gaps)
        placed -= max(placed.max() - (axes_box.y1 - height / 2), 0.0)
        placed += max((axes_box.y0 + height / 2) - placed.min(), 0.0)
        for text, y in zip(labels, placed):
            text.xy = (x_end, to_data.transform((0.0, y))[1])
        return labels


def _spread(positions, gap):
    """Positions moved as little as possible (keeping their order) so that neighbours
    are at least ``gap`` apart."""
    order = np.argsort(positions, kind="stable")
    wanted = positions[order].astype(float)
    placed = wanted.copy()
    for i in range(1, len(placed)):
        placed[i] = max(placed[i], placed[i - 1] + gap)
    placed -= np.mean(placed - wanted)  # centre the block on where the names belong
    for i in range(1, len(placed)):  # (centring keeps the gaps; this is rounding only)
        placed[i] = max(placed[i], placed[i - 1] + gap)
    out = np.empty_like(placed)
    out[order] = placed
    return out


class CVCurveDisplay:
    """Plot of the mean cross-validation score against alpha.

    ``kind="curves"``: one curve per l1_ratio with one-standard-error bars, the chosen
    alphas dashed, the chosen row's non-zero counts on top. ``kind="heatmap"``: one
    band per l1_ratio over its own alphas, the choice starred.

    Parameters
    ----------
    alphas : ndarray of shape (n_l1_ratios, n_alphas)
        Each row its own grid (rows of an elastic net span different ranges).
    mean : ndarray of shape (n_l1_ratios, n_alphas)
        Mean CV score.
    se : ndarray of shape (n_l1_ratios, n_alphas)
        Its standard error.
    l1_ratios : sequence of float
        The l1_ratio of each row.
    n_nonzero : ndarray of shape (n_alphas,)
        Non-zeros along the chosen row's whole-data path (the top axis).
    alpha_min : float
        The alpha of the best mean score, on the chosen row's grid.
    alpha_1se : float
        The one-standard-error alpha, on the same grid.
    scoring : str, default="mse"
        The name on the y axis.
    row : int, default=0
        The row of the chosen l1_ratio: the top axis and the heatmap's star use it.
    alpha_rule : {"min", "1se"}, default="min"
        Which choice the heatmap stars.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        Its figure.
    top_ax_ : matplotlib Axes
        The non-zeros axis (curves).
    curves_ : list of ErrorbarContainer
        One per l1_ratio (curves).
    choice_lines_ : list of Line2D
        The dashed lines at the chosen alphas (curves).
    meshes_ : list of QuadMesh
        One band per l1_ratio (heatmap).
    choice_marker_ : Line2D
        The star at the chosen alpha and l1_ratio (heatmap).
    colorbar_ : matplotlib Colorbar
        The score scale (heatmap).

    See Also
    --------
    CoefficientPathDisplay : The coefficient paths.
    SparsityDisplay : Non-zeros with training and validation scores.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_diabetes
    >>> from shrinkage import CVCurveDisplay, ElasticNetCV
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = ElasticNetCV(l1_ratio=[0.5, 1.0], cv=3).fit(X, y)
    >>> len(CVCurveDisplay.from_estimator(model, kind="heatmap").meshes_)
    2
    """

    def __init__(self, alphas, mean, se, *, l1_ratios, n_nonzero, alpha_min, alpha_1se,
                 scoring="mse", row=0, alpha_rule="min"):
        self.alphas, self.mean, self.se = (np.atleast_2d(a) for a in (alphas, mean, se))
        self.l1_ratios = list(l1_ratios)
        self.n_nonzero = np.asarray(n_nonzero)
        self.alpha_min, self.alpha_1se, self.scoring = alpha_min, alpha_1se, scoring
        self.row, self.alpha_rule = int(row), alpha_rule

    @classmethod
    @fill_doc
    def from_estimator(cls, estimator, *, kind="curves", ax=None):
        """Draw the CV curves or map of a fitted cross-validated estimator.

        Parameters
        ----------
        <<display_estimator>>
        kind : {"curves", "heatmap"}, default="curves"
            Curves with error bars, or the l1_ratio x alpha map of the mean score.
        <<display_ax>>

        Returns
        -------
        CVCurveDisplay
            The display, drawn.
        """
        estimator = _fitted_cv(estimator)
        row = _ratio_row(estimator, None)
        return cls(estimator.alphas_, estimator.cv_mean_, estimator.cv_se_,
                   l1_ratios=estimator.l1_ratios_, n_nonzero=estimator.n_nonzero_path_[row],
                   alpha_min=estimator.alpha_min_, alpha_1se=estimator.alpha_1se_,
                   scoring=estimator.scoring_, row=row,
                   alpha_rule=estimator.alpha_rule).plot(ax=ax, kind=kind)

    @fill_doc
    def plot(self, ax=None, *, kind="curves"):
        """Draw the curves or the map.

        Parameters
        ----------
        <<display_ax>>
        kind : {"curves", "heatmap"}, default="curves"
            What to draw.

        Returns
        -------
        CVCurveDisplay
            This display, with its fitted attributes set.
        """
        if kind not in ("curves", "heatmap"):
            raise ValueError(f"kind must be 'curves' or 'heatmap', got {kind!r}")
        ax = _axes(ax)
        if kind == "heatmap":
            return self._heatmap(ax)
        self.curves_ = [
            ax.errorbar(a, m, yerr=s, marker=".", markersize=3, capsize=2, linewidth=1,
                        label=f"l1_ratio = {r:g}")
            for a, m, s, r in zip(self.alphas, self.mean, self.se, self.l1_ratios)]
        _alpha_axis(ax)
        ax.set_ylabel(f"cross-validated {self.scoring} (mean +- 1 SE)")
        self.choice_lines_ = _mark_choices(ax, self.alpha_min, self.alpha_1se)
        ax.legend(fontsize=8, loc="best")
        self.top_ax_ = _nonzero_axis(ax, self.alphas[self.row], self.n_nonzero)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    def _heatmap(self, ax):
        """One band per l1_ratio, each drawn over its own alphas on a shared log axis
        (the rows' grids differ), the chosen alpha starred on the chosen row."""
        from matplotlib.colors import Normalize

        finite = self.mean[np.isfinite(self.mean)]
        norm = Normalize(finite.min(), finite.max()) if finite.size else None
        self.meshes_, edges = [], []
        for k, (alphas, mean) in enumerate(zip(self.alphas, self.mean)):
            edges.append(_log_edges(alphas))
            self.meshes_.append(ax.pcolormesh(edges[-1], [k - 0.45, k + 0.45],
                                              mean[None, :], cmap="viridis_r", norm=norm,
                                              shading="flat"))
        _alpha_axis(ax)
        edges = np.concatenate(edges)
        ax.set_xlim(edges.max(), edges.min())  # every row whole, strongest on the left
        ax.set_yticks(np.arange(len(self.l1_ratios)))
        ax.set_yticklabels([f"{r:g}" for r in self.l1_ratios])
        ax.set_ylim(-0.5, len(self.l1_ratios) - 0.5)
        ax.set_ylabel("l1_ratio")
        chosen = self.alpha_1se if self.alpha_rule == "1se" else self.alpha_min
        column = _chosen_column(self.alphas[self.row], chosen)
        label = (f"alpha_{self.alpha_rule} = {chosen:.3g}, "
                 f"l1_ratio = {self.l1_ratios[self.row]:g}")
        (self.choice_marker_,) = ax.plot(
            [self.alphas[self.row, column]], [self.row], marker="*", color="red",
            markersize=12, linestyle="none", label=label)
        ax.set_title(f"\u2605 {label}", fontsize=9)  # a legend would cover the map
        self.colorbar_ = ax.figure.colorbar(self.meshes_[0], ax=ax,
                                            label=f"cross-validated {self.scoring}")
        self.ax_, self.figure_ = ax, ax.figure
        return self


def _log_edges(alphas):
    """Cell edges around a decreasing log grid: midpoints in log space, half a step out
    at either end."""
    logs = np.log(alphas)
    if logs.size == 1:
        return np.exp(logs[0] + np.array([0.5, -0.5]))
    middle = (logs[:-1] + logs[1:]) / 2
    return np.exp(np.concatenate([[2 * logs[0] - middle[0]], middle,
                                  [2 * logs[-1] - middle[-1]]]))


class SparsityDisplay:
    """Plot of the non-zeros and the training and validation scores against alpha.

    Where the validation curve leaves the training curve the model over-fits; where both
    are high (for an error) it under-fits.

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,)
        The grid.
    n_nonzero : ndarray of shape (n_alphas,)
        Non-zero coefficients at each alpha.
    train : ndarray of shape (n_alphas,)
        Training score of the whole-data path.
    validation : ndarray of shape (n_alphas,)
        Mean cross-validation score.
    alpha_min : float
        The alpha of the best CV score.
    alpha_1se : float
        The one-standard-error alpha.
    scoring : str, default="mse"
        The name of the score.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The non-zeros axes.
    score_ax_ : matplotlib Axes
        The scores, on the right axis.
    figure_ : matplotlib Figure
        Their figure.
    nonzero_line_ : Line2D
        The non-zero counts.
    train_line_ : Line2D
        The training score.
    validation_line_ : Line2D
        The validation score.
    choice_lines_ : list of Line2D
        The dashed lines at the chosen alphas.

    See Also
    --------
    CVCurveDisplay : The cross-validation curves with error bars.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_diabetes
    >>> from shrinkage import RidgeCV, SparsityDisplay
    >>> X, y = load_diabetes(return_X_y=True)
    >>> display = SparsityDisplay.from_estimator(RidgeCV().fit(X, y))
    >>> display.score_ax_.get_ylabel()
    'mse'
    """

    def __init__(self, alphas, n_nonzero, train, validation, *, alpha_min, alpha_1se,
                 scoring="mse"):
        self.alphas, self.n_nonzero = np.asarray(alphas), np.asarray(n_nonzero)
        self.train, self.validation = np.asarray(train), np.asarray(validation)
        self.alpha_min, self.alpha_1se, self.scoring = alpha_min, alpha_1se, scoring

    @classmethod
    @fill_doc
    def from_estimator(cls, estimator, *, l1_ratio=None, ax=None):
        """Draw the chosen (or given) l1_ratio's row of a fitted CV estimator.

        Parameters
        ----------
        <<display_estimator>>
        l1_ratio : float, default=None
            Which row to draw (the chosen l1_ratio by default).
        <<display_ax>>

        Returns
        -------
        SparsityDisplay
            The display, drawn.
        """
        estimator = _fitted_cv(estimator)
        row = _ratio_row(estimator, l1_ratio)
        return cls(estimator.alphas_[row], estimator.n_nonzero_path_[row],
                   estimator.train_mean_[row], estimator.cv_mean_[row],
                   alpha_min=estimator.alpha_min_, alpha_1se=estimator.alpha_1se_,
                   scoring=estimator.scoring_).plot(ax=ax)

    @fill_doc
    def plot(self, ax=None):
        """Draw the non-zeros and the scores.

        Parameters
        ----------
        <<display_ax>>

        Returns
        -------
        SparsityDisplay
            This display, with its fitted attributes set.
        """
        ax = _axes(ax)
        (self.nonzero_line_,) = ax.step(self.alphas, self.n_nonzero, where="mid",
                                        color="tab:gray", label="non-zeros")
        _alpha_axis(ax)
        ax.set_ylabel("non-zero coefficients")
        ax.set_ylim(0, 1.05 * max(int(self.n_nonzero.max()), 1))  # counts start at zero
        score_ax = ax.twinx()
        (self.train_line_,) = score_ax.plot(self.alphas, self.train, color="tab:blue",
                                            label=f"training {self.scoring}")
        (self.validation_line_,) = score_ax.plot(self.alphas, self.validation,
                                                 color="tab:orange",
                                                 label=f"validation {self.scoring}")
        score_ax.set_ylabel(self.scoring)
        self.choice_lines_ = _mark_choices(ax, self.alpha_min, self.alpha_1se)
        handles = [self.nonzero_line_, self.train_line_, self.validation_line_]
        ax.legend(handles=handles + self.choice_lines_, fontsize=8, loc="best")
        self.ax_, self.score_ax_, self.figure_ = ax, score_ax, ax.figure
        return self
