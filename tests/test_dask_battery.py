"""``--engine dask`` and the dask estimators broken as a user would break them: every
case ends in a result or in one line (``error: ...``, exit code 1), never a traceback.

One module-scoped LocalCluster (conftest's ``client``) serves every case that needs a
cluster; the CLI reaches it with ``--scheduler``. The lost-cluster cases start their own
scheduler and worker as subprocesses and kill them during a run.
"""

import contextlib
import datetime as dt
import decimal
import json
import socket
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner


distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")
pl = pytest.importorskip("polars")

from shrinkage import Lasso, LogisticRegression  # noqa: E402
from shrinkage.cli import app  # noqa: E402
from shrinkage.scale import cluster  # noqa: E402
from shrinkage.compare import dask as scale_compare  # noqa: E402
from shrinkage.scale.cluster import scheduler_address  # noqa: E402
from shrinkage.tables import UserError  # noqa: E402

FAST = ["--cv", "2", "--n-alphas", "5", "--no-progress"]


def _compare(data, *args, scheduler=None, out=None):
    """``shrinkage compare DATA --engine dask`` in this process: ``(exit code, stderr,
    results.json or None)``."""
    argv = ["compare", str(data), "--engine", "dask", *FAST, *map(str, args)]
    if scheduler:
        argv += ["--scheduler", scheduler]
    if out:
        argv += ["--out", str(out)]
    result = CliRunner().invoke(app, argv)
    results = out / "results.json" if out else None
    return (result.exit_code, result.stderr,
            json.loads(results.read_text()) if results and results.exists() else None)


def _one_line(code, stderr, *words):
    """Exit code 1 and a single ``error:`` line holding every one of ``words``."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert code == 1, stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    for word in words:
        assert word in lines[0], lines[0]


def _table(n=40, seed=0, **extra):
    """A small linear table: numbers a, b, a text column, target y = 2a - b + noise."""
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(n), rng.standard_normal(n)
    return pd.DataFrame({"a": a, "b": b, "city": rng.choice(["n", "s", "e"], n),
                         "y": 2 * a - b + 0.1 * rng.standard_normal(n), **extra})


def _folder(path, frames):
    path.mkdir()
    for i, frame in enumerate(frames):
        frame.to_parquet(path / f"part-{i:02d}.parquet")
    return path


# -- 1. the scheduler's address -------------------------------------------------------

@pytest.mark.parametrize("typed, expected", [
    ("tcp://10.0.0.5:8786", "tcp://10.0.0.5:8786"),
    ("http://10.0.0.5:8786/", "tcp://10.0.0.5:8786"),
    (" 10.0.0.5:8786// ", "tcp://10.0.0.5:8786"),
    ("scheduler-host", "tcp://scheduler-host:8786"),
    ("tls://[::1]:9000", "tls://[::1]:9000"),
    ("tcp://[::1]", "tcp://[::1]:8786"),
])
def test_a_scheduler_address_is_read_as_distributed_needs_it(typed, expected):
    assert scheduler_address(typed) == expected


@pytest.mark.parametrize("typed, words", [
    ("ftp://host:1", ["unknown scheme 'ftp'"]),
    ("host:99999", ["port '99999'"]),
    ("host:abc", ["port 'abc'"]),
    (":8786", ["no host"]),
])
def test_a_malformed_scheduler_address_is_one_line(typed, words):
    with pytest.raises(UserError, match=words[0]):
        scheduler_address(typed)


def test_a_scheduler_nobody_listens_at_is_one_line_within_ten_seconds(tmp_path):
    folder = _folder(tmp_path / "t", [_table()])
    start = time.monotonic()
    code, stderr, _ = _compare(folder, "-t", "y", scheduler="tcp://127.0.0.1:1")
    assert time.monotonic() - start < 10
    _one_line(code, stderr, "could not reach the Dask scheduler at tcp://127.0.0.1:1",
              "dask scheduler")


def test_a_host_name_that_is_no_address_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1)
    code, stderr, _ = _compare(tmp_path, "-t", "y", scheduler="notanaddress")
    _one_line(code, stderr, "tcp://notanaddress:8786")


def test_an_http_address_with_a_slash_reaches_the_scheduler(client, tmp_path):
    folder = _folder(tmp_path / "t", [_table(seed=1), _table(seed=2)])
    http = client.scheduler.address.replace("tcp://", "http://") + "/"
    code, stderr, results = _compare(folder, "-t", "y", scheduler=http,
                                     out=tmp_path / "out")
    assert code == 0, stderr
    assert results["data"]["n_rows"] == 80


# -- 2. a cluster lost during the run ---------------------------------------------------

@contextlib.contextmanager
def _subprocess_cluster():
    """A ``dask scheduler`` and one ``dask worker`` (no nanny) as subprocesses: their
    address and the two processes; both killed after."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                                  "--host", "127.0.0.1", "--port", str(port),
                                  "--dashboard-address", "127.0.0.1:0"], **quiet)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker",
                               address, "--nthreads", "1", "--no-nanny"], **quiet)
    try:
        yield address, scheduler, worker
    finally:
        for process in (worker, scheduler):
            process.kill()
            process.wait()


