"""Input checks, each failing with a message that names the argument and the problem."""

import numbers

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import _check_sample_weight, _num_samples


def check_scalar_param(value, name, *, low=None, high=None, low_open=False, integer=False):
    """Check a numeric hyper-parameter; returns it as float (or int)."""
    kinds = (numbers.Integral,) if integer else (numbers.Real,)
    if isinstance(value, bool) or not isinstance(value, kinds):
        kind = "an integer" if integer else "a real number"
        raise TypeError(f"{name} must be {kind}, got {value!r} of type {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and (value < low or (low_open and value == low)):
        bound = ">" if low_open else ">="
        raise ValueError(f"{name} must be {bound} {low}, got {value!r}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value!r}")
    return int(value) if integer else float(value)


def check_alpha(alpha):
    """alpha >= 0, finite."""
    return check_scalar_param(alpha, "alpha", low=0.0)


def check_selection(selection):
    """scikit-learn's coordinate order: only 'cyclic' is offered (see the estimators)."""
    if selection == "cyclic":
        return selection
    if selection == "random":
        raise ValueError("selection='random' is not supported: coordinates are visited in "
                         "the order of working sets built from the KKT violations; use "
                         "selection='cyclic' (for the min / one-standard-error choice of a "
                         "CV estimator, see alpha_rule)")
    raise ValueError(f"selection must be 'cyclic' (the coordinate order), got "
                     f"{selection!r}" + ("; the min / one-standard-error choice of alpha "
                                         "is now alpha_rule" if selection in ("min", "1se")
                                         else ""))


def check_l1_ratio(l1_ratio):
    """l1_ratio in [0, 1]."""
    return check_scalar_param(l1_ratio, "l1_ratio", low=0.0, high=1.0)


def check_penalty_factor(penalty_factor, n_features):
    """Per-feature non-negative finite factors, ones by default."""
    if penalty_factor is None:
        return np.ones(n_features)
    factor = _as_float_vector(penalty_factor, "penalty_factor", n_features)
    if np.any(factor < 0):
        raise ValueError("penalty_factor must be >= 0 for every feature (0 = unpenalized)")
    return factor


def check_bounds(positive, lower_bounds, upper_bounds, n_features):
    """Lower and upper bounds per feature; each must contain 0, as in glmnet.

    ``positive=True`` sets the lower bound to 0 (it combines with ``upper_bounds``).
    """
    if not isinstance(positive, (bool, np.bool_)):
        raise TypeError(f"positive must be True or False, got {positive!r}")
    lower = _bound(lower_bounds, "lower_bounds", -np.inf, n_features)
    upper = _bound(upper_bounds, "upper_bounds", np.inf, n_features)
    if np.any(lower > 0):
        raise ValueError("lower_bounds must be <= 0 for every feature (w = 0 must be "
                         "feasible); shift the problem instead")
    if np.any(upper < 0):
        raise ValueError("upper_bounds must be >= 0 for every feature (w = 0 must be "
                         "feasible); shift the problem instead")
    if positive:
        lower = np.maximum(lower, 0.0)
    return lower, upper


def _bound(value, name, default, n_features):
    if value is None:
        return np.full(n_features, default)
    if np.ndim(value) == 0:
        v = check_scalar_param_allow_inf(value, name)
        return np.full(n_features, v)
    bound = np.asarray(value, dtype=np.float64)
    if bound.shape != (n_features,):
        raise ValueError(f"{name} must be a scalar or have shape ({n_features},), "
                         f"got shape {bound.shape}")
    if np.any(np.isnan(bound)):
        raise ValueError(f"{name} contains NaN")
    return bound.copy()


def check_scalar_param_allow_inf(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or np.isnan(value):
        raise TypeError(f"{name} must be a real number or an array, got {value!r}")
    return float(value)


def _as_float_vector(value, name, n_features):
    try:
        vec = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    if vec.shape != (n_features,):
        raise ValueError(f"{name} must have shape ({n_features},), got shape {vec.shape}")
    if not np.all(np.isfinite(vec)):
        raise ValueError(f"{name} must be finite for every feature")
    return vec


def check_lengths(X, y):
    """Mismatched X / y lengths, said in those words before any conversion."""
    if X is None or y is None:
        return
    try:
        n_x, n_y = _num_samples(X), _num_samples(y)
    except TypeError:
        return  # let the array checks name the problem
    if n_x != n_y:
        raise ValueError(f"X has {n_x} samples but y has {n_y}; they must match")


def check_y(y, *, numeric=True, multi_output=False):
    """Check y alone so that its errors say 'y' (a 2-d y only where ``multi_output``)."""
    if y is None:
        return
    try:
        checked = check_array(y, ensure_2d=False, dtype="numeric" if numeric else None,
                              input_name="y", ensure_all_finite=numeric)
    except ValueError as exc:
        raise ValueError(f"y: {exc}") from None
    if checked.ndim > 2 or (checked.ndim == 2 and not multi_output
                            and checked.shape[1] != 1):
        raise ValueError(f"y must be 1-d (one target), got shape {checked.shape}"
                         + ("" if checked.ndim > 2 else
                            "; this estimator fits one target at a time"))


def name_x_errors(validate, *args, **kwargs):
    """Run a scikit-learn validation of X (y already checked) so its errors say 'X'."""
    try:
        return validate(*args, **kwargs)
    except ValueError as exc:
        message = str(exc)
        if "X" not in message.split(":")[0]:
            message = f"X: {message}"
        raise ValueError(message) from None


def check_min_samples(n_samples, who):
    if n_samples < 2:
        raise ValueError(f"X has {n_samples} sample; {who} needs at least 2 samples "
                         "(n_samples = 1 cannot be fitted)")


def check_sample_weight(sample_weight, X):
    """Non-negative finite weights with a positive sum, as a float array (a copy)."""
    if sample_weight is None:
        return None
    try:
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64,
                                  ensure_non_negative=True, copy=True)
    except ValueError as exc:
        raise ValueError(f"sample_weight: {exc}") from None
    if not sw.sum() > 0:  # scikit-learn checks this too since 1.7; older ones do not
        raise ValueError("sample_weight must have a positive sum")
    return sw


def class_codes(y, sample_weight=None):
    """Classes of a target with two or more of them: ``(codes 0 .. K-1, classes)``.

    Raises a ValueError naming y when it holds one class, is not a classification
    target, or a class has zero total sample weight.
    """
    kind = type_of_target(y, input_name="y", raise_unknown=True)
    if kind not in ("binary", "multiclass"):
        raise ValueError(f"y must hold class labels (one per sample); the type of the "
                         f"target y is {kind}")
    classes, codes = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"y has a single class ({classes[0]!r}); logistic regression "
                         "needs two classes or more to fit")
    if sample_weight is not None:
        mass = np.bincount(codes, weights=sample_weight, minlength=len(classes))
        for cls, m in zip(classes, mass):
            if not m > 0:
                raise ValueError(f"class {cls!r} of y has zero total sample_weight; give "
                                 "it positive weights or drop its samples")
    return codes.astype(np.int64), classes


