"""Model files (shrinkage.model_file): hostile files are refused without running their
payload; every kind of compare pipeline survives a round trip."""

import json
import os
import pickle
import sys
import zipfile

import joblib
import numpy as np
import polars as pl
import pytest
import skops.io as sio
from sklearn.datasets import load_diabetes, load_iris
from sklearn.pipeline import Pipeline

from shrinkage.compare import Options, run_comparison
from shrinkage.compare.losses import CompareLoss
from shrinkage.model_file import (MODEL_TYPES, TRUSTED_TYPES, load_model, model_metadata,
                                  save_model)
from shrinkage.tables import Table, UserError, demo_table

METADATA = {"run_id": "r1", "target": "target", "task": "regression", "classes": None,
            "shrinkage_version": "0.1.0"}


def _categorical_table(missing=False):
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    frame = pl.from_pandas(X.assign(target=y))
    region = np.array(["north", "south", "east", "west"])[np.arange(frame.height) % 4]
    frame = frame.with_columns(pl.Series("region", region))
    if missing:
        rows = np.arange(frame.height)
        frame = frame.with_columns(
            pl.when(pl.Series(rows % 9 == 0)).then(None).otherwise(pl.col("bmi")).alias("bmi"),
            pl.when(pl.Series(rows % 11 == 0)).then(None).otherwise(pl.col("region"))
            .alias("region"))
    return Table(frame=frame, target="target", name="t.csv")


def _iris():
    data = load_iris()
    frame = pl.DataFrame(data.data, schema=[str(c) for c in data.feature_names])
    frame = frame.with_columns(
        pl.Series("species", np.asarray(data.target_names)[data.target]),
        pl.Series("color", np.array(["r", "g", "b"])[np.arange(150) % 3]))
    return Table(frame=frame, target="species", name="iris.csv")


#: every task / loss, with and without imputation and categoricals
KINDS = {
    "squared": (lambda: demo_table("diabetes"), {}),
    "huber-categorical": (_categorical_table, {"loss": "huber"}),
    "poisson-categorical": (_categorical_table, {"loss": "poisson"}),
    "binary": (lambda: demo_table("breast-cancer"), {}),
    "multiclass-categorical": (_iris, {}),
    "impute-categorical": (lambda: _categorical_table(missing=True), {"impute": "median"}),
    "impute-binary": (lambda: demo_table("breast-cancer"), {"impute": "median"}),
}


@pytest.fixture(scope="module")
def comparisons():
    """Each kind's comparison: the four fitted models and their features."""
    found = {}
    for kind, (table, options) in KINDS.items():
        table = table()
        comparison = run_comparison(table, Options(cv=2, n_alphas=5, **options))
        found[kind] = (comparison, table.frame.drop(table.target))
    return found


def _pipelines(comparisons):
    for kind, (comparison, features) in comparisons.items():
        prepare = comparison.pipeline.named_steps["prepare"]
        for penalty, model in comparison.models.items():
            yield kind, penalty, Pipeline([("prepare", prepare), ("model", model)]), \
                features, comparison


def test_every_pipeline_kind_round_trips(comparisons, tmp_path):
    for kind, penalty, pipeline, features, comparison in _pipelines(comparisons):
        path = tmp_path / f"{kind}-{penalty}.skops"
        metadata = model_metadata(comparison.results)
        save_model(path, pipeline, metadata)
        saved = load_model(path)
        assert saved.metadata == metadata and json.loads(json.dumps(metadata)) == metadata
        assert type(saved.pipeline[-1]) is type(pipeline[-1])
        np.testing.assert_array_equal(saved.pipeline.predict(features),
                                      pipeline.predict(features), err_msg=kind)
        if hasattr(pipeline, "predict_proba"):
            np.testing.assert_array_equal(saved.pipeline.predict_proba(features),
                                          pipeline.predict_proba(features))


def test_trusted_types_are_exactly_what_compare_pipelines_hold(comparisons):
    # skops' own audit of every pipeline kind finds each trusted type, and no other
    found = set()
    for _, _, pipeline, _, _ in _pipelines(comparisons):
        found |= set(sio.get_untrusted_types(data=sio.dumps(pipeline)))
    assert found == set(TRUSTED_TYPES)
    # and every estimator compare can fit is a model type
    for name in ("squared", "logistic", "huber", "poisson"):
        loss = CompareLoss(name, "", "", (), delta=1.0 if name == "huber" else None)
        for model in loss.estimators({}).values():
            assert f"{type(model).__module__}.{type(model).__name__}" in MODEL_TYPES


