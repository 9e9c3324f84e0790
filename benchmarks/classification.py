"""Classification cross-validation rows (problems 8 and 9): logistic and multinomial.

For each l1_ratio the grid is shrinkage's default one on the whole data (50 alphas), given
to every solver. Each solver's tolerance is the loosest of its own that brings its
whole-data path on that grid to the target relative duality gap (the largest over the
alphas, computed by one function for everyone); its 5-fold cross-validation over the
same grid is then timed with that tolerance. Peers: python-glmnet's ``LogitNet`` (the
Fortran glmnet, its own CV) and scikit-learn's ``LogisticRegressionCV`` (saga for L1 and
the elastic net, lbfgs for L2). skglm has no cross-validation estimator and no
multinomial elastic net; it is not in these rows.
"""

import warnings

import numpy as np
import peers
from peaks import x_bytes

from shrinkage.penalties import ClassPenalty, ElasticNetPenalty
from shrinkage.solvers.cd import duality_gap, make_problem
from shrinkage.solvers.multinomial import MultinomialIterate
from shrinkage.solvers.multinomial import duality_gap as multinomial_gap

N_FOLDS = 5


def _folds():
    from sklearn.model_selection import StratifiedKFold

    return StratifiedKFold(N_FOLDS, shuffle=True, random_state=0)


def default_grid(bp, l1_ratio):
    """shrinkage's default grid of ``bp.n_alphas`` alphas on the whole data."""
    import shrinkage

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return shrinkage.regularization_path(bp.X, bp.y, loss=bp.loss, l1_ratio=l1_ratio,
                                             alphas=bp.n_alphas, tol=1e-2,
                                             max_iter=50).alphas


def path_gap(bp, l1_ratio, alphas, answers):
    """Largest relative gap over the path; ``answers`` are (coef, intercept) per alpha,
    coef of shape (p,) or (K, p)."""
    problem = make_problem(bp.X, bp.y, bp.loss)
    p = bp.X.shape[1]
    gaps = []
    for alpha, (coef, intercept) in zip(alphas, answers):
        if bp.loss == "multinomial":
            penalty = ClassPenalty.from_params(alpha, l1_ratio, np.ones(p), False)
            state = MultinomialIterate(problem, np.asarray(coef).T,
                                       problem.internal_intercept(np.asarray(intercept),
                                                                  np.asarray(coef)))
            gaps.append(multinomial_gap(problem, penalty, state) / problem.null_objective)
        else:
            penalty = ElasticNetPenalty.from_params(alpha, l1_ratio, np.ones(p),
                                                    np.full(p, -np.inf), np.full(p, np.inf))
            gaps.append(duality_gap(problem, penalty, coef, intercept))
    return max(gaps)


class ShrinkageCV:
    name = "shrinkage"
    tols = None  # the target gap itself

    def path(self, bp, alphas, l1_ratio, tol):
        import shrinkage

        path = shrinkage.regularization_path(bp.X, bp.y, loss=bp.loss, l1_ratio=l1_ratio,
                                             alphas=alphas, tol=tol)
        return list(zip(path.coefs, path.intercepts))

    def cv(self, bp, alphas, l1_ratio, tol):
        import shrinkage

        est = shrinkage.LogisticRegressionCV(l1_ratio=l1_ratio, alphas=alphas, cv=_folds(),
                                             tol=tol, n_jobs=2).fit(bp.X, bp.y)
        return est.alpha_


class GlmnetCV:
    name = "glmnet"
    tols = (1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12)

    def available(self):
        return peers.Glmnet().available()

    def _fit(self, bp, alphas, l1_ratio, tol, n_splits):
        import glmnet

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return glmnet.LogitNet(alpha=l1_ratio, lambda_path=np.asarray(alphas),
                                   standardize=False, fit_intercept=True, tol=tol,
                                   n_splits=n_splits, max_iter=1_000_000, n_jobs=2,
                                   scoring="log_loss", random_state=0).fit(bp.X, bp.y)

    def path(self, bp, alphas, l1_ratio, tol):
        model = self._fit(bp, alphas, l1_ratio, tol, 0)
        # (classes or 1, p, n_lambda); glmnet stops a path early when the deviance stalls
        coefs, intercepts = model.coef_path_, model.intercept_path_
        if bp.loss == "multinomial":
            return [(coefs[:, :, k], intercepts[:, k]) for k in range(coefs.shape[2])]
        return [(coefs[0, :, k], float(intercepts[0, k])) for k in range(coefs.shape[2])]

    def cv(self, bp, alphas, l1_ratio, tol):
        return self._fit(bp, alphas, l1_ratio, tol, N_FOLDS).lambda_max_


