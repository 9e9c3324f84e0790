"""``shrinkage compare --engine dask`` for the losses fitted by distributed Newton passes
(logistic, multinomial, Poisson, Huber): the encoded rows persisted on the workers,
every model fitted by passes over them, every test number reduced from them. The Huber
threshold follows the in-memory comparison's rule (``pilot_huber_delta``: exact
medians in two passes each, ``robust.py``).

Each Parquet partition is encoded once (the client's fitted preprocessor, the target
as labels in {-1, +1}, class codes or counts) and kept in the workers' memory with each
row's group (its fold, or the test split) and a weight that is 0 on the test rows, so
that no model trains on them. Then:

- the penalized models are ``cross_validate_on`` these parts (every fold and the
  whole-data path in the same passes, folds scored by the loss on their held-out rows);
- the unpenalized model is ``fit_on`` them, and its cross-validation runs its k fold
  fits in shared passes and scores each on its held-out rows;
- test metrics are sums over the test rows: the loss, accuracy (and each class's
  recall for the balanced accuracy), the absolute error, and for the ROC AUC a
  histogram of the scores of each class's positives and negatives on a fine grid of
  logits (``AUC_BINS``), from which the AUC follows with ties inside a bin counted as
  half (the in-memory AUC to about 1e-4 on the tests' tables);
- the intervals of the test differences are normal-theory ones from the test losses'
  means and covariance (``dask.py``), as for the squared loss.
"""

import warnings

import numpy as np

from .. import model_selection as ms
from ..glm_cv import HuberRegressorCV
from ..scale.newton import UnpenalizedState, advance
from ..scale.passes import DaskGLM, Request
from ..scale.statistics import reduce_parts
from ..scale.table import label_rows
from ..scale.terms import HuberTerms
from .dask_rows import encoded_rows, loss_moments, merge_moments
from .engine import decision_values, warm_up_clones
from .losses import PILOT_ALPHAS

#: bins of the logit histograms behind the test ROC AUC, over [-LOGIT_RANGE, LOGIT_RANGE]
AUC_BINS = 1 << 14
LOGIT_RANGE = 30.0


def encode_target(values, classes):
    """The target as the fits read it: class labels in {-1, +1} (two classes), class
    codes (more) or numbers (``classes`` None)."""
    if classes is None:
        return values.to_numpy(dtype=np.float64)
    values = np.asarray(values.tolist(), dtype=classes.dtype)
    if len(classes) == 2:
        return np.where(values == classes[1], 1.0, -1.0)
    return np.searchsorted(classes, values).astype(np.float64)


def encoded_part(frame, partition, target, features, preprocessor, classes, *, test_size,
                 n_folds, seed):
    """One partition's encoded rows ``(X, y, weights, groups)``: weight 0 on the test
    rows (group ``n_folds``), so that they are in no model's training set (a worker's)."""
    rows, groups, _ = label_rows(frame, partition, target, test_size, n_folds, seed)
    X = encoded_rows(preprocessor, rows, features)
    y = encode_target(rows[target], classes)
    return X, y, (groups < n_folds).astype(np.float64), groups


def train_targets(part):
    """The targets of a part's training rows (a worker's)."""
    _, y, w, _ = part
    return y[w > 0]


def train_residuals(part, coef, intercept):
    """The residuals of a part's training rows under a fitted model (a worker's)."""
    X, y, w, _ = part
    keep = w > 0
    return y[keep] - (X[keep] @ coef + intercept)


