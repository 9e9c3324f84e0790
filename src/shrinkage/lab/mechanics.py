"""Claims about what the penalties are and do, checked exactly: closed forms on an
orthonormal design, derivatives by finite differences, optimizer updates in plain numpy."""

import numpy as np

from ..linear_model import Lasso, Ridge
from . import stats as st
from .figures import lines
from .registry import ClaimResult, ExperimentResult, experiment
from .simulate import Regime, draw, excess_risk, plain_penalty

#: orthonormal designs (X'X / n = I) of these shapes, and penalty strengths
SHAPES, ALPHAS = ((50, 5), (200, 20)), (0.05, 0.3, 1.0)


def _orthonormal(n, p, rng):
    q, _ = np.linalg.qr(rng.standard_normal((n, p)))
    X = np.asfortranarray(q * np.sqrt(n))
    y = X @ rng.normal(0, 1, p) + rng.standard_normal(n)
    return X, y - y.mean()


@experiment("definitions", claims=("C01", "C03"),
            title="What the penalties add to the loss, checked exactly",
            design={"quantifier": {"C01": "universal", "C03": "universal"},
                    "factor": "none: the penalties' formulas on orthonormal designs and "
                              "random weights",
                    "comparison": "each penalty's value and its effect on the fit against "
                                  "the claim's description",
                    "data": "orthonormal designs X'X/n = I and random weight vectors",
                    "regimes": [{"n": n, "p": p, "alpha": a} for n, p in SHAPES
                                for a in ALPHAS],
                    "models": "Lasso, Ridge (this package) and the closed forms",
                    "metric": "absolute differences to the closed forms (1e-8)",
                    "repetitions": {"full": 1, "quick": 1},
                    "decision": "checks in every regime; a universal claim (or its reason): "
                                "true if all pass, false on one that fails"})
def run_definitions(ctx):
    rng = np.random.default_rng(ctx.seed)
    c01, c03, evidence, drawn = [], [], [], {}
    for n, p in SHAPES:
        X, y = _orthonormal(n, p, rng)
        z = X.T @ y / n  # least squares on an orthonormal design
        w = rng.standard_normal(p)
        for alpha in ALPHAS:
            l1_value = plain_penalty(alpha, 1.0, p).value(w)
            l2_value = plain_penalty(alpha, 0.0, p).value(w)
            lasso = Lasso(alpha=alpha, fit_intercept=False, tol=1e-12).fit(X, y).coef_
            ridge = Ridge(alpha=alpha, fit_intercept=False).fit(X, y).coef_
            soft = np.sign(z) * np.maximum(np.abs(z) - alpha, 0.0)
            checks = {"l1_value": abs(l1_value - alpha * np.abs(w).sum()),
                      "l2_value": abs(l2_value - alpha / 2 * w @ w),
                      "lasso_soft_threshold": float(np.abs(lasso - soft).max()),
                      "ridge_scaling": float(np.abs(ridge - z / (1 + alpha)).max())}
            c01.append(all(v < 1e-8 for v in checks.values()))
            if (n, p) == SHAPES[-1] and alpha == ALPHAS[1]:
                order = np.argsort(z)
                drawn = {"least squares": (z[order], z[order]),
                         f"lasso (alpha={alpha:g})": (z[order], lasso[order]),
                         f"ridge (alpha={alpha:g})": (z[order], ridge[order])}
            # C03: if the penalty punished results far from the training data, the
            # least-squares fit (closest to the data) would pay less than w = 0 (far)
            near_residual = float(np.sum((y - X @ z) ** 2))
            far_residual = float(np.sum(y**2))
            near_pays, far_pays = plain_penalty(alpha, 1.0, p).value(z), 0.0
            c03.append(bool(near_residual < far_residual and near_pays < far_pays))
            checks.update(c03_near_penalty=near_pays, c03_far_penalty=far_pays)
            evidence.append({"n": n, "p": p, "alpha": alpha, **checks})
    return ExperimentResult([
        ClaimResult("C01", st.verdict_by_quantifier("universal", c01),
                    f"The L1 term is alpha*sum|w| and the L2 term alpha/2*sum w^2 (the 1/2 is "
                    f"a convention); the lasso is soft-thresholding and ridge a scaling by "
                    f"1/(1+alpha) on an orthonormal design: {sum(c01)} of {len(c01)} checks "
                    "to 1e-8.", {"checks": evidence},
                    practical="read a library's objective before moving an alpha to "
                              "another: this package and scikit-learn use alpha*sum|w| "
                              "and alpha/2*sum w^2 with the loss averaged over samples."),
        ClaimResult("C03", st.verdict_by_quantifier("universal", c03),
                    "The penalty looks at the weights alone: the least-squares fit, closest "
                    "to the training data, paid a larger L1 penalty than w = 0, the farthest, "
                    f"in {len(c03) - sum(c03)} of {len(c03)} checks. Distance to the training "
                    "data is the loss's job; the penalty pulls away from the data.",
                    {"checks": evidence},
                    practical="to stay closer to the training data, lower alpha; "
                              "choose it by cross-validation.")],
        {"Lasso and ridge on an orthonormal design": lines(
            drawn, xlabel="least-squares coefficient", ylabel="fitted coefficient",
            title="Soft-thresholding (L1) against scaling (L2)")})


