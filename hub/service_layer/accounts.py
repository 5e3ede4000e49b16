"""A transport operator's money at the hub: wallet, subscriptions, statements, reminders.

Every change is audited with the command that caused it (`cause`) and commits in the caller's
unit of work; a refusal (`Refusal`) changes nothing, so the caller rolls back. Buying and
upgrading are `hub.service_layer.subscriptions`; this module adds the audit trail, the wallet
pairing, the expiry of ended subscriptions, the statements and the expiry reminders.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from hub.domain import billing, tokens
from hub.domain.billing import MovementKind, WalletMovement, parse_month
from hub.domain.events import Notification
from hub.domain.partners import Partner, Role, reminder_due, reminder_key
from hub.domain.refusals import Refusal
from hub.domain.tokens import Subscription, TokenEntry
from hub.rendering.xml import render_notification_xml
from hub.service_layer import subscriptions
from hub.service_layer.ports import AuditEntry, Outgoing, UnitOfWork
from hub.service_layer.tokens import expiry_recorded

ACTOR = "hub-admin"
PARTNER_EXCHANGE = "hub.partner"
REMINDER_EVENT = "SubscriptionExpiring"


class Markers(Protocol):
    """Keys of things done once (`hub.ledger.reporting.SqlReporting`)."""

    def seen(self, key: str) -> bool: ...

    def mark(self, key: str, at: datetime) -> None: ...


class WalletDirectory(Protocol):
    """Who a wallet id is paired to (`hub.ledger.reporting.SqlReporting`)."""

    def wallet_owner(self, wallet_id: str) -> str | None: ...


def audit(uow: UnitOfWork, at: datetime, action: str, cause: str, **details: Any) -> None:
    """One audit entry for an administrative change, naming the command that caused it."""
    uow.audit.append(AuditEntry(at, ACTOR, action, "", cause, details))


# --- wallet ---------------------------------------------------------------------------------


def pair_wallet(
    uow: UnitOfWork,
    directory: WalletDirectory,
    party: str,
    wallet_id: str,
    at: datetime,
    cause: str,
) -> str | Refusal:
    """Pair a prepaid wallet to a transport operator; one wallet per party and vice versa."""
    partner = uow.partners.get(party)
    if partner is None or Role.TRANSPORT_OPERATOR not in partner.roles:
        return Refusal(f"{party} is no registered transport operator", "role-not-held")
    current, owner = uow.wallets.paired(party), directory.wallet_owner(wallet_id)
    if current is not None:
        return Refusal(f"{party} already has wallet {current} paired", "already-paired")
    if owner is not None:
        return Refusal(f"wallet {wallet_id} is already paired to another party", "wallet-taken")
    uow.wallets.pair(party, wallet_id, at)
    audit(uow, at, "WalletPaired", cause, party=party, wallet_id=wallet_id)
    return wallet_id


def top_up(
    uow: UnitOfWork, party: str, amount: str, at: datetime, cause: str
) -> WalletMovement | Refusal:
    """Money into the paired wallet (euro, e.g. ``"151.25"``)."""
    try:
        value = Decimal(amount)
    except ArithmeticError:
        return Refusal(f"{amount!r} is not an amount of euro", "invalid-amount")
    if not value.is_finite() or value <= 0 or billing.euro(value) != value:
        return Refusal(f"{amount!r} is not a positive amount of euro and cents", "invalid-amount")
    moved = subscriptions.top_up(uow, party, amount, at, cause)
    if not isinstance(moved, Refusal):
        audit(uow, at, "WalletToppedUp", cause, party=party, amount=str(moved.amount))
    return moved


@dataclass(frozen=True)
class WalletLine:
    """One wallet movement with the balance after it."""

    movement: WalletMovement
    balance: Decimal


def wallet_statement(uow: UnitOfWork, party: str) -> list[WalletLine]:
    """Every movement of the party's wallet, oldest first, with the running balance."""
    lines, balance = [], Decimal("0.00")
    for movement in uow.wallets.movements(party):
        sign = 1 if movement.kind is MovementKind.TOP_UP else -1
        balance = billing.euro(balance + sign * movement.amount)
        lines.append(WalletLine(movement, balance))
    return lines


# --- subscriptions --------------------------------------------------------------------------


def buy(
    uow: UnitOfWork, party: str, tier: str, at: datetime, cause: str
) -> tokens.Purchase | Refusal:
    """A new subscription paid from the wallet (price with VAT), or the upgrade of the active
    one to a higher tier; audited as bought or upgraded."""
    problem = _buyer_problem(uow.partners.get(party), party)
    if problem is not None:
        return problem
    bought = subscriptions.buy(uow, party, tier, at, cause)
    if not isinstance(bought, Refusal):
        upgraded = bought.entry.kind is tokens.EntryKind.UPGRADE
        action = "SubscriptionUpgraded" if upgraded else "SubscriptionBought"
        _audit_purchase(uow, action, bought, at, cause)
    return bought


def upgrade(
    uow: UnitOfWork, party: str, tier: str, at: datetime, cause: str
) -> tokens.Purchase | Refusal:
    """The active subscription to a higher tier for the price difference; audited."""
    upgraded = subscriptions.upgrade(uow, party, tier, at, cause)
    if not isinstance(upgraded, Refusal):
        _audit_purchase(uow, "SubscriptionUpgraded", upgraded, at, cause)
    return upgraded


