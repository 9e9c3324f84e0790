"""The output folder of a run holds every file of one run, never a mix: killed at any
file-system step, interrupted, raced by a second run, or given an impossible --out."""

import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shrinkage.compare import Options, run_comparison
from shrinkage.output_set import OutputSet
from shrinkage.folder_ops import MANIFEST, read_manifest, unchanged, write_manifest
from shrinkage.report import FILES, write_outputs
from shrinkage.tables import UserError, demo_table

HERE = Path(__file__).parent
SCRIPT = Path(sys.executable).with_name("shrinkage")
FAST = Options(cv=2, n_alphas=5)
ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False


def contents(folder):
    """Every file of a folder (name -> bytes); a model by its metadata and coefficients
    (a skops archive names its members by object ids, which differ between processes),
    the manifest by its run and names, once its digests are checked against the files."""
    import numpy as np

    from shrinkage.model_file import load_model

    out = {}
    for path in sorted(Path(folder).iterdir()):
        if path.name == MANIFEST:  # its digests must be the files': then run and names
            run, files = read_manifest(folder)
            assert all(unchanged(folder, name, digest) for name, digest in files.items())
            out[path.name] = (run, sorted(files))
        elif path.suffix == ".skops":
            saved = load_model(path)
            model = saved.pipeline[-1]
            out[path.name] = (saved.metadata["run_id"], np.asarray(model.coef_).tobytes(),
                              np.asarray(model.intercept_).tobytes())
        else:
            out[path.name] = path.read_bytes()
    return out


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """A classification run's folder (the old set) and a regression comparison (the new
    one), with the new set as a whole run writes it."""
    base = tmp_path_factory.mktemp("runs")
    old = run_comparison(demo_table("breast-cancer"), FAST)
    with OutputSet(base / "old", FILES, run_id="0dd0dd0dd0dd") as output:
        write_outputs(old, output)
    new = run_comparison(demo_table("diabetes"), FAST)
    pickled = base / "new.pickle"
    pickled.write_bytes(pickle.dumps(new))
    return base, pickled


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_killed_at_every_step_leaves_one_whole_set(two_runs, tmp_path, exchange):
    base, pickled = two_runs
    done = subprocess.run([sys.executable, HERE / "kill_writer.py", pickled, base / "old",
                           tmp_path, "1" if exchange else "0"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    old, new = contents(base / "old"), contents(tmp_path / "whole" / "out")
    assert old.keys() == new.keys() == {*FILES, MANIFEST}
    assert json.loads(new["results.json"])["run"]["id"] == "0e0e0e0e0e0e"
    assert b"0e0e0e0e0e0e" in new["report.html"] and b"0dd0dd0dd0dd" in old["report.html"]
    assert len(report["points"]) >= 30 and report["operations"] > report["swap"]
    outcomes = {"old": 0, "new": 0, "restored": 0}
    for k in report["points"]:
        folder = tmp_path / f"k{k}"
        out = folder / "out"
        if not exchange and not out.exists():
            # killed between the two renames: the old set waits beside, the next run
            # puts it back before anything else
            aside = list(folder.glob(".out.old-*"))
            assert len(aside) == 1 and contents(aside[0]) == old, k
            outcomes["restored"] += 1
        else:
            state = contents(out)
            assert state in (old, new), f"killed before step {k}: a mixed set"
            outcomes["old" if state == old else "new"] += 1
        # the next run on the folder cleans up what the killed one left
        with OutputSet(out, FILES):
            pass
        assert sorted(p.name for p in folder.iterdir()) == ["out"], k
        assert contents(out) in (old, new), k
    # the kills fell on both sides of the swap
    assert outcomes["old"] >= 20 and outcomes["new"] >= 1
    assert exchange or outcomes["restored"] >= 1


def _fill(output, text="new"):
    """A run's files, written into its staging folder."""
    for name in FILES:
        (output.staging / name).write_text(text)


def _set(folder, names=FILES, run="r"):
    """An earlier run's folder: its files and its manifest."""
    folder.mkdir(parents=True)
    for name in names:
        (folder / name).write_text(f"{run}:{name}")
    write_manifest(folder, run, names)


def test_commit_replaces_the_whole_folder_and_leaves_nothing_beside(tmp_path):
    _set(tmp_path / "out", run="old")
    output = OutputSet(tmp_path / "out", FILES).claim()
    assert output.staging.parent == tmp_path and output.staging.is_dir()
    for name in FILES:
        (output.staging / name).write_text(f"new:{name}")
    paths = output.commit()
    assert paths == [tmp_path / "out" / n for n in FILES]
    assert {p.name: p.read_text() for p in (tmp_path / "out").iterdir()
            if p.name in FILES} == {n: f"new:{n}" for n in FILES}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_run_that_stops_early_leaves_the_old_set_and_no_staging(tmp_path):
    _set(tmp_path / "out", run="old")
    with pytest.raises(RuntimeError, match="did not write"):
        with OutputSet(tmp_path / "out", FILES) as output:
            (output.staging / FILES[0]).write_text("half")
            output.commit()
    assert {p.name: p.read_text() for p in (tmp_path / "out").iterdir()
            if p.name in FILES} == {n: f"old:{n}" for n in FILES}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_folder_made_for_a_run_that_did_not_finish_is_removed(tmp_path):
    with OutputSet(tmp_path / "a" / "out", FILES) as output:
        assert output.folder.is_dir()
    assert not (tmp_path / "a" / "out").exists()
    assert output.after_interruption() == "nothing was written"


def test_foreign_files_are_refused_and_kept(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    (tmp_path / "out" / ".DS_Store").write_text("finder")
    with pytest.raises(UserError, match=r"--out .*out holds files that are not an earlier "
                                        r"run's as it wrote them \(notes.txt\); give a new "
                                        r"or empty folder"):
        OutputSet(tmp_path / "out", FILES).claim()
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_desktop_files_are_replaced_with_the_folder(tmp_path):
    _set(tmp_path / "out", run="old")
    (tmp_path / "out" / ".DS_Store").write_text("finder")
    with OutputSet(tmp_path / "out", FILES) as output:
        _fill(output)
        output.commit()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        (*FILES, ".shrinkage-run.json"))


@pytest.mark.parametrize("spoil, said", [
    (lambda out: (out / "paths.csv").write_text("a user's own table"),
     r"\(paths.csv \(changed since its run\)\)"),
    (lambda out: (out / ".shrinkage-run.json").unlink(),
     r"\(model.skops, paths.csv, report.html, results.json\)"),
    (lambda out: (out / "notes.txt").write_text("mine"), r"\(notes.txt\)"),
    (lambda out: (out / "sub").mkdir(), r"\(sub\)"),
])
def test_only_an_earlier_runs_files_as_it_wrote_them_may_be_replaced(tmp_path, spoil,
                                                                      said):
    _set(tmp_path / "out", run="old")
    spoil(tmp_path / "out")
    before = sorted((p.name, p.is_file() and p.read_bytes())
                    for p in (tmp_path / "out").iterdir())
    with pytest.raises(UserError, match="holds files that are not an earlier run's as it "
                                        "wrote them " + said):
        OutputSet(tmp_path / "out", FILES).claim()
    assert sorted((p.name, p.is_file() and p.read_bytes())
                  for p in (tmp_path / "out").iterdir()) == before


def test_a_folder_holding_the_input_or_the_user_is_refused(tmp_path, monkeypatch):
    _set(tmp_path / "out", run="old")
    data = tmp_path / "out" / "paths.csv"  # an earlier run's file, given as DATA
    with pytest.raises(UserError, match=r"--out .*out holds the input .*paths.csv"):
        OutputSet(tmp_path / "out", FILES, inputs=[data]).claim()
    with pytest.raises(UserError, match=r"holds the input"):
        OutputSet(tmp_path, FILES, inputs=[data]).claim()
    monkeypatch.chdir(tmp_path / "out")
    for given in (".", "..", str(tmp_path / "out")):
        with pytest.raises(UserError, match="is the folder you are in, or holds it"):
            OutputSet(given, FILES).claim()
    assert data.read_text() == "old:paths.csv"


def test_a_file_that_appears_during_the_run_is_kept_and_the_run_set_aside(tmp_path):
    _set(tmp_path / "out", run="old")
    with pytest.raises(UserError, match=r"--out .*out changed during the run \(pred.csv "
                                        r"appeared in it\), so nothing in it was replaced; "
                                        r"this run's files are in .*out-r2"):
        with OutputSet(tmp_path / "out", FILES, run_id="r2") as output:
            _fill(output)
            (tmp_path / "out" / "pred.csv").write_text("predictions")
            output.commit()
    assert (tmp_path / "out" / "pred.csv").read_text() == "predictions"
    assert (tmp_path / "out" / "paths.csv").read_text() == "old:paths.csv"
    assert sorted(p.name for p in (tmp_path / "out-r2").iterdir()) == sorted(
        (*FILES, ".shrinkage-run.json"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "out-r2"]


def test_a_second_run_on_the_same_folder_is_refused_while_the_first_writes(tmp_path):
    with OutputSet(tmp_path / "out", FILES):
        with pytest.raises(UserError, match="another shrinkage run is writing to --out "):
            OutputSet(tmp_path / "out", FILES).claim()
    with OutputSet(tmp_path / "out", FILES):  # free again once the first is done
        pass


@pytest.mark.parametrize("make, expected", [
    (lambda p: p.write_text("x"), r"is a file; give a folder"),
    (lambda p: None, None),
])
def test_out_that_is_a_file_is_refused(tmp_path, make, expected):
    target = tmp_path / "out"
    make(target)
    if expected is None:
        OutputSet(target, FILES).claim().release()
    else:
        with pytest.raises(UserError, match=expected):
            OutputSet(target, FILES).claim()
        assert target.read_text() == "x"


def test_out_under_a_file_or_in_an_unwritable_place_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match=r"--out .*file/out is inside .*file, which is a "
                                        "file; give a folder"):
        OutputSet(tmp_path / "file" / "out", FILES).claim()
    with pytest.raises(UserError, match="cannot create --out /proc/shrinkage"):
        OutputSet("/proc/shrinkage", FILES).claim()


@pytest.mark.skipif(ROOT, reason="root writes through permissions")
def test_read_only_folders_are_refused(tmp_path):
    _set(tmp_path / "out")
    (tmp_path / "out").chmod(0o555)
    with pytest.raises(UserError, match="read-only"):
        OutputSet(tmp_path / "out", FILES).claim()
    (tmp_path / "out").chmod(0o755)
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(UserError, match="cannot write beside"):
            OutputSet(tmp_path / "out", FILES).claim()
    finally:
        tmp_path.chmod(0o755)


def test_a_symbolic_link_to_a_folder_replaces_the_folder_it_names(tmp_path):
    _set(tmp_path / "real", run="old")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with OutputSet(tmp_path / "link", FILES) as output:
        _fill(output)
        output.commit()
    assert (tmp_path / "link").is_symlink()
    assert all((tmp_path / "real" / n).read_text() == "new" for n in FILES)


def test_the_fallback_swap_and_its_recovery(tmp_path):
    _set(tmp_path / "out", run="old")
    with OutputSet(tmp_path / "out", FILES, exchange=False) as output:
        _fill(output)
        output.commit()
    assert all((tmp_path / "out" / n).read_text() == "new" for n in FILES)
    # a run killed between the two renames: no folder, the old one aside
    os.rename(tmp_path / "out", tmp_path / ".out.old-0123456789ab")
    with OutputSet(tmp_path / "out", FILES):
        assert all((tmp_path / "out" / n).read_text() == "new" for n in FILES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _compare_process(out, *extra):
    # SIGINT as in a terminal: a test run in the background would pass on its "ignore"
    return subprocess.Popen([SCRIPT, "compare", "--demo", "breast-cancer", "--cv", "2",
                             "--n-alphas", "5", "--no-progress", "--out", out, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for(predicate, seconds=120):
    end = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_compare_says_so_and_leaves_the_previous_report(two_runs, tmp_path,
                                                                     signum, code):
    import shutil

    base, _ = two_runs
    out = tmp_path / "out"
    shutil.copytree(base / "old", out)
    before = contents(out)
    run = _compare_process(out)
    # interrupt once the run holds the folder (its staging folder exists): mid-fit
    _wait_for(lambda: any(tmp_path.glob(".out.staging-*")))
    run.send_signal(signum)
    stdout, stderr = run.communicate(timeout=60)
    assert run.returncode == code, stderr
    assert stderr.strip().splitlines()[-1] == \
        f"interrupted; the previous files in {out} are untouched"
    assert contents(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_two_runs_on_one_folder_the_second_refuses(tmp_path):
    out = tmp_path / "out"
    with OutputSet(out, FILES):  # a first run holds the folder (this process)
        second = subprocess.run([SCRIPT, "compare", "--demo", "diabetes", "--out", out,
                                 "--no-progress"], capture_output=True, text=True,
                                timeout=120)
    assert second.returncode == 1
    assert second.stderr.strip() == (f"error: another shrinkage run is writing to --out "
                                     f"{out}; wait for it to finish or give another --out")
    assert not out.exists()  # the first, which made it, wrote nothing and removed it


def test_an_impossible_out_fails_before_any_fitting(tmp_path):
    (tmp_path / "file").write_text("x")
    start = time.perf_counter()
    done = subprocess.run([SCRIPT, "compare", "--demo", "breast-cancer", "--out",
                           tmp_path / "file" / "out", "--no-progress"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert "which is a file; give a folder" in done.stderr
    assert time.perf_counter() - start < 20  # a full run compiles and fits for longer


def test_a_mount_point_is_refused_with_a_folder_inside_it_suggested():
    with pytest.raises(UserError, match=r"--out /proc is a mount point .* give a folder "
                                        r"inside it, e.g. --out /proc/report"):
        OutputSet("/proc", FILES).claim()


def test_a_users_folder_named_like_a_leftover_is_left_alone(tmp_path):
    _set(tmp_path / "out", run="old")
    for name in (".out.old-2023", ".out.staging-backup"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "mine.txt").write_text("keep")
    leftover = tmp_path / ".out.staging-0123456789ab"  # a killed run's
    leftover.mkdir()
    with OutputSet(tmp_path / "out", FILES):
        pass
    assert not leftover.exists()
    assert (tmp_path / ".out.old-2023" / "mine.txt").read_text() == "keep"
    assert (tmp_path / ".out.staging-backup" / "mine.txt").read_text() == "keep"


def test_a_lock_taken_on_a_folder_just_replaced_does_not_count(tmp_path, monkeypatch):
    import fcntl

    from shrinkage import folder_ops

    (tmp_path / "out").mkdir()
    flock = fcntl.flock

    def swapped_meanwhile(fd, operation):  # the holder swapped the folder, then let go
        os.rename(tmp_path / "out", tmp_path / "gone")
        (tmp_path / "out").mkdir()
        return flock(fd, operation)
    monkeypatch.setattr(fcntl, "flock", swapped_meanwhile)
    assert folder_ops.lock(tmp_path / "out") is None


def test_a_swap_the_system_refuses_keeps_the_run_beside_the_folder(tmp_path, monkeypatch):
    import errno

    from shrinkage import output_set

    _set(tmp_path / "out", run="old")

    def cross_device(a, b):
        raise OSError(errno.EXDEV, "Invalid cross-device link")
    monkeypatch.setattr(output_set, "exchange", cross_device)
    with pytest.raises(UserError, match=r"cannot replace --out .*out \(invalid cross-device "
                                        r"link\), so nothing in it changed; this run's files "
                                        r"are in .*out-r3"):
        with OutputSet(tmp_path / "out", FILES, run_id="r3") as output:
            _fill(output)
            output.commit()
    assert (tmp_path / "out" / "paths.csv").read_text() == "old:paths.csv"
    assert (tmp_path / "out-r3" / "paths.csv").read_text() == "new"


def test_a_failed_write_is_one_line_and_changes_nothing(tmp_path):
    import errno

    _set(tmp_path / "out", run="old")
    with pytest.raises(UserError, match=r"cannot write the run's files beside --out .*out: "
                                        r"no space left on device; nothing in it changed"):
        with OutputSet(tmp_path / "out", FILES) as output, output.writing():
            raise OSError(errno.ENOSPC, "No space left on device")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_file_arriving_during_the_swap_itself_keeps_the_previous_folder(tmp_path,
                                                                            monkeypatch):
    from shrinkage import output_set

    _set(tmp_path / "out", run="old")
    exchange = output_set.exchange

    def arrival_then_exchange(a, b):  # after the check for newcomers, before the swap
        (tmp_path / "out" / "late.csv").write_text("mine")
        return exchange(a, b)
    monkeypatch.setattr(output_set, "exchange", arrival_then_exchange)
    with OutputSet(tmp_path / "out", FILES, run_id="r4") as output:
        _fill(output)
        output.commit()
    assert (tmp_path / "out" / "paths.csv").read_text() == "new"
    kept = tmp_path / "out-previous-r4"
    assert (kept / "late.csv").read_text() == "mine"
    assert output.warnings == [f"late.csv appeared in --out {tmp_path / 'out'} as the run "
                               f"replaced it: the previous folder, with it, is kept as "
                               f"{kept}"]
