"""Token ledger and subscriptions in the database: append-only entries, derived balances.

`lock` takes a row lock on the party's subscription rows (PostgreSQL), so two workers charging
the same operator at once are serialised: with one token left, exactly one succeeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from hub.domain.billing import MovementKind, Tier, WalletMovement, from_cents, to_cents
from hub.domain.tokens import EntryKind, Subscription, TokenEntry
from hub.ledger.tables import subscriptions, token_entries, wallet_movements, wallets
from hub.service_layer import ports


def _entry(row: Any) -> TokenEntry:
    d = row.details or {}
    return TokenEntry(
        EntryKind(row.kind),
        row.party,
        row.subscription_id,
        row.tokens,
        row.at,
        row.cause,
        row.key,
        Tier(d["tier"]) if d.get("tier") else None,
        Decimal(d.get("money_net", "0.00")),
        Decimal(d.get("money_vat", "0.00")),
    )


def _sub(row: Any) -> Subscription:
    return Subscription(row.id, row.party, Tier(row.tier), row.starts_at, row.ends_at)


class SqlTokens(ports.Tokens):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def lock(self, party: str) -> None:
        self.conn.execute(
            select(subscriptions.c.id).where(subscriptions.c.party == party).with_for_update()
        )

    def entries(self, party: str) -> list[TokenEntry]:
        query = (
            select(token_entries).where(token_entries.c.party == party).order_by(token_entries.c.id)
        )
        return [_entry(r) for r in self.conn.execute(query)]

    def entries_for_key(self, key: str) -> list[TokenEntry]:
        query = select(token_entries).where(token_entries.c.key == key).order_by(token_entries.c.id)
        return [_entry(r) for r in self.conn.execute(query)]

    def add(self, entries: Sequence[TokenEntry]) -> None:
        for e in entries:
            details = {
                "tier": e.tier.value if e.tier else "",
                "money_net": str(e.money_net),
                "money_vat": str(e.money_vat),
            }
            self.conn.execute(
                insert(token_entries).values(
                    party=e.party,
                    subscription_id=e.subscription_id,
                    kind=e.kind.value,
                    tokens=e.tokens,
                    at=e.at,
                    cause=e.cause[:300],
                    key=e.key[:300],
                    details=details,
                )
            )

    def subscriptions(self, party: str) -> list[Subscription]:
        query = (
            select(subscriptions)
            .where(subscriptions.c.party == party)
            .order_by(subscriptions.c.starts_at)
        )
        return [_sub(r) for r in self.conn.execute(query)]

    def active(self, party: str, at: datetime) -> Subscription | None:
        query = (
            select(subscriptions)
            .where(
                and_(
                    subscriptions.c.party == party,
                    subscriptions.c.starts_at <= at,
                    subscriptions.c.ends_at > at,
                )
            )
            .order_by(subscriptions.c.starts_at.desc())
        )
        row = self.conn.execute(query).first()
        return _sub(row) if row else None

    def save_subscription(self, sub: Subscription) -> None:
        values: dict[str, Any] = {
            "party": sub.party,
            "tier": sub.tier.value,
            "starts_at": sub.starts_at,
            "ends_at": sub.ends_at,
            "details": {},
        }
        done = self.conn.execute(
            update(subscriptions).where(subscriptions.c.id == sub.subscription_id).values(**values)
        )
        if done.rowcount == 0:
            self.conn.execute(insert(subscriptions).values(id=sub.subscription_id, **values))


class SqlWallets(ports.Wallets):
    """Prepaid wallets: pairing and append-only movements (amounts in cents)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def paired(self, party: str) -> str | None:
        query = select(wallets.c.wallet_id).where(wallets.c.party == party)
        value = self.conn.scalar(query)
        return str(value) if value else None

    def pair(self, party: str, wallet_id: str, at: datetime) -> None:
        self.conn.execute(insert(wallets).values(party=party, wallet_id=wallet_id, paired_at=at))

    def movements(self, party: str) -> list[WalletMovement]:
        self.conn.execute(select(wallets.c.party).where(wallets.c.party == party).with_for_update())
        query = (
            select(wallet_movements)
            .where(wallet_movements.c.party == party)
            .order_by(wallet_movements.c.id)
        )
        return [
            WalletMovement(MovementKind(r.kind), from_cents(r.amount_cents), r.at, r.cause)
            for r in self.conn.execute(query)
        ]

    def add(self, party: str, movement: WalletMovement) -> None:
        self.conn.execute(
            insert(wallet_movements).values(
                party=party,
                kind=movement.kind.value,
                amount_cents=to_cents(movement.amount),
                at=movement.at,
                cause=movement.cause[:300],
            )
        )
