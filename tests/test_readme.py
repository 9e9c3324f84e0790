"""The README's commands are what CI runs, and the first example runs."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _bash_blocks():
    return re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)


def test_ci_runs_the_readme_test_command():
    test_command = _bash_blocks()[1].strip()
    assert test_command.endswith("pytest -q")
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()


def test_first_command_runs(tmp_path):
    """README's first command after the install, run as a user would, in a fresh folder."""
    first = _bash_blocks()[0].strip()
    install, command = (part.strip() for part in first.split("&&"))
    assert install == "pip install ."
    program, *args = command.split()
    script = Path(sys.executable).parent / program  # the installed console script
    out = subprocess.run([str(script), *args], capture_output=True, text=True, check=True,
                         cwd=tmp_path, timeout=600).stdout
    assert "generalized best" in out
    for name in ("report.html", "results.json", "paths.csv", "model.skops"):
        assert (tmp_path / "shrinkage-report" / name).stat().st_size > 0


def test_quickstart_example_runs():
    assert "python examples/quickstart.py" in (ROOT / "README.md").read_text()
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "quickstart.py")],
                         capture_output=True, text=True, check=True, cwd=ROOT,
                         timeout=300).stdout
    assert "lasso path: alpha_max" in out and "Ridge" in out


def test_counts_example_runs():
    """The README's counts and outliers example, run as written."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Counts and outliers"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    scope = {}
    exec(compile(code, "README counts example", "exec"), scope)
    model, robust = scope["model"], scope["robust"]
    assert set(np.flatnonzero(model.coef_)) >= {0, 1}
    assert abs(robust.coef_[0] - 2.0) < 0.3
    assert scope["path"].loss == "poisson"


def test_cox_example_runs():
    """The README's survival example, run as written: the two true features are kept."""
    import pytest

    pytest.importorskip("sksurv")
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Survival: Cox proportional hazards"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    scope = {}
    exec(compile(code, "README Cox example", "exec"), scope)
    model = scope["model"]
    assert set(np.flatnonzero(model.coef_)) >= {0, 1}
    assert model.coef_[0] > 0 > model.coef_[1]
    assert model.score(scope["X"], scope["y"]) > 0.7


def test_torch_example_runs():
    """The README's PyTorch example, run as written: exact zeros, and the pruned layers
    give the network's outputs."""
    import pytest

    torch = pytest.importorskip("torch")
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Penalties for PyTorch networks"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    scope = {}
    exec(compile(code, "README torch example", "exec"), scope)
    net, first, second, X = scope["net"], scope["first"], scope["second"], scope["X"]
    assert (net[0].weight == 0).float().mean() > 0.1
    with torch.no_grad():
        np.testing.assert_allclose(second(torch.relu(first(X))), net(X), rtol=1e-5,
                                   atol=1e-5)


def test_stability_example_runs():
    """The README's stability example, run as written: the CV-tuned lasso keeps noise
    features in every fold, stability selection the five true ones, as its text says."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## How stable is a selection?"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    scope = {}
    exec(compile(code, "README stability example", "exec"), scope)
    frequency, stable = scope["model"].selection_frequency_, scope["stable"]
    assert np.all(frequency[:5] == 1.0) and np.sum(frequency[5:] == 1.0) == 6
    np.testing.assert_array_equal(stable.selected(0.9), np.arange(5))
    assert round(stable.error_bound(0.9), 2) == 0.63


def test_groups_example_runs():
    """The README's groups example, run as written: the lasso keeps 16 columns over all
    four categoricals, the group lasso the 12 of one, as its text says."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Groups of features"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    scope = {}
    exec(compile(code, "README groups example", "exec"), scope)
    lasso, group, labels = scope["lasso"], scope["group"], scope["labels"]
    assert np.count_nonzero(lasso.coef_) == 16
    np.testing.assert_array_equal(np.flatnonzero(group.coef_), np.arange(12))
    assert "The lasso keeps 16 columns" in section and "the 12 of `color`" in section
    assert scope["cv"].dual_gap_ <= scope["cv"].tol


def test_multitask_example_runs():
    """The README's multi-task example, run as written: the three true features, in or
    out for all four outputs, and the shapes its comments give."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Several outputs at once"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    scope = {}
    exec(compile(code, "README multi-task example", "exec"), scope)
    joint, cv, path = scope["joint"], scope["cv"], scope["path"]
    np.testing.assert_array_equal(np.flatnonzero(np.any(joint.coef_, axis=0)), [0, 1, 2])
    assert joint.coef_.shape == (4, 30) and path.coefs.shape == (100, 4, 30)
    assert cv.scoring_ == "mse" and cv.coef_.shape == (4, 30)