def _kill_on_second_pass(monkeypatch, process):
    """Kill ``process`` as the comparison starts its second pass over the table."""
    passes = []
    original = scale_compare.reduce_parts

    def killing(*args, **kwargs):
        passes.append(1)
        if len(passes) == 2:
            process.kill()
            process.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(scale_compare, "reduce_parts", killing)
    return passes


@pytest.mark.parametrize("victim", ["scheduler", "worker"])
def test_a_cluster_lost_during_the_run_is_one_line_and_writes_nothing(
        tmp_path, monkeypatch, victim):
    monkeypatch.setattr(cluster, "NO_WORKER_SECONDS", 3)
    folder = _folder(tmp_path / "t", [_table(seed=1), _table(seed=2)])
    out = tmp_path / "out"
    with _subprocess_cluster() as (address, scheduler, worker):
        passes = _kill_on_second_pass(monkeypatch, scheduler if victim == "scheduler"
                                      else worker)
        code, stderr, _ = _compare(folder, "-t", "y", scheduler=address, out=out)
    assert len(passes) >= 2  # killed during the run, not before it
    words = ("lost the Dask scheduler at " + address if victim == "scheduler"
             else f"the Dask scheduler at {address} had no worker for 3 s")
    _one_line(code, stderr, words, "nothing was written")
    assert not out.exists()


# -- 3. dask arrays of unknown chunk sizes ---------------------------------------------

