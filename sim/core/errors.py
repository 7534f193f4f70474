"""Errors that the CLI turns into exit codes without a traceback.

`InputError` carries one line per problem, each naming the field, column or argument at fault.
The CLI prints the lines and exits with code 2. `XsimError` is any other known failure (exit 1).
`validation_problems` is the one translation of pydantic's validation errors into such lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError


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


# The tag field of every discriminated union in xsim (strategies, risk models, recommenders).
DISCRIMINATOR = "kind"


def validation_problems(exc: ValidationError, data: Any, field: str = "") -> list[str]:
    """pydantic's errors of validating `data` as lines ``field.path: message (got value)``.

    The location is read against `data`, so the tag pydantic inserts when it picks a member of
    a discriminated union (``strategy.bundle_discount.budget``) is left out, even where a
    mapping key happens to spell a tag. A bad tag reads ``field.kind: unknown kind 'x'
    (known: a, b)``. `field` prefixes every path (empty: the paths start at the top level).
    """
    lines = []
    for err in exc.errors(include_url=False):
        path = ".".join(([field] if field else []) + _user_path(err["loc"], data))
        lines.extend(_error_lines(path, err))
    return lines


def _user_path(loc: tuple, data: Any) -> list[str]:
    path, node = [], data
    for part in loc:
        is_mapping = isinstance(node, Mapping)
        if is_mapping and part not in node and node.get(DISCRIMINATOR) == part:
            continue  # the member's tag; the member validates this same mapping
        path.append(str(part))
        if is_mapping:
            node = node.get(part)
        elif isinstance(node, list | tuple) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:  # a value a validator rewrote: the rest of the location is taken as it is
            node = None
    return path


def _error_lines(path: str, err: dict) -> list[str]:
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx", {})
    msg = err["msg"].removeprefix("Value error, ")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = ctx.get("discriminator", DISCRIMINATOR).strip("'")
        where = f"{path}.{tag}" if path else tag
        if kind == "union_tag_not_found":
            return [f"{where}: missing (a {tag} is required)"]
        known = ctx.get("expected_tags", "").replace("'", "")
        return [f"{where}: unknown {tag} {ctx.get('tag')!r} (known: {known})"]
    if not path:  # a check of the whole input: its lines name their own fields
        return msg.splitlines() if kind == "value_error" else [f"top level: {msg}"]
    if kind == "extra_forbidden":
        return [f"{path}: unknown field (check the spelling; `xsim schema` lists the fields)"]
    if kind == "missing":
        return [f"{path}: required field is missing"]
    if isinstance(value, Mapping | list | tuple):
        return [f"{path}: {msg}"]
    return [f"{path}: {msg} (got {value!r})"]
