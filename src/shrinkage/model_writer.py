"""Writing a skops model file in a separate process that started importing skops early.

``import skops.io`` takes about 3 s: at import, skops lists scikit-learn's estimators
(``sklearn.utils.all_estimators``), which imports every scikit-learn module, and those
import torch and dask where they are installed (1.6 s of it). ``shrinkage compare`` fits
in well under that on a small table, so paying it at the end would more than double the
command. :func:`start` begins the import in a child process at the start of a run (it
runs on the other core while this process reads and fits); :func:`dump` then hands the
child the payload to write. Wherever the child is not there, or fails for any reason,
:func:`dump` writes in this process instead, so the file is the same either way.
"""

import signal
import sys
from pathlib import Path

#: (process, connection) of the child started by :func:`start`, until :func:`dump`
_child = None
#: packages the child cannot import: nothing in a model needs them, and skops' import
#: would load them for nothing (sklearn's bundled array_api_compat imports torch and
#: dask when it finds them, 1.6 s); a payload that did need one fails in the child and
#: is written by the parent instead
_HIDDEN = ("torch", "dask")


class _Hidden:
    """A finder that says the :data:`_HIDDEN` packages are not installed (an
    ImportError, as if they were not; a None in ``sys.modules`` would instead break the
    libraries that look there to see whether torch is loaded)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition(".")[0] in _HIDDEN:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def start(preload=()):
    """Start the child that imports skops, unless skops is already imported here (then
    :func:`dump` is quick in this process) or a child is already waiting.

    Parameters
    ----------
    preload : sequence of str, default=()
        Modules the payload's classes live in: the child imports them before it waits,
        rather than when the payload arrives.
    """
    global _child
    if "skops.io" in sys.modules or _child is not None:
        return
    import multiprocessing

    # spawn, not fork: this process may already hold numba's and BLAS's threads
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve, args=(theirs, tuple(preload)), daemon=True,
                              name="shrinkage-model-writer")
    _start_deaf_to_ctrl_c(process)
    theirs.close()
    _child = (process, ours)


def _start_deaf_to_ctrl_c(process):
    """Start ``process`` with SIGINT blocked in it from its first instruction. Ctrl-C
    reaches every process of the terminal's group; until :func:`_serve` ignores it the
    child is still starting (a few tenths of a second of imports), and a KeyboardInterrupt
    there printed its traceback under the parent's "interrupted". A signal mask survives
    fork and exec, so the child is born with the signal blocked; this process gets its
    own Ctrl-C as before (at the latest once its mask is restored)."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks to inherit
        process.start()
        return
    from multiprocessing import resource_tracker

    # spawn starts multiprocessing's resource tracker the first time, and unblocks
    # SIGINT once it has: started beforehand, it leaves the mask alone
    resource_tracker.ensure_running()
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        process.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _serve(connection, preload):
    """The child: import skops and ``preload``, then write the one payload it is sent."""
    import importlib

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to answer
    sys.meta_path.insert(0, _Hidden)
    import skops.io as sio

    for name in preload:
        importlib.import_module(name)

    try:
        path, payload = connection.recv()
    except EOFError:  # the parent ended without a model to write
        return
    except Exception as exc:  # a payload this process cannot rebuild
        connection.send(f"{type(exc).__name__}: {exc}")
        return
    try:
        sio.dump(payload, Path(path))
    except Exception as exc:  # the parent writes it itself and raises what it meets
        connection.send(f"{type(exc).__name__}: {exc}")
    else:
        connection.send(None)


def dump(path, payload):
    """Write ``payload`` to ``path`` as a skops archive: by the child :func:`start`
    began, where there is one, else in this process."""
    global _child
    if _child is not None:
        (process, connection), _child = _child, None
        try:
            connection.send((str(path), payload))
            if connection.recv() is None:
                return
        except Exception:  # whatever failed in the hand-over, this process writes it
            pass
        finally:
            connection.close()
            process.join(timeout=10)
    import skops.io as sio

    sio.dump(payload, Path(path))
