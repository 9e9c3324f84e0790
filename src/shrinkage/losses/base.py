"""What every loss object offers; a loss module fills it in for one loss.

A loss is resolved from its name once, at the API's edge (``losses.get_loss``); the code
below asks the object, never its name: how the target is prepared and checked, which
datafit the solvers get, the inverse link, the per-sample loss and the scorers offered,
and what the loss supports.
"""

import numpy as np


class Loss:
    """One loss: a stateless object (the data go in the datafit it builds).

    Attributes
    ----------
    name : str
        The name users give (``loss="squared"``) and results carry.
    numeric_target : bool
        Whether y is a number (False: class labels).
    supports_bounds : bool
        Whether coefficient bounds (positive, lower_bounds, upper_bounds) are offered.
    quadratic : bool
        Whether the loss is a quadratic in the linear predictor (its sufficient
        statistics, X'X and X'y, then serve every fit: covariance mode, closed forms).
    class_rows : bool
        Whether the model has a row of coefficients per class (whose grouping across
        classes is then an option).
    joint_outputs : bool
        Whether the columns of a 2-d y are fitted jointly (a row of coefficients per
        feature, in or out for every output), not each on its own.
    scorings : tuple of str
        The regression scorers offered, the default first (empty for classification:
        the classifiers take scikit-learn's scorers too).
    takes_intercept : bool
        Whether the model has an intercept (Cox: no, the baseline hazard absorbs it;
        ``fit_intercept`` is then ignored).
    target_columns : int
        Columns of one prepared target (2 for survival's ``[time, event]``; a 2-d y of
        a one-column loss is several targets).
    on_dask : bool
        Whether the Dask engine fits it.
    relaxes : bool
        Whether the relaxed lasso (``relax=True`` in cross-validation) is offered.
    """

    name = None
    numeric_target = True
    supports_bounds = True
    quadratic = False
    class_rows = False
    joint_outputs = False
    #: whether ``mean(z)`` is ``z``
    identity_link = True
    scorings = ()
    takes_intercept = True
    target_columns = 1
    on_dask = True
    relaxes = True

    def __repr__(self):
        return f"<loss {self.name!r}>"

    def target_array(self, y):
        """The user's y as an array the engines validate (a structured survival
        target becomes its columns); as given here."""
        return y

    def scorer_function(self, scoring):
        """``(function, greater_is_better, whole_rows)`` of a scorer of the loss's own
        (None: the registered one). ``whole_rows``: the function takes every row's
        target and decision values and the test rows, ``function(y, z, sw, test)``."""
        return None

    def prepare_target(self, y, sample_weight, fit_intercept):
        """The target as the datafit takes it (float values here), checked."""
        return y

    def check_options(self, n_samples, offset=None, delta=None):
        """The datafit's options checked (``offset``: Poisson, ``delta``: Huber), as the
        keyword arguments of ``datafit``; refuses an option of another loss."""
        if offset is not None:
            raise ValueError(f"offset is for loss='poisson'; got loss={self.name!r}")
        if delta is not None:
            raise ValueError(f"delta is for loss='huber'; got loss={self.name!r}")
        return {}

    def datafit(self, y, sw, has_sw, offset=None, delta=None):
        """The datafit of the prepared target ``y`` (weights ``sw`` summing to n)."""
        raise NotImplementedError

    def mean(self, z):
        """The inverse link: the predicted mean of the linear predictor ``z``."""
        return z

    def per_sample(self, y, z, delta=None):
        """The loss of each sample at the decision values ``z`` (broadcast)."""
        raise NotImplementedError


def float_target(y):
    """A float, contiguous copy-free view of a validated numeric target."""
    return np.ascontiguousarray(y, dtype=np.float64)
