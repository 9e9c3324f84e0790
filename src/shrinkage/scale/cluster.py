"""The Dask cluster a comparison runs on: a scheduler given by its address, or a
``LocalCluster`` started for the run; a cluster that cannot be reached, or is lost
during the run, said in one line (``UserError``) rather than a traceback.
"""

import contextlib
import logging
import os
import threading

from ..errors import UserError, first_line

#: the port ``dask scheduler`` listens on unless told otherwise
DEFAULT_PORT = 8786
#: how long to try to reach a scheduler before saying it cannot be reached
CONNECT_SECONDS = 5
#: how long to wait for a client to close (one that lost its scheduler waits in vain)
CLOSE_SECONDS = 2
#: how long a scheduler may go without a worker (at the start, or during the run; its
#: tasks would wait forever) before the run stops
NO_WORKER_SECONDS = 20
#: the address schemes distributed knows
SCHEMES = ("tcp", "tls", "ws", "wss", "inproc", "ucx")


def scheduler_address(text):
    """The scheduler's address as distributed reads it, from what a user typed.

    Whitespace and trailing slashes are stripped, ``http://`` and ``https://`` read as
    ``tcp://`` (a dashboard's link names the host), a bare ``HOST`` or ``HOST:PORT``
    gets ``tcp://``, and a missing port is ``dask scheduler``'s 8786.

    Parameters
    ----------
    text : str
        The ``--scheduler`` option.

    Returns
    -------
    str
    """
    address = str(text).strip().rstrip("/")
    scheme, separator, rest = address.rpartition("://")
    if not separator:
        scheme, rest = "tcp", address
    scheme = {"http": "tcp", "https": "tcp"}.get(scheme.lower(), scheme.lower())
    if scheme not in SCHEMES:
        raise UserError(f"--scheduler {text}: unknown scheme {scheme!r}; give the address "
                        "'dask scheduler' prints, e.g. tcp://HOST:8786")
    if scheme == "inproc":  # this process's own scheduler: no host or port to read
        return f"{scheme}://{rest}"
    if not rest or rest.startswith(":"):
        raise UserError(f"--scheduler {text}: no host; give the address 'dask scheduler' "
                        "prints, e.g. tcp://HOST:8786")
    host, colon, port = rest.rpartition(":")
    if not colon or rest.endswith("]"):  # no port (an IPv6 host is in brackets)
        host, port = rest, str(DEFAULT_PORT)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise UserError(f"--scheduler {text}: the port {port!r} is not a number from 1 to "
                        "65535; give the address 'dask scheduler' prints, e.g. "
                        "tcp://HOST:8786")
    return f"{scheme}://{host}:{port}"


@contextlib.contextmanager
def dask_client(scheduler=None, workers=None):
    """A ``distributed.Client``: connected to ``scheduler`` (left running after), or to a
    ``LocalCluster`` of ``workers`` processes sized to this machine (closed after).

    A scheduler lost during the run, one left without a worker for ``NO_WORKER_SECONDS``,
    or workers that die on a task raise ``UserError`` out of the ``with`` block.
    """
    import distributed  # noqa: F401  (its import sets the levels _quiet overrides)

    with _quiet("distributed"):
        # as_current: every computation of the run goes to this client, even where the
        # calling program has made another one current
        if scheduler is None:
            with _local_client(workers) as client, client.as_current(), \
                    _lost("the local Dask cluster", None):
                yield client
            return
        address = scheduler_address(scheduler)
        client = _connect(address, scheduler)
        try:
            with client.as_current(), \
                    _lost(f"the Dask scheduler at {address}", client) as watch, \
                    _watch_workers(client, watch):
                yield client
        finally:
            client.close(timeout=CLOSE_SECONDS)


