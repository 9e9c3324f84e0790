"""`shrinkage predict` as a user breaks it: wrong model files, odd tables, --out cases.

Models are fitted once per module by tiny comparisons; every case runs in process
through typer's CliRunner. Predictions are checked against the saved pipeline applied
with scikit-learn to a frame built independently of shrinkage's reading code.
"""

import os
import re
import zipfile

import joblib
import numpy as np
import polars as pl
import pytest
import skops.io as sio
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline
from typer.testing import CliRunner

from shrinkage.cli import app
from shrinkage.model_file import FORMAT_KEY, load_model, save_model


FAST = ["--cv", "2", "--n-alphas", "5", "--no-progress"]


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _training_frame(n=60):
    rng = np.random.default_rng(0)
    x1 = rng.standard_normal(n)
    x2 = rng.integers(0, 10, n)
    region = np.array(["north", "south", "east"])[np.arange(n) % 3]
    flag = np.arange(n) % 2 == 0
    y = 3 * x1 + 0.5 * x2 + (region == "north") * 2.0 + flag * 1.5 + \
        0.3 * rng.standard_normal(n)
    return pl.DataFrame({"x1": x1, "x2": x2, "region": region, "flag": flag, "y": y})


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Fitted regression, binary classifier and imputed models, with their tables."""
    root = tmp_path_factory.mktemp("battery")
    frame = _training_frame()
    labels = np.where(frame["y"].to_numpy() > np.median(frame["y"].to_numpy()), "Yes", "No")
    holey = frame.with_columns(
        pl.when(pl.int_range(pl.len()) % 7 == 0).then(None).otherwise(pl.col("x1"))
        .alias("x1"),
        pl.when(pl.int_range(pl.len()) % 11 == 0).then(None).otherwise(pl.col("region"))
        .alias("region"))
    tables = {"reg": frame, "clf": frame.with_columns(pl.Series("y", labels)),
              "imp": holey}
    found = {}
    for kind, table in tables.items():
        data = root / f"{kind}.csv"
        table.write_csv(data)
        extra = ["--impute", "median"] if kind == "imp" else []
        result = run("compare", data, "-t", "y", "--out", root / kind, *FAST, *extra)
        assert result.exit_code == 0, result.output
        found[kind] = (root / kind / "model.skops", data)
    return found


def _one_line_error(result, pattern):
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and re.search(pattern, lines[0]), result.stderr
    assert "Traceback" not in result.output and "Regressor" not in result.stderr


def _expected(model, frame):
    """The saved pipeline applied by scikit-learn to a polars frame."""
    return load_model(model).pipeline.predict(frame)


# -- model files that are not shrinkage models ------------------------------------------

def _skops_of(obj):
    return lambda path, model: sio.dump(obj, path)


def _resaved(change):
    """The real model saved again after ``change(content)``."""
    def write(path, model):
        saved = load_model(model)
        content = {FORMAT_KEY: 1, "pipeline": saved.pipeline,
                   "metadata": dict(saved.metadata)}
        change(content)
        sio.dump(content, path)
    return write


def _zip_of_other_files(path, model):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")


def _truncated(path, model):
    path.write_bytes(model.read_bytes()[: model.stat().st_size // 2])


PLAIN_PIPELINE = Pipeline([("prepare", LinearRegression()), ("model", LinearRegression())])

BAD_MODELS = {
    "text": (lambda p, m: p.write_text("my model\n"), r"not a model file \(not a skops"),
    "csv": (lambda p, m: p.write_text("a,b\n1,2\n"), r"not a model file"),
    "png": (lambda p, m: p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64), r"not a model file"),
    "empty": (lambda p, m: p.write_bytes(b""), r"model\.skops is empty"),
    "zip-of-other-files": (_zip_of_other_files, r"zip archive of other files"),
    "truncated": (_truncated, r"damaged or truncated archive"),
    "pickle": (lambda p, m: joblib.dump(load_model(m).pipeline, p),
               r"pickle or joblib file, which can run code.*joblib\.load themselves"),
    "skops-linear-regression": (_skops_of(LinearRegression().fit([[0], [1]], [0, 1])),
                                r"skops file of a LinearRegression, not a model written"),
    "skops-dict": (_skops_of({"a": 1}), r"skops file of a dict, not a model"),
    "plain-sklearn-pipeline": (_resaved(lambda c: c.update(pipeline=PLAIN_PIPELINE)),
                               r"holds a Pipeline, not the fitted pipeline"),
    "newer-format": (_resaved(lambda c: c.update({FORMAT_KEY: 99})),
                     r"written by a newer shrinkage \(model format 99; this one reads 1\)"),
    "metadata-missing": (_resaved(lambda c: c["metadata"].pop("target")),
                         r"lacks the metadata compare stores"),
    "format-as-text": (_resaved(lambda c: c.update({FORMAT_KEY: "1"})),
                       r"names no model format shrinkage knows \('1'\)"),
    "no-intercept": (_resaved(lambda c: delattr(c["pipeline"][-1], "intercept_")),
                     r"the model cannot be applied: it lacks 'intercept_' of a fitted"),
    "device": (lambda p, m: p.symlink_to("/dev/zero"), r"is not a regular file"),
    "fifo": (lambda p, m: os.mkfifo(p), r"is not a regular file"),
}


@pytest.mark.parametrize("kind", sorted(BAD_MODELS))
def test_wrong_model_files_are_refused_in_one_line(models, tmp_path, kind):
    model, data = models["reg"]
    write, pattern = BAD_MODELS[kind]
    path = tmp_path / "model.skops"
    write(path, model)
    _one_line_error(run("predict", path, data), pattern)


def test_model_folder_missing_file_and_swapped_arguments(models, tmp_path):
    model, data = models["reg"]
    _one_line_error(run("predict", model.parent, data), r"is a folder; give the model\.skops")
    _one_line_error(run("predict", tmp_path / "no.skops", data), r"model file not found")
    _one_line_error(run("predict", data, model), r"reg\.csv is not a model file")


def test_model_of_another_version_predicts_with_a_note(models, tmp_path):
    model, data = models["reg"]
    saved = load_model(model)
    older = tmp_path / "older.skops"
    save_model(older, saved.pipeline, {**saved.metadata, "shrinkage_version": "0.0.1"})
    result = run("predict", older, data)
    assert result.exit_code == 0, result.output
    assert "note: the model was written by shrinkage 0.0.1; this is" in result.stderr


# -- tables ---------------------------------------------------------------------------

def _table(tmp_path, frame, name="new.csv"):
    path = tmp_path / name
    frame.write_parquet(path) if name.endswith(".parquet") else frame.write_csv(path)
    return path


def _predict(model, data, *args):
    result = run("predict", model, data, *args)
    assert result.exit_code == 0, result.output
    return pl.read_csv(result.stdout.encode()), result.stderr


FEATURES = ["x1", "x2", "region", "flag"]

GOOD_TABLES = {
    "same-table": lambda f: f,
    "reordered": lambda f: f.select(["flag", "region", "y", "x2", "x1"]),
    "without-target": lambda f: f.drop("y"),
    "extra-columns": lambda f: f.with_columns(pl.lit("z").alias("note"),
                                              pl.lit(1).alias("X1")),
    "one-row": lambda f: f.head(1),
    "ints-as-floats": lambda f: f.with_columns(pl.col("x2").cast(pl.Float64)),
    "duplicate-rows": lambda f: pl.concat([f.head(3), f.head(3)]),
}


@pytest.mark.parametrize("kind", sorted(GOOD_TABLES))
def test_tables_the_model_reads_as_it_read_its_training_rows(models, tmp_path, kind):
    model, data = models["reg"]
    frame = GOOD_TABLES[kind](pl.read_csv(data))
    out, stderr = _predict(model, _table(tmp_path, frame))
    assert out.columns == ["prediction"] and out.height == frame.height
    np.testing.assert_allclose(out["prediction"], _expected(model, frame.select(FEATURES)),
                               rtol=1e-12)
    assert "unseen" not in stderr


def test_extra_and_target_columns_are_named(models, tmp_path):
    model, data = models["reg"]
    frame = pl.read_csv(data).with_columns(pl.lit("z").alias("note"))
    _, stderr = _predict(model, _table(tmp_path, frame))
    assert stderr == ("note: ignored 2 columns the model does not use: 'y' (the model's "
                      "target column), 'note'\n")


def test_parquet_table_with_categorical_dtype(models, tmp_path):
    model, data = models["reg"]
    frame = pl.read_csv(data).with_columns(pl.col("region").cast(pl.Categorical))
    out, _ = _predict(model, _table(tmp_path, frame, "new.parquet"))
    np.testing.assert_allclose(out["prediction"],
                               _expected(model, pl.read_csv(data).select(FEATURES)))


def test_a_hundred_thousand_rows(models, tmp_path):
    model, data = models["reg"]
    frame = pl.concat([pl.read_csv(data)] * 1700).head(100_000)
    out, _ = _predict(model, _table(tmp_path, frame))
    assert out.height == 100_000
    np.testing.assert_allclose(out["prediction"][:60],
                               _expected(model, frame.head(60).select(FEATURES)))


def test_header_only_and_empty_file(models, tmp_path):
    model, data = models["reg"]
    header = tmp_path / "header.csv"
    header.write_text("x1,x2,region,flag\n")
    result = run("predict", model, header)
    assert result.exit_code == 0 and result.stdout.strip() == "prediction"
    assert "header.csv has no rows: the output holds the header only" in result.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    _one_line_error(run("predict", model, empty), r"empty\.csv")


def _with(column, row, value):
    """The training table with ``value`` (as text) at ``column``, ``row`` (0-based)."""
    def change(frame):
        values = frame[column].cast(pl.String).to_list()
        values[row] = value
        return frame.with_columns(pl.Series(column, values))
    return change


BAD_TABLES = {
    "text-in-numeric": (_with("x1", 4, "abc"),
                        r"column 'x1' of new\.csv, row 5, holds 'abc', not a number"),
    "nan": (_with("x1", 2, "NaN"),
            r"column 'x1' of new\.csv has 1 missing value, the first in row 3, and the "
            r"model was fitted without --impute median"),
    "empty-cell": (_with("x2", 0, None), r"column 'x2' .* first in row 1,"),
    "missing-level": (_with("region", 6, None), r"column 'region' .* first in row 7"),
    "inf": (_with("x1", 1, "inf"), r"column 'x1' of new\.csv, row 2, holds inf: the model "
                                   r"needs finite numbers"),
    "minus-inf": (_with("x1", 1, "-inf"), r"row 2, holds -inf"),
    "huge": (_with("x1", 3, "1e308"), r"row 4 of new\.csv overflows .*'x1' holds 1e\+308"),
    "case-differs": (lambda f: f.rename({"x1": "X1"}),
                     r"lacks 1 feature column .*'x1'.*the table has 'X1' for 'x1': names "
                     r"are case-sensitive"),
    "missing-column": (lambda f: f.drop("region"), r"lacks 1 feature column.*'region'"),
    "all-empty-column": (lambda f: f.with_columns(pl.lit(None).alias("x2")),
                         r"column 'x2' of new\.csv has 60 missing values"),
}


@pytest.mark.parametrize("kind", sorted(BAD_TABLES))
def test_values_the_model_cannot_read_are_named(models, tmp_path, kind):
    model, data = models["reg"]
    change, pattern = BAD_TABLES[kind]
    _one_line_error(run("predict", model, _table(tmp_path, change(pl.read_csv(data)))),
                    pattern)


def test_unseen_levels_are_said_and_read_as_no_level(models, tmp_path):
    model, data = models["reg"]
    frame = pl.read_csv(data)
    regions = frame["region"].to_list()
    regions[0], regions[1], regions[5] = "central", "central", "west"
    out, stderr = _predict(model, _table(tmp_path, frame.with_columns(
        pl.Series("region", regions))))
    assert ("note: 3 rows hold levels unseen in training: 'region' ('central', 'west'); "
            "each is read as none of its column's levels") in stderr
    # by hand: the encoded row of a known level, with region's one-hot features set to 0
    pipeline = load_model(model).pipeline
    X = np.asarray(pipeline[0].transform(frame.select(FEATURES)[[0, 1, 5]]))
    names = list(pipeline[0].get_feature_names_out())
    X[:, [j for j, n in enumerate(names) if n.startswith("region=")]] = 0.0
    np.testing.assert_allclose(out["prediction"][[0, 1, 5]], pipeline[-1].predict(X))
    np.testing.assert_allclose(out["prediction"][2:5],
                               _expected(model, frame.select(FEATURES)[2:5]))


@pytest.mark.parametrize("text", ["True", "FALSE", "1", "0"])
def test_true_false_written_otherwise_is_read_as_true_false(models, tmp_path, text):
    model, data = models["reg"]
    frame = pl.read_csv(data)
    flags = frame["flag"].cast(pl.String).to_list()
    flags[0] = text
    out, stderr = _predict(model, _table(tmp_path, frame.with_columns(
        pl.Series("flag", flags))))
    assert "unseen" not in stderr
    as_bool = text.lower() in ("true", "1")
    expected = _expected(model, frame.select(FEATURES).with_columns(
        pl.Series("flag", [as_bool] + frame["flag"].to_list()[1:])))
    np.testing.assert_allclose(out["prediction"], expected)


def test_region_codes_written_as_numbers_are_unseen_text(models, tmp_path):
    model, data = models["reg"]
    frame = pl.read_csv(data).with_columns(pl.lit(7).alias("region"))
    _, stderr = _predict(model, _table(tmp_path, frame))
    assert "60 rows hold levels unseen in training: 'region' ('7')" in stderr


def test_imputed_model_fills_missing_values_and_says_so(models, tmp_path):
    model, data = models["imp"]
    frame = pl.read_csv(data)
    out, stderr = _predict(model, data)
    assert re.search(r"note: filled \d+ missing values in 'x1', 'region' with the training "
                     r"medians", stderr)
    pipeline = load_model(model).pipeline
    median = pipeline[0].named_transformers_["numeric"][0].statistics_[0]
    filled = frame.select(FEATURES).with_columns(pl.col("x1").fill_null(median))
    rows = frame["region"].is_not_null().to_numpy()
    np.testing.assert_allclose(out["prediction"].to_numpy()[rows],
                               _expected(model, filled.filter(pl.Series(rows))))


# -- classifier output and --id ---------------------------------------------------------

def test_classifier_writes_a_probability_per_class(models, tmp_path):
    model, data = models["clf"]
    out, _ = _predict(model, data, "--id", "x2")
    assert out.columns == ["x2", "prediction", "probability_No", "probability_Yes"]
    frame = pl.read_csv(data)
    proba = load_model(model).pipeline.predict_proba(frame.select(FEATURES))
    np.testing.assert_allclose(out.select("probability_No", "probability_Yes"), proba)
    assert out["x2"].to_list() == frame["x2"].to_list()
    assert set(out["prediction"]) <= {"No", "Yes"}


def test_ids_pass_through_first_and_unchanged(models, tmp_path):
    model, data = models["reg"]
    frame = pl.read_csv(data).with_columns(
        pl.Series("key", ["007", "007"] + [f"k{i}" for i in range(58)]))
    out, _ = _predict(model, _table(tmp_path, frame), "--id", "key", "--id", "region",
                      "--id", "key")
    assert out.columns == ["key", "region", "prediction"]
    assert out["key"].cast(pl.String).to_list()[:2] == ["7", "7"] or \
        out["key"].to_list()[:2] == ["007", "007"]
    assert out["region"].to_list() == frame["region"].to_list()


@pytest.mark.parametrize("args, pattern", [
    (["--id", "nope"], r"--id nope: no such column in reg\.csv"),
    (["--id", "X2"], r"--id X2: no such column .*the table has 'x2'"),
])
def test_bad_id_columns(models, args, pattern):
    model, data = models["reg"]
    _one_line_error(run("predict", model, data, *args), pattern)


def test_an_id_named_like_an_output_column_is_refused(models, tmp_path):
    model, data = models["clf"]
    for name in ("prediction", "probability_Yes"):
        frame = pl.read_csv(data).with_columns(pl.lit(1).alias(name))
        _one_line_error(run("predict", model, _table(tmp_path, frame), "--id", name),
                        rf"--id {name}: the output already has a column of that name")


# -- --out ----------------------------------------------------------------------------

def _digest(path):
    return path.read_bytes()


@pytest.mark.parametrize("kind", ["data", "model", "dot-data", "symlink-to-data",
                                  "hardlink-to-data"])
@pytest.mark.parametrize("force", [False, True])
def test_out_never_overwrites_an_input(models, tmp_path, monkeypatch, kind, force):
    model, data = models["reg"]
    monkeypatch.chdir(data.parent)
    target = {"data": data, "model": model, "dot-data": f"./{data.name}"}.get(kind)
    if kind == "symlink-to-data":
        target = tmp_path / "link.csv"
        target.symlink_to(data)
    elif kind == "hardlink-to-data":
        target = tmp_path / "hard.csv"
        os.link(data, target)
    before = (_digest(data), _digest(model))
    args = ["--force"] if force else []
    role = "MODEL" if kind == "model" else "DATA"
    _one_line_error(run("predict", model, data.name, "--out", target, *args),
                    rf"is the {role} file .*never overwrite their input")
    assert (_digest(data), _digest(model)) == before


def test_out_exists_needs_force(models, tmp_path):
    model, data = models["reg"]
    out = tmp_path / "p.csv"
    out.write_text("mine\n")
    _one_line_error(run("predict", model, data, "--out", out), r"exists; give --force")
    assert out.read_text() == "mine\n"
    result = run("predict", model, data, "--out", out, "--force")
    assert result.exit_code == 0 and pl.read_csv(out).height == 60


@pytest.mark.parametrize("kind, pattern", [
    ("folder", r"is a folder; give a file name"),
    ("missing-parent", r"the folder .*nowhere does not exist"),
])
def test_out_folder_problems_come_before_the_model_is_read(models, tmp_path, kind, pattern):
    _, data = models["reg"]
    broken = tmp_path / "broken.skops"
    broken.write_text("not a model")  # the --out error comes first
    out = tmp_path if kind == "folder" else tmp_path / "nowhere" / "p.csv"
    _one_line_error(run("predict", broken, data, "--out", out), pattern)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in read-only folders")
def test_out_in_a_read_only_folder(models, tmp_path):
    model, data = models["reg"]
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        _one_line_error(run("predict", model, data, "--out", folder / "p.csv"),
                        r"cannot write in the folder")
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize("where", ["relative", "absolute", "tilde"])
def test_out_paths(models, tmp_path, monkeypatch, where):
    model, data = models["reg"]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    out = {"relative": "p.csv", "absolute": tmp_path / "p.csv", "tilde": "~/p.csv"}[where]
    result = run("predict", model, data, "--out", out)
    assert result.exit_code == 0, result.output
    stdout, _ = _predict(model, data)
    assert pl.read_csv(tmp_path / "p.csv").equals(stdout)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_parquet_out(models, tmp_path):
    model, data = models["clf"]
    result = run("predict", model, data, "--out", tmp_path / "p.parquet")
    assert result.exit_code == 0, result.output
    written = pl.read_parquet(tmp_path / "p.parquet")
    assert written.columns == ["prediction", "probability_No", "probability_Yes"]
