"""The partner registry in the database."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from hub.domain.identifiers import keys_of
from hub.domain.partners import Partner, Status
from hub.domain.values import PartyRef
from hub.ledger.tables import partner_keys, partners
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


_ALL = select(partners).order_by(partners.c.party_id)


def _put(index: dict[str, Partner], key: str, p: Partner) -> None:
    """Keep the first partner with `key`, unless `p` is active and that one is not."""
    held = index.get(key)
    if held is None or (held.status is not Status.ACTIVE and p.status is Status.ACTIVE):
        index[key] = p


class _Index:
    """All partners in party id order, and dictionaries for the lookups done per message.

    Keys are unique across partners (`partner_keys`); should two partners still share one (rows
    older than that table), it maps to the first active partner in party id order, so a merely
    requested registration never takes an active partner's lookups over.
    """

    def __init__(self, rows: list[Partner]) -> None:
        self.rows = rows
        self.by_id: dict[str, Partner] = {}
        self.by_user: dict[str, Partner] = {}
        self.by_code: dict[str, Partner] = {}
        self.by_terminal: dict[str, Partner] = {}
        for p in rows:
            self.by_id.setdefault(p.party_id, p)
            if p.broker_user:
                _put(self.by_user, p.broker_user, p)
            for code in (p.party_id, p.vat, p.eori, *(i for i, _ in p.edi_ids)):
                if code:
                    _put(self.by_code, code.upper(), p)
            for terminal in p.terminals:
                _put(self.by_terminal, terminal, p)


class SqlPartners(ports.Partners):
    """Partners by party id, broker user, EDI id, VAT or EORI.

    Read once per unit of work (one statement per batch) and looked up in dictionaries; `save`
    drops what was read, so the next lookup reads the table again. A change committed by
    another process is seen by the next unit of work.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._index: _Index | None = None

    def _loaded(self) -> _Index:
        if self._index is None:
            rows = self.conn.execute(_ALL)
            self._index = _Index([_from_row(r) for r in rows])
        return self._index

    def all(self) -> list[Partner]:
        return list(self._loaded().rows)

    def get(self, party_id: str) -> Partner | None:
        return self._loaded().by_id.get(party_id)

    def by_broker_user(self, user: str) -> Partner | None:
        return self._loaded().by_user.get(user) if user else None

    def resolve(self, ref: PartyRef) -> Partner | None:
        return self._loaded().by_code.get(ref.code.strip().upper())

    def operator_of(self, terminal: str) -> Partner | None:
        return self._loaded().by_terminal.get(terminal)

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
        self._save_keys(partner)
        self._index = None

    def _save_keys(self, partner: Partner) -> None:
        """Replace the partner's keys; a key another partner holds fails the primary key."""
        self.conn.execute(delete(partner_keys).where(partner_keys.c.party_id == partner.party_id))
        keys = [{"kind": k, "key": v, "party_id": partner.party_id} for k, v in keys_of(partner)]
        if keys:
            self.conn.execute(insert(partner_keys), keys)
