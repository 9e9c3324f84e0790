"""Adapters: every solver answers the same problem on the same objective scale.

Each adapter maps (problem, alphas, tol) to a list of ``(coef, intercept)``, one per alpha,
for the objective ``datafit + alpha * (l1_ratio |w|_1 + (1 - l1_ratio)/2 |w|^2)`` (datafit
``(1/2n)||y - Xw - b||^2``, the mean log-loss, the mean Poisson loss
``exp(z) - y z`` or the mean Huber loss). ``tols`` lists the tolerances tried,
loosest first: each library's ``tol`` means something different, so the harness picks
the loosest one that reaches the target duality gap computed by our one shared function.
"""

import importlib
import os
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS_DIR = os.path.join(HERE, ".peers")


class Adapter:
    name = ""
    tols = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9)
    #: problem kinds supported: "single", "path", "logistic", "poisson", "huber", "cv",
    #: "ridge_loo" (a loss other than squared names the kind)
    kinds = ()

    def available(self):
        """None when usable, else why not."""
        return None

    def supports(self, problem):
        kind = problem.kind if problem.loss == "squared" else problem.loss
        return kind in self.kinds

    def run(self, problem, alphas, tol):
        raise NotImplementedError


def _import(module):
    try:
        importlib.import_module(module)
        return None
    except Exception as exc:  # noqa: BLE001 - report any import failure
        return f"{module} not importable: {exc}"


def _loop_estimator(est, problem, alphas, coef_of=lambda e: np.ravel(e.coef_),
                    set_alpha=lambda e, a: setattr(e, "alpha", a)):
    """A path by warm-started refits, as users of these estimators run one."""
    out = []
    for a in alphas:
        set_alpha(est, a)
        est.fit(problem.X, problem.y)
        out.append((coef_of(est).copy(), float(np.ravel(est.intercept_)[0])))
    return out


class Shrinkage(Adapter):
    name = "shrinkage"
    tols = (1e-6,)  # our tol is the relative duality gap itself
    kinds = ("single", "path", "logistic", "poisson", "huber", "cv", "ridge_loo")

    def run(self, problem, alphas, tol):
        import shrinkage

        if problem.loss in ("poisson", "huber"):
            path = shrinkage.regularization_path(
                problem.X, problem.y, loss=problem.loss, l1_ratio=problem.l1_ratio,
                alphas=alphas, tol=tol, **problem.extra.get("datafit", {}))
            return list(zip(path.coefs, path.intercepts))
        if problem.loss == "logistic":
            est = shrinkage.LogisticRegression(alpha=alphas[0], l1_ratio=problem.l1_ratio,
                                               tol=tol)
            return _loop_estimator(est, problem, alphas)
        if problem.kind == "single":
            est = shrinkage.ElasticNet(alpha=alphas[0], l1_ratio=problem.l1_ratio, tol=tol,
                                       fit_intercept=problem.fit_intercept)
            return _loop_estimator(est, problem, alphas)
        path = shrinkage.regularization_path(problem.X, problem.y, l1_ratio=problem.l1_ratio,
                                             alphas=alphas, tol=tol,
                                             fit_intercept=problem.fit_intercept)
        return list(zip(path.coefs, path.intercepts))


class ScikitLearn(Adapter):
    name = "scikit-learn"
    kinds = ("single", "path", "logistic", "cv", "ridge_loo")

    def run(self, problem, alphas, tol):
        import sklearn.linear_model as sk

        n = problem.X.shape[0]
        if problem.loss == "logistic":
            # liblinear penalizes the intercept; a large intercept_scaling makes that
            # penalty negligible, as the shared objective wants
            # liblinear shuffles its coordinates: a fixed seed makes its runs comparable
            est = sk.LogisticRegression(C=1.0, l1_ratio=1.0, solver="liblinear", tol=tol,
                                        intercept_scaling=1e3, max_iter=10_000,
                                        random_state=0)
            return _loop_estimator(est, problem, alphas,
                                   set_alpha=lambda e, a: setattr(e, "C", 1 / (n * a)))
        est = sk.ElasticNet(alpha=alphas[0], l1_ratio=problem.l1_ratio, tol=tol,
                            warm_start=True, max_iter=100_000, selection="cyclic",
                            fit_intercept=problem.fit_intercept)
        return _loop_estimator(est, problem, alphas)


