"""The prediction recipe (shrinkage.recipe): every pipeline compare can write predicts
from its recipe exactly as the pipeline loaded with skops does; hostile recipes are
refused in one line; a model file without one still predicts through skops."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import skops.io as sio
from sklearn.pipeline import Pipeline
from typer.testing import CliRunner

import shrinkage

from shrinkage.cli import app
from shrinkage.compare import Options, run_comparison
from shrinkage.model_file import FORMAT_KEY, load_model, model_metadata, save_model
from shrinkage.predict import open_model, predict_table
from shrinkage.recipe import MEMBER, read_recipe
from shrinkage.tables import Table, UserError

N = 48


def _table(target, impute=False):
    """Numbers, a text and a true/false column; ``impute``: missing values in both
    kinds of column."""
    rng = np.random.default_rng(1)
    x1, x2 = rng.standard_normal(N), rng.integers(0, 10, N).astype(float)
    region = np.array(["north", "south", "east"])[np.arange(N) % 3]
    flag = np.arange(N) % 2 == 0
    score = 1.5 * x1 + 0.3 * x2 + (region == "north") + 0.5 * rng.standard_normal(N)
    targets = {
        "squared": score,
        "huber": score + 8 * (np.arange(N) % 13 == 0),
        "poisson": rng.poisson(np.exp(0.4 * x1 + 0.5 * (region == "north"))),
        "binary": np.where(score > np.median(score), "Yes", "No"),
        "binary-bool": score > np.median(score),
        "multiclass": np.digitize(score, np.quantile(score, [1 / 3, 2 / 3])),
        "multiclass-text": np.array(["lo", "mid", "high"])[
            np.digitize(score, np.quantile(score, [1 / 3, 2 / 3]))],
    }
    frame = pl.DataFrame({"x1": x1, "x2": x2, "region": region, "flag": flag,
                          "y": targets[target]})
    if impute:
        frame = frame.with_columns(
            pl.when(pl.int_range(pl.len()) % 7 == 0).then(None).otherwise(pl.col("x1"))
            .alias("x1"),
            pl.when(pl.int_range(pl.len()) % 5 == 0).then(None).otherwise(pl.col("region"))
            .alias("region"))
    return Table(frame=frame, target="y", name="t.csv")


#: every loss and task, imputed or not: (table target, options)
KINDS = {
    "squared": ("squared", {}),
    "huber": ("huber", {"loss": "huber"}),
    "poisson": ("poisson", {"loss": "poisson"}),
    "binary": ("binary", {}),
    "binary-bool": ("binary-bool", {}),
    "multiclass": ("multiclass", {"task": "classification"}),
    "multiclass-text": ("multiclass-text", {}),
    "impute-squared": ("squared", {"impute": "median"}),
    "impute-binary": ("binary", {"impute": "median"}),
    "impute-multiclass": ("multiclass-text", {"impute": "median"}),
}


def _new_rows():
    """Rows as predict hands them to the model: an unseen level, missing values (read
    only by the imputed models), numbers beyond the training range."""
    return pl.DataFrame({
        "x1": [0.1, -2.0, None, 40.0, 0.0, 1e-3],
        "x2": [3.0, 9.0, 0.0, None, 12.0, 5.0],
        "region": ["north", "west", None, "east", "south", "south"],
        "flag": [True, False, True, None, False, True]})


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """kind-penalty -> model file of that penalty's pipeline (the winner's included)."""
    root = tmp_path_factory.mktemp("recipes")
    found = {}
    for kind, (target, options) in KINDS.items():
        table = _table(target, impute="impute" in options.values())
        comparison = run_comparison(table, Options(cv=2, n_alphas=5, **options))
        prepare = comparison.pipeline.named_steps["prepare"]
        for penalty, model in comparison.models.items():
            path = root / f"{kind}-{penalty}.skops"
            save_model(path, Pipeline([("prepare", prepare), ("model", model)]),
                       model_metadata(comparison.results))
            found[f"{kind}-{penalty}"] = path
    return found


def _rows_for(recipe):
    """The new rows, complete where the model does not impute."""
    rows = _new_rows()
    return rows if recipe.imputed else rows.fill_null(strategy="forward").fill_null(
        strategy="backward")


def _assert_same_outputs(recipe, pipeline, rows):
    prediction, proba = recipe.predict(recipe.transform(rows))
    expected = pipeline.predict(rows)
    assert prediction.dtype == expected.dtype
    if expected.dtype.kind == "f":
        np.testing.assert_allclose(prediction, expected, rtol=1e-12, atol=0)
    else:
        np.testing.assert_array_equal(prediction, expected)
    if hasattr(pipeline, "predict_proba"):
        np.testing.assert_allclose(proba, pipeline.predict_proba(rows), rtol=1e-12, atol=0)
    else:
        assert proba is None


def test_every_pipeline_kind_predicts_from_its_recipe_as_its_pipeline(saved):
    assert len(saved) == 4 * len(KINDS)  # none (unpenalized), l1, l2, elasticnet
    for key, path in saved.items():
        recipe, pipeline = read_recipe(path), load_model(path).pipeline
        assert recipe is not None, key
        _assert_same_outputs(recipe, pipeline, _rows_for(recipe))
        assert recipe.metadata == load_model(path).metadata
        classes = getattr(pipeline[-1], "classes_", None)
        if classes is not None:
            assert recipe.classes.dtype == classes.dtype
            np.testing.assert_array_equal(recipe.classes, classes)


def test_recipe_links_are_the_estimators_own(saved):
    links = {key: (read_recipe(p).link, read_recipe(p).rule) for key, p in saved.items()}
    assert links["squared-l1"] == links["huber-none"] == ("identity", None)
    assert links["poisson-elasticnet"] == ("exp", None)
    assert links["binary-l2"] == ("sigmoid", "positive_score")
    assert links["multiclass-none"] == ("softmax", "first_largest")


def test_extreme_scores_keep_their_digits(saved):
    # probabilities within 1e-16 of 0 and 1 (and a Poisson mean near overflow) equal the
    # pipeline's: the recipe computes them with the estimator's own functions
    for key in ("binary-none", "multiclass-l1", "poisson-none"):
        recipe = read_recipe(saved[key])
        rows = _rows_for(recipe).with_columns(pl.col("x1") * 25.0)
        _assert_same_outputs(recipe, load_model(saved[key]).pipeline, rows)


def _tied_model(tmp_path, labels, intercept):
    """A fitted classifier whose every score is ``intercept`` (coefficients zero)."""
    table = Table(frame=pl.DataFrame({"x": np.arange(12.0),
                                      "y": np.resize(labels, 12)}), target="y", name="t")
    comparison = run_comparison(table, Options(cv=2, n_alphas=5))
    model = comparison.pipeline[-1]
    model.coef_ = np.zeros_like(model.coef_)
    model.intercept_ = np.asarray(intercept, dtype=float)
    path = tmp_path / "tied.skops"
    save_model(path, comparison.pipeline, model_metadata(comparison.results))
    return path


@pytest.mark.parametrize("labels, intercept, expected", [
    (["a", "b"], [0.0], "a"),  # log-odds 0: the first class, as predict says
    (["a", "b", "c"], [0.0, 2.0, 2.0], "b"),  # the first of the largest scores
    (["a", "b", "c"], [1.0, 1.0, 1.0], "a"),
])
def test_tied_scores_pick_the_class_the_estimator_picks(tmp_path, labels, intercept,
                                                        expected):
    path = _tied_model(tmp_path, labels, intercept)
    recipe, pipeline = read_recipe(path), load_model(path).pipeline
    rows = pl.DataFrame({"x": [0.0, 5.0, -3.0]})
    assert list(pipeline.predict(rows)) == [expected] * 3  # the reference itself
    _assert_same_outputs(recipe, pipeline, rows)


def _without_recipe(path, copy):
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(copy, "w") as target:
        for item in source.namelist():
            if item != MEMBER:
                target.writestr(item, source.read(item))
    return copy


def _csv(tmp_path, rows):
    data = tmp_path / "new.csv"
    rows.with_columns(pl.lit(1.0).alias("other")).write_csv(data)
    return data


@pytest.mark.parametrize("key", ["impute-multiclass-l1", "huber-none", "binary-bool-l2"])
def test_a_model_file_without_a_recipe_predicts_the_same_through_skops(saved, tmp_path,
                                                                       key):
    old = _without_recipe(saved[key], tmp_path / "old.skops")
    assert read_recipe(old) is None
    assert type(open_model(old)).__name__ == "_SkopsModel"
    data = _csv(tmp_path, _rows_for(read_recipe(saved[key])))
    new_result, old_result = predict_table(saved[key], data), predict_table(old, data)
    assert new_result.notes == old_result.notes
    assert new_result.frame.columns == old_result.frame.columns
    assert new_result.frame.schema == old_result.frame.schema
    for column in new_result.frame.columns:
        a, b = new_result.frame[column].to_numpy(), old_result.frame[column].to_numpy()
        if a.dtype.kind == "f":
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)
        else:
            np.testing.assert_array_equal(a, b)
    cli = CliRunner().invoke(app, ["predict", str(old), str(data)])
    assert cli.exit_code == 0 and cli.stdout.startswith("prediction"), cli.output


def test_predict_from_a_recipe_imports_no_sklearn_skops_or_numba(saved, tmp_path):
    data = _csv(tmp_path, _rows_for(read_recipe(saved["impute-binary-l1"])))
    code = ("import sys; from shrinkage.predict import predict_table; "
            f"r = predict_table({str(saved['impute-binary-l1'])!r}, {str(data)!r}); "
            "print(r.frame.height, sorted(m for m in ('sklearn', 'skops', 'numba', "
            "'shrinkage.linear_model') if m in sys.modules))")
    source = str(Path(shrinkage.__file__).parents[1])  # this checkout's, not another's
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": source}, check=True)
    assert done.stdout.split("\n")[0] == "6 []", done.stderr


# -- hostile recipes ---------------------------------------------------------------------

def _with_recipe(path, copy, text):
    """A copy of the model file whose recipe member is ``text``."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(copy, "w") as target:
        for item in source.namelist():
            target.writestr(item, text if item == MEMBER else source.read(item))
    return copy