def _buyer_problem(partner: Partner | None, party: str) -> Refusal | None:
    if partner is None:
        return Refusal(f"party {party} is not registered", "party-unknown")
    if Role.TRANSPORT_OPERATOR not in partner.roles:
        return Refusal(f"{party} is no transport operator", "role-not-held")
    return None


def _audit_purchase(
    uow: UnitOfWork, action: str, bought: tokens.Purchase, at: datetime, cause: str
) -> None:
    sub, quote = bought.subscription, bought.quote
    money = {"net": str(quote.net), "vat": str(quote.vat), "gross": str(quote.gross)}
    audit(
        uow,
        at,
        action,
        cause,
        party=sub.party,
        subscription_id=sub.subscription_id,
        tier=sub.tier.value,
        tokens=bought.entry.tokens,
        ends_at=sub.ends_at.isoformat(),
        reverse_charge=quote.reverse_charge,
        **money,
    )


def expire_subscriptions(uow: UnitOfWork, now: datetime, cause: str) -> list[TokenEntry]:
    """Record the expiry of the unused tokens of every ended subscription (once each)."""
    done: list[TokenEntry] = []
    for partner in uow.partners.all():
        for sub in uow.tokens.subscriptions(partner.party_id):
            party, sid = partner.party_id, sub.subscription_id
            if sub.ends_at > now or expiry_recorded(uow.tokens, party, sid, now):
                continue  # running, or done: no lock and no history read on every run
            uow.tokens.lock(partner.party_id)
            entries = tokens.expire(uow.tokens.entries(partner.party_id), sub, now)
            uow.tokens.add(entries)
            done.extend(entries)
    for entry in done:
        sid = entry.subscription_id
        audit(uow, now, "TokensExpired", cause, party=entry.party, tokens=entry.tokens, sid=sid)
    return done


# --- token balance and statement ------------------------------------------------------------


@dataclass(frozen=True)
class TokenAccount:
    """The active subscription (if any) and what is left of it."""

    party: str
    subscription: Subscription | None
    balance: tokens.Balance | None


def token_account(uow: UnitOfWork, party: str, at: datetime) -> TokenAccount:
    """The party's active subscription and its balance at `at`."""
    sub = uow.tokens.active(party, at)
    if sub is None:
        return TokenAccount(party, None, None)
    left = tokens.balance(uow.tokens.entries(party), at, sub.subscription_id)
    return TokenAccount(party, sub, left)


TokenLine = tokens.StatementLine
"""One ledger entry, its signed effect, and its subscription's balance after it."""


def token_statement(uow: UnitOfWork, party: str, month: str | None = None) -> list[TokenLine]:
    """The party's ledger, oldest first, each line with the balance of its subscription after
    it (`hub.domain.tokens.statement`, the derivation `token_account` reads too); only
    `month` if given."""
    wanted = parse_month(month) if month else None
    lines = tokens.statement(uow.tokens.entries(party))
    return [line for line in lines if wanted in (None, (line.entry.at.year, line.entry.at.month))]


# --- reminders ------------------------------------------------------------------------------


def send_reminders(
    uow: UnitOfWork,
    now: datetime,
    days_before: int,
    markers: Markers,
    cause: str = "hub tokens remind",
) -> list[Notification]:
    """Remind each operator whose subscription ends within `days_before` days, once per
    subscription (`reminder_key`), with a ``SubscriptionExpiring`` notification on its
    ``hub.partner`` queue. A party that already bought a later-ending one is not reminded."""
    sent: list[Notification] = []
    for partner in uow.partners.all():
        sub = _ending(uow.tokens.subscriptions(partner.party_id), now)
        if sub is None or not reminder_due(sub.ends_at, now, days_before):
            continue
        key = reminder_key(sub.subscription_id, sub.ends_at, days_before)
        if markers.seen(key):
            continue
        markers.mark(key, now)
        sent.append(_remind(uow, sub, now, days_before, cause))
    return sent


def _ending(subs: Iterable[Subscription], now: datetime) -> Subscription | None:
    """The subscription that ends last, if it is still running."""
    last = max(subs, key=lambda s: s.ends_at, default=None)
    return last if last is not None and last.is_active(now) else None


def _remind(
    uow: UnitOfWork, sub: Subscription, now: datetime, days_before: int, cause: str
) -> Notification:
    details = {
        "subscriptionId": sub.subscription_id,
        "tier": sub.tier.value,
        "endsAt": sub.ends_at.isoformat(),
        "daysBefore": str(days_before),
    }
    note = Notification(sub.party, REMINDER_EVENT, "", "", details)
    body = render_notification_xml(note, now=now, message_id=uuid.uuid4().hex)
    headers = {"event": REMINDER_EVENT}
    out = Outgoing(
        PARTNER_EXCHANGE, sub.party, body, "application/xml", REMINDER_EVENT, "", headers
    )
    uow.outbox.add(out, now)
    audit(uow, now, "SubscriptionReminderSent", cause, party=sub.party, **details)
    return note