def _connect(address, typed):
    """A client of the scheduler at ``address`` with a worker, or a ``UserError``."""
    from distributed import Client

    try:
        client = Client(address, timeout=f"{CONNECT_SECONDS}s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise UserError(f"could not reach the Dask scheduler at {address} (--scheduler "
                        f"{typed}: {first_line(exc)}); start it (dask scheduler), check the address "
                        "it prints, or drop --scheduler to run on this machine") from None
    try:
        client.wait_for_workers(1, timeout=NO_WORKER_SECONDS)
    except TimeoutError:
        client.close(timeout=CONNECT_SECONDS)
        raise UserError(f"the Dask scheduler at {address} has no worker after "
                        f"{NO_WORKER_SECONDS} s; start some (dask worker {address}), or "
                        "give an adaptive cluster a minimum of one") from None
    return client


#: a local cluster has at most this many worker processes per core
MAX_WORKERS_PER_CORE = 4


@contextlib.contextmanager
def _local_client(workers):
    from distributed import Client, LocalCluster

    cores = os.cpu_count() or 1
    if workers is not None and workers > MAX_WORKERS_PER_CORE * cores:
        raise UserError(f"--workers {workers}: this machine has {cores} core"
                        f"{'s' if cores > 1 else ''}, and a local cluster of more than "
                        f"{MAX_WORKERS_PER_CORE * cores} worker processes only competes "
                        "for them; give fewer, or --scheduler for a larger cluster")
    n_workers = workers or min(cores, 4)
    # on the loopback; no dashboard, and the scheduler's HTTP routes (served whatever
    # the dashboard) on a free port rather than 8787, which another cluster may hold
    with LocalCluster(n_workers=n_workers, threads_per_worker=max(1, cores // n_workers),
                      processes=True, host="127.0.0.1", dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as cluster, \
            Client(cluster) as client:
        yield client


class _Watch:
    """What the worker watch saw: set when the scheduler had no worker for too long."""

    starved = False


@contextlib.contextmanager
def _lost(what, client):
    """Errors of a cluster lost during the run as one ``UserError`` line."""
    from concurrent.futures import CancelledError

    from distributed import KilledWorker
    from distributed.comm import CommClosedError

    watch = _Watch()
    try:
        yield watch
    except KilledWorker as exc:
        raise UserError(f"the workers of {what} died on a task ({exc.task}) again and "
                        "again: most often out of memory; give them more memory or use "
                        "more partitions; nothing was written") from None
    except (CancelledError, CommClosedError, OSError, TimeoutError) as exc:
        # a task's own OSError (an unreadable file) comes back through a running client
        gone = isinstance(exc, (CancelledError, CommClosedError)) or \
            (client is not None and client.status != "running")
        if not gone:
            raise
        if watch.starved:
            raise UserError(f"{what} had no worker for {NO_WORKER_SECONDS} s during the "
                            "run; nothing was written: start workers and run again") \
                from None
        raise UserError(f"lost {what} during the run; nothing was written: check that it "
                        "is running and run again") from None


@contextlib.contextmanager
def _watch_workers(client, watch):
    """A thread that closes ``client`` once its scheduler has had no worker for
    ``NO_WORKER_SECONDS``: the tasks would otherwise wait for one forever."""
    stop = threading.Event()

    def check():
        waited = 0.0
        while not stop.wait(1.0):
            try:
                has_worker = bool(client.nthreads())
            except Exception:  # the scheduler itself is gone: the run says so
                return
            waited = 0.0 if has_worker else waited + 1.0
            if waited >= NO_WORKER_SECONDS:
                watch.starved = True
                client.close(timeout=CONNECT_SECONDS)
                return

    thread = threading.Thread(target=check, name="shrinkage-worker-watch", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=CONNECT_SECONDS)


@contextlib.contextmanager
def _quiet(prefix):
    """The loggers named ``prefix`` and ``prefix.*`` silenced but for critical records:
    distributed logs every reconnection attempt with a traceback, which the one line of
    ``_lost`` replaces."""
    names = [prefix] + [n for n in logging.root.manager.loggerDict
                        if n.startswith(prefix + ".")]
    levels = {n: logging.getLogger(n).level for n in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    yield
    # restored after a clean run only: a lost client goes on logging its failed
    # reconnections in the background after the run has said so in one line
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
