"""The file-system steps of an output set: lock a folder, exchange two folders in one
step, and the manifest that says which files a run wrote."""

import ctypes
import errno
import hashlib
import json
import os
import sys
from pathlib import Path

#: the file in an output folder that lists the run's files and their SHA-256 digests:
#: what a later run may replace
MANIFEST = ".shrinkage-run.json"


def write_manifest(folder, run_id, names):
    """Write ``MANIFEST`` into ``folder`` for the files ``names``."""
    files = {name: _digest(Path(folder) / name) for name in names}
    (Path(folder) / MANIFEST).write_text(json.dumps({"run": run_id, "files": files},
                                                    indent=1), encoding="utf-8")


def read_manifest(folder):
    """The manifest of ``folder``: ``(run id, {name: digest})``, or ``(None, {})`` where
    there is none (or it is not one)."""
    try:
        manifest = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
        if isinstance(files, dict) and all(isinstance(v, str) for v in files.values()):
            return str(manifest["run"]), files
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None, {}


def unchanged(folder, name, digest):
    """``folder/name`` is a regular file whose digest is ``digest``."""
    path = Path(folder) / name
    return path.is_file() and not path.is_symlink() and _digest(path) == digest


def _digest(path):
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def reason(exc):
    return exc.strerror.lower() if exc.strerror else type(exc).__name__


def folder_mode(folder):
    try:
        return folder.stat().st_mode & 0o7777
    except OSError:
        return 0o755


def lock(folder):
    """An exclusive lock on ``folder`` (an open descriptor), or None if another process
    holds it (or held it and has just replaced the folder). Without ``fcntl`` (Windows)
    there is no lock: a descriptor of the null device is returned."""
    try:
        import fcntl
    except ImportError:  # Windows: a folder cannot even be opened; no lock
        return os.open(os.devnull, os.O_RDONLY)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return None
        raise
    if os.fstat(fd).st_ino != os.stat(folder).st_ino:
        # the folder was swapped by the run that held the lock: this lock is on the old
        # one, now gone from the path
        os.close(fd)
        return None
    return fd


#: renameat2's "at the current folder" and "exchange the two" values (linux/fcntl.h,
#: linux/fs.h)
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def exchange(a, b):
    """Exchange the folders ``a`` and ``b`` in one step; False where the system cannot
    (not Linux, an old C library, a file system without the operation)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b),
                 _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))
