"""The partner registry in the database."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from hub.domain.partners import Partner
from hub.domain.values import PartyRef
from hub.ledger.tables import partners
from hub.service_layer import ports

_COLUMNS = (
    "party_id",
    "name",
    "vat",
    "eori",
    "country",
    "status",
    "broker_user",
    "outbound_format",
)


def _to_row(p: Partner) -> dict[str, Any]:
    data = dataclasses.asdict(p)
    row: dict[str, Any] = {k: data.pop(k) for k in _COLUMNS}
    row["broker_user"] = row["broker_user"] or None
    row["roles"] = sorted(data.pop("roles"))
    row["terminals"] = list(data.pop("terminals"))
    row["edi_ids"] = [list(x) for x in data.pop("edi_ids")]
    row["profile"] = {
        k: (list(v) if isinstance(v, (tuple, frozenset, set)) else v) for k, v in data.items()
    }
    return row


def _from_row(row: Any) -> Partner:
    known = {f.name for f in dataclasses.fields(Partner)}
    values: dict[str, Any] = {k: getattr(row, k) for k in _COLUMNS}
    values["broker_user"] = values["broker_user"] or ""
    values["roles"] = frozenset(row.roles)
    values["terminals"] = tuple(row.terminals)
    values["edi_ids"] = tuple(tuple(x) for x in row.edi_ids)
    for key, value in (row.profile or {}).items():
        if key in known:
            values[key] = tuple(value) if isinstance(value, list) else value
    return Partner(**values)


class SqlPartners(ports.Partners):
    """Partners by party id, broker user, EDI id, VAT or EORI."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._cache: list[Partner] | None = None

    def all(self) -> list[Partner]:
        if self._cache is None:
            rows = self.conn.execute(select(partners).order_by(partners.c.party_id))
            self._cache = [_from_row(r) for r in rows]
        return self._cache

    def get(self, party_id: str) -> Partner | None:
        return next((p for p in self.all() if p.party_id == party_id), None)

    def by_broker_user(self, user: str) -> Partner | None:
        return next((p for p in self.all() if user and p.broker_user == user), None)

    def resolve(self, ref: PartyRef) -> Partner | None:
        code = ref.code.strip().upper()
        for p in self.all():
            ids = {p.party_id, p.vat, p.eori, *(i for i, _ in p.edi_ids)}
            if code in {x.upper() for x in ids if x}:
                return p
        return None

    def operator_of(self, terminal: str) -> Partner | None:
        return next((p for p in self.all() if terminal in p.terminals), None)

    def save(self, partner: Partner) -> None:
        row = _to_row(partner)
        exists = self.conn.execute(
            select(partners.c.party_id).where(partners.c.party_id == partner.party_id)
        ).first()
        if exists:
            self.conn.execute(
                update(partners).where(partners.c.party_id == partner.party_id).values(**row)
            )
        else:
            self.conn.execute(
                insert(partners).values(**row, details={}, created_at=datetime.now(UTC))
            )
        self._cache = None
