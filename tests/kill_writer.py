"""Kill a writing run at each of its file-system steps (run as a script by
test_output_set.py).

    python kill_writer.py COMPARISON.pickle OLD BASE EXCHANGE

For each kill point k forks a child that writes the comparison's files into
BASE/k<k>/out (a copy of the folder OLD, an earlier run's files) and SIGKILLs itself
just before its k-th file-system operation, as seen by Python's audit hooks. Forking
before any polars call keeps the children free of inherited thread pools. The children
of different kill points share nothing (each its own folder), so up to ``WIDTH`` run at
once: each spends most of its 0.4 s importing polars, work a second core halves. Prints
a JSON line: the kill points used and the number of operations of a whole run.
"""

import json
import os
import pickle
import shutil
import signal
import sys
from pathlib import Path

#: audit events that touch the file system (reads included: each is a moment to die)
EVENTS = {"open", "os.mkdir", "os.rename", "os.replace", "os.remove", "os.rmdir",
          "os.unlink", "os.chmod", "shutil.rmtree", "os.scandir", "os.listdir",
          "ctypes.call_function"}
#: the most kill points before the swap begins (every one from the swap on is used)
BEFORE_SWAP = 30
RUN_ID = "0e0e0e0e0e0e"  # 12 hexadecimal digits, as a run id is
#: the most children writing at once (the test machines have two cores)
WIDTH = min(2, os.cpu_count() or 1)


def write(comparison, folder, exchange, kill_at, record):
    """In a forked child: write the set, dying before operation ``kill_at``."""
    from shrinkage.output_set import OutputSet
    from shrinkage.report import FILES, write_outputs

    seen = []

    def hook(event, args):
        if event in EVENTS:
            seen.append(f"{event} {args[0] if args else ''}")
            if len(seen) == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

    output = OutputSet(folder, FILES, exchange=exchange, run_id=RUN_ID)
    sys.addaudithook(hook)
    with output:
        write_outputs(comparison, output)
    Path(record).write_text(json.dumps(seen))


def start_child(*args):
    """Fork a child that runs ``write(*args)``; returns its pid."""
    pid = os.fork()
    if pid == 0:
        try:
            write(*args)
        finally:
            os._exit(0)
    return pid


def run_children(jobs):
    """A child per ``write`` arguments in ``jobs``, ``WIDTH`` at a time; returns when
    every one has ended."""
    running = set()
    for args in jobs:
        if len(running) >= WIDTH:
            running.discard(os.wait()[0])
        running.add(start_child(*args))
    for pid in running:
        os.waitpid(pid, 0)


def main():
    comparison = pickle.loads(Path(sys.argv[1]).read_bytes())
    old, base, exchange = Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4] == "1"
    import skops.io  # noqa: F401  (imported once here, not in every child)

    import shrinkage.model_file  # noqa: F401
    import shrinkage.report  # noqa: F401

    record = base / "operations.json"
    run_children([(comparison, base / "whole" / "out", exchange, 0, record)])
    seen = json.loads(record.read_text())
    swap = next(i for i, op in enumerate(seen) if op.startswith("os.chmod"))
    step = max(1, swap // BEFORE_SWAP)
    points = sorted(set(range(1, swap + 1, step)) | set(range(swap + 1, len(seen) + 1)))
    for k in points:
        shutil.copytree(old, base / f"k{k}" / "out")
    # a killed child never reaches the record: only the whole run above writes it
    run_children((comparison, base / f"k{k}" / "out", exchange, k, record) for k in points)
    print(json.dumps({"points": points, "operations": len(seen), "swap": swap}))


if __name__ == "__main__":
    main()