class _Payload:
    """Pickles into a call that creates ``marker`` when unpickled."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("write", ["pickle", "joblib", "joblib-compressed", "pickle-0"])
def test_hostile_pickle_is_refused_and_never_runs(tmp_path, write):
    marker, path = tmp_path / "marker", tmp_path / "model.skops"
    payload = _Payload(marker)
    if write == "pickle":
        path.write_bytes(pickle.dumps(payload))
    elif write == "pickle-0":
        path.write_bytes(pickle.dumps(payload, protocol=0))
    else:
        joblib.dump(payload, path, compress=3 if write.endswith("compressed") else 0)
    with pytest.raises(UserError) as error:
        load_model(path)
    message = str(error.value)
    assert "\n" not in message and not marker.exists()
    if write != "pickle-0":  # protocol 0 has no magic bytes: just not a skops archive
        assert "pickle or joblib file, which can run code when it is loaded" in message
        assert "model.skops" in message and "joblib.load" in message
    else:
        assert "not a model file (not a skops archive)" in message


def _node(module, name, loader, node_id, **extra):
    return {"__class__": name, "__module__": module, "__loader__": loader,
            "__id__": node_id, **extra}


def _command(marker, node_id):
    """The skops nodes of the tuple ``("touch marker",)``."""
    text = _node("builtins", "str", "JsonNode", node_id + 1,
                 content=json.dumps(f"touch {marker}"), is_json=True)
    return _node("builtins", "tuple", "TupleNode", node_id, content=[text])


def _call(module, name, marker, node_id=9_000_001):
    """A node that calls ``module.name("touch marker")`` when constructed."""
    return _node(module, name, "ConstructorFromReduceNode", node_id,
                 content=_command(marker, node_id + 10))


def _hostile_archive(model_path, path, node):
    """A copy of a real model archive with ``node`` put into its metadata."""
    with zipfile.ZipFile(model_path) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.namelist():
            data = source.read(item)
            if item == "schema.json":
                schema = json.loads(data)
                schema["content"]["metadata"]["content"]["run_id"] = node
                data = json.dumps(schema).encode()
            target.writestr(item, data)


@pytest.fixture(scope="module")
def saved_model(comparisons, tmp_path_factory):
    comparison, _ = comparisons["squared"]
    path = tmp_path_factory.mktemp("model") / "model.skops"
    save_model(path, comparison.pipeline, METADATA)
    return path


HOSTILE = {
    "os.system": lambda marker: _call(os.name == "nt" and "nt" or "posix", "system", marker),
    "builtins.exec": lambda marker: _call("builtins", "exec", marker),
    "subprocess.getoutput": lambda marker: _call("subprocess", "getoutput", marker),
    "function-node": lambda marker: _node("posix", "system", "FunctionNode", 9_000_002,
                                          content={"module_path": "posix",
                                                   "function": "system"}),
    "class-outside-list": lambda marker: _node("collections", "UserDict", "ObjectNode",
                                               9_000_003, content=_command(marker, 9_000_100)),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_skops_archive_is_refused_and_never_runs(saved_model, tmp_path, kind):
    marker, path = tmp_path / "marker", tmp_path / "hostile.skops"
    _hostile_archive(saved_model, path, HOSTILE[kind](marker))
    with pytest.raises(UserError, match=r"holds types a shrinkage model never holds") as e:
        load_model(path)
    assert "\n" not in str(e.value) and not marker.exists()


def test_the_hostile_call_is_live_when_trusted(saved_model, tmp_path):
    # the test above is not vacuous: trusting the call runs it
    marker, path = tmp_path / "marker", tmp_path / "hostile.skops"
    _hostile_archive(saved_model, path, HOSTILE["os.system"](marker))
    sio.load(path, trusted=[*TRUSTED_TYPES, f"{os.system.__module__}.system"])
    assert marker.exists()


def _rename_models(node):
    """Every node of a model type, renamed to subprocess.Popen (in place)."""
    if isinstance(node, dict):
        if f"{node.get('__module__')}.{node.get('__class__')}" in MODEL_TYPES:
            node.update({"__module__": "subprocess", "__class__": "Popen"})
        for value in node.values():
            _rename_models(value)
    elif isinstance(node, list):
        for value in node:
            _rename_models(value)


def test_a_model_renamed_to_another_class_is_refused(saved_model, tmp_path):
    path = tmp_path / "renamed.skops"
    with zipfile.ZipFile(saved_model) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.namelist():
            data = source.read(item)
            if item == "schema.json":
                schema = json.loads(data)
                _rename_models(schema)
                data = json.dumps(schema).encode()
            target.writestr(item, data)
    with pytest.raises(UserError, match=r"never holds \(subprocess\.Popen\)"):
        load_model(path)


def test_dask_engine_pipelines_hold_no_other_type(tmp_path):
    pytest.importorskip("distributed")
    from typer.testing import CliRunner

    from shrinkage.cli import app

    data = tmp_path / "t.parquet"
    _categorical_table().frame.write_parquet(data)
    result = CliRunner().invoke(app, ["compare", str(data), "-t", "target", "--engine",
                                      "dask", "--workers", "1", "--cv", "2", "--n-alphas",
                                      "5", "--no-progress", "--out", str(tmp_path / "r")])
    if result.exit_code != 0 and "Dask" in result.output:
        pytest.skip("no Dask here")
    assert result.exit_code == 0, result.output
    assert load_model(tmp_path / "r" / "model.skops").metadata["target"] == "target"


if sys.platform == "win32":  # pragma: no cover - the payloads above are POSIX commands
    pytestmark = pytest.mark.skip("POSIX payloads")