def pilot_huber_delta(parts, n_train, n_features, n_folds):
    """``HuberRegressorCV``'s ``"residuals"`` rule on the training rows, as the in-memory
    comparison fixes its threshold: the rule on y, a cross-validated lasso pilot with
    that threshold, then the rule on the pilot's residuals."""
    from ..prepared import cross_validate_on
    from ..scale.robust import huber_delta

    on_y = huber_delta(parts, train_targets)
    pilot = HuberRegressorCV(l1_ratio=1.0, alphas=PILOT_ALPHAS, cv=n_folds, delta=on_y)
    terms = HuberTerms(on_y, huber_location_parts(parts, on_y))
    data = DaskGLM.from_parts(parts, n_train, n_features, True, n_folds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the pilot's: the models fitted next say theirs
        cross_validate_on(pilot, data, terms, [terms] * n_folds, delta=on_y)
    return huber_delta(parts, train_residuals, pilot.coef_, pilot.intercept_,
                       fallback=on_y)


def huber_location_parts(parts, delta):
    """The Huber location of the training targets (``fit_glm.huber_location`` over the
    parts)."""
    from ..scale.fit_glm import bracketed_huber_newton

    low, high, total, mass = reduce_parts(parts, _target_range, _merge_ranges)
    return bracketed_huber_newton(
        low - delta, high + delta, total / mass,
        lambda c: reduce_parts(parts, _psi_sums, np.add, c, delta), delta)


def _target_range(part):
    y = train_targets(part)
    return np.array([y.min(initial=np.inf), y.max(initial=-np.inf), y.sum(), y.size])


def _merge_ranges(a, b):
    return np.array([min(a[0], b[0]), max(a[1], b[1]), a[2] + b[2], a[3] + b[3]])


def _psi_sums(part, c, delta):
    t = train_targets(part) - c
    return np.array([np.clip(t, -delta, delta).sum(), float(np.sum(np.abs(t) <= delta)),
                     float(t.size)])


class NewtonParts:
    """The fits and test numbers of a comparison by distributed Newton passes.

    Parameters
    ----------
    parts : list of persisted delayed ``(X, y, weights, groups)``
    n_train, n_features, n_folds : int
    loss : losses.CompareLoss
    classes : ndarray or None
    """

    def __init__(self, parts, n_train, n_features, n_folds, loss, classes):
        self.parts, self.n_folds, self.loss = parts, n_folds, loss
        self.terms = loss.newton_terms(
            classes, lambda delta: huber_location_parts(parts, delta))
        self.data = DaskGLM.from_parts(parts, n_train, n_features, True, n_folds)
        self.held_out = TestParts(parts, n_folds, loss, classes)

    def fit(self, model, data=None):
        from ..prepared import cross_validate_on, fit_on

        data = data or self.data
        if hasattr(model, "cv"):
            cross_validate_on(model, data, self.terms, [self.terms] * self.n_folds)
        else:
            fit_on(model, data, self.terms)

    def warm_up(self, estimators):
        """Fit clones on a short grid over the first parts (compiles the kernels on the
        client and on the workers those parts live on)."""
        small = DaskGLM.from_parts(self.parts[:4], self.data.n_samples,
                                   self.data.n_features, True, self.n_folds)
        return warm_up_clones(estimators, lambda quick: self.fit(quick, small),
                              {"alphas": 3, "tol": 1e-3, "max_iter": 5})

    def baseline_cv(self, model):
        """The unpenalized model's k fold fits (damped Newton, sharing their passes),
        each scored by the loss on its held-out rows: mean and standard error."""
        k, p = self.n_folds, self.data.n_features
        states = [UnpenalizedState(self.terms, p, True, model.tol, model.max_iter, fold=f)
                  for f in range(k)]
        advance(self.data, states, lambda s: s.done)
        final = self.data.run([Request(self.terms, s.path.w, s.path.b, fold=f)
                               for f, s in enumerate(states)])
        scores = np.array([self.terms.score(sums.held_out) for sums in final])
        return float(scores.mean()), float(scores.std(ddof=1) / np.sqrt(k))

    def interval_moments(self, fitted):
        """The test rows' count, mean loss of each of the ``fitted`` ``(coef,
        intercept)`` and the scatter matrix of the losses about their means."""
        return reduce_parts(self.parts, _part_loss_moments, merge_moments, fitted,
                            self.loss, self.n_folds)


def _test_rows(part, n_folds):
    X, y, _, groups = part
    test = groups == n_folds
    return X[test], y[test]


def _part_loss_moments(part, fitted, loss, n_folds):
    X, y = _test_rows(part, n_folds)
    return loss_moments(X, y, fitted, loss)


class TestParts:
    """The test split on the workers: each metric a sum over its rows."""

    def __init__(self, parts, n_folds, loss, classes):
        self.parts, self.n_folds, self.loss = parts, n_folds, loss
        self.n_classes = 0 if classes is None else len(classes)
        self._models = {}  # a model's metric sums: its metrics and curves share a pass

    def _model_sums(self, coef, intercept):
        coef, intercept = np.asarray(coef), np.asarray(intercept)
        key = (coef.tobytes(), coef.shape, intercept.tobytes())
        if key not in self._models:
            self._models[key] = self._reduce(_metric_sums, coef, intercept, self.n_classes)
        return self._models[key]

    def _reduce(self, function, *args):
        return reduce_parts(self.parts, function, _add_dicts, *args, self.loss,
                            self.n_folds)

    def path(self, coefs, intercepts):
        """The mean test loss of each model along a path."""
        sums = self._reduce(_path_losses, np.asarray(coefs), np.asarray(intercepts))
        return sums["loss"] / max(sums["n"], 1.0)

    def curves(self, coef, intercept):
        """A classifier's test ROC curve ``(fpr, tpr)`` (the binned scores of the
        positive class; None with more classes) and its confusion matrix (rows: true
        classes, columns: predicted)."""
        s = self._model_sums(coef, intercept)
        roc = histogram_roc(*s["hist"][0]) if self.n_classes == 2 else None
        return {"roc": roc, "confusion": s["confusion"]}

    def metrics(self, coef, intercept):
        """Every test metric of one model (the ranking one first)."""
        s = self._model_sums(coef, intercept)
        n = max(float(s["n"]), 1.0)
        out = {self.loss.test_key: float(s["loss"]) / n}
        if self.n_classes == 0:
            sst = float(s["yy"]) - float(s["y"]) ** 2 / n
            known = {"test_mae": float(s["abs"]) / n,
                     "test_r2": 1.0 - float(s["sse"]) / sst if sst > 0 else 0.0}
            out.update({k: known[k] for k in self.loss.test_columns[1:]})
            return out
        # the in-memory metrics' keys: the balanced accuracy with more than two classes
        out["test_accuracy"] = float(s["correct"]) / n
        if self.n_classes > 2:
            present = s["class_n"] > 0
            out["test_balanced_accuracy"] = float(np.mean(
                s["class_correct"][present] / s["class_n"][present]))
        out["test_roc_auc"] = float(np.mean([histogram_auc(h[0], h[1]) for h in s["hist"]]))
        return out


def histogram_auc(positives, negatives):
    """The ROC AUC of scores binned on one grid: the share of (positive, negative) pairs
    ordered right, pairs within a bin counted as half."""
    P, N = positives.sum(), negatives.sum()
    if P == 0 or N == 0:
        return float("nan")
    below = np.cumsum(negatives) - negatives
    return float((positives @ (below + 0.5 * negatives)) / (P * N))


def histogram_roc(positives, negatives):
    """The ROC curve ``(fpr, tpr)`` of scores binned on one grid, thresholds from the
    highest bin down (one point per bin boundary)."""
    tpr = np.concatenate([[0.0], np.cumsum(positives[::-1])]) / max(positives.sum(), 1)
    fpr = np.concatenate([[0.0], np.cumsum(negatives[::-1])]) / max(negatives.sum(), 1)
    return fpr, tpr


def _bins(logits):
    scaled = (np.clip(logits, -LOGIT_RANGE, LOGIT_RANGE) + LOGIT_RANGE) / (2 * LOGIT_RANGE)
    return np.minimum((scaled * AUC_BINS).astype(np.int64), AUC_BINS - 1)


def _path_losses(part, coefs, intercepts, loss, n_folds):
    X, y = _test_rows(part, n_folds)
    z = ms.path_decision_values(X, coefs, intercepts)
    return {"n": np.array(float(len(y))),
            "loss": loss.per_sample(y[:, None], z).sum(axis=0)}


def _metric_sums(part, coef, intercept, n_classes, loss, n_folds):
    """One part's sums behind every test metric of one model (a worker's)."""
    X, y = _test_rows(part, n_folds)
    z = decision_values(X, coef, intercept)
    out = {"n": np.array(float(len(y))), "loss": np.array(loss.per_sample(y, z).sum())}
    if n_classes == 0:
        mean = loss.mean(z)
        out.update(abs=np.array(np.abs(y - mean).sum()), sse=np.array(((y - mean) ** 2).sum()),
                   y=np.array(y.sum()), yy=np.array((y ** 2).sum()))
        return out
    if n_classes == 2:
        codes, predicted = (y > 0).astype(int), (z > 0).astype(int)
        correct = np.sum(np.sign(z) == y)  # as in memory: a score of 0 is no answer
        logits = z[:, None]
        columns = [1]
    else:
        codes, predicted = y.astype(int), np.argmax(z, axis=1)
        correct = np.sum(predicted == codes)
        # each class's one-vs-rest logit: z_k - log sum_{j != k} exp(z_j)
        others = np.stack([np.logaddexp.reduce(np.delete(z, k, axis=1), axis=1)
                           for k in range(n_classes)], axis=1)
        logits = z - others
        columns = range(n_classes)
    hist = np.zeros((len(columns), 2, AUC_BINS))
    for row, k in enumerate(columns):
        bins = _bins(logits[:, row])
        positive = codes == k
        hist[row, 0] = np.bincount(bins[positive], minlength=AUC_BINS)
        hist[row, 1] = np.bincount(bins[~positive], minlength=AUC_BINS)
    out.update(correct=np.array(float(correct)),
               class_n=np.bincount(codes, minlength=n_classes).astype(float),
               class_correct=np.bincount(codes[predicted == codes],
                                         minlength=n_classes).astype(float),
               confusion=np.bincount(codes * n_classes + predicted,
                                     minlength=n_classes * n_classes)
               .reshape(n_classes, n_classes).astype(float),
               hist=hist)
    return out


def _add_dicts(a, b):
    return {k: a[k] + b[k] for k in a}
