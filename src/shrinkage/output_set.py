"""An output folder whose files always come from one run.

``shrinkage compare`` writes several files (the report, results.json, paths.csv, the
model) that belong together: a ``predict`` that used the model of one run beside the
results of another would be silently wrong. Writing them one after another into the
folder leaves a mixed set wherever a run is killed between two files, so the files are
written into a fresh folder beside ``--out`` (the *staging* folder) and the two folders
are then swapped in one step:

- on Linux, ``renameat2(RENAME_EXCHANGE)`` exchanges the two folders atomically: at every
  moment the path holds the whole old set or the whole new one;
- elsewhere (or on a file system that refuses the exchange) the old folder is renamed
  aside and the new one into place: a kill between the two renames leaves no folder at
  the path but the old one beside it, under ``.NAME.old-RUN``, and the next run puts it
  back before it starts.

One run at a time may write to a folder: the folder is locked (``flock``, released by the
kernel when the process dies, however it dies) from the moment it is claimed, before any
fitting, until the swap. Claiming also checks that the folder can be written, so that an
impossible ``--out`` fails at once instead of after the fitting.

Because the whole folder is replaced, it may hold only the files of an earlier run: a
folder with anything else in it is refused (nothing of the user's is ever deleted).
"""

import ctypes
import errno
import os
import shutil
import sys
import uuid
from pathlib import Path

from .tables import UserError

#: files a desktop adds to any folder it shows; they may be replaced with the folder
DESKTOP_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
#: the suffixes of the folders beside ``--out`` that a run makes and removes
STAGING, OLD = "staging", "old"


def new_run_id():
    """A short random identifier of one run, written into each of its files."""
    return uuid.uuid4().hex[:12]


