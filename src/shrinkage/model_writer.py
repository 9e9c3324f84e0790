"""Writing a skops model file in a separate process that started importing skops early.

``import skops.io`` takes about 3 s: at import, skops lists scikit-learn's estimators
(``sklearn.utils.all_estimators``), which imports every scikit-learn module, and those
import torch and dask where they are installed (1.6 s of it). ``shrinkage compare`` fits
in well under that on a small table, so paying it at the end would more than double the
command. :func:`start` begins the import in a child process at the start of a run (it
runs on the other core while this process reads and fits); :func:`dump` then hands the
child the payload to write. Wherever the child is not there, or fails for any reason,
:func:`dump` writes in this process instead, so the file is the same either way.

The child is ``python -m shrinkage.model_writer`` in a session of its own: it never
imports the user's ``__main__`` (as multiprocessing's spawn would, re-running a script
without a ``__main__`` guard), Ctrl-C in the terminal is not its to answer, and it ends
when this process closes its stdin (having written, or having ended without a model).
"""

import pickle
import subprocess
import sys
from pathlib import Path

#: the child started by :func:`start`, until :func:`dump` takes it
_child = None
#: packages the child cannot import: nothing in a model needs them, and skops' import
#: would load them for nothing (sklearn's bundled array_api_compat imports torch and
#: dask when it finds them, 1.6 s); a payload that did need one fails in the child and
#: is written by the parent instead
_HIDDEN = ("torch", "dask")
#: the longest :func:`dump` waits for the child before it writes the file itself (a
#: child that hangs must not hang the command)
TIMEOUT_SECONDS = 600
#: what the child prints once the file is written
_DONE = b"written"


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
    try:
        _child = subprocess.Popen(
            [sys.executable, "-m", "shrinkage.model_writer", *preload],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            start_new_session=True)
    except OSError:  # no process to be had: dump writes here
        _child = None


def _serve(preload):
    """The child: import skops and ``preload``, then write the one payload read from
    stdin (until this process's parent closes it) and say so on stdout."""
    import importlib

    sys.meta_path.insert(0, _Hidden)
    import skops.io as sio

    for name in preload:
        importlib.import_module(name)
    data = sys.stdin.buffer.read()
    if not data:  # the parent ended without a model to write
        return
    path, payload = pickle.loads(data)  # from the parent, our own objects
    sio.dump(payload, Path(path))
    sys.stdout.buffer.write(_DONE)


def dump(path, payload):
    """Write ``payload`` to ``path`` as a skops archive: by the child :func:`start`
    began, where there is one, else in this process."""
    global _child
    if _child is not None:
        process, _child = _child, None
        try:
            said, _ = process.communicate(pickle.dumps((str(path), payload)),
                                          timeout=TIMEOUT_SECONDS)
            if said == _DONE and process.returncode == 0:
                return
        except Exception:  # whatever failed in the hand-over, this process writes it
            process.kill()
            process.wait()
    import skops.io as sio

    sio.dump(payload, Path(path))


if __name__ == "__main__":
    _serve(sys.argv[1:])
