"""The command line's own options: --version, --quiet, --json, --joblib."""

import json
import pickletools

import joblib
import pytest

from shrinkage import __version__
from shrinkage.model_file import load_model

from test_cli import FAST, run


@pytest.fixture(scope="module")
def quiet_json_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("q") / "out"
    result = run("compare", "--demo", "diabetes", "--out", out, "--quiet", "--json",
                 "--joblib", *FAST)
    return out, result


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.stdout == f"shrinkage {__version__}\n"


def test_json_prints_exactly_results_json_and_quiet_prints_nothing_else(quiet_json_run):
    out, result = quiet_json_run
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads((out / "results.json").read_text())
    assert result.stderr == ""  # --quiet: no notes, no "wrote" line


def test_quiet_without_json_prints_nothing(tmp_path):
    result = run("compare", "--demo", "diabetes", "--out", tmp_path / "o", "-q", *FAST)
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == ""
    assert (tmp_path / "o" / "results.json").is_file()


def test_quiet_still_reports_errors(tmp_path):
    result = run("compare", "--demo", "nope", "--out", tmp_path / "o", "-q", *FAST)
    assert result.exit_code == 1 and result.stderr.startswith("error: unknown demo")
    assert not (tmp_path / "o").exists()


def test_json_alone_sends_the_written_line_to_stderr(tmp_path):
    result = run("compare", "--demo", "diabetes", "--out", tmp_path / "o", "--json", *FAST)
    assert result.exit_code == 0
    json.loads(result.stdout)  # stdout is only the JSON
    assert f"wrote {tmp_path / 'o' / 'report.html'}" in result.stderr


def test_joblib_copy_is_the_same_model_as_the_skops_one(quiet_json_run):
    out, _ = quiet_json_run
    names = sorted(p.name for p in out.iterdir())
    assert names == [".shrinkage-run.json", "model.joblib", "model.skops", "paths.csv",
                     "report.html", "results.json"]
    # read the pickle's opcodes without loading it: it names our pipeline's classes
    opcodes = [arg for _, arg, _ in pickletools.genops((out / "model.joblib").read_bytes())
               if isinstance(arg, str)]
    assert "sklearn.pipeline" in opcodes
    skops_model = load_model(out / "model.skops")
    joblib_model = joblib.load(out / "model.joblib")  # our own file, written just now
    assert type(joblib_model[-1]) is type(skops_model.pipeline[-1])
    assert (joblib_model[-1].coef_ == skops_model.pipeline[-1].coef_).all()
    assert skops_model.metadata["run_id"] == \
        json.loads((out / "results.json").read_text())["run"]["id"]


def test_help_names_the_dask_extra_and_the_joblib_warning():
    result = run("compare", "--help")
    text = " ".join(result.stdout.split())
    assert "shrinkage[dask]" in text.replace("│", "").replace("  ", " ") or \
        "shrinkage[dask]" in result.stdout.replace("\n", "")
    assert "squared loss" not in text
    assert "loading one runs code from the file" in " ".join(
        text.replace("│", " ").split())