@experiment("marginal-penalty", claims=("C05", "C06"),
            title="How hard each penalty pushes small and large weights",
            design={"quantifier": {"C05b": "reason", "C06": "universal"},
                    "factor": "the size of a coefficient (0.01 to 10)",
                    "comparison": "the marginal penalty (derivative) of L1 against L2 at "
                                  "each size",
                    "data": "weights of sizes 0.01, 0.1, 1, 10; orthonormal least-squares "
                            "coefficients of the same sizes",
                    "regimes": [{"alpha": a} for a in ALPHAS],
                    "models": "the L1 and L2 penalties; Ridge on an orthonormal design",
                    "metric": "derivative of the penalty by central finite differences; "
                              "ridge shrinkage factor coef / least squares",
                    "repetitions": {"full": 1, "quick": 1},
                    "decision": "checks in every regime; a universal claim (or its reason): "
                                "true if all pass, false on one that fails"})
def run_marginal(ctx):
    sizes = np.array([0.01, 0.1, 1.0, 10.0])
    h = 1e-6
    c05b, c06, evidence = [], [], []
    for alpha in ALPHAS:
        l1 = plain_penalty(alpha, 1.0, 1)
        l2 = plain_penalty(alpha, 0.0, 1)
        d_l1 = [(l1.value(np.array([s + h])) - l1.value(np.array([s - h]))) / (2 * h)
                for s in sizes]
        d_l2 = [(l2.value(np.array([s + h])) - l2.value(np.array([s - h]))) / (2 * h)
                for s in sizes]
        # C05b: "close to zero more heavily penalized" -> the marginal L1 cost would fall
        c05b.append(bool(d_l1[0] > d_l1[-1] * (1 + st.MIN_EFFECT)))
        # C06: "only large coefficients" -> small ones would feel no push (derivative 0)
        # and ridge would leave small least-squares coefficients unshrunk
        shrink = 1.0 / (1.0 + alpha)  # orthonormal ridge: the same for every size
        c06.append(bool(d_l2[0] == 0.0))
        evidence.append({"alpha": alpha, "sizes": sizes.tolist(), "l1_derivative": d_l1,
                         "l2_derivative": d_l2, "ridge_shrinkage_factor": shrink})
    figure = lines({"L1: d/dw alpha|w|": (sizes, evidence[1]["l1_derivative"]),
                    "L2: d/dw alpha w^2/2": (sizes, evidence[1]["l2_derivative"])},
                   xlabel="|w|", ylabel="marginal penalty", logx=True, logy=True,
                   title=f"How hard each penalty pushes a weight (alpha={ALPHAS[1]})")
    return ExperimentResult([
        ClaimResult("C05b", st.verdict_by_quantifier("reason", c05b),
                    "The L1 penalty pushes every non-zero weight equally hard (derivative "
                    f"alpha at every size: {evidence[1]['l1_derivative'][0]:.3g} at 0.01, "
                    f"{evidence[1]['l1_derivative'][-1]:.3g} at 10). Its sparsity comes from "
                    "the kink at zero: soft-thresholding sets |z| <= alpha to exactly 0.",
                    {"checks": evidence},
                    practical="exact zeros come from a solver that handles the kink "
                              "(coordinate descent, proximal steps); subgradient steps "
                              "leave small non-zero weights."),
        ClaimResult("C06", st.verdict_by_quantifier("universal", c06),
                    "L2 pushes every weight in proportion to its size (derivative alpha*w, "
                    f"{evidence[1]['l2_derivative'][0]:.3g} at 0.01) and ridge shrinks small "
                    "and large least-squares coefficients by the same factor 1/(1+alpha): "
                    "it penalizes all of them, the large ones most in absolute terms.",
                    {"checks": evidence},
                    practical="expect ridge to shrink every weight, small ones included; "
                              "it never leaves small weights alone.")],
        {"How hard each penalty pushes": figure})


