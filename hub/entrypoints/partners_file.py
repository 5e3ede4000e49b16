"""Read partners from a YAML file (`hub partners load`): bulk setup and demos."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import yaml

from hub.domain.partners import Partner
from hub.errors import HubError

_FROZENSETS = ("roles", "linked_organisations")


def _convert(field: dataclasses.Field[Any], value: Any) -> Any:
    if field.name == "edi_ids":
        return tuple(tuple(x) if isinstance(x, list) else (str(x), "") for x in value)
    if field.name in _FROZENSETS and isinstance(value, list):
        return frozenset(value) if "frozenset" in str(field.type) else tuple(value)
    if isinstance(value, list):
        return tuple(value)
    return value


def partner_from_dict(data: dict[str, Any]) -> Partner:
    """One partner; unknown keys are an error naming the key."""
    fields = {f.name: f for f in dataclasses.fields(Partner)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise HubError(f"partner {data.get('party_id', '?')}: unknown field(s) {unknown}")
    return Partner(**{k: _convert(fields[k], v) for k, v in data.items()})


def load_partners_file(path: Path) -> list[Partner]:
    """All partners in the file's `partners:` list."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise HubError(f"{path}: not valid YAML: {exc}") from exc
    items = doc.get("partners") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise HubError(f"{path}: expected a top-level 'partners:' list")
    return [partner_from_dict(item) for item in items]