def _edited(change):
    def edit(recipe):
        change(recipe)
        return json.dumps(recipe)
    return edit


def _number_written(recipe, text):
    """The recipe with its first coefficient written as ``text``."""
    recipe["coef"][0][0] = 12345.5
    return json.dumps(recipe).replace("12345.5", text, 1)


def _nested(depth):
    return lambda recipe: "[" * depth + "]" * depth


HOSTILE = {
    "coef-wrong-width": (_edited(lambda r: r["coef"][0].append(1.0)),
                         r"\(coef\[0\] is not a list of \d+ numbers\)"),
    "coef-nan": (lambda r: _number_written(r, "NaN"), r"\(NaN where a number belongs\)"),
    "coef-overflow": (lambda r: _number_written(r, "1e999"),
                      r"\(coef\[0\] holds a number too large for a float\)"),
    "coef-huge-integer": (_edited(lambda r: r["coef"][0].__setitem__(0, 10 ** 400)),
                          r"coef\[0\] holds a number too large for a float"),
    "coef-text": (_edited(lambda r: r.update(coef="[[1, 2]]")), r"\(coef is not a list\)"),
    "coef-no-rows": (_edited(lambda r: r.update(coef=[])), r"\(coef is empty\)"),
    "intercept-missing": (_edited(lambda r: r.pop("intercept")),
                          r"\(intercept is not a list of 1 numbers\)"),
    "features-missing": (_edited(lambda r: r.pop("features")), r"\(features is missing\)"),
    "metadata-missing-target": (_edited(lambda r: r["metadata"].pop("target")),
                                r"\(metadata lacks 'target'\)"),
    "not-a-dict": (lambda r: json.dumps([r]), r"\(no shrinkage_recipe version\)"),
    "not-json": (lambda r: "{'coef': 1}", r"\(not JSON\)"),
    "not-utf8": (lambda r: b"\xff\xfe{}", r"\(not JSON\)"),
    "nested-without-end": (_nested(100_000), r"\(not JSON\)"),
    "classes-of-other-length": (_edited(lambda r: r["classes"].append("Maybe")),
                                r"classes \(3\) do not match the link 'sigmoid'"),
    "classes-twice": (_edited(lambda r: r.update(classes=["No", "No"])),
                      r"classes names a class twice"),
    "classes-dtype": (_edited(lambda r: r.update(classes_dtype="<M8[ns]")),
                      r"classes_dtype is not a numpy type"),
    "classes-dtype-unparsed": (_edited(lambda r: r.update(classes_dtype="<f1")),
                               r"classes_dtype is not a numpy type"),
    "classes-bool-as-text": (_edited(lambda r: r.update(classes=[True, False])),
                             r"classes is not a list of text labels"),
    "classes-overflow": (_edited(lambda r: r.update(classes=[1, 300], classes_dtype="|i1")),
                         r"classes do not fit \|i1"),
    "link-unknown": (_edited(lambda r: r.update(link="__import__('os')")),
                     r"link is not one of identity, exp, sigmoid, softmax"),
    "rule-of-another-link": (_edited(lambda r: r.update(rule="first_largest")),
                             r"do not match the link 'sigmoid', the rule 'first_largest'"),
    "scale-zero": (_edited(lambda r: r["blocks"][0]["scale"].__setitem__(0, 0)),
                   r"blocks\[0\]\.scale holds a zero"),
    "block-of-no-feature": (_edited(lambda r: r["blocks"][0]["columns"].__setitem__(0, "z")),
                            r"blocks\[0\]\.columns names a column that is not a feature"),
    "column-twice": (_edited(lambda r: r["blocks"][1]["columns"].__setitem__(
        0, r["blocks"][0]["columns"][0])), r"\(blocks encode a column twice\)"),
    "levels-not-a-list": (_edited(lambda r: r["blocks"][1].update(levels="abc")),
                          r"blocks\[1\]\.levels is not a list"),
    "level-twice": (_edited(lambda r: r["blocks"][1]["levels"][0].append("east")),
                    r"blocks\[1\]\.levels\[0\] holds a level twice"),
    "fill-of-one-block": (_edited(lambda r: r["blocks"][0].update(fill=[0.0, 0.0])),
                          r"fill the missing values of some columns only"),
    "kind-unknown": (_edited(lambda r: r["blocks"][0].update(kind="eval")),
                     r"blocks\[0\]\.kind is neither"),
}


