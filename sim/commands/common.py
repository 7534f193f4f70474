"""What every `xsim` command shares: consoles, the error-to-exit-code wrapper, argument types,
and the check every file an option writes goes through.

Command modules import from here, never from `xsim.commands.app`, so `xsim.commands.app` can
import them to register their commands.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
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


def check_output_files(targets: dict[str, Path | None], inputs: Iterable[Path | None] = ()) -> None:
    """Refuse, before anything is read or written, every file an option would write over
    something it must not: an existing target that is not a regular file (a folder, a device
    such as /dev/full, a FIFO, a socket), an input of the command, or the target of another
    option. ``targets`` maps option names (``"--csv"``) to paths; unset options are None.
    Raises InputError (exit 2) with one line per refused target, naming it."""
    problems, kept = [], {}
    sources = [Path(p) for p in inputs if p is not None]
    for option, path in ((o, Path(p)) for o, p in targets.items() if p is not None):
        clash = next((o for o, other in kept.items() if _same_file(path, other)), None)
        if path.exists() and not path.is_file():
            problems.append(f"{option} {path}: exists and is not a regular file; choose a file")
        elif any(_same_file(path, source) for source in sources):
            problems.append(f"{option} {path}: is an input of this command; choose another file")
        elif clash is not None:
            problems.append(f"{option} {path}: {clash} writes the same file; choose another")
        kept[option] = path
    if problems:
        raise InputError(problems)


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (through links, relative parts or hard links)."""
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return os.path.realpath(a) == os.path.realpath(b)
