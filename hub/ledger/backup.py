"""Backup information for a terminal: its standing authorisations, checksummed.

A terminal keeps releasing containers from this file while the hub is unreachable. The
checksum is SHA-256 over the canonical JSON of the content; `verify` recomputes it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from hub.domain.model import ContainerFile


def _checksum(content: dict[str, Any]) -> str:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _authorisation(file: ContainerFile) -> dict[str, Any]:
    a = file.authorised
    assert a is not None
    return {
        "container": file.container,
        "sequence": file.gate_sequence,
        "release_ref": a.release_ref,
        "mode": a.pickup.mode.value,
        "identity": a.pickup.identity,
        "tar": a.pickup.tar,
        "port": a.port,
        "bills_of_lading": list(a.bills_of_lading),
        "expires_at": a.expires_at.isoformat() if a.expires_at else None,
    }


def export(files: list[ContainerFile], terminal: str, now: datetime) -> dict[str, Any]:
    """The snapshot document with its checksum."""
    content = {
        "terminal": terminal,
        "generated_at": now.isoformat(),
        "authorisations": [_authorisation(f) for f in files if f.authorised],
    }
    return {**content, "checksum": {"algorithm": "sha256", "value": _checksum(content)}}


def verify(doc: dict[str, Any]) -> str:
    """'' when the checksum matches the content, else what is wrong."""
    checksum = doc.get("checksum")
    if not isinstance(checksum, dict) or checksum.get("algorithm") != "sha256":
        return "no sha256 checksum"
    content = {k: v for k, v in doc.items() if k != "checksum"}
    if _checksum(content) != checksum.get("value"):
        return "checksum does not match the content"
    return ""
