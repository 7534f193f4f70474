"""Reading, writing and describing scenario files.

`load_scenario` is the scenario reader of the project; it parses with `xsim.core.yamlio`
(safe loading, duplicate keys refused, size, depth and alias limits). Every problem it finds
becomes one line naming the field path, raised together as one `InputError`.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from xsim.core.errors import InputError, validation_problems
from xsim.core.yamlio import load_yaml, read_yaml_file
from xsim.schema.scenario import Scenario


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read and validate a scenario file; raise `InputError` with one line per problem."""
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise InputError(f"file not found: {path}" if not path.exists() else "not a file")
    try:
        text = read_yaml_file(path, source)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read file: {exc}", source) from None
    return parse_scenario(text, source=source, overrides=overrides)


def parse_scenario(
    text: str, source: str = "<scenario>", overrides: dict[str, Any] | None = None
) -> Scenario:
    """Validate scenario YAML text (see `load_scenario`)."""
    data = _parse_yaml(text, source)
    for dotted, value in (overrides or {}).items():
        _set_dotted(data, dotted, value, source)
    return scenario_from_dict(data, source)


def scenario_from_dict(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(validation_problems(exc, data), source) from None


def _parse_yaml(text: str, source: str) -> dict[str, Any]:
    if not text.strip():
        raise InputError("file is empty: a scenario needs at least name, seed, population", source)
    data = load_yaml(text, source)
    if not isinstance(data, dict):
        raise InputError(
            f"top level must be a mapping of fields, got {type(data).__name__}", source
        )
    return data


def _set_dotted(data: dict, dotted: str, value: Any, source: str) -> None:
    """Apply an override such as ``arms.offer.strategy.discount=0.2`` to parsed YAML; missing
    intermediate mappings are created (validation then judges the result)."""
    node = data
    parts = dotted.split(".")
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise InputError(f"{dotted}: {part!r} is not a mapping in the scenario", source)
        node = child
    node[parts[-1]] = value


def scenario_to_yaml(scenario: Scenario) -> str:
    """The normalised scenario: every field with its value, defaults filled in."""
    data = scenario.model_dump(mode="json")
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the normalised scenario, stable across key order and formatting."""
    data = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema of the scenario format, for editors."""
    schema = Scenario.model_json_schema()
    schema["title"] = "xsim scenario"
    return schema


def example_scenario_text() -> str:
    """A commented example scenario (what `xsim init` writes)."""
    return resources.files("xsim").joinpath("data/example.yaml").read_text(encoding="utf-8")
