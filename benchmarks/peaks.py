"""Peak resident memory of this process around a call, from Linux's /proc.

``reset_peak`` clears the high-water mark (``VmHWM``) by writing 5 to
``/proc/self/clear_refs`` and returns the resident size then; ``peak_growth`` is how far
the high-water mark rose above it. Shared by the benchmark's forked children and the
adelie child (its own interpreter). Elsewhere than Linux both give None. ``x_bytes``
is what the growth is compared with.
"""


def x_bytes(X):
    """Bytes X stores (dense: the array; sparse: data, indices and indptr)."""
    if hasattr(X, "indptr"):
        return int(X.data.nbytes + X.indices.nbytes + X.indptr.nbytes)
    return int(X.nbytes)


def _status_kib(field):
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak():
    """Clear the high-water mark; the resident bytes now (None where unsupported)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        return None
    rss = _status_kib("VmRSS")
    return None if rss is None else rss * 1024


def peak_growth(before):
    """Bytes by which the peak resident memory rose above ``before`` (None if unknown)."""
    peak = _status_kib("VmHWM")
    if before is None or peak is None:
        return None
    return max(peak * 1024 - before, 0)
