"""What every `xsim` command shares: consoles, the error-to-exit-code wrapper, argument types,
and the check every file an option writes goes through.

Command modules import from here, never from `xsim.commands.app`, so `xsim.commands.app` can
import them to register their commands.
"""

from __future__ import annotations

import errno
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


# `xsim --debug ...` (or XSIM_DEBUG=1): errors keep their traceback (set by the app callback)
DEBUG = {"on": os.environ.get("XSIM_DEBUG", "") not in ("", "0")}
# Environment faults that name a path: the line says what happened to which file
_OS_FAULTS = {errno.ENOSPC: "no space left on the device", errno.EROFS: "read-only file system",
              errno.EACCES: "permission denied", errno.EPERM: "operation not permitted",
              errno.ENOENT: "no such file or folder", errno.ENOTDIR: "a part of the path is a file",
              errno.EISDIR: "is a folder", errno.EEXIST: "already exists",
              errno.ELOOP: "too many symbolic links", errno.EXDEV: "crosses file systems",
              errno.EDQUOT: "disk quota exceeded", errno.ENAMETOOLONG: "name too long"}  # fmt: skip


def handles_errors(command: Callable) -> Callable:
    """The one error boundary of every command: bad input exits 2, an environment fault (no
    space, no permission, an unwritable target) or any other failure exits 1, each with one
    line naming the field or path and never a traceback (``--debug`` shows it)."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            err_console.print("interrupted; nothing was left half-written")
            raise typer.Exit(130) from None
        except Exception as exc:
            if DEBUG["on"]:
                raise
            for line in error_lines(exc):
                err_console.print(f"[bold red]error:[/] {line}", highlight=False)
            raise typer.Exit(2 if isinstance(exc, InputError) else 1) from None

    return wrapper


def error_lines(exc: Exception) -> list[str]:
    """What the user reads for ``exc``: one line per problem, naming the field or path."""
    if isinstance(exc, InputError):
        prefix = f"{exc.source}: " if exc.source else ""
        return [prefix + line for line in exc.problems]
    if isinstance(exc, XsimError):
        return [str(exc)]
    if isinstance(exc, OSError):
        what = _OS_FAULTS.get(exc.errno, exc.strerror or type(exc).__name__)
        where = exc.filename if exc.filename is not None else "a file"
        return [f"{where}: {what}" + (f" (and {exc.filename2})" if exc.filename2 else "")]
    if isinstance(exc, MemoryError):
        return ["out of memory: try fewer users or --workers 1"]
    return [f"internal error ({type(exc).__name__}: {exc}); run again with --debug to see "
            "where, and report it"]  # fmt: skip


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
