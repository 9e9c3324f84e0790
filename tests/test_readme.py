"""The README's commands are what CI runs, and the first example runs."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bash_blocks():
    return re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)


def test_ci_runs_the_readme_test_command():
    test_command = _bash_blocks()[1].strip()
    assert test_command.endswith("pytest -q")
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()


def test_quickstart_example_runs():
    first = _bash_blocks()[0].strip()
    script = first.split("&&")[-1].split()[-1]
    out = subprocess.run([sys.executable, str(ROOT / script)], capture_output=True,
                         text=True, check=True, cwd=ROOT, timeout=300).stdout
    assert "lasso path: alpha_max" in out and "Ridge" in out