def _adam(grad, w0, lr, steps, l2=0.0, decoupled=0.0):
    """Adam with the L2 gradient inside (``l2``) or AdamW's decoupled decay."""
    w, m, v = w0.copy(), np.zeros_like(w0), np.zeros_like(w0)
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t in range(1, steps + 1):
        g = grad(w) + l2 * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps) - lr * decoupled * w
    return w


@experiment("weight-decay", claims=("C08",),
            title="Is L2 the same as weight decay? SGD and Adam in numpy",
            design={"quantifier": {"C08": "universal"},
                    "factor": "the optimizer (SGD, Adam)",
                    "comparison": "gradient steps on an L2 term against decoupled weight "
                                  "decay, same steps",
                    "data": "least squares, n=200, p=20, Gaussian design",
                    "regimes": [{"optimizer": "SGD"}, {"optimizer": "Adam"}],
                    "models": "gradient steps on loss + lambda/2 |w|^2 against steps with "
                              "decoupled decay w <- (1 - lr lambda) w",
                    "metric": "relative difference of the final weights",
                    "repetitions": {"full": 1, "quick": 1},
                    "decision": "equivalent where the relative difference is below 1e-10; "
                                "a universal claim (a name with its reason): true if "
                                "equivalent for every optimizer, false on one that is not"})
def run_weight_decay(ctx):
    rng = np.random.default_rng(ctx.seed)
    X = rng.standard_normal((200, 20))
    y = X @ rng.standard_normal(20) + rng.standard_normal(200)

    def grad(w):
        return X.T @ (X @ w - y) / len(y)

    lam, lr, steps, w0 = 0.1, 0.05, 500, np.zeros(20)
    w_l2, w_dec = w0.copy(), w0.copy()
    for _ in range(steps):
        w_l2 = w_l2 - lr * (grad(w_l2) + lam * w_l2)
        w_dec = (1 - lr * lam) * w_dec - lr * grad(w_dec)
    sgd_gap = float(np.linalg.norm(w_l2 - w_dec) / np.linalg.norm(w_dec))
    budgets = [10, 30, 100, 300, 500]
    adam_gaps = []
    for budget in budgets:
        adam_l2 = _adam(grad, w0, 0.01, budget, l2=lam)
        adam_w = _adam(grad, w0, 0.01, budget, decoupled=lam)
        adam_gaps.append(float(np.linalg.norm(adam_l2 - adam_w) / np.linalg.norm(adam_w)))
    adam_gap = adam_gaps[-1]
    figure = lines({"Adam: L2 in the loss vs AdamW": (budgets, adam_gaps)},
                   xlabel="steps", ylabel="relative difference of the weights", logx=True,
                   title=f"SGD: identical (difference {sgd_gap:.0e}); Adam: not")
    checks = [sgd_gap < 1e-10, adam_gap < 1e-10]
    return ExperimentResult([ClaimResult(
        "C08", st.verdict_by_quantifier("universal", checks),
        f"With plain SGD an L2 term is exactly weight decay (final weights differ by "
        f"{sgd_gap:.1e}): each step multiplies w by 1 - lr*lambda, hence the name. With Adam "
        f"they differ by {adam_gap:.1%}: the L2 gradient is rescaled per coordinate, "
        "decoupled decay (AdamW) is not.",
        {"sgd_relative_difference": sgd_gap, "adam_relative_difference": adam_gap,
         "adam_difference_by_steps": dict(zip(budgets, adam_gaps))},
        ["SGD", "Adam"], decay_reading(adam_gap))],
        {"L2 penalty against weight decay": figure})


