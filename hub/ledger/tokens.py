"""Token ledger and subscriptions in the database: append-only entries, derived balances.

`lock` takes a row lock on the party's subscription rows (PostgreSQL), so two workers charging
the same operator at once are serialised: with one token left, exactly one succeeds.

A charge does not read the party's history: `charge_entries` reads one key's entries and the
subscription's grants, upgrades and expiry (enough on an unlimited tier), `charge_view` asks the
database for the key's state and the subscription's sums (`hub.domain.tokens.charge_view` is the
same on a list of entries), and `refund_entries` reads one key's entries and the expiries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, delete, func, insert, or_, select, update

from hub.domain.billing import TIERS, MovementKind, Tier, WalletMovement, from_cents, to_cents
from hub.domain.tokens import ChargeView, EntryKind, Subscription, TokenEntry, current
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


def _charge_view_query() -> Any:
    """One statement: the sums of one subscription's entries and the state of one key."""
    te = token_entries
    dated = te.c.at <= bindparam("at", type_=te.c.at.type)
    taken = te.c.kind.in_([EntryKind.CONSUME.value, EntryKind.EXPIRE.value])
    consume, refund = te.c.kind == EntryKind.CONSUME.value, te.c.kind == EntryKind.REFUND.value
    expire = te.c.kind == EntryKind.EXPIRE.value
    unlimited_tiers = [t.value for t, terms in TIERS.items() if terms.allowance is None]
    # Only GRANT and UPGRADE entries carry a tier (`hub.domain.tokens._paid`); reading the JSON
    # of those rows only keeps the other rows cheap.
    paid = te.c.kind.in_([EntryKind.GRANT.value, EntryKind.UPGRADE.value])
    tier_unlimited = case((te.c.details["tier"].as_string().in_(unlimited_tiers), 1), else_=0)
    last_for_key = (
        select(te.c.kind)
        .where(
            te.c.party == bindparam("party"),
            te.c.key == bindparam("key"),
            or_(consume, refund),
        )
        .order_by(te.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )

    def total(*whens: tuple[Any, Any]) -> Any:
        return func.coalesce(func.sum(case(*whens, else_=0)), 0)

    def anywhere(condition: Any) -> Any:
        return func.coalesce(func.max(case((condition, 1), else_=0)), 0)

    return select(
        total((and_(dated, taken), -te.c.tokens), (dated, te.c.tokens)).label("remaining"),
        total((and_(dated, consume), te.c.tokens), (and_(dated, refund), -te.c.tokens)).label(
            "used"
        ),
        func.coalesce(func.max(case((and_(dated, paid), tier_unlimited), else_=0)), 0).label(
            "granted_unlimited"
        ),
        anywhere(and_(dated, expire)).label("expired_then"),
        anywhere(expire).label("expired"),
        last_for_key.label("last_for_key"),
    ).where(te.c.party == bindparam("party"), te.c.subscription_id == bindparam("sid"))


_CHARGE_VIEW = _charge_view_query()

_CHARGE_ENTRIES = (
    select(token_entries)
    .where(
        token_entries.c.party == bindparam("party"),
        or_(
            token_entries.c.key == bindparam("key"),
            and_(
                token_entries.c.subscription_id == bindparam("sid"),
                token_entries.c.kind.in_(
                    [EntryKind.GRANT.value, EntryKind.UPGRADE.value, EntryKind.EXPIRE.value]
                ),
            ),
        ),
    )
    .order_by(token_entries.c.id)
)

_LOCK = (
    select(subscriptions.c.id).where(subscriptions.c.party == bindparam("party")).with_for_update()
)

_ACTIVE = (
    select(subscriptions)
    .where(
        subscriptions.c.party == bindparam("party"),
        subscriptions.c.starts_at <= bindparam("at", type_=subscriptions.c.starts_at.type),
        subscriptions.c.ends_at > bindparam("at", type_=subscriptions.c.ends_at.type),
    )
    .order_by(subscriptions.c.starts_at)
)

_INSERT_ENTRY = insert(token_entries)

_REFUND_ENTRIES = (
    select(token_entries)
    .where(
        token_entries.c.party == bindparam("party"),
        or_(
            token_entries.c.key == bindparam("key"),
            token_entries.c.kind == EntryKind.EXPIRE.value,
        ),
    )
    .order_by(token_entries.c.id)
)


class SqlTokens(ports.Tokens):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def lock(self, party: str) -> None:
        self.conn.execute(_LOCK, {"party": party})

    def entries(self, party: str) -> list[TokenEntry]:
        query = (
            select(token_entries).where(token_entries.c.party == party).order_by(token_entries.c.id)
        )
        return [_entry(r) for r in self.conn.execute(query)]

    def entries_for_key(self, key: str) -> list[TokenEntry]:
        query = select(token_entries).where(token_entries.c.key == key).order_by(token_entries.c.id)
        return [_entry(r) for r in self.conn.execute(query)]

    def charge_view(
        self, party: str, subscription_id: str | None, key: str, at: datetime
    ) -> ChargeView:
        """`hub.domain.tokens.charge_view` of the party's entries, worked out in the database."""
        params = {"party": party, "sid": subscription_id or "", "key": key, "at": at}
        row = self.conn.execute(_CHARGE_VIEW, params).one()
        charged = row.last_for_key == EntryKind.CONSUME.value
        if subscription_id is None:
            return ChargeView(charged)
        unlimited = bool(row.granted_unlimited) and not row.expired_then
        remaining = 0 if unlimited else int(row.remaining)
        return ChargeView(charged, remaining, int(row.used), unlimited, bool(row.expired))

    def charge_entries(self, party: str, subscription_id: str, key: str) -> list[TokenEntry]:
        """The party's entries under `key` and the grants, upgrades and expiry of the
        subscription: enough to tell an unlimited subscription and an open charge apart,
        not its balance."""
        params = {"party": party, "sid": subscription_id, "key": key}
        return [_entry(r) for r in self.conn.execute(_CHARGE_ENTRIES, params)]

    def refund_entries(self, party: str, key: str) -> list[TokenEntry]:
        """The party's entries under `key` and its expiries: all that `refund` reads."""
        return [_entry(r) for r in self.conn.execute(_REFUND_ENTRIES, {"party": party, "key": key})]

    def add(self, entries: Sequence[TokenEntry]) -> None:
        rows = [
            {
                "party": e.party,
                "subscription_id": e.subscription_id,
                "kind": e.kind.value,
                "tokens": e.tokens,
                "at": e.at,
                "cause": e.cause[:300],
                "key": e.key[:300],
                "details": {
                    "tier": e.tier.value if e.tier else "",
                    "money_net": str(e.money_net),
                    "money_vat": str(e.money_vat),
                },
            }
            for e in entries
        ]
        if rows:
            self.conn.execute(_INSERT_ENTRY, rows[0] if len(rows) == 1 else rows)

    def subscriptions(self, party: str) -> list[Subscription]:
        query = (
            select(subscriptions)
            .where(subscriptions.c.party == party)
            .order_by(subscriptions.c.starts_at)
        )
        return [_sub(r) for r in self.conn.execute(query)]

    def active(self, party: str, at: datetime) -> Subscription | None:
        """The subscription in force (`hub.domain.tokens.current`): the one running, or the
        highest tier of overlapping ones that a ledger from before the rule may hold."""
        rows = self.conn.execute(_ACTIVE, {"party": party, "at": at})
        return current([_sub(r) for r in rows], at)

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

    def unpair(self, party: str) -> None:
        self.conn.execute(delete(wallets).where(wallets.c.party == party))

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
