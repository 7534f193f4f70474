"""`xsim list strategies`: every strategy kind with its parameters and what they mean."""

from __future__ import annotations

import inspect

import typer
from rich.table import Table

from xsim.commands.common import console
from xsim.strategies import STRATEGY_CLASSES, kind_of

list_app = typer.Typer(help="List the plug-ins xsim knows.", no_args_is_help=True)


def strategy_rows(cls) -> list[tuple[str, str, str, str]]:
    """(field, type, default, description) for each parameter of a strategy class."""
    rows = []
    for name, field in cls.model_fields.items():
        if name == "kind":
            continue
        annotation = getattr(field.annotation, "__name__", None) or str(field.annotation)
        default = "required" if field.is_required() else repr(field.default)
        rows.append((name, annotation.replace("typing.", ""), default, field.description or ""))
    return rows


@list_app.command("strategies")
def list_strategies() -> None:
    """Print each strategy kind, what it does, and its parameters."""
    for cls in STRATEGY_CLASSES:
        kind = kind_of(cls)
        table = Table(show_edge=False)
        for column in ("parameter", "type", "default", "meaning"):
            table.add_column(column)
        for row in strategy_rows(cls):
            table.add_row(*row)
        console.rule(f"[bold]{kind}[/]", align="left")
        console.print(inspect.getdoc(cls) or "", highlight=False)
        console.print(table)
        console.print()


def register(app: typer.Typer) -> None:
    app.add_typer(list_app, name="list")
