"""An authority's view of the audit trail: the port authority and customs read a container's
whole history; every read (and every refused attempt) is itself an audit entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.domain.partners import may_act_in_role
from hub.domain.roles import AUTHORITY, CUSTOMS
from hub.service_layer.ports import AuditEntry, UnitOfWork

READERS = (AUTHORITY, CUSTOMS)


def read_trail(
    uow: UnitOfWork, container: str, reader: str, now: datetime, channel: str
) -> dict[str, Any]:
    """`container`'s audit trail for `reader` (an active authority or customs partner), or
    why not; either way the attempt is audited (the caller commits)."""
    partner = uow.partners.get(reader)
    if partner is None or not any(may_act_in_role(partner, r) for r in READERS):
        reason = f"{reader} is no active port authority or customs: the audit trail is theirs"
        uow.audit.append(
            AuditEntry(
                now, reader[:64], "audit read refused", container, channel, {"reason": reason}
            )
        )
        return {"error": reason}
    entries = uow.audit.history(container)
    details = {"entries": len(entries), "last_seq": entries[-1]["seq"] if entries else 0}
    uow.audit.append(AuditEntry(now, reader, "audit read", container, channel, details))
    return {"container": container, "reader": reader, "entries": entries}