def decay_reading(adam_gap):
    """What to use for 'weight decay' given how far Adam + L2 fell from AdamW."""
    if adam_gap > 1e-6:
        return ("with SGD, weight_decay and an L2 term are the same; with Adam they are "
                "not: for decay use AdamW, for the L2 penalty put it in the loss (or use "
                "Adam's weight_decay, which is that L2 term).")
    return "with SGD and Adam alike, weight_decay and an L2 term gave the same weights."


@experiment("overfitting", claims=("C10",),
            title="Overfitting: more features, lower training error, higher risk",
            design={"quantifier": {"C10": "tendency"},
                    "factor": "model size (features in the least-squares model)",
                    "comparison": "training error against excess risk as features are added",
                    "data": "n=60, 5 true features first, nested least squares on the "
                            "first p columns",
                    "regimes": [{"snr": s} for s in (1.0, 4.0)],
                    "models": "least squares on the first p of 55 columns",
                    "metric": "training MSE and exact excess risk, averaged over draws",
                    "repetitions": {"full": 50, "quick": 10},
                    "decision": "true in a regime if the training error falls monotonically "
                                "with p while the risk at p=55 exceeds its minimum by at "
                                f"least {st.MIN_EFFECT:.0%}"})
def run_overfitting(ctx):
    sizes = [2, 5, 10, 20, 40, 55]
    reps = ctx.reps(50, 10)
    passed, evidence, series = [], [], {}
    for snr in (1.0, 4.0):
        rng = np.random.default_rng(ctx.seed + int(snr * 10))
        train, risk = np.zeros(len(sizes)), np.zeros(len(sizes))
        for _ in range(reps):
            data = draw(Regime(60, 55, k=None, snr=snr), rng)
            w = np.zeros(55)
            w[:5] = data.w[:5]
            data = type(data)(X=data.X, y=data.X @ w + data.noise_sd * rng.standard_normal(60),
                              w=w, sigma=data.sigma, noise_sd=data.noise_sd,
                              clean_y=data.clean_y)
            for s, p in enumerate(sizes):
                coef, *_ = np.linalg.lstsq(data.X[:, :p], data.y, rcond=None)
                full = np.zeros(55)
                full[:p] = coef
                train[s] += np.mean((data.y - data.X[:, :p] @ coef) ** 2) / reps
                risk[s] += excess_risk(data, full, 0.0) / reps
        ok = bool(np.all(np.diff(train) < 0) and risk[-1] > (1 + st.MIN_EFFECT) * risk.min())
        passed.append(ok)
        evidence.append({"snr": snr, "features": sizes, "train_mse": train.tolist(),
                         "excess_risk": risk.tolist()})
        series[f"training MSE, snr {snr:g}"] = (sizes, train)
        series[f"excess risk, snr {snr:g}"] = (sizes, risk)
    figure = lines(series, xlabel="features in the model", ylabel="error", logy=True,
                   title="Training error falls, risk rises: overfitting")
    return ExperimentResult([ClaimResult(
        "C10", st.verdict_from_checks(passed),
        f"Adding noise features cut the training error in {sum(passed)} of {len(passed)} "
        f"regimes while the excess risk grew to {evidence[0]['excess_risk'][-1]:.3g} from a "
        f"minimum of {min(evidence[0]['excess_risk']):.3g} (snr 1).",
        {"regimes": evidence}, ["snr 1", "snr 4"],
        "judge a model on held-out data (or the cross-validated error), never on its "
        "training error.")], {"Overfitting": figure})
