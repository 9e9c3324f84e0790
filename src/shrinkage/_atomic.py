"""Atomic file writes: a temporary name in the same folder, then one rename."""

import os
import tempfile
from pathlib import Path


def atomic_write(path, write, overwrite=True):
    """Call ``write(temporary_path)``, then rename the result onto ``path``.

    A reader never sees a half-written file, and a failed write leaves ``path`` as it was.
    With ``overwrite`` False the result is linked in only where nothing is at ``path``
    (one step: a file made there meanwhile, by another process, is never replaced) and
    ``FileExistsError`` is raised otherwise.
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                         dir=path.parent)
    os.close(handle)
    try:
        write(temporary)
        # mkstemp makes the file private (0600); give it the mode of the file it
        # replaces (a private file stays private), else the mode a plain open() would
        try:
            mode = os.stat(path).st_mode & 0o777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        if overwrite:
            os.replace(temporary, path)
        else:
            _link_new(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _link_new(temporary, path):
    """Give ``temporary`` the name ``path`` where nothing has it yet."""
    try:
        os.link(temporary, path)  # fails, atomically, where path exists
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: check, then rename (a race left)
        if os.path.lexists(path):
            raise FileExistsError(path) from None
        os.replace(temporary, path)
        return
    os.unlink(temporary)