def _masked(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((240, 4))
    y = X @ [1.0, -2.0, 0.0, 0.5] + rng.standard_normal(240)
    dX, dy = da.from_array(X, chunks=(50, 4)), da.from_array(y, chunks=50)
    return X, y, dX, dy, dX[:, 0] > -0.3, X[:, 0] > -0.3


def test_a_lasso_on_masked_dask_arrays_is_the_in_memory_lasso(client):
    X, y, dX, dy, mask, keep = _masked()
    assert np.isnan(dX[mask].shape[0])  # the chunks' sizes are unknown
    fitted = Lasso(alpha=0.05, tol=1e-10).fit(dX[mask], dy[mask])
    expected = Lasso(alpha=0.05, tol=1e-10).fit(X[keep], y[keep])
    np.testing.assert_allclose(fitted.coef_, expected.coef_, atol=1e-7)
    np.testing.assert_allclose(fitted.intercept_, expected.intercept_, atol=1e-7)


def test_a_logistic_fit_on_masked_dask_arrays_is_the_in_memory_fit(client):
    X, y, dX, dy, mask, keep = _masked(1)
    fitted = LogisticRegression(alpha=0.01, tol=1e-10).fit(dX[mask], dy[mask] > 0)
    expected = LogisticRegression(alpha=0.01, tol=1e-10).fit(X[keep], y[keep] > 0)
    np.testing.assert_allclose(fitted.coef_, expected.coef_, atol=1e-6)


def test_masked_x_and_y_of_different_lengths_are_one_line(client):
    X, y, dX, dy, mask, keep = _masked(2)
    with pytest.raises(ValueError, match=rf"X has {keep.sum()} rows but y has "
                                         rf"{(y > 0).sum()} once"):
        Lasso(alpha=0.05).fit(dX[mask], dy[dy > 0])


# -- 4. text tables ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["table.csv", "*.csv", "folder"])
def test_a_text_table_is_refused_with_a_conversion(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    _table().to_csv("table.csv", index=False)
    if name == "folder":
        (tmp_path / "folder").mkdir()
        _table().to_csv("folder/table.csv", index=False)
    code, stderr, _ = _compare(name, "-t", "y")
    _one_line(code, stderr, "--engine dask reads Parquet", "write_parquet(")
    assert not (tmp_path / "table.parquet").exists()  # the user's files are left alone


# -- 5. column types --------------------------------------------------------------------

def _typed_table(n=40):
    """Every Parquet type a user may hand over, beside a linear numeric truth."""
    frame = pl.from_pandas(_table(n))
    stamps = [dt.datetime(2020, 1, 1, 6) + dt.timedelta(days=37 * i, hours=5 * i)
              for i in range(n)]
    return frame.with_columns(
        pl.Series("tags", [[i, i + 1] for i in range(n)]),
        pl.Series("point", [{"x": i, "y": "a"} for i in range(n)]),
        pl.Series("blob", [bytes([i]) for i in range(n)]),
        pl.Series("day", [s.date() for s in stamps]),
        pl.Series("stamp", stamps).dt.replace_time_zone("UTC")
        .dt.convert_time_zone("Europe/Paris"),
        pl.Series("clock", [s.time() for s in stamps]),
        pl.Series("price", [decimal.Decimal(i) / 4 for i in range(n)],
                  dtype=pl.Decimal(10, 2)),
        pl.Series("flag", [i % 3 == 0 for i in range(n)]),
        pl.Series("size", ["s", "m", "l", "m"] * (n // 4), dtype=pl.Categorical),
        pl.Series("nothing", [None] * n, dtype=pl.Null),
        pl.Series("blank", [None] * n, dtype=pl.Float64),
        pl.Series("same", [3.0] * n))


def test_every_parquet_type_becomes_a_feature_or_a_note(client, tmp_path):
    frame = _typed_table()
    path = tmp_path / "typed.parquet"
    frame.write_parquet(path)
    engine = scale_compare.OnDask(path, "y", scale_compare_options())
    notes = " ".join(engine.notes)
    assert "left out 3 columns whose values are not single numbers or categories: 'tags' " \
        "(large_list<element: int64>), 'point' (struct<x: int64, y: large_string>), " \
        "'blob' (large_binary)" in notes
    assert "read 'day', 'stamp' as dates" in notes and "'clock' as times" in notes
    assert "left out 3 constant or empty columns (one value, or none, on every row): " \
        "'blank', 'same', 'nothing'" in notes
    means = dict(zip(engine.preprocessor.transformers_[0][2],
                     engine.preprocessor.named_transformers_["numeric"][-1].mean_))
    train = _training_rows(frame.to_pandas(), engine)
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    stamps = pd.to_datetime(train["stamp"], utc=True)
    years = 1970 + (stamps - epoch) / pd.Timedelta(days=1) / 365.2425
    days = 1970 + (pd.to_datetime(train["day"]) - epoch.tz_localize(None)) \
        / pd.Timedelta(days=1) / 365.2425
    hours = [t.hour + t.minute / 60 for t in train["clock"]]
    np.testing.assert_allclose(means["stamp"], years.mean(), rtol=1e-12)
    np.testing.assert_allclose(means["day"], days.mean(), rtol=1e-12)
    np.testing.assert_allclose(means["clock"], np.mean(hours), rtol=1e-12)
    np.testing.assert_allclose(means["price"], train["price"].astype(float).mean())
    assert {"flag", "size"} <= set(engine.preprocessor.transformers_[1][2])


def scale_compare_options(**changes):
    from shrinkage.compare import Options

    return Options(**{"cv": 2, "n_alphas": 5, **changes})


def _training_rows(frame, engine):
    from shrinkage.scale.table import label_rows

    rows, groups, _ = label_rows(frame, 0, "y", engine.options.test_size, engine.folds,
                                 engine.options.seed)
    return rows[groups < engine.folds]


@pytest.mark.parametrize("target, words", [
    ("day", ["the target 'day' is a date column"]),
    ("tags", ["the target 'tags' is a large_list<element: int64> column"]),
])
def test_a_target_of_no_number_or_class_is_one_line(client, tmp_path, target, words):
    path = tmp_path / "typed.parquet"
    _typed_table().write_parquet(path)
    code, stderr, _ = _compare(path, "-t", target, scheduler=client.scheduler.address)
    _one_line(code, stderr, *words)


def test_inf_is_refused_and_imputed_under_impute_median(client, tmp_path):
    frame = _table(40)
    frame.loc[[3, 7], "b"] = [np.inf, -np.inf]
    path = tmp_path / "inf.parquet"
    frame.to_parquet(path)
    address = client.scheduler.address
    code, stderr, _ = _compare(path, "-t", "y", scheduler=address)
    _one_line(code, stderr, "column 'b' holds inf or -inf on 2 row(s)", "--impute median")
    code, stderr, results = _compare(path, "-t", "y", "--impute", "median",
                                     scheduler=address, out=tmp_path / "out")
    assert code == 0, stderr
    assert "imputed missing values in 1 column(s)" in stderr


def test_inf_in_the_target_is_one_line(client, tmp_path):
    frame = _table(40)
    frame.loc[5, "y"] = np.inf
    frame.to_parquet(tmp_path / "t.parquet")
    code, stderr, _ = _compare(tmp_path / "t.parquet", "-t", "y",
                               scheduler=client.scheduler.address)
    _one_line(code, stderr, "the target 'y' is inf or -inf on 1 row(s)")


# -- 6. the battery -----------------------------------------------------------------------

def _mixed_types(path):
    first, second = _table(seed=1), _table(seed=2)
    second["b"] = second["b"].astype(str)  # a number column written as text in one file
    return _folder(path, [first, second])


def _hive(path):
    for year in (2020, 2021):
        (path / f"year={year}").mkdir(parents=True)
        _table(seed=year).to_parquet(path / f"year={year}" / "part.parquet")
    return path


def _spark_output(path):
    _folder(path, [_table(seed=1), _table(seed=2)])
    (path / "_SUCCESS").write_text("")
    (path / ".part-00.parquet.crc").write_bytes(b"\x00\x01")
    return path


def _write(path, make):
    """``make(path)`` builds the data and returns what to pass as DATA."""
    return make(path)


CASES = {
    "an empty folder": (lambda p: (p.mkdir(), p)[1], [], ["holds no Parquet file"]),
    "a glob matching nothing": (lambda p: str(p / "*.parquet"), [], ["no file matches"]),
    "a file that is not Parquet": (
        lambda p: (p.write_bytes(b"not parquet at all"), p)[1], [],
        ["cannot read", "as Parquet"]),
    "a folder with a README beside the Parquet files": (
        lambda p: (_folder(p, [_table(seed=1), _table(seed=2)]),
                   (p / "README.md").write_text("# data"), p)[2], [], None),
    "a column typed differently in two files": (_mixed_types, [], None),
    "a column missing from one file": (
        lambda p: _folder(p, [_table(seed=1), _table(seed=2).drop(columns="b")]), [],
        ["has no column 'b'", "--drop"]),
    "--drop of a column missing from one file": (
        lambda p: _folder(p, [_table(seed=1), _table(seed=2).drop(columns="b")]),
        ["--drop", "b"], None),
    "a target missing from one file": (
        lambda p: _folder(p, [_table(seed=1), _table(seed=2).drop(columns="y")]), [],
        ["has no column 'y'"]),
    "a partition with zero rows": (
        lambda p: _folder(p, [_table(seed=1), _table(seed=2).head(0),
                              _table(seed=3)]), [], None),
    "a single-row partition": (
        lambda p: _folder(p, [_table(seed=1), _table(seed=2).head(1),
                              _table(seed=3)]), [], None),
    "every target missing": (
        lambda p: _folder(p, [_table(seed=1).assign(y=np.nan)]), [],
        ["no row with a value in the target column 'y'"]),
    "too few rows": (lambda p: _folder(p, [_table(3)]), [], ["too few"]),
    "a target named in the wrong case": (
        lambda p: _folder(p, [_table()]), ["-t", "Y"], ["did you mean 'y'"]),
    "a text target": (
        lambda p: _folder(p, [_table().assign(y=lambda f: np.where(f.y > 0, "hi", "lo"))]),
        [], None),
    "one class in the target": (
        lambda p: _folder(p, [_table().assign(y="same")]), [],
        ["has 1 class"]),
    "--drop of a column": (lambda p: _folder(p, [_table()]), ["--drop", "city"], None),
    "--drop of every feature": (
        lambda p: _folder(p, [_table()]), ["--drop", "a", "--drop", "b", "--drop", "city"],
        ["no usable column"]),
    "--drop of an unknown column": (
        lambda p: _folder(p, [_table()]), ["--drop", "cty"], ["did you mean 'city'"]),
    "--impute median with an all-null column": (
        lambda p: _folder(p, [_table(blank=np.nan)]), ["--impute", "median"], None),
    "a hive-partitioned folder": (_hive, [], None),
    "a Spark output folder (_SUCCESS, .crc)": (_spark_output, [], None),
    "--n-jobs 2": (lambda p: _folder(p, [_table()]), ["--n-jobs", "2"], None),
    "a text column over --max-levels": (
        lambda p: _folder(p, [_table().assign(id=[f"r{i}" for i in range(40)])]),
        ["--max-levels", "5"], None),
}


@pytest.mark.parametrize("case", list(CASES))
def test_battery(client, tmp_path, case):
    make, args, words = CASES[case]
    data = make(tmp_path / "data")
    args = args if "-t" in args else ["-t", "y", *args]
    code, stderr, results = _compare(data, *args, scheduler=client.scheduler.address,
                                     out=tmp_path / "out")
    if words is None:
        assert code == 0, stderr
        assert results["data"]["n_rows"] > 0
    else:
        _one_line(code, stderr, *words)


def test_more_local_workers_than_the_machine_can_run_is_one_line(tmp_path):
    import os

    _folder(tmp_path / "t", [_table()])
    too_many = 4 * (os.cpu_count() or 1) + 1
    code, stderr, _ = _compare(tmp_path / "t", "-t", "y", "--workers", too_many,
                               out=tmp_path / "out")
    _one_line(code, stderr, f"--workers {too_many}", "--scheduler")
    assert not (tmp_path / "out").exists()


def test_missing_markers_in_text_columns_read_as_in_memory(client, tmp_path):
    """"NA", "-" and the like in a Parquet text column are missing on the cluster as in
    memory (where predict reads new rows): not categories of their own."""
    frame = _table(n=60, seed=4)
    frame.loc[::5, "city"] = "NA"
    frame.loc[1::7, "city"] = " - "
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    engine = scale_compare.OnDask(path, "y", scale_compare_options(impute="median"))
    encoder = engine.preprocessor.named_transformers_["categorical"][-1]
    assert sorted(encoder.categories_[0]) == ["e", "n", "s"]
    from shrinkage.tables import read_frame

    in_memory = read_frame(path).get_column("city")
    assert in_memory.null_count() == int((frame["city"].str.strip().isin(["NA", "-"])).sum())
