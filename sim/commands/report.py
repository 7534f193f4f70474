"""`xsim report RUN_DIR`, the PDF of `xsim run` (``--no-pdf``) and `xsim analyze --pdf`.

Thin wrappers over `xsim.reports.pdf`; `register(app)` adds the `report` command and
`xsim.commands.app` calls it.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from xsim.commands.common import check_output_files, console, err_console, handles_errors

NoPdf = Annotated[bool, typer.Option("--no-pdf", help="Do not render report.pdf.")]
PdfOut = Annotated[Path | None, typer.Option("--pdf", help="Also write a PDF report to this file.")]


def register(app: typer.Typer) -> None:
    app.command("report")(handles_errors(report))


def report(
    run_dir: Annotated[Path, typer.Argument(help="Run folder written by `xsim run`.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="PDF file (default RUN_DIR/report.pdf).")
    ] = None,
) -> None:
    """Re-render the PDF report of a saved run folder (no simulation)."""
    from xsim.reports.pdf import REPORT_FILE, render_run_report

    inputs = [p for p in run_dir.iterdir() if p.name != REPORT_FILE] if run_dir.is_dir() else []
    check_output_files({"--out": out if out is not None else run_dir / REPORT_FILE}, inputs)
    start = time.perf_counter()
    path = render_run_report(run_dir, out)
    seconds = time.perf_counter() - start
    console.print(f"wrote [bold]{path}[/] ({_size(path)}, {seconds:.1f} s)", highlight=False)


def run_pdf(final: Path) -> str | None:
    """Render ``final/report.pdf`` into a complete run folder (the renderer writes a temporary
    name and renames it). The run stands whatever happens here: on failure, return the one
    line to print (what failed, and how to render the report again); else None."""
    from xsim.reports.pdf import render_run_report

    try:
        render_run_report(final, run_label=str(final))
    except Exception as exc:  # any renderer failure: the run folder is complete without it
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return (
            f"the report failed ({reason}); the run folder {final} is complete; "
            f"render the report again with: xsim report {final}"
        )
    return None


def exit_if_report_failed(failure: str | None) -> None:
    """After a command has printed its results: the report's failure line and exit code 1."""
    if failure is not None:
        err_console.print(f"[bold red]error:[/] {failure}", highlight=False)
        raise typer.Exit(1)


def analysis_pdf(result, pdf: Path, data: Path | None) -> Path:
    """The report of `xsim analyze` on real data."""
    from xsim.reports.pdf import render_effects_report

    name = Path(data).name if data is not None else "data"
    path = render_effects_report(result, pdf, title=f"A/B analysis of {name}", source=str(data))
    console.print(f"PDF report: [bold]{path}[/] ({_size(path)})", highlight=False)
    return path


def with_pdf_option(command: Callable) -> Callable:
    """Give a command that copies another's signature (`functools.wraps`) a ``--pdf PATH``."""
    signature = inspect.signature(command, eval_str=True)
    pdf = inspect.Parameter("pdf", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=PdfOut)
    command.__signature__ = signature.replace(parameters=[*signature.parameters.values(), pdf])
    command.__annotations__ = {**getattr(command, "__annotations__", {}), "pdf": PdfOut}
    return command


def _size(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.2f} MB"