@pytest.fixture(scope="module")
def binary_recipe(saved):
    """The binary classifier's file and its recipe as written."""
    path = saved["binary-l1"]
    with zipfile.ZipFile(path) as archive:
        return path, json.loads(archive.read(MEMBER))


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_recipes_are_refused_in_one_line(binary_recipe, tmp_path, kind):
    path, recipe = binary_recipe
    write, pattern = HOSTILE[kind]
    hostile = _with_recipe(path, tmp_path / "model.skops", write(json.loads(json.dumps(recipe))))
    with pytest.raises(UserError, match=pattern) as refused:
        read_recipe(hostile)
    message = str(refused.value)
    assert "\n" not in message and message.startswith("model.skops holds")
    result = CliRunner().invoke(app, ["predict", str(hostile), str(tmp_path / "x.csv")])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.output
    assert "Traceback" not in result.output


def test_a_recipe_larger_than_a_model_is_refused_unread(binary_recipe, tmp_path,
                                                        monkeypatch):
    import shrinkage.recipe

    path, recipe = binary_recipe
    text = json.dumps(recipe)
    monkeypatch.setattr(shrinkage.recipe, "MAX_BYTES", len(text) - 1)
    with pytest.raises(UserError, match=r"holds a prediction recipe of 0 MiB, more than a "
                                         r"model's \(at most 0 MiB\)"):
        read_recipe(_with_recipe(path, tmp_path / "big.skops", text))


