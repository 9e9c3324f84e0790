"""The non-zeros with the training and validation scores against alpha
(``SparsityDisplay``)."""

import numpy as np

from .._docs import fill_doc
from .common import _alpha_axis, _axes, _fitted_cv, _mark_choices, _ratio_row


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
