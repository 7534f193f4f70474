"""Checks every plug-in registry passes (risk models, recommenders): the kinds are the union's,
each validates from a mapping into a frozen spec, and a bad kind or field is named."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from xsim.core.errors import InputError
from xsim.core.registry import members_of

UNKNOWN_FIELD = "unknown field (check the spelling; `xsim schema` lists the fields)"


class RegistryContract:
    """Tests every plug-in registry passes; a family subclasses it as ``TestXxxRegistry`` and
    sets `registry` (the union), `kinds` (read off it), `examples` (kind -> a valid mapping
    without the kind), `parse` (mapping -> spec), `protocol` (of a spec) and `field`."""

    registry: Any
    kinds: tuple[str, ...]
    examples: Mapping[str, Mapping[str, Any]]
    parse: Callable
    protocol: type
    field: str

    def test_every_kind_has_an_example_and_kinds_come_from_the_union(self):
        assert set(self.examples) == set(self.kinds)
        mapping = TypeAdapter(self.registry).json_schema()["discriminator"]["mapping"]
        assert set(mapping) == set(self.kinds)
        assert len(members_of(self.registry)) == len(self.kinds) == len(mapping)

    def test_each_kind_validates_from_a_mapping_into_a_frozen_spec(self):
        """The mapping becomes a spec of that kind with those values; it round-trips through
        `model_dump`, refuses an unknown field by name and cannot be changed."""
        for kind, example in self.examples.items():
            spec = self.parse({"kind": kind, **example})
            assert spec.kind == kind and isinstance(spec, self.protocol)
            assert {name: getattr(spec, name) for name in example} == dict(example)
            assert self.parse(spec.model_dump()) == spec
            with pytest.raises(InputError) as err:
                self.parse({"kind": kind, "colour": 1}, field=self.field)
            assert err.value.problems == [f"{self.field}.colour: {UNKNOWN_FIELD}"]
            name = next(iter(type(spec).model_fields))
            with pytest.raises(ValidationError):
                setattr(spec, name, getattr(spec, name))

    def test_unknown_kind_names_the_field_and_the_known_kinds(self):
        """A bad or differently spelled kind names the field and lists the kinds in order."""
        field = self.field
        for bad in ("oracle", self.kinds[0].upper()):
            with pytest.raises(InputError) as err:
                self.parse({"kind": bad}, field=field)
            known = ", ".join(self.kinds)
            assert err.value.problems == [f"{field}.kind: unknown kind {bad!r} (known: {known})"]
        with pytest.raises(InputError, match=rf"^{field}\.kind: missing"):
            self.parse({}, field=field)
        with pytest.raises(InputError, match=rf"^{field}: must be a mapping with a 'kind'"):
            self.parse([self.kinds[0]], field=field)
