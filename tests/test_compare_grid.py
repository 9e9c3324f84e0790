"""`shrinkage compare` on a strong signal: every penalty reaches least squares' accuracy,
its grid extended (and the report saying so) where the default grid stops too early."""

import json

import numpy as np
import polars as pl
import pytest
from sklearn.datasets import make_regression

from shrinkage import LassoCV, RidgeCV
from shrinkage.compare import _fit_inside_grid
from test_cli import FAST, run


def strong_table(path, scale):
    rng = np.random.default_rng(0)
    n, p = 1200, 12
    X = rng.standard_normal((n, p))
    X[:, 1] = X[:, 0] + 0.1 * X[:, 1]  # one correlated pair
    y = scale * X @ (rng.uniform(1, 5, p) * rng.choice([-1, 1], p)) + rng.standard_normal(n)
    frame = pl.DataFrame({**{f"x{j}": X[:, j] for j in range(p)}, "y": y})
    frame.write_csv(path)
    return path


@pytest.mark.parametrize("scale", [1.0, 100.0])
def test_every_penalty_is_as_good_as_least_squares(tmp_path, scale):
    table = strong_table(tmp_path / "strong.csv", scale)
    out = tmp_path / "report"
    result = run("compare", table, "--target", "y", "--out", out, *FAST)
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    entries = results["penalties"]
    least_squares = entries["none"]["choices"]["fit"]["test_mse"]
    for penalty in ("l1", "l2", "elasticnet"):
        assert entries[penalty]["choices"]["min"]["test_mse"] <= 1.01 * least_squares
        assert entries[penalty]["grid"]["edge"] is None
    if scale == 100.0:
        # glmnet's lasso grid ends at 1e-3 alpha_max, far above this signal's best
        grid = entries["l1"]["grid"]
        assert grid["extensions"] >= 1 and grid["smallest"] < 1e-3 * grid["largest"]
        note = next(n for n in results["data"]["notes"] if n.startswith("L1 (lasso)"))
        assert "extended" in note and note in (out / "report.html").read_text()


def test_fit_inside_grid_extends_past_either_end():
    X, y = make_regression(200, 10, n_informative=10, noise=1.0, random_state=1)
    low = RidgeCV(alphas=np.logspace(-1, 3, 20))
    grid = _fit_inside_grid(low, lambda m: m.fit(X, y))
    assert grid["extensions"] >= 1 and grid["edge"] is None and low.alpha_at_edge_ is None
    assert grid["smallest"] < 1e-1 and low.alphas_[0, -1] == grid["smallest"]
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((80, 30)), rng.standard_normal(80)
    high = RidgeCV(alphas=np.logspace(-2, 0, 10))
    grid = _fit_inside_grid(high, lambda m: m.fit(X, y))
    # pure noise: the best is the null model; past 1e3 the error no longer falls
    assert grid["extensions"] >= 1 and grid["largest"] > 1.0 and grid["edge"] is None
    # a model whose minimum is inside its grid is fitted once
    inside = LassoCV(cv=3)
    assert _fit_inside_grid(inside, lambda m: m.fit(X, y))["extensions"] == 0