class Skglm(Adapter):
    name = "skglm"
    kinds = ("single", "path", "logistic", "poisson", "huber")

    def available(self):
        return _import("skglm")

    def run(self, problem, alphas, tol):
        import skglm

        if problem.loss in ("poisson", "huber"):
            return self._glm(problem, alphas, tol)
        if problem.loss == "logistic":
            est = skglm.SparseLogisticRegression(alpha=alphas[0], tol=tol, warm_start=True,
                                                 max_iter=100, max_epochs=100_000)
        elif problem.l1_ratio == 1.0:
            est = skglm.Lasso(alpha=alphas[0], tol=tol, warm_start=True, max_iter=100,
                              max_epochs=100_000, fit_intercept=problem.fit_intercept)
        else:
            est = skglm.ElasticNet(alpha=alphas[0], l1_ratio=problem.l1_ratio, tol=tol,
                                   warm_start=True, max_iter=100, max_epochs=100_000,
                                   fit_intercept=problem.fit_intercept)
        return _loop_estimator(est, problem, alphas)


    @staticmethod
    def _glm(problem, alphas, tol):
        """Poisson by proximal Newton, Huber by Anderson coordinate descent (skglm's
        choices for them), warm-started along the path."""
        from skglm import GeneralizedLinearEstimator
        from skglm.datafits import Huber, Poisson
        from skglm.penalties import L1, L1_plus_L2
        from skglm.solvers import AndersonCD, ProxNewton

        if problem.loss == "poisson":
            datafit = Poisson()
            solver = ProxNewton(tol=tol, fit_intercept=True, warm_start=True, max_iter=100)
        else:
            datafit = Huber(problem.extra["datafit"]["delta"])
            solver = AndersonCD(tol=tol, fit_intercept=True, warm_start=True,
                                max_iter=100, max_epochs=100_000)

        def penalty(a):
            return L1(a) if problem.l1_ratio == 1.0 else L1_plus_L2(a, problem.l1_ratio)

        est = GeneralizedLinearEstimator(datafit, penalty(alphas[0]), solver)
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for a in alphas:
                est.penalty = penalty(a)
                est.fit(problem.X, problem.y)
                out.append((np.ravel(est.coef_).copy(), float(est.intercept_)))
        return out


class Celer(Adapter):
    name = "celer"
    kinds = ("single", "path", "logistic")

    def available(self):
        return _import("celer")

    def run(self, problem, alphas, tol):
        import celer

        n = problem.X.shape[0]
        if problem.loss == "logistic":
            est = celer.LogisticRegression(C=1.0, tol=tol, fit_intercept=True,
                                           warm_start=True)
            return _loop_estimator(est, problem, alphas,
                                   set_alpha=lambda e, a: setattr(e, "C", 1 / (n * a)))
        if problem.l1_ratio != 1.0:
            est = celer.ElasticNet(alpha=alphas[0], l1_ratio=problem.l1_ratio, tol=tol,
                                   warm_start=True, fit_intercept=problem.fit_intercept)
        else:
            est = celer.Lasso(alpha=alphas[0], tol=tol, warm_start=True,
                              fit_intercept=problem.fit_intercept)
        return _loop_estimator(est, problem, alphas)