def test_a_recipe_of_a_newer_layout_is_left_to_skops(binary_recipe, tmp_path):
    path, recipe = binary_recipe
    newer = _with_recipe(path, tmp_path / "newer.skops",
                         json.dumps({**recipe, "shrinkage_recipe": 2, "coef": "new"}))
    assert read_recipe(newer) is None
    assert type(open_model(newer)).__name__ == "_SkopsModel"


def test_a_pipeline_of_other_parts_gets_no_recipe(saved, tmp_path):
    # a pipeline part the recipe does not describe (a binned column): no recipe, and
    # the file is applied through skops as before
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import KBinsDiscretizer

    pipeline = load_model(saved["squared-l2"]).pipeline
    pipeline.steps[0][1].transformers_[0] = (
        "numeric", KBinsDiscretizer(n_bins=2, encode="ordinal").fit([[0.0, 1.0],
                                                                      [1.0, 2.0]]),
        ["x1", "x2"])
    assert isinstance(pipeline.steps[0][1], ColumnTransformer)
    path = tmp_path / "binned.skops"
    save_model(path, pipeline, load_model(saved["squared-l2"]).metadata)
    assert read_recipe(path) is None
    assert type(open_model(path)).__name__ == "_SkopsModel"


def test_the_skops_reference_of_a_file_is_unchanged_by_its_recipe(saved):
    # skops reads the archive with its recipe member as it reads one without
    content = sio.load(saved["poisson-l1"], trusted=sio.get_untrusted_types(
        file=saved["poisson-l1"]))
    assert content[FORMAT_KEY] == 1 and set(content) == {FORMAT_KEY, "pipeline", "metadata"}


def test_a_recipe_that_fails_to_be_made_costs_no_model_file(saved, tmp_path, monkeypatch):
    import shrinkage.recipe_writer

    def broken(pipeline, metadata):
        raise RuntimeError("a bug")

    monkeypatch.setattr(shrinkage.recipe_writer, "recipe_of", broken)
    model = load_model(saved["binary-l1"])
    path = tmp_path / "m.skops"
    save_model(path, model.pipeline, model.metadata)
    assert read_recipe(path) is None
    assert load_model(path).metadata == model.metadata
