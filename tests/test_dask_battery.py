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
from shrinkage.scale import compare as scale_compare  # noqa: E402
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
