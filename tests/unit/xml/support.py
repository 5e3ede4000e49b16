"""Shared helpers for the XML tests: where samples live, golden files, canonical JSON."""

from __future__ import annotations

import dataclasses
import enum
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hub.domain.events import GateAuthorised, GateWithdrawn, Notification
from hub.domain.values import Pickup, PickupMode
from hub.errors import Problem
from hub.mappers.base import MappedMessage
from hub.rendering.xml import render_gate_xml, render_notification_xml, render_xml_ack

REPO_ROOT = Path(__file__).resolve().parents[3]
SAMPLES = REPO_ROOT / "samples" / "xml"
INVALID = SAMPLES / "invalid"
CORPUS_XML = REPO_ROOT / "samples" / "corpus"  # vendored copies (samples/corpus/README.md)
UPDATE_GOLDEN = os.environ.get("HUB_UPDATE_GOLDEN") == "1"
NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def jsonable(value: Any) -> Any:
    """Canonical records (frozen dataclasses, enums, datetimes) as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"_type": type(value).__name__, **fields}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def mapped_json(mapped: MappedMessage) -> dict[str, Any]:
    """What a golden ``*.expected.json`` holds for one mapped document."""
    return {
        "ref": mapped.ref,
        "type": mapped.type,
        "version": mapped.version,
        "status": mapped.status.value,
        "claimed_sender": mapped.claimed_sender,
        "containers": list(mapped.containers),
        "commands": jsonable(mapped.commands),
        "problems": [p.as_dict() for p in mapped.problems],
    }


def golden(path: Path, actual: str) -> str:
    """The golden file's text; with HUB_UPDATE_GOLDEN=1 it is (re)written from `actual` first."""
    if UPDATE_GOLDEN:
        path.write_text(actual)
    return path.read_text()


def golden_json(path: Path, actual: dict[str, Any]) -> Any:
    text = json.dumps(actual, indent=2, ensure_ascii=False) + "\n"
    return json.loads(golden(path, text))


def inbound_samples() -> list[Path]:
    """Every valid inbound sample (outbound samples are named after what renders them)."""
    return sorted(p for p in SAMPLES.glob("*.xml") if p.name not in OUTBOUND)


AUTHORISED = GateAuthorised(
    "MSCU1234566",
    "PSAT",
    3,
    "REL-2024-000123",
    Pickup(PickupMode.TRUCK, "AP1234567", "TAR-PSAT-55512"),
    "BEANR",
    ("MEDUAB123456", "MEDUAB123457"),
    datetime(2024, 4, 30, 23, 59, 59, tzinfo=UTC),
)
WITHDRAWN = GateWithdrawn("MSCU1234566", "PSAT", 4, "REL-2024-000123", "customs light is red")
TRANSFERRED = Notification(
    "TRUCKCO",
    "Transferred",
    "MSCU1234566",
    "REL-2024-000123",
    {"from_party": "BE0456789034"},
)
LIGHT_CHANGED = Notification(
    "TRUCKCO",
    "ReleaseLightChanged",
    "MSCU1234566",
    "",
    {"light": "customs", "originalValue": "GREY", "newValue": "GREEN", "value": "released"},
)
REJECTION = [
    Problem(
        "container number 'MSCU1234567' has check digit 7, expected 6",
        code="12",
        message_ref="BAD-0001",
        line=13,
        path="/ReleaseRightAction/equipmentNumber",
    ),
    Problem("scope applies only to Revoke and is ignored", code="12", severity="warning"),
]

OUTBOUND: dict[str, Callable[[], bytes]] = {
    "gate_authorisation.xml": lambda: render_gate_xml(AUTHORISED, now=NOW, message_id="gate-0003"),
    "gate_withdrawal.xml": lambda: render_gate_xml(WITHDRAWN, now=NOW, message_id="gate-0004"),
    "notification_transferred.xml": lambda: render_notification_xml(
        TRANSFERRED, now=NOW, message_id="note-0001"
    ),
    "notification_light_changed.xml": lambda: render_notification_xml(
        LIGHT_CHANGED, now=NOW, message_id="note-0002"
    ),
    "ack_accepted.xml": lambda: render_xml_ack(
        "FWD-2024-000045", "BE0456789034", True, [], now=NOW
    ),
    "ack_rejected.xml": lambda: render_xml_ack(
        "BAD-0001", "BE0456789034", False, REJECTION, now=NOW
    ),
}
