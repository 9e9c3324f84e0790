"""The error every layer raises for a problem with the user's input."""


class UserError(ValueError):
    """A problem with the user's input, said in one line with how to fix it (the command
    line prints it as ``error: ...`` and exits 1)."""


def first_line(exc, limit=200):
    """The first line of an exception's message (its type's name where it has none),
    for a one-line answer that quotes a library's reason."""
    text = str(exc).strip()
    return text.splitlines()[0][:limit] if text else type(exc).__name__
