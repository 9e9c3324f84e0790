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
    process, _ = fresh_child
    model_writer.dump(tmp_path / "child.skops", payload)
    assert not process.is_alive() and process.exitcode == 0  # it wrote, then ended
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
    process, _ = fresh_child
    process.kill()
    process.join()
    model_writer.dump(tmp_path / "model.skops", {"a": np.ones(2)})
    np.testing.assert_array_equal(_load(tmp_path / "model.skops")["a"], np.ones(2))


def test_the_hidden_packages_cannot_be_imported():
    with pytest.raises(ModuleNotFoundError):
        model_writer._Hidden.find_spec("torch.nn")
    assert model_writer._Hidden.find_spec("numpy") is None


def test_ctrl_c_while_the_child_starts_up_is_not_its_to_answer(fresh_child, tmp_path,
                                                                  capfd):
    """Ctrl-C reaches the whole process group, the child too, possibly while it is still
    importing its way to _serve (where it starts ignoring SIGINT): it must neither die
    nor print a KeyboardInterrupt traceback, and it still writes the file."""
    import os
    import signal

    process, _ = fresh_child
    os.kill(process.pid, signal.SIGINT)  # at once: the child is still starting up
    model_writer.dump(tmp_path / "model.skops", {"a": np.arange(3)})
    assert process.exitcode == 0  # the child wrote it (and was not killed)
    np.testing.assert_array_equal(_load(tmp_path / "model.skops")["a"], np.arange(3))
    assert "KeyboardInterrupt" not in capfd.readouterr().err
