"""Cases a hostile trial of the command line found: each now ends in one line or in the
right result (a race on predict's --out, a zip bomb, a pipe given as DATA, classes too
rare to split, a Ctrl-C in the middle of the swap, ...)."""

import json
import os
import re
import signal
import warnings

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from shrinkage import model_file
from shrinkage._atomic import atomic_write
from shrinkage.cli import app
from shrinkage.errors import UserError
from shrinkage.output_set import OutputSet


FAST = ["--cv", "2", "--n-alphas", "5", "--no-progress"]


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def one_line(result, pattern):
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.strip().splitlines()
             if not line.startswith("note: ")]
    assert len(lines) == 1 and re.search(pattern, lines[0]), result.stderr
    assert not re.search(r"Traceback|StratifiedKFold|test_size =|Warning", result.output)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A regression model fitted on x1 (numeric) and flag (true/false), with its table."""
    root = tmp_path_factory.mktemp("model")
    rng = np.random.default_rng(0)
    n = 40
    x1, flag = rng.standard_normal(n), np.arange(n) % 2 == 0
    pl.DataFrame({"x1": x1, "flag": flag, "y": 2 * x1 + flag + 0.1 * rng.standard_normal(n)}
                 ).write_csv(root / "t.csv")
    result = run("compare", root / "t.csv", "-t", "y", "--out", root / "r", *FAST)
    assert result.exit_code == 0, result.output
    return root / "r" / "model.skops", root / "t.csv"


def test_a_file_made_at_out_while_writing_is_never_replaced(tmp_path):
    target = tmp_path / "p.csv"

    def write(temporary):  # another program creates --out meanwhile
        target.write_text("theirs")
        with open(temporary, "w") as fh:
            fh.write("ours")
    with pytest.raises(FileExistsError):
        atomic_write(target, write, overwrite=False)
    assert target.read_text() == "theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["p.csv"]  # no temporary left
    atomic_write(target, lambda t: open(t, "w").write("ours"), overwrite=True)
    assert target.read_text() == "ours"


def test_predict_says_when_out_appeared_meanwhile(model, tmp_path, monkeypatch):
    from shrinkage import predict

    out = tmp_path / "p.csv"
    original = predict.predict_table

    def slow(*args, **kwargs):  # a second predict finishes first
        result = original(*args, **kwargs)
        out.write_text("the other run's predictions")
        return result
    monkeypatch.setattr(predict, "predict_table", slow)
    one_line(run("predict", *model, "--out", out),
             r"--out .*p.csv appeared while the predictions were made .*nothing was "
             r"replaced: give --force")
    assert out.read_text() == "the other run's predictions"


def test_one_odd_value_in_a_true_false_column_is_named(model, tmp_path):
    frame = pl.DataFrame({"x1": [0.1, 0.2, 0.3], "flag": ["true", "false", "maybe"]})
    frame.write_csv(tmp_path / "new.csv")
    one_line(run("predict", model[0], tmp_path / "new.csv"),
             r"column 'flag' holds 'maybe' in row 3 \(1 row in all\), where the model was "
             r"fitted on true/false values")
    frame.head(2).write_csv(tmp_path / "good.csv")
    result = run("predict", model[0], tmp_path / "good.csv")
    assert result.exit_code == 0 and "unseen" not in result.stderr


def test_a_zip_bomb_is_refused_before_skops_reads_it(model, tmp_path, monkeypatch):
    import skops.io

    monkeypatch.setattr(model_file, "MAX_UNPACKED_BYTES", 1000)
    monkeypatch.setattr(skops.io, "load", lambda *a, **k: pytest.fail("loaded"))
    with pytest.raises(UserError, match=r"model.skops unpacks to 0.0 GiB, more than a model "
                                        r"holds"):
        model_file.load_model(model[0])


@pytest.mark.parametrize("make", ["device", "fifo"])
def test_data_that_is_no_regular_file_is_refused_at_once(model, tmp_path, make):
    data = tmp_path / "data.csv"
    data.symlink_to("/dev/zero") if make == "device" else os.mkfifo(data)
    one_line(run("compare", data, "-t", "y", "--out", tmp_path / "o", *FAST),
             r"data.csv is not a regular file")
    one_line(run("predict", model[0], data), r"data.csv is not a regular file")
    assert not (tmp_path / "o").exists()


def _classes(tmp_path, labels, *args):
    rng = np.random.default_rng(1)
    pl.DataFrame({"x": rng.standard_normal(len(labels)), "c": labels}).write_csv(
        tmp_path / "c.csv")
    return run("compare", tmp_path / "c.csv", "-t", "c", "--out", tmp_path / "o", *FAST,
               *args)


def test_a_class_too_rare_for_the_folds_is_named(tmp_path):
    labels = ["a"] * 20 + ["b"] * 20 + ["rare"]
    one_line(_classes(tmp_path, labels),
             r"class 'rare' \(1 row\) of the target 'c' has fewer than the 3 rows that --cv "
             r"2 and --test-size 0.25 need .*give more rows of it, or leave it out")
    one_line(_classes(tmp_path, labels, "--cv", "3"), r"give fewer folds \(--cv 2\), more")
    assert not (tmp_path / "o").exists()


def test_more_classes_than_the_test_split_can_hold_is_one_line(tmp_path):
    labels = [f"k{i}" for i in range(30)] * 3
    one_line(_classes(tmp_path, labels, "--task", "classification", "--test-size", "0.1"),
             r"the target 'c' has 30 classes but the test split would hold 9 of the 90 rows")


def test_too_few_rows_at_two_folds_does_not_advise_more_folds(tmp_path):
    pl.DataFrame({"x": [1.0, 2, 3, 4, 5], "y": [1.0, 3, 2, 5, 4]}).write_csv(tmp_path / "t.csv")
    result = run("compare", tmp_path / "t.csv", "-t", "y", "--out", tmp_path / "o", *FAST)
    one_line(result, r"the table has 5 rows; .* it needs at least 6: use more rows$")


def test_a_target_of_lists_is_named_as_such(tmp_path):
    pl.DataFrame({"x": [1.0, 2.0] * 10, "y": [[1, 2], [3]] * 10}).write_parquet(
        tmp_path / "t.parquet")
    one_line(run("compare", tmp_path / "t.parquet", "-t", "y", "--out", tmp_path / "o"),
             r"the target 'y' holds List\(Int64\) values: compare predicts a number or a class")


def test_large_float32_values_are_read_without_a_numpy_warning(tmp_path):
    """The check for values too large to standardize compares in float64 (1e150 is no
    float32: the comparison in float32 warned of an overflow)."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal(40).astype(np.float32)
    x[5] = np.float32(3e38)
    pl.DataFrame({"x": x, "y": rng.standard_normal(40)}).write_parquet(tmp_path / "t.parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = run("compare", tmp_path / "t.parquet", "-t", "y", "--out", tmp_path / "o",
                     *FAST)
    assert result.exit_code == 0 and result.exception is None, result.output


