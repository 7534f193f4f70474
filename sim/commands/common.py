"""What every `xsim` command shares: consoles, the error-to-exit-code wrapper, argument types.

Command modules import from here, never from `xsim.commands.app`, so `xsim.commands.app` can
import them to register their commands.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from xsim.core.errors import InputError, XsimError

console = Console()
if not console.is_terminal:
    console = Console(width=160)  # piped output: keep table rows on one line
err_console = Console(stderr=True, soft_wrap=True)

ScenarioPath = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]


def handles_errors(command: Callable) -> Callable:
    """Turn known errors into messages and exit codes instead of tracebacks."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            prefix = f"{exc.source}: " if exc.source else ""
            for line in exc.problems:
                err_console.print(f"[bold red]error:[/] {prefix}{line}", highlight=False)
            raise typer.Exit(2) from None
        except XsimError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err_console.print("interrupted; nothing was left half-written")
            raise typer.Exit(130) from None

    return wrapper
