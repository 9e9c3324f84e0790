"""Plots of regularization paths and cross-validation curves (scikit-learn's Display
pattern: ``from_estimator(...)`` builds and draws, ``plot(ax=...)`` draws again).

The alpha axis is logarithmic and runs from the strongest penalty on the left to the
weakest on the right, the order in which a path is computed; a top axis gives the number
of non-zero coefficients at some of the alphas. matplotlib is imported only when drawing.
"""

import numpy as np

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


def _check_fitted_cv(estimator):
    missing = [a for a in ("cv_mean_", "coef_path_", "alphas_") if not hasattr(estimator, a)]
    if missing:
        raise TypeError(f"{type(estimator).__name__} has no {missing[0]}: pass a fitted "
                        "cross-validated estimator (LassoCV, ElasticNetCV, RidgeCV or "
                        "LogisticRegressionCV)")


class CoefficientPathDisplay:
    """Coefficients against alpha, with non-zeros on top and the chosen alphas dashed.

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_alphas, n_features)
    alpha_min, alpha_1se : float, optional
    feature_names : sequence of str, optional

    Attributes
    ----------
    ax_, figure_, top_ax_ : the axes drawn on, its figure, the non-zeros axis
    lines_ : list of Line2D, one per feature
    labels_ : list of Text, the names written beside the largest paths
    """

    def __init__(self, alphas, coefs, *, alpha_min=None, alpha_1se=None,
                 feature_names=None):
        self.alphas = np.asarray(alphas, dtype=float)
        self.coefs = np.asarray(coefs, dtype=float)
        self.alpha_min, self.alpha_1se = alpha_min, alpha_1se
        n_features = self.coefs.shape[1]
        self.feature_names = (list(feature_names) if feature_names is not None
                              else [f"x{j}" for j in range(n_features)])

    @classmethod
    def from_estimator(cls, estimator, *, l1_ratio=None, feature_names=None, n_labels=5,
                       ax=None):
        """Draw the whole-data path of a fitted cross-validated estimator."""
        _check_fitted_cv(estimator)
        row = _ratio_row(estimator, l1_ratio)
        if feature_names is None:
            feature_names = getattr(estimator, "feature_names_in_", None)
        display = cls(estimator.alphas_[row], estimator.coef_path_[row],
                      alpha_min=estimator.alpha_min_, alpha_1se=estimator.alpha_1se_,
                      feature_names=feature_names)
        return display.plot(ax=ax, n_labels=n_labels)

    @classmethod
    def from_path(cls, path, *, feature_names=None, n_labels=5, ax=None):
        """Draw a ``Path`` from ``regularization_path``."""
        return cls(path.alphas, path.coefs, feature_names=feature_names).plot(
            ax=ax, n_labels=n_labels)

    def plot(self, ax=None, *, n_labels=5):
        """Draw on ``ax`` (a new figure by default); label the ``n_labels`` largest paths."""
        ax = _axes(ax)
        self.lines_ = [ax.plot(self.alphas, self.coefs[:, j], linewidth=1)[0]
                       for j in range(self.coefs.shape[1])]
        ax.axhline(0.0, color="lightgray", linewidth=0.8, zorder=0)
        _alpha_axis(ax)
        ax.set_ylabel("coefficient")
        self.choice_lines_ = _mark_choices(ax, self.alpha_min, self.alpha_1se)
        last = self.coefs[-1]
        largest = np.argsort(-np.abs(last), kind="stable")[:n_labels]
        self.labels_ = [ax.annotate(self.feature_names[j], (self.alphas[-1], last[j]),
                                    xytext=(3, 0), textcoords="offset points",
                                    fontsize=8, va="center", color=self.lines_[j].get_color())
                        for j in largest if last[j] != 0]
        self.top_ax_ = _nonzero_axis(ax, self.alphas, np.count_nonzero(self.coefs, axis=1))
        if self.choice_lines_:
            ax.legend(handles=self.choice_lines_, fontsize=8, loc="best")
        self.ax_, self.figure_ = ax, ax.figure
        return self


