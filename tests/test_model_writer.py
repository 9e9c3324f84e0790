"""The model file written by the child process that imported skops early is the file
this process writes; whatever fails in the child, this process writes it instead."""

import sys

import numpy as np
import pytest
import skops.io as sio
from sklearn.datasets import load_diabetes

from shrinkage import LassoCV, model_writer


@pytest.fixture
def fresh_child(monkeypatch):
    """A start() that spawns its child even though this test process imported skops."""
    monkeypatch.delitem(sys.modules, "skops.io", raising=False)
    monkeypatch.setattr(model_writer, "_child", None)
    model_writer.start(preload=("shrinkage.linear_model_cv",))
    assert model_writer._child is not None
    yield model_writer._child
    monkeypatch.setattr(model_writer, "_child", None)


def _payload():
    X, y = load_diabetes(return_X_y=True)
    return {"model": LassoCV(cv=3, alphas=8).fit(X, y), "note": "x", "array": np.arange(4)}


def _load(path):
    return sio.load(path, trusted=sio.get_untrusted_types(file=path))


def test_the_child_writes_what_this_process_writes(fresh_child, tmp_path):
    payload = _payload()
    process = fresh_child
    model_writer.dump(tmp_path / "child.skops", payload)
    assert process.returncode == 0  # it wrote, then ended
    model_writer.dump(tmp_path / "here.skops", payload)  # no child now: in this process
    child, here = _load(tmp_path / "child.skops"), _load(tmp_path / "here.skops")
    np.testing.assert_array_equal(child["model"].coef_, payload["model"].coef_)
    np.testing.assert_array_equal(child["model"].coef_path_, here["model"].coef_path_)
    assert child["note"] == "x" and list(child["array"]) == [0, 1, 2, 3]


def test_a_failure_in_the_child_is_met_again_here(fresh_child, tmp_path):
    # the child cannot write into a missing folder; this process then tries and raises
    with pytest.raises(FileNotFoundError):
        model_writer.dump(tmp_path / "missing" / "model.skops", _payload())
    assert model_writer._child is None


def test_a_dead_child_leaves_the_writing_to_this_process(fresh_child, tmp_path):
    process = fresh_child
    process.kill()
    process.wait()
    model_writer.dump(tmp_path / "model.skops", {"a": np.ones(2)})
    np.testing.assert_array_equal(_load(tmp_path / "model.skops")["a"], np.ones(2))


def test_the_hidden_packages_cannot_be_imported():
    with pytest.raises(ModuleNotFoundError):
        model_writer._Hidden.find_spec("torch.nn")
    assert model_writer._Hidden.find_spec("numpy") is None


def test_ctrl_c_in_the_terminal_is_not_the_childs_to_answer(fresh_child, tmp_path):
    """The child runs in a session of its own: the terminal's Ctrl-C (SIGINT to the
    foreground process group) never reaches it, so it neither dies nor prints a
    traceback; it still writes the file."""
    import os

    process = fresh_child
    assert os.getsid(process.pid) != os.getsid(0)
    assert os.getpgid(process.pid) != os.getpgid(0)
    model_writer.dump(tmp_path / "model.skops", {"a": np.arange(3)})
    assert process.returncode == 0
    np.testing.assert_array_equal(_load(tmp_path / "model.skops")["a"], np.arange(3))


def test_a_script_without_a_main_guard_runs_once(tmp_path):
    """The child never imports the caller's __main__ (multiprocessing's spawn would,
    running such a script a second time)."""
    import subprocess

    marker, model = tmp_path / "runs.txt", tmp_path / "model.skops"
    script = tmp_path / "script.py"
    script.write_text(
        "import sys\n"
        f"open({str(marker)!r}, 'a').write('run\\n')\n"
        "from shrinkage import model_writer\n"
        "model_writer.start()\n"
        "child = model_writer._child\n"
        f"model_writer.dump({str(model)!r}, {{'a': [1, 2]}})\n"
        "assert child is not None and child.returncode == 0\n"
        "assert 'skops.io' not in sys.modules  # written by the child, not here\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert marker.read_text() == "run\n"
    assert _load(model)["a"] == [1, 2]