def binary_labels(y, sample_weight=None):
    """Map a binary target to {-1, +1}; returns (labels, classes).

    Raises a ValueError naming y when it does not hold exactly two classes (with positive
    total weight, when sample weights are given).
    """
    kind = type_of_target(y, input_name="y", raise_unknown=True)
    classes = np.unique(y)
    if kind not in ("binary", "multiclass"):
        raise ValueError(f"Only binary classification is supported. The type of the "
                         f"target y is {kind}; it must hold two class labels")
    if len(classes) > 2:
        raise ValueError(f"the logistic loss takes two classes; y has {len(classes)} "
                         "classes: use loss='multinomial'")
    if len(classes) < 2:
        raise ValueError(f"y has a single class ({classes[0]!r}); logistic regression "
                         "needs two classes to fit")
    labels = np.where(y == classes[1], 1.0, -1.0)
    if sample_weight is not None:
        for label, cls in ((1.0, classes[1]), (-1.0, classes[0])):
            if not sample_weight[labels == label].sum() > 0:
                raise ValueError(f"class {cls!r} of y has zero total sample_weight: only "
                                 "one class is left to fit; give it positive weights")
    return labels, classes


def check_counts(y, sample_weight=None, fit_intercept=True):
    """A Poisson target: finite values >= 0 (counts, or rates with exposure weights),
    not all 0 where an intercept is fitted (its optimum would be minus infinity)."""
    y = np.asarray(y, dtype=np.float64)
    if np.any(y < 0):
        raise ValueError(f"y must be >= 0 for the Poisson loss (counts); it has "
                         f"{int(np.sum(y < 0))} negative values, the smallest {y.min():g}")
    mass = y if sample_weight is None else y * sample_weight
    if fit_intercept and not mass.sum() > 0:
        raise ValueError("y is 0 for every sample (with positive weight): the Poisson "
                         "intercept would be minus infinity; there is nothing to fit")
    return y


def check_offset(offset, n_samples):
    """The Poisson offset (log exposure): None, or finite floats, one per sample (a
    copy)."""
    if offset is None:
        return None
    try:
        vec = np.array(offset, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise TypeError(f"offset must be an array of numbers (log exposure): {exc}") \
            from None
    if vec.shape != (n_samples,):
        raise ValueError(f"offset must have one value per sample ({n_samples}), got "
                         f"shape {np.shape(offset)}")
    if not np.all(np.isfinite(vec)):
        raise ValueError("offset must be finite (it is the log of the exposure: give "
                         "np.log(exposure) with exposure > 0)")
    return vec


def check_delta(delta, allow_rules=False):
    """The Huber threshold: a float > 0, or (where ``allow_rules``) None or
    ``"residuals"``, the names of the default rules."""
    if delta is None or (allow_rules and delta == "residuals"):
        return delta
    if isinstance(delta, str):
        raise ValueError(f"delta must be a float > 0, None or 'residuals', got {delta!r}")
    return check_scalar_param(delta, "delta", low=0.0, low_open=True)
