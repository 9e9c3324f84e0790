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

Because the whole folder is replaced, it may hold only the files of an earlier run as
that run wrote them: each run leaves a manifest (``.shrinkage-run.json``: its id and the
SHA-256 of each file), and a folder with anything not in it, or a file changed since, is
refused (nothing of the user's is ever deleted). So is a folder that holds the input
table, or the folder the user is in. A file that appears in the folder while the run
works is not deleted either: the run then leaves its files beside the folder, and says
where. The swap itself runs with SIGINT and SIGTERM held back, so that a Ctrl-C arrives
before it or after it, never halfway.
"""

import glob
import os
import re
import shutil
import signal
import uuid
from contextlib import contextmanager
from pathlib import Path

from .errors import UserError
from .folder_ops import (MANIFEST, exchange, folder_mode, lock, read_manifest, reason,
                         unchanged, write_manifest)

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
    option : str
        How the command line calls the folder, for messages.
    exchange : bool
        Swap with one atomic exchange where the system offers it (tests turn it off to
        check the fallback).
    run_id : str, optional
        The run's identifier (default: a new random one).
    inputs : iterable of path-like
        Files the run reads (the DATA table): the folder may not hold them.

    Attributes
    ----------
    run_id : str
    staging : pathlib.Path
        The folder to write the run's files into (exists once claimed).
    warnings : list of str
        What the user must hear of the swap (a file that arrived during it).
    """

    def __init__(self, folder, names, option="--out", exchange=True, run_id=None,
                 inputs=()):
        self.given = Path(folder)
        self.folder = Path(os.path.abspath(self.given.expanduser()))
        if self.folder.is_symlink() and self.folder.is_dir():
            self.folder = self.folder.resolve()
        self.names = tuple(names)
        self.option = option
        self.exchange = exchange
        self.inputs = tuple(Path(p) for p in inputs)
        self.run_id = run_id or new_run_id()
        self.staging = self._beside(STAGING, self.run_id)
        self.committed = False
        self.warnings = []
        self._created = False
        self._lock = None
        self._entries = frozenset()

    def _beside(self, kind, run_id):
        return self.folder.parent / f".{self.folder.name}.{kind}-{run_id}"

    @property
    def _where(self):
        return f"{self.option} {self.given}"

    # claiming ------------------------------------------------------------------------

    def claim(self):
        """Check and lock the folder and make the staging folder; a ``UserError`` that
        says what to do if it cannot be written. Returns self."""
        self._check_place()
        try:
            self.folder.parent.mkdir(parents=True, exist_ok=True)
            self._restore_interrupted_swap()
            self._created = not self.folder.exists()
            self.folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create {self._where}: {reason(exc)}; choose a folder "
                            "you can write to") from None
        try:
            self._lock = lock(self.folder)
        except OSError as exc:
            raise UserError(f"cannot open {self._where}: {reason(exc)}; choose a folder you "
                            "can write to") from None
        if self._lock is None:
            raise UserError(f"another shrinkage run is writing to {self._where}; wait for "
                            f"it to finish or give another {self.option}")
        try:
            self._entries = self._check_contents()
            self._remove_leftovers()
            self.staging.mkdir()
        except UserError:
            self.release()
            raise
        except OSError as exc:
            self.release()
            raise UserError(f"cannot write beside {self._where} (in {self.folder.parent}):"
                            f" {reason(exc)}; choose a folder you can write to") from None
        return self

    def _check_place(self):
        """The folder is not a file, not under one, not where the user is, and holds no
        input of the run."""
        where = self._where
        if self.folder.exists() and not self.folder.is_dir():
            raise UserError(f"{where} is a file; give a folder (it is created if missing)")
        blocking = next((p for p in self.folder.parents if p.exists()), None)
        if blocking is not None and not blocking.is_dir():
            raise UserError(f"{where} is inside {blocking}, which is a file; give a folder")
        real = self.folder.resolve()
        if real.exists() and real.stat().st_dev != real.parent.stat().st_dev:
            raise UserError(f"{where} is a mount point (a volume of its own), which a run "
                            "cannot replace in one step; give a folder inside it, e.g. "
                            f"{self.option} {self.given / 'report'}")
        here = Path.cwd().resolve()
        if real == here or real in here.parents or real.parent == real:
            raise UserError(f"{where} is the folder you are in, or holds it; a run replaces "
                            "its folder as a whole: give a new folder's name")
        for given in self.inputs:
            path = Path(os.path.abspath(given.expanduser())).resolve()
            if path == real or real in path.parents:
                raise UserError(f"{where} holds the input {given}; a run replaces its "
                                "folder as a whole: give another folder")

    def _check_contents(self):
        """The folder's entries, each one a file of the earlier run that its manifest
        lists, unchanged (desktop files aside); else a ``UserError``."""
        entries = {p.name for p in self.folder.iterdir()} - DESKTOP_FILES
        _, files = read_manifest(self.folder)
        foreign = sorted(name for name in entries - {MANIFEST}
                         if name not in files or not unchanged(self.folder, name,
                                                               files[name]))
        if foreign:
            shown = ", ".join(f"{n} (changed since its run)" if n in files else n
                              for n in foreign[:5])
            more = f", ... ({len(foreign)} in all)" if len(foreign) > 5 else ""
            raise UserError(f"{self._where} holds files that are not an earlier run's as it "
                            f"wrote them ({shown}{more}); give a new or empty folder: each "
                            "run replaces the whole folder so that its files always come "
                            "from one run")
        if not os.access(self.folder, os.W_OK):
            raise UserError(f"{self._where} is read-only; make it writable or give another "
                            "folder")
        return frozenset(entries)

    def _restore_interrupted_swap(self):
        """A run killed between the fallback's two renames left the old folder aside and
        none at the path: put it back."""
        if self.folder.exists():
            return
        aside = [p for p in self._aside(OLD) if read_manifest(p)[0] is not None]
        if aside:  # (one at most: the lock lets one run at a time swap)
            os.rename(aside[-1], self.folder)

    def _aside(self, kind):
        """The folders beside this one that runs named ``.NAME.KIND-RUNID`` (a run id is
        12 hexadecimal digits: a user's ``.NAME.old-2023`` is not one of them)."""
        pattern = re.compile(rf"\.{re.escape(self.folder.name)}\.{kind}-[0-9a-f]{{12}}")
        return sorted(p for p in self.folder.parent.glob(
                          f".{glob.escape(self.folder.name)}.{kind}-*")
                      if pattern.fullmatch(p.name) and p.is_dir() and not p.is_symlink())

    def _remove_leftovers(self):
        """Staging and old folders of runs on this folder that were killed (we hold the
        lock, so none of them is still running)."""
        for kind in (STAGING, OLD):
            for path in self._aside(kind):
                shutil.rmtree(path, ignore_errors=True)

    # finishing -----------------------------------------------------------------------

    @contextmanager
    def writing(self):
        """Around the writing of the run's files into ``staging``: a failed write (a
        full disk, say) is one line, and the folder is as it was."""
        try:
            yield self.staging
        except OSError as exc:
            raise UserError(f"cannot write the run's files beside {self._where}: "
                            f"{reason(exc)}; nothing in it changed") from None

    def paths(self):
        """Where the run's files are once committed (under the folder as it was given)."""
        return [self.given / name for name in self.names]

    def commit(self):
        """Swap the staging folder into place (the old set is removed after); returns
        the paths of the new files."""
        missing = [n for n in self.names if not (self.staging / n).is_file()]
        if missing:
            raise RuntimeError(f"the run did not write {', '.join(missing)}")
        write_manifest(self.staging, self.run_id, self.names)
        os.chmod(self.staging, folder_mode(self.folder))
        with signals_held():
            self._keep_newcomers()
            try:
                self._swap()
            except OSError as exc:
                self._set_aside(f"cannot replace {self._where} ({reason(exc)}), so "
                                "nothing in it changed")
            self.committed = True
            self._remove_old_set()
        self.release()
        return self.paths()

    def _remove_old_set(self):
        """Remove the old set (now at the staging path), unless a file arrived in the
        folder in the instant between the check for newcomers and the swap: then keep
        the old folder, visible, and say so in ``warnings``."""
        arrived = sorted({p.name for p in self.staging.iterdir()} - DESKTOP_FILES
                         - self._entries)
        if not arrived:
            shutil.rmtree(self.staging, ignore_errors=True)
            return
        kept = self.folder.parent / f"{self.folder.name}-previous-{self.run_id}"
        os.rename(self.staging, kept)
        self.warnings.append(f"{', '.join(arrived[:5])} appeared in {self._where} as the "
                             f"run replaced it: the previous folder, with "
                             f"{'them' if len(arrived) > 1 else 'it'}, is kept as {kept}")

    def _swap(self):
        if self.exchange and exchange(self.staging, self.folder):
            return
        old = self._beside(OLD, self.run_id)
        os.rename(self.folder, old)
        os.rename(self.staging, self.folder)
        os.rename(old, self.staging)

    def _set_aside(self, why):
        """Keep the run's files in a visible folder beside ``--out`` and say so."""
        kept = self.folder.parent / f"{self.folder.name}-{self.run_id}"
        os.rename(self.staging, kept)
        raise UserError(f"{why}; this run's files are in {kept}")

    def _keep_newcomers(self):
        """A file put into the folder during the run (a ``predict --out`` there, say)
        would go with the old set: leave the folder alone and the run's files beside it,
        and say so."""
        added = sorted({p.name for p in self.folder.iterdir()} - DESKTOP_FILES
                       - self._entries)
        if added:
            self._set_aside(f"{self._where} changed during the run ({', '.join(added[:5])} "
                            "appeared in it), so nothing in it was replaced")

    def release(self):
        """Remove the staging folder (after a commit it holds the old set), and the
        folder itself if this run made it and it is still empty; unlock."""
        shutil.rmtree(self.staging, ignore_errors=True)
        if self._created and not self.committed:
            try:
                self.folder.rmdir()  # only if empty: a file put there stays
            except OSError:
                pass
            self._created = False
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def after_interruption(self):
        """What a run stopped now leaves, in words (after ``release``): read off the
        folder, whose manifest names the run that wrote it."""
        run, _ = read_manifest(self.folder)
        if self.committed or run == self.run_id:
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


@contextmanager
def signals_held(replay=True):
    """SIGINT and SIGTERM wait until the block is done: the swap and its bookkeeping are
    never cut halfway. Python runs signal handlers in the main thread whichever thread
    the kernel told, so a handler that only notes the signal holds it back whatever
    threads run (blocking the signal in one thread would not). With ``replay`` a noted
    signal is handled as usual once the block is over; without, it is dropped (a second
    Ctrl-C while the first is being answered)."""
    held = (signal.SIGINT, signal.SIGTERM)
    noted = []
    try:
        previous = {s: signal.signal(s, lambda signum, frame: noted.append(signum))
                    for s in held}
    except ValueError:  # not the main thread: no handler runs here anyway
        yield
        return
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if noted and replay:
            signal.raise_signal(noted[0])
