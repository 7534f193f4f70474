"""The one YAML reader for text xsim did not just write: safe loading with limits.

`load_yaml` refuses, as an `InputError` of one line each, what a plain ``yaml.safe_load``
would silently accept or choke on:

- a duplicate mapping key (the last one would win): ``arms: duplicate key (line 12)``;
- a document over `MAX_BYTES`, nesting deeper than `MAX_DEPTH` collections, or more than
  `MAX_ALIASES` aliases, counted as the document would be expanded (so a "billion laughs"
  document of a few anchors, each a list of aliases of the one before, is refused at once),
  and an alias to the node that contains it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from yaml.nodes import MappingNode, SequenceNode

from xsim.core.errors import InputError

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIASES = 1000
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Refused(Exception):
    """A document the loader will not build; the message is the user's one line."""


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that counts nesting depth and expanded aliases while composing, and checks
    mapping keys for duplicates before anything is constructed."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._open: set[str] = set()
        self._inside: dict[str, int] = {}

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            return self._compose_alias(parent, index, event)
        nested = isinstance(event, MappingStartEvent | SequenceStartEvent)
        if nested:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                line = event.start_mark.line + 1
                raise _Refused(f"nested deeper than {MAX_DEPTH} levels (line {line})")
        anchor, before = event.anchor, self._aliases
        if anchor:
            self._open.add(anchor)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= nested
        if anchor:
            self._open.discard(anchor)
            self._inside[anchor] = self._aliases - before
        return node

    def _compose_alias(self, parent, index, event):
        line = event.start_mark.line + 1
        if event.anchor in self._open:
            raise _Refused(f"alias *{event.anchor} refers to a node that contains it (line {line})")
        self._aliases += 1 + self._inside.get(event.anchor, 0)
        if self._aliases > MAX_ALIASES:
            raise _Refused(f"more than {MAX_ALIASES} aliases once expanded (line {line})")
        return super().compose_node(parent, index)

    def get_single_node(self):
        node = super().get_single_node()
        if node is not None:
            self._check_keys(node, [], set())
        return node

    def _check_keys(self, node, path: list[str], seen: set[int]) -> None:
        """Refuse the first duplicate key, naming its path; each node is walked once."""
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            for i, child in enumerate(node.value):
                self._check_keys(child, [*path, str(i)], seen)
        elif isinstance(node, MappingNode):
            keys: set[Any] = set()
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue
                key = _key_of(self, key_node)
                name = ".".join([*path, str(key)])
                if key in keys:
                    raise _Refused(f"{name}: duplicate key (line {key_node.start_mark.line + 1})")
                keys.add(key)
                self._check_keys(value_node, [*path, str(key)], seen)


def _key_of(loader: StrictLoader, key_node) -> Any:
    key = loader.construct_object(key_node, deep=True)
    try:
        hash(key)
    except TypeError:
        return repr(key)
    return key


def load_yaml(text: str, source: str | None = None) -> Any:
    """Parse YAML text with `StrictLoader`; every refusal is an `InputError` of one line."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8")) > MAX_BYTES:
        raise InputError(_too_large(), source)
    try:
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except _Refused as exc:
        raise InputError(str(exc), source) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"invalid YAML: {where}{problem}", source) from None
    except RecursionError:
        raise InputError(f"nested deeper than {MAX_DEPTH} levels", source) from None


def read_yaml_file(path: str | Path, source: str | None = None) -> str:
    """The text of a YAML file, refusing one over `MAX_BYTES` before reading it."""
    path = Path(path)
    if path.stat().st_size > MAX_BYTES:
        raise InputError(_too_large(), source or str(path))
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start}): not a YAML file",
                         source or str(path)) from None  # fmt: skip


def _too_large() -> str:
    return f"YAML file is larger than {MAX_BYTES // (1024 * 1024)} MB"