def test_lab_previous_that_is_no_lab_is_refused_before_the_lab_runs(tmp_path):
    previous = tmp_path / "lab.json"
    previous.write_text(json.dumps({"claims": [1, 2]}))
    one_line(run("lab", "--claim", "C01", "--quick", "--previous", previous, "--out",
                 tmp_path / "lab"), r"--previous .*lab.json: its claims are not a lab's")
    assert not (tmp_path / "lab").exists()


def _staged(tmp_path, run_id):
    output = OutputSet(tmp_path / "out", ("a.txt",), run_id=run_id).claim()
    (output.staging / "a.txt").write_text(run_id)
    return output


def test_what_an_interruption_left_is_read_off_the_folder(tmp_path):
    _staged(tmp_path, "first").commit()
    second = _staged(tmp_path, "second")
    second.release()
    assert second.after_interruption() == "the previous files in " \
        f"{tmp_path / 'out'} are untouched"
    third = _staged(tmp_path, "third")
    third.commit()
    third.committed = False  # as if the signal came between the swap and this line
    assert third.after_interruption() == f"the new files in {tmp_path / 'out'} are complete"


def test_a_ctrl_c_during_the_swap_waits_until_it_is_done(tmp_path, monkeypatch):
    from shrinkage import output_set

    _staged(tmp_path, "old").commit()
    output = _staged(tmp_path, "new")
    exchange = output_set.exchange

    def interrupted_exchange(a, b):
        os.kill(os.getpid(), signal.SIGINT)  # held back until the swap is over
        return exchange(a, b)
    monkeypatch.setattr(output_set, "exchange", interrupted_exchange)
    # Ctrl-C as an interactive Python answers it (a run in the background ignores it)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    # another thread running, as in a real compare (polars, BLAS, a Dask client): the
    # kernel may hand it the signal
    import threading

    stop = threading.Event()
    busy = threading.Thread(target=stop.wait)
    busy.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            output.commit()
    finally:
        stop.set()
        busy.join()
        signal.signal(signal.SIGINT, previous)
    assert output.committed
    assert (tmp_path / "out" / "a.txt").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_replacing_a_private_file_keeps_it_private(tmp_path):
    target = tmp_path / "p.csv"
    target.write_text("old")
    target.chmod(0o600)
    atomic_write(target, lambda t: open(t, "w").write("new"), overwrite=True)
    assert target.read_text() == "new" and target.stat().st_mode & 0o777 == 0o600
