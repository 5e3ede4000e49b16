"""The audit chain, read back: the hash of an entry and a walk that names every break.

Pure (standard library): `hub.ledger.audit` walks the database's rows with it, and
`hub audit verify-bundle` the rows of an export file, with no database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hub.service_layer.ports import AuditEntry

GENESIS = "0" * 64


def entry_hash(prev_hash: str, seq: int, entry: AuditEntry) -> str:
    """The chained hash of one entry."""
    body = {
        "seq": seq,
        "at": entry.at.astimezone(UTC).isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "container": entry.container,
        "message_ref": entry.message_ref,
        "details": entry.details,
    }
    text = prev_hash + json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Break:
    """Where the chain is broken: the entry and what is wrong with it."""

    seq: int
    problem: str

    def __str__(self) -> str:
        return f"audit entry {self.seq}: {self.problem}"


@dataclass(frozen=True)
class ChainRow:
    """One stored entry with its links."""

    seq: int
    prev_hash: str
    hash: str
    entry: AuditEntry

    def as_dict(self) -> dict[str, Any]:
        e = self.entry
        return {
            "seq": self.seq,
            "at": e.at.astimezone(UTC).isoformat(),
            "actor": e.actor,
            "action": e.action,
            "container": e.container,
            "message_ref": e.message_ref,
            "details": e.details,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ChainRow:
        at = datetime.fromisoformat(str(d["at"]))
        entry = AuditEntry(
            at, d["actor"], d["action"], d["container"], d["message_ref"], d["details"]
        )
        return cls(int(d["seq"]), str(d["prev_hash"]), str(d["hash"]), entry)


@dataclass
class Walk:
    """What a walk found: the breaks, where the chain ends, and the hashes asked for."""

    breaks: list[Break] = field(default_factory=list)
    last_seq: int = 0
    last_hash: str = GENESIS
    hashes: dict[int, str] = field(default_factory=dict)


def walk(
    rows: Iterable[ChainRow], wanted: Iterable[int] = (), start: tuple[int, str] = (1, GENESIS)
) -> Walk:
    """Walk `rows` in order from entry `start[0]` (whose predecessor's hash is `start[1]`):
    every changed, inserted or deleted entry is reported; the hashes of the `wanted` entries
    are kept (to compare with checkpoints)."""
    keep = set(wanted)
    found = Walk(last_seq=start[0] - 1, last_hash=start[1])
    for row in rows:
        expected = found.last_seq + 1
        if row.seq != expected:
            found.breaks.append(Break(expected, f"missing (next entry is {row.seq}): deleted"))
        if row.prev_hash != found.last_hash:
            found.breaks.append(
                Break(
                    row.seq,
                    "does not follow the previous entry: "
                    "an entry before it was changed, inserted, deleted or moved",
                )
            )
        if entry_hash(row.prev_hash, row.seq, row.entry) != row.hash:
            found.breaks.append(Break(row.seq, "content does not match its hash: changed"))
        if row.seq in keep:
            found.hashes[row.seq] = row.hash
        found.last_seq, found.last_hash = row.seq, row.hash
    return found