class CVCurveDisplay:
    """Mean cross-validation score with one-standard-error bars, one curve per l1_ratio.

    Parameters
    ----------
    alphas, mean, se : ndarray of shape (n_l1_ratios, n_alphas)
    l1_ratios : sequence of float
    n_nonzero : ndarray of shape (n_alphas,)
        Non-zeros along the chosen l1_ratio's whole-data path (the top axis).
    alpha_min, alpha_1se : float
    scoring : str
        The name on the y axis.

    Attributes
    ----------
    ax_, figure_, top_ax_, curves_ (one ErrorbarContainer per l1_ratio), choice_lines_
    """

    def __init__(self, alphas, mean, se, *, l1_ratios, n_nonzero, alpha_min, alpha_1se,
                 scoring="mse"):
        self.alphas, self.mean, self.se = (np.atleast_2d(a) for a in (alphas, mean, se))
        self.l1_ratios = list(l1_ratios)
        self.n_nonzero = np.asarray(n_nonzero)
        self.alpha_min, self.alpha_1se, self.scoring = alpha_min, alpha_1se, scoring

    @classmethod
    def from_estimator(cls, estimator, *, kind="curves", ax=None):
        """Draw the CV curves (or, ``kind="heatmap"``, the l1_ratio x alpha map of the
        mean score) of a fitted cross-validated estimator."""
        _check_fitted_cv(estimator)
        row = _ratio_row(estimator, None)
        return cls(estimator.alphas_, estimator.cv_mean_, estimator.cv_se_,
                   l1_ratios=estimator.l1_ratios_, n_nonzero=estimator.n_nonzero_path_[row],
                   alpha_min=estimator.alpha_min_, alpha_1se=estimator.alpha_1se_,
                   scoring=estimator.scoring_).plot(ax=ax, kind=kind)

    def plot(self, ax=None, *, kind="curves"):
        """Draw on ``ax`` (a new figure by default): ``"curves"`` or ``"heatmap"``."""
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
        row = int(np.argmin(np.abs(self.alphas - self.alpha_min).min(axis=1)))
        self.top_ax_ = _nonzero_axis(ax, self.alphas[row], self.n_nonzero)
        self.ax_, self.figure_ = ax, ax.figure
        return self


    def _heatmap(self, ax):
        """Rows: l1_ratios; columns: the grid's alphas, labelled relative to each row's
        largest (the grids of a CV estimator share that relative spacing)."""
        self.image_ = ax.imshow(self.mean, aspect="auto", cmap="viridis_r",
                                interpolation="nearest")
        relative = self.alphas[0] / self.alphas[0, 0]
        picks = np.unique(np.linspace(0, relative.size - 1, N_TOP_TICKS).round().astype(int))
        ax.set_xticks(picks)
        ax.set_xticklabels([f"{relative[k]:.2g}" for k in picks])
        ax.set_xlabel("alpha / alpha_max of the row")
        ax.set_yticks(np.arange(len(self.l1_ratios)))
        ax.set_yticklabels([f"{r:g}" for r in self.l1_ratios])
        ax.set_ylabel("l1_ratio")
        row, col = np.argwhere(self.alphas == self.alpha_min)[0]
        (self.choice_marker_,) = ax.plot([col], [row], marker="*", color="red",
                                         markersize=12, linestyle="none",
                                         label=f"alpha_min = {self.alpha_min:.3g}")
        ax.legend(fontsize=8, loc="best")
        ax.figure.colorbar(self.image_, ax=ax, label=f"cross-validated {self.scoring}")
        self.ax_, self.figure_ = ax, ax.figure
        return self


class SparsityDisplay:
    """Non-zeros and training / validation score against alpha on one figure.

    Where the validation curve leaves the training curve the model over-fits; where both
    are high (for an error) it under-fits.

    Parameters
    ----------
    alphas, n_nonzero, train, validation : ndarray of shape (n_alphas,)
    alpha_min, alpha_1se : float
    scoring : str

    Attributes
    ----------
    ax_ (non-zeros), score_ax_ (the scores, right axis), figure_, nonzero_line_,
    train_line_, validation_line_, choice_lines_
    """

    def __init__(self, alphas, n_nonzero, train, validation, *, alpha_min, alpha_1se,
                 scoring="mse"):
        self.alphas, self.n_nonzero = np.asarray(alphas), np.asarray(n_nonzero)
        self.train, self.validation = np.asarray(train), np.asarray(validation)
        self.alpha_min, self.alpha_1se, self.scoring = alpha_min, alpha_1se, scoring

    @classmethod
    def from_estimator(cls, estimator, *, l1_ratio=None, ax=None):
        """Draw the chosen (or given) l1_ratio's row of a fitted CV estimator."""
        _check_fitted_cv(estimator)
        row = _ratio_row(estimator, l1_ratio)
        return cls(estimator.alphas_[row], estimator.n_nonzero_path_[row],
                   estimator.train_mean_[row], estimator.cv_mean_[row],
                   alpha_min=estimator.alpha_min_, alpha_1se=estimator.alpha_1se_,
                   scoring=estimator.scoring_).plot(ax=ax)

    def plot(self, ax=None):
        """Draw on ``ax`` (a new figure by default)."""
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
