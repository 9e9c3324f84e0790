"""The error every layer raises for a problem with the user's input."""


class UserError(ValueError):
    """A problem with the user's input, said in one line with how to fix it (the command
    line prints it as ``error: ...`` and exits 1)."""
