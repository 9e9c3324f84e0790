"""The coefficient paths against alpha (``CoefficientPathDisplay``)."""

import numpy as np

from .._docs import fill_doc
from .common import (_alpha_axis, _axes, _fitted_cv, _mark_choices, _nonzero_axis,
                     _ratio_row)


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