class ScikitLearnCV:
    name = "scikit-learn"
    tols = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9)

    @staticmethod
    def _solver(l1_ratio):
        return "lbfgs" if l1_ratio == 0.0 else "saga"

    def path(self, bp, alphas, l1_ratio, tol):
        import sklearn.linear_model as sk

        n = bp.X.shape[0]
        est = sk.LogisticRegression(l1_ratio=l1_ratio, solver=self._solver(l1_ratio),
                                    tol=tol, max_iter=100_000, warm_start=True)
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for alpha in alphas:
                est.set_params(C=1.0 / (n * alpha)).fit(bp.X, bp.y)
                if bp.loss == "multinomial":
                    out.append((est.coef_.copy(), est.intercept_.copy()))
                else:
                    out.append((est.coef_[0].copy(), float(est.intercept_[0])))
        return out

    def cv(self, bp, alphas, l1_ratio, tol):
        import sklearn.linear_model as sk

        n_train = bp.X.shape[0] * (N_FOLDS - 1) / N_FOLDS
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = sk.LogisticRegressionCV(
                Cs=1.0 / (n_train * np.asarray(alphas)), l1_ratios=[l1_ratio],
                solver=self._solver(l1_ratio), cv=_folds(), tol=tol, max_iter=100_000,
                n_jobs=2, scoring="neg_log_loss").fit(bp.X, bp.y)
        return 1.0 / (n_train * float(np.ravel(est.C_)[0]))


SOLVERS = [ShrinkageCV(), GlmnetCV(), ScikitLearnCV()]


def bench_class_cv(bp, target, repeats, timeout, mem_bytes, measure):
    """One row per (l1_ratio, solver); ``measure`` is run.py's harness."""
    rows = []
    ratios = bp.extra["l1_ratios"]
    for i, l1_ratio in enumerate(ratios):
        key = bp.key + ("abc"[i] if len(ratios) > 1 else "")
        alphas = default_grid(bp, l1_ratio)
        for solver in SOLVERS:
            row = {"problem": key, "title": bp.title, "detail": f"l1_ratio {l1_ratio:g}",
                   "solver": solver.name, "x_bytes": x_bytes(bp.X)}
            why = solver.available() if hasattr(solver, "available") else None
            if why:
                row.update(status="skipped", message=why)
                rows.append(row)
                continue

            def check(answers, alphas=alphas, l1_ratio=l1_ratio):
                if len(answers) < len(alphas):
                    return False, {"message": f"path stopped after {len(answers)} alphas"}
                gap = path_gap(bp, l1_ratio, alphas, answers)
                return gap <= target, {"gap": gap}

            tols = solver.tols or (target,)
            calib = measure(lambda tol, s=solver, a=alphas, r=l1_ratio: s.path(bp, a, r, tol),
                            tols, check, 1, timeout, mem_bytes)
            row["path_seconds"] = calib.get("seconds")
            if not calib.get("reached"):
                row.update(calib, status=calib.get("status", "not reached"))
                row.pop("seconds", None)
                rows.append(row)
                print(f"  {key} {solver.name}: path did not reach the gap "
                      f"({calib.get('gap', calib.get('message'))})", flush=True)
                continue
            tol = calib["tol"]
            timed = measure(lambda t, s=solver, a=alphas, r=l1_ratio: s.cv(bp, a, r, t),
                            [tol], lambda alpha: (True, {"chosen": [float(alpha)]}),
                            repeats, timeout, mem_bytes)
            row.update(timed, gap=calib["gap"], tol=tol)
            rows.append(row)
            timing = (f"CV {row['seconds']:.2f} s" if row.get("status") == "ok"
                      else f"CV {row.get('status')}: {row.get('message', '')}")
            print(f"  {key} {solver.name}: {timing}, path gap {calib['gap']:.1e} at tol "
                  f"{tol:g}", flush=True)
    return rows