class Glmnet(Adapter):
    """The Fortran glmnet through python-glmnet, built by build_glmnet.sh."""

    name = "glmnet"
    tols = (1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-13, 1e-14)
    kinds = ("single", "path", "logistic", "poisson", "cv")

    def available(self):
        path = os.path.join(PEERS_DIR, "glmnet")
        if not os.path.isdir(path):
            return "not built: run benchmarks/build_glmnet.sh"
        if path not in sys.path:
            sys.path.insert(0, path)
        return _import("glmnet")

    @staticmethod
    def _poisson(problem, alphas, tol):
        """glmnet's fishnet (wrapped by build_glmnet.sh): user lambdas, no
        standardization, an intercept; its objective is ours (weights summing to 1)."""
        import _glmnet

        X = np.asfortranarray(problem.X, dtype=float).copy()  # fishnet overwrites X
        n, p = X.shape
        y = np.asarray(problem.y, dtype=float)
        lmu, a0, ca, ia, nin, _, _, _, _, jerr = _glmnet.fishnet(
            problem.l1_ratio, X, y.copy(), np.zeros(n), np.ones(n), np.zeros(1, np.int32),
            np.ones(p), np.vstack([np.full(p, -1e30), np.full(p, 1e30)]), p, 1.0,
            alphas, tol, isd=0, intr=1, maxit=1_000_000)
        if jerr > 0:
            raise RuntimeError(f"fishnet failed with jerr={jerr}")
        out = []
        for k in range(lmu):
            coef = np.zeros(p)
            coef[ia[:nin[k]] - 1] = ca[:nin[k], k]
            out.append((coef, float(a0[k])))
        return out

    def run(self, problem, alphas, tol):
        import glmnet

        alphas = np.asarray(alphas, dtype=float)
        if problem.loss == "poisson":
            return self._poisson(problem, alphas, tol)
        ratio, y, scale = problem.l1_ratio, problem.y, 1.0
        if problem.loss == "squared" and ratio < 1.0:
            # glmnet scales y to unit variance before it penalizes, which changes the
            # elastic net's balance: solve for y / sd(y) with the matching (lambda, alpha)
            # and scale back (checked against scikit-learn's ElasticNet to 1e-8)
            scale = float(np.std(y))
            y = y / scale
            shrink = ratio / scale + 1.0 - ratio
            ratio, alphas = (ratio / scale) / shrink, alphas * shrink
        common = dict(alpha=ratio, lambda_path=alphas, standardize=False,
                      fit_intercept=problem.fit_intercept, tol=tol, n_splits=0,
                      max_iter=1_000_000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if problem.loss == "logistic":
                model = glmnet.LogitNet(**common).fit(problem.X, y)
                coefs = model.coef_path_[0].T
                intercepts = model.intercept_path_[0]
            else:
                model = glmnet.ElasticNet(**common).fit(problem.X, y)
                coefs, intercepts = model.coef_path_.T, model.intercept_path_
        # glmnet answers in the order given, stopping early when the deviance stalls; it
        # rewrites a first lambda above its lambda_max (where every solution is 0 anyway)
        return [(np.array(c) * scale, float(b) * scale)
                for c, b in zip(coefs[:len(alphas)], intercepts[:len(alphas)])]


class Glum(Adapter):
    name = "glum"
    tols = (1e-6, 1e-8, 1e-10, 1e-12)
    kinds = ("single", "path", "logistic", "poisson")
    #: glum allocates a dense p x p Hessian even for sparse X (ANCHORS.md)
    max_features_sparse = 5000

    def available(self):
        return _import("glum")

    def supports(self, problem):
        import scipy.sparse as sp

        if sp.issparse(problem.X) and problem.X.shape[1] > self.max_features_sparse:
            return False
        return super().supports(problem)

    def run(self, problem, alphas, tol):
        import glum

        family = {"logistic": "binomial", "poisson": "poisson"}.get(problem.loss, "normal")
        y = (problem.y > 0).astype(float) if family == "binomial" else problem.y
        est = glum.GeneralizedLinearRegressor(
            family=family, alpha=list(alphas) if len(alphas) > 1 else alphas[0],
            alpha_search=len(alphas) > 1, l1_ratio=problem.l1_ratio,
            fit_intercept=problem.fit_intercept,
            gradient_tol=tol, max_iter=10_000)
        est.fit(problem.X, y)
        if len(alphas) > 1:
            return [(np.array(c), float(b)) for c, b in zip(est.coef_path_, est.intercept_path_)]
        return [(np.array(est.coef_), float(est.intercept_))]


class Timed:
    """Answers with the seconds and peak memory growth the solver itself reported (a
    solver run in another interpreter: process start and data transfer are not its)."""

    def __init__(self, seconds, answers, peak_growth=None):
        self.seconds, self.answers, self.peak_growth = seconds, answers, peak_growth

    def __len__(self):
        return len(self.answers)


class Adelie(Adapter):
    """adelie pins numpy < 2, so it runs in its own virtual environment
    (benchmarks/.peers/adelie-venv: python -m venv, then pip install "numpy<2" adelie scipy)."""

    name = "adelie"
    # its duality gap falls only like sqrt(tol) (measured on a 300 x 1000 lasso: tol 1e-13
    # leaves a relative gap of 5e-7, 1e-15 5e-8, 1e-17 6e-9, and 1e-13 left 1e-6 to 1e-5
    # on problems 1-5): the tolerances must reach far below the gap sought
    tols = (1e-7, 1e-9, 1e-11, 1e-13, 1e-15, 1e-17, 1e-19)
    kinds = ("single", "path", "logistic")
    python = os.path.join(PEERS_DIR, "adelie-venv", "bin", "python")

    def available(self):
        if not os.path.exists(self.python):
            return "no adelie environment: see the Adelie adapter's docstring"
        return None

    def run(self, problem, alphas, tol):
        import subprocess
        import tempfile

        import scipy.sparse as sp

        with tempfile.TemporaryDirectory() as tmp:
            src, dst = os.path.join(tmp, "in.npz"), os.path.join(tmp, "out.npz")
            X = problem.X
            parts = ({"data": X.data, "indices": X.indices, "indptr": X.indptr,
                      "shape": np.array(X.shape)} if sp.issparse(X) else {"X": X})
            np.savez(src, y=problem.y, alphas=np.asarray(alphas, float), loss=problem.loss,
                     l1_ratio=problem.l1_ratio, tol=tol,
                     fit_intercept=problem.fit_intercept, **parts)
            subprocess.run([self.python, os.path.join(HERE, "adelie_child.py"), src, dst],
                           check=True, capture_output=True)
            out = np.load(dst)
            answers = [(np.array(c), float(b)) for c, b in zip(out["coefs"], out["intercepts"])]
            growth = float(out["peak_growth"]) if "peak_growth" in out else None
            return Timed(float(out["seconds"]), answers,
                         None if growth is None or growth < 0 else growth)


ALL = [Shrinkage(), ScikitLearn(), Skglm(), Celer(), Glmnet(), Glum(), Adelie()]
ALL_NAMES = list(ALL)  # the full roster, whatever a run selects


# ------------------------------------------------------------ cross-validation (problem 6)


def shrinkage_enet_cv(X, y, l1_ratios, n_alphas, n_folds, tol, n_jobs=2):
    """ElasticNetCV: per fold one warm-started path per l1_ratio, folds in threads."""
    from sklearn.model_selection import KFold

    import shrinkage

    est = shrinkage.ElasticNetCV(l1_ratio=list(l1_ratios), alphas=n_alphas, eps=1e-3,
                                 cv=KFold(n_folds), tol=tol, n_jobs=n_jobs).fit(X, y)
    return est.l1_ratio_, est.alpha_, est.coef_, est.intercept_


def sklearn_enet_cv(X, y, l1_ratios, n_alphas, n_folds, tol, n_jobs=2):
    import sklearn.linear_model as sk
    from sklearn.model_selection import KFold

    est = sk.ElasticNetCV(l1_ratio=list(l1_ratios), alphas=n_alphas, cv=KFold(n_folds),
                          tol=tol, n_jobs=n_jobs, max_iter=100_000).fit(X, y)
    return est.l1_ratio_, est.alpha_, est.coef_, est.intercept_


def glmnet_enet_cv(X, y, l1_ratios, n_alphas, n_folds, tol, n_jobs=2):
    import glmnet

    best = None
    for ratio in l1_ratios:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = glmnet.ElasticNet(alpha=ratio, n_lambda=n_alphas, n_splits=n_folds,
                                  standardize=False, tol=tol, n_jobs=n_jobs,
                                  scoring="mean_squared_error", max_iter=1_000_000,
                                  random_state=0).fit(X, y)
        score = m.cv_mean_score_[m.lambda_max_inx_]
        if best is None or score > best[0]:
            best = (score, ratio, m.lambda_max_, m.coef_, m.intercept_)
    return best[1:]


CV = {"shrinkage": shrinkage_enet_cv, "scikit-learn": sklearn_enet_cv,
      "glmnet": glmnet_enet_cv}


# ------------------------------------------------------------ ridge leave-one-out (7)


def shrinkage_ridge_loo(X, y, alphas):
    from shrinkage.solvers.ridge import ridge_loo_path

    errors, coefs, intercepts = ridge_loo_path(X, y, alphas)
    mse = errors.mean(axis=0)
    k = int(np.argmin(mse))
    return alphas[k], coefs[k], intercepts[k]


def sklearn_ridge_loo(X, y, alphas):
    import sklearn.linear_model as sk

    n = X.shape[0]
    est = sk.RidgeCV(alphas=np.asarray(alphas) * n).fit(X, y)
    return est.alpha_ / n, est.coef_, est.intercept_


RIDGE_LOO = {"shrinkage": shrinkage_ridge_loo, "scikit-learn": sklearn_ridge_loo}
