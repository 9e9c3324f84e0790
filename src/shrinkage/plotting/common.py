"""What the displays share: the axes they draw on (the logarithmic alpha axis, the top
axis of non-zero counts, the dashed chosen alphas) and the fitted cross-validated
estimator they read."""

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