class OutputSet:
    """The output folder of one run: claimed (checked and locked) before the work, filled
    through ``staging``, then swapped into place by ``commit``.

    Parameters
    ----------
    folder : path-like
        ``--out``; created (with its parents) if missing. A symbolic link to a folder is
        followed: the folder it names is the one replaced.
    names : iterable of str
        The files a run writes.
    known : iterable of str
        Other names an earlier run of any version may have left (they are replaced too).
    option : str
        How the command line calls the folder, for messages.
    exchange : bool
        Swap with one atomic exchange where the system offers it (tests turn it off to
        check the fallback).
    run_id : str, optional
        The run's identifier (default: a new random one).

    Attributes
    ----------
    run_id : str
    staging : pathlib.Path
        The folder to write the run's files into (exists once claimed).
    """

    def __init__(self, folder, names, known=(), option="--out", exchange=True,
                 run_id=None):
        self.given = Path(folder)
        self.folder = Path(os.path.abspath(self.given.expanduser()))
        if self.folder.is_symlink() and self.folder.is_dir():
            self.folder = self.folder.resolve()
        self.names = tuple(names)
        self.known = frozenset(self.names) | frozenset(known) | DESKTOP_FILES
        self.option = option
        self.exchange = exchange
        self.run_id = run_id or new_run_id()
        self.staging = self._beside(STAGING, self.run_id)
        self.committed = False
        self._created = False
        self._lock = None

    def _beside(self, kind, run_id):
        return self.folder.parent / f".{self.folder.name}.{kind}-{run_id}"

    # claiming ------------------------------------------------------------------------

    def claim(self):
        """Check and lock the folder and make the staging folder; a ``UserError`` that
        says what to do if it cannot be written. Returns self."""
        where = f"{self.option} {self.given}"
        if self.folder.exists() and not self.folder.is_dir():
            raise UserError(f"{where} is a file; give a folder (it is created if missing)")
        blocking = next((p for p in self.folder.parents if p.exists()), None)
        if blocking is not None and not blocking.is_dir():
            raise UserError(f"{where} is inside {blocking}, which is a file; give a folder")
        if self.folder.name in ("", ".", ".."):
            raise UserError(f"{where} is not a folder that can be replaced; give a new "
                            "folder's name")
        try:
            self.folder.parent.mkdir(parents=True, exist_ok=True)
            self._restore_interrupted_swap()
            self._created = not self.folder.exists()
            self.folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create {where}: {_reason(exc)}; choose a folder you "
                            "can write to") from None
        self._lock = _lock(self.folder)
        if self._lock is None:
            raise UserError(f"another shrinkage run is writing to {where}; wait for it to "
                            f"finish or give another {self.option}")
        try:
            self._check_contents(where)
            self._remove_leftovers()
            self.staging.mkdir()
        except UserError:
            self.release()
            raise
        except OSError as exc:
            self.release()
            raise UserError(f"cannot write beside {where} (in {self.folder.parent}): "
                            f"{_reason(exc)}; choose a folder you can write to") from None
        return self

    def _check_contents(self, where):
        entries = sorted(p.name for p in self.folder.iterdir())
        foreign = [name for name in entries if name not in self.known]
        if foreign:
            shown = ", ".join(foreign[:5]) + (f", ... ({len(foreign)} in all)"
                                              if len(foreign) > 5 else "")
            raise UserError(f"{where} holds files a shrinkage run did not write ({shown}); "
                            "give a new or empty folder: each run replaces the whole folder "
                            "so that its files always come from one run")
        if not os.access(self.folder, os.W_OK):
            raise UserError(f"{where} is read-only; make it writable or give another "
                            "folder")

    def _restore_interrupted_swap(self):
        """A run killed between the fallback's two renames left the old folder aside and
        none at the path: put it back."""
        if self.folder.exists():
            return
        aside = sorted(self.folder.parent.glob(f".{_glob_escape(self.folder.name)}.{OLD}-*"))
        if aside:
            os.rename(aside[-1], self.folder)

    def _remove_leftovers(self):
        """Staging and old folders of runs on this folder that were killed (we hold the
        lock, so none of them is still running)."""
        name = _glob_escape(self.folder.name)
        for kind in (STAGING, OLD):
            for path in self.folder.parent.glob(f".{name}.{kind}-*"):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)

    # finishing -----------------------------------------------------------------------

    def paths(self):
        """Where the run's files are once committed (under the folder as it was given)."""
        return [self.given / name for name in self.names]

    def commit(self):
        """Swap the staging folder into place (the old set is removed after); returns
        the paths of the new files."""
        missing = [n for n in self.names if not (self.staging / n).is_file()]
        if missing:
            raise RuntimeError(f"the run did not write {', '.join(missing)}")
        os.chmod(self.staging, _folder_mode(self.folder))
        if not (self.exchange and _exchange(self.staging, self.folder)):
            old = self._beside(OLD, self.run_id)
            os.rename(self.folder, old)
            os.rename(self.staging, self.folder)
            os.rename(old, self.staging)
        self.committed = True
        shutil.rmtree(self.staging, ignore_errors=True)  # now the old set
        self.release()
        return self.paths()

    def release(self):
        """Remove the staging folder (if the run did not commit), and the folder itself
        if this run made it and it is still empty; unlock."""
        if not self.committed:
            shutil.rmtree(self.staging, ignore_errors=True)
            if self._created:
                try:
                    self.folder.rmdir()  # only if empty: a file put there stays
                except OSError:
                    pass
                self._created = False
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def after_interruption(self):
        """What a run stopped now leaves, in words (after ``release``)."""
        if self.committed:
            return f"the new files in {self.given} are complete"
        try:
            previous = any(p.name not in DESKTOP_FILES for p in self.folder.iterdir())
        except OSError:
            previous = False
        return (f"the previous files in {self.given} are untouched" if previous
                else "nothing was written")

    def __enter__(self):
        return self if self._lock is not None else self.claim()

    def __exit__(self, *exc):
        self.release()
        return False


def _reason(exc):
    return exc.strerror.lower() if exc.strerror else type(exc).__name__


def _glob_escape(name):
    import glob

    return glob.escape(name)


def _folder_mode(folder):
    try:
        return folder.stat().st_mode & 0o7777
    except OSError:
        return 0o755


def _lock(folder):
    """An exclusive lock on ``folder`` (an open descriptor), or None if another process
    holds it. Without ``fcntl`` (Windows) there is no lock: a descriptor is still
    returned."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        import fcntl
    except ImportError:
        return fd
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return None
        raise
    return fd


#: renameat2's "at the current folder" and "exchange the two" values (linux/fcntl.h,
#: linux/fs.h)
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def _exchange(a, b):
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
