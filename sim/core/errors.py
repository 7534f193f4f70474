"""Errors that the CLI turns into exit codes without a traceback.

`InputError` carries one line per problem, each naming the field, column or argument at fault.
The CLI prints the lines and exits with code 2. `XsimError` is any other known failure (exit 1).
"""

from __future__ import annotations


class XsimError(Exception):
    """A known failure that is not the user's input (exit code 1)."""


class InputError(XsimError):
    """Bad user input: a scenario, a CLI argument or a data file (exit code 2).

    `problems` holds one human-readable line per problem, each starting with the field path,
    column or argument it concerns, e.g. ``"population.n_users: must be > 0 (got -5)"``.
    """

    def __init__(self, problems: list[str] | str, source: str | None = None):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__("\n".join(prefix + p for p in self.problems))
