"""The cross-validation curves, or the l1_ratio x alpha map, against alpha
(``CVCurveDisplay``)."""

import numpy as np

from .._docs import fill_doc
from .common import (_alpha_axis, _axes, _fitted_cv, _mark_choices, _nonzero_axis,
                     _ratio_row)


def _chosen_column(alphas, alpha):
    """Column of ``alpha`` in one row's grid (the exact value the estimator chose)."""
    return int(np.argmin(np.abs(np.log(alphas) - np.log(alpha))))


class CVCurveDisplay:
    """Plot of the mean cross-validation score against alpha.

    ``kind="curves"``: one curve per l1_ratio with one-standard-error bars, the chosen
    alphas dashed, the chosen row's non-zero counts on top. ``kind="heatmap"``: one
    band per l1_ratio over its own alphas, the choice starred. ``kind="relaxed"`` (an
    estimator fitted with ``relax=True``): one curve per gamma on the chosen row (gamma
    1 is the lasso's curve), the joint choice of (alpha, gamma) starred.

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
    relaxed : tuple (gammas, mean, se, gamma), optional
        A relaxed fit's gammas, its scores of shape (n_gammas, n_alphas) on the chosen
        row with their standard errors, and the chosen gamma (``kind="relaxed"``).

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        Its figure.
    top_ax_ : matplotlib Axes
        The non-zeros axis (curves).
    curves_ : list of ErrorbarContainer
        One per l1_ratio (curves), or per gamma (relaxed).
    choice_lines_ : list of Line2D
        The dashed lines at the chosen alphas (curves).
    meshes_ : list of QuadMesh
        One band per l1_ratio (heatmap).
    choice_marker_ : Line2D
        The star at the chosen alpha and l1_ratio (heatmap), or alpha and gamma
        (relaxed).
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
                 scoring="mse", row=0, alpha_rule="min", relaxed=None):
        self.alphas, self.mean, self.se = (np.atleast_2d(a) for a in (alphas, mean, se))
        self.l1_ratios = list(l1_ratios)
        self.n_nonzero = np.asarray(n_nonzero)
        self.alpha_min, self.alpha_1se, self.scoring = alpha_min, alpha_1se, scoring
        self.row, self.alpha_rule, self.relaxed = int(row), alpha_rule, relaxed

    @classmethod
    @fill_doc
    def from_estimator(cls, estimator, *, kind="curves", ax=None):
        """Draw the CV curves or map of a fitted cross-validated estimator.

        Parameters
        ----------
        <<display_estimator>>
        kind : {"curves", "heatmap", "relaxed"}, default="curves"
            Curves with error bars, the l1_ratio x alpha map of the mean score, or (with
            ``relax=True``) the curves of each gamma.
        <<display_ax>>

        Returns
        -------
        CVCurveDisplay
            The display, drawn.
        """
        estimator = _fitted_cv(estimator)
        row = _ratio_row(estimator, None)
        relaxed = None
        if hasattr(estimator, "gammas_"):
            relaxed = (estimator.gammas_, estimator.relaxed_cv_mean_[row],
                       estimator.relaxed_cv_se_[row], estimator.gamma_)
        elif kind == "relaxed":
            raise ValueError("kind='relaxed' draws an estimator fitted with relax=True; "
                             f"this {type(estimator).__name__} was not")
        return cls(estimator.alphas_, estimator.cv_mean_, estimator.cv_se_,
                   l1_ratios=estimator.l1_ratios_, n_nonzero=estimator.n_nonzero_path_[row],
                   alpha_min=estimator.alpha_min_, alpha_1se=estimator.alpha_1se_,
                   scoring=estimator.scoring_, row=row, alpha_rule=estimator.alpha_rule,
                   relaxed=relaxed).plot(ax=ax, kind=kind)

    @fill_doc
    def plot(self, ax=None, *, kind="curves"):
        """Draw the curves or the map.

        Parameters
        ----------
        <<display_ax>>
        kind : {"curves", "heatmap", "relaxed"}, default="curves"
            What to draw.

        Returns
        -------
        CVCurveDisplay
            This display, with its fitted attributes set.
        """
        if kind not in ("curves", "heatmap", "relaxed"):
            raise ValueError(f"kind must be 'curves', 'heatmap' or 'relaxed', got {kind!r}")
        if kind == "relaxed" and self.relaxed is None:
            raise ValueError("kind='relaxed' needs the display's relaxed scores (an "
                             "estimator fitted with relax=True)")
        ax = _axes(ax)
        if kind == "heatmap":
            return self._heatmap(ax)
        if kind == "relaxed":
            return self._relaxed(ax)
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

    def _relaxed(self, ax):
        """One curve per gamma over the chosen row's alphas, the joint choice starred."""
        gammas, mean, se, gamma = self.relaxed
        alphas = self.alphas[self.row]
        self.curves_ = [
            ax.errorbar(alphas, m, yerr=s, marker=".", markersize=3, capsize=2,
                        linewidth=1.6 if g == 1 else 1,
                        label=f"gamma = {g:g}" + (" (the lasso)" if g == 1 else
                                                  " (the refit)" if g == 0 else ""))
            for g, m, s in zip(gammas, mean, se)]
        _alpha_axis(ax)
        ax.set_ylabel(f"cross-validated {self.scoring} (mean +- 1 SE)")
        chosen = self.alpha_1se if self.alpha_rule == "1se" else self.alpha_min
        column = _chosen_column(alphas, chosen)
        (self.choice_marker_,) = ax.plot(
            [alphas[column]], [mean[list(gammas).index(gamma), column]], marker="*",
            color="red", markersize=12, linestyle="none",
            label=f"chosen: alpha = {chosen:.3g}, gamma = {gamma:g}")
        self.choice_lines_ = _mark_choices(ax, self.alpha_min, self.alpha_1se)
        ax.legend(fontsize=8, loc="best")
        self.top_ax_ = _nonzero_axis(ax, alphas, self.n_nonzero)
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
            edges.append(log_edges(alphas))
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


def log_edges(alphas):
    """Cell edges around a decreasing log grid: midpoints in log space, half a step out
    at either end."""
    logs = np.log(alphas)
    if logs.size == 1:
        return np.exp(logs[0] + np.array([0.5, -0.5]))
    middle = (logs[:-1] + logs[1:]) / 2
    return np.exp(np.concatenate([[2 * logs[0] - middle[0]], middle,
                                  [2 * logs[-1] - middle[-1]]]))
