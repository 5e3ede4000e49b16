"""Prepaid tokens for transport operators: subscriptions, the append-only ledger, the balance.

The rules (DESIGN.md, "Tokens"; the price list, VAT and `needs_token` are in `hub.domain.billing`
and re-exported here):
- **Period**: a subscription bought at ``T`` is usable from ``T`` (inclusive) until the same
  moment 12 calendar months later (exclusive): 2027-12-01 → 2028-12-01; bought on 29 February,
  to the end of 28 February (`hub.domain.periods.add_months`). Then its unused tokens expire;
  nothing carries over to a renewal, which is a new subscription.
- **One active subscription per operator** (`buy`): while one runs, a higher tier is an upgrade
  of it; the same or a lower tier is refused and nothing is charged.
- **Upgrade** within the period to a higher tier costs the net price difference (+ VAT), keeps
  the end date, and leaves the new tier's allowance less the tokens already used.
- One token per charged action, returned if the release is revoked; never refunded in money.

The ledger is a list of `TokenEntry` values, only ever appended to. Every figure is derived from
it by one fold (`hub.domain.token_ledger`: `statement`, and `balance` as its last line). The
decision functions (`buy`, `purchase`, `upgrade`, `consume`, `refund`, `expire`) read the entries
and return the entries to append, or a `Refusal`, and never change anything themselves.

**Unlimited tiers** (High, API): a consumption is still recorded, so that it is idempotent and
can be refunded, but it carries 0 tokens; the balance reports ``remaining=None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from hub.domain.billing import TIERS, Quote, vat_quote
from hub.domain.billing import TerminalAccess as TerminalAccess
from hub.domain.billing import Tier as Tier
from hub.domain.billing import TokenAction as TokenAction
from hub.domain.billing import needs_token as needs_token
from hub.domain.billing import price_quote as price_quote
from hub.domain.periods import add_months
from hub.domain.refusals import Refusal
from hub.domain.token_ledger import Balance as Balance
from hub.domain.token_ledger import EntryKind as EntryKind
from hub.domain.token_ledger import StatementLine as StatementLine
from hub.domain.token_ledger import TokenEntry as TokenEntry
from hub.domain.token_ledger import balance as balance
from hub.domain.token_ledger import statement as statement

PERIOD_MONTHS = 12


def period_end(start: datetime) -> datetime:
    """When a subscription bought at `start` ends: 12 calendar months later (exclusive)."""
    return add_months(start, PERIOD_MONTHS)


@dataclass(frozen=True)
class Subscription:
    """One party's subscription: usable from `starts_at` (inclusive) to `ends_at` (exclusive)."""

    subscription_id: str
    party: str
    tier: Tier
    starts_at: datetime
    ends_at: datetime

    def is_active(self, at: datetime) -> bool:
        """True while the period runs (from its start up to, not including, its end)."""
        return self.starts_at <= at < self.ends_at


@dataclass(frozen=True)
class ChargeView:
    """The part of a party's ledger a charge depends on (`charge_view`).

    `charged`: an open (not refunded) consumption under the key. For the subscription, at the
    time of the charge: `remaining` (signed sum of its entries dated at or before then; 0 when
    unlimited), `used` (consumed less refunded), `unlimited` (an unlimited tier granted then and
    not expired then), `expired` (its expiry is recorded, whatever the date).
    """

    charged: bool
    remaining: int = 0
    used: int = 0
    unlimited: bool = False
    expired: bool = False


@dataclass(frozen=True)
class Purchase:
    """A bought or upgraded subscription, the ledger entry to append, and the price to charge."""

    subscription: Subscription
    entry: TokenEntry
    quote: Quote


def current(subscriptions: Iterable[Subscription], at: datetime) -> Subscription | None:
    """The subscription in force at `at`: the active one. Of overlapping ones (a ledger written
    before the one-subscription rule), the highest tier, then the latest bought."""
    active = [s for s in subscriptions if s.is_active(at)]
    return max(active, key=lambda s: (TIERS[s.tier].rank, s.starts_at), default=None)


def buy(
    entries: Sequence[TokenEntry],
    held: Subscription | None,
    party: str,
    tier: Tier,
    party_country: str,
    at: datetime,
    subscription_id: str,
    cause: str,
) -> Purchase | Refusal:
    """Buy `tier` with `held` the party's current subscription (`current`), if any.

    None running (or it is over): a new subscription (`purchase`). A higher tier than the one
    held: an `upgrade` of it for the price difference, same end date. The same or a lower tier:
    refused, nothing bought or charged.
    """
    if held is None or not _usable(entries, held, at):
        return purchase(party, tier, party_country, at, subscription_id, cause)
    tier_held = _current_tier(entries, held)
    if TIERS[tier].rank > TIERS[tier_held].rank:
        return upgrade(entries, held, tier, party_country, at, cause)
    return Refusal(
        f"{party} already has an active {tier_held} subscription {held.subscription_id} until "
        f"{held.ends_at:%Y-%m-%d}; {tier} is not a higher tier, so nothing is bought or charged",
        "subscription-active",
    )


def purchase(
    party: str, tier: Tier, party_country: str, at: datetime, subscription_id: str, cause: str
) -> Purchase:
    """Buy `tier` at `at`: a new subscription for one period and the GRANT of its allowance."""
    subscription = Subscription(subscription_id, party, tier, at, period_end(at))
    quote = price_quote(tier, party_country)
    grant = _paid(EntryKind.GRANT, subscription, TIERS[tier].allowance or 0, at, cause, quote)
    return Purchase(subscription, grant, quote)


def upgrade(
    entries: Sequence[TokenEntry],
    subscription: Subscription,
    tier: Tier,
    party_country: str,
    at: datetime,
    cause: str,
) -> Purchase | Refusal:
    """Move an active subscription to a higher tier for the price difference; same end date.

    The UPGRADE entry adds the difference of the allowances (Low → Medium: 1,975), so a Low
    subscription with 10 tokens used has 2,000 - 10 = 1,990 left. Refused for the same or a
    lower tier, and once the period is over (buy a new subscription instead).
    """
    current = _current_tier(entries, subscription)
    problem = _upgrade_problem(entries, subscription, current, tier, at)
    if problem is not None:
        return problem
    old, new = TIERS[current], TIERS[tier]
    quote = vat_quote(new.price - old.price, party_country)
    tokens = 0 if new.allowance is None or old.allowance is None else new.allowance - old.allowance
    upgraded = replace(subscription, tier=tier)
    return Purchase(upgraded, _paid(EntryKind.UPGRADE, upgraded, tokens, at, cause, quote), quote)


def consume(
    entries: Sequence[TokenEntry],
    subscription: Subscription | None,
    party: str,
    key: str,
    cause: str,
    at: datetime,
) -> list[TokenEntry] | Refusal:
    """Charge one token for the action `key`; [] if `key` is already charged and not refunded.

    Refused ("not enough tokens: ...") without an active subscription of `party`, or with no
    token left. An unlimited subscription records the consumption with 0 tokens.
    """
    sid = subscription.subscription_id if subscription is not None else None
    return consume_from(charge_view(entries, sid, key, at), subscription, party, key, cause, at)


def consume_from(
    view: ChargeView,
    subscription: Subscription | None,
    party: str,
    key: str,
    cause: str,
    at: datetime,
) -> list[TokenEntry] | Refusal:
    """`consume` on what the ledger says about `key` and the subscription (`charge_view`),
    so that a store can work the view out without reading the whole history."""
    if view.charged:
        return []
    if subscription is None or subscription.party != party:
        return Refusal(f"not enough tokens: {party} has no subscription", "not-enough-tokens")
    if not subscription.is_active(at) or view.expired:
        ended = subscription.ends_at.isoformat()
        return Refusal(f"not enough tokens: subscription ended {ended}", "not-enough-tokens")
    sid = subscription.subscription_id
    if not view.unlimited and view.remaining < 1:
        return Refusal(
            f"not enough tokens: {party} has used all {view.used} tokens of its "
            f"{subscription.tier} subscription {sid}",
            "not-enough-tokens",
        )
    tokens = 0 if view.unlimited else 1
    return [TokenEntry(EntryKind.CONSUME, party, sid, tokens, at, cause, key)]


def charge_view(
    entries: Sequence[TokenEntry], subscription_id: str | None, key: str, at: datetime
) -> ChargeView:
    """What `consume` needs of one party's `entries`: is `key` charged (not refunded), and the
    balance at `at` of the subscription (none: all zero)."""
    charged = _open_consumption(entries, key) is not None
    if subscription_id is None:
        return ChargeView(charged)
    left = balance(entries, at, subscription_id)
    expired = _expired(entries, subscription_id)
    return ChargeView(charged, left.remaining or 0, left.used, left.unlimited, expired)


def refund(
    entries: Sequence[TokenEntry], key: str, cause: str, at: datetime
) -> list[TokenEntry] | Refusal:
    """Return the token charged for `key` (the release was revoked or withdrawn), at most once.

    [] when nothing is charged under `key` (never charged, or already refunded). Refused once the
    subscription has expired: its tokens are gone, and tokens are never refunded in money.
    """
    charged = _open_consumption(entries, key)
    if charged is None:
        return []
    if _expired(entries, charged.subscription_id):
        return Refusal(
            f"token for {key} not returned: subscription {charged.subscription_id} has expired",
            "subscription-expired",
        )
    sid = charged.subscription_id
    return [TokenEntry(EntryKind.REFUND, charged.party, sid, charged.tokens, at, cause, key)]


def expire(
    entries: Sequence[TokenEntry], subscription: Subscription, at: datetime
) -> list[TokenEntry]:
    """At or after the end of the period, the EXPIRE entry for all unused tokens; once only."""
    sid = subscription.subscription_id
    if at < subscription.ends_at or _expired(entries, sid):
        return []
    unused = sum(e.signed for e in entries if e.subscription_id == sid)
    cause = f"subscription {sid} ended {subscription.ends_at.isoformat()}"
    return [
        TokenEntry(EntryKind.EXPIRE, subscription.party, sid, unused, at, cause, f"{sid}:expire")
    ]


def consumption_key(release_key: str, action: str) -> str:
    """The idempotency key of one charged action on one release right."""
    return f"{release_key}:{action}"


# --- reading the ledger ---------------------------------------------------------------------


def _open_consumption(entries: Iterable[TokenEntry], key: str) -> TokenEntry | None:
    """The consumption under `key` that has not been refunded, if any."""
    charged: TokenEntry | None = None
    for entry in entries:
        if entry.key == key and entry.kind is EntryKind.CONSUME:
            charged = entry
        elif entry.key == key and entry.kind is EntryKind.REFUND:
            charged = None
    return charged


def _expired(entries: Iterable[TokenEntry], subscription_id: str) -> bool:
    return any(e.kind is EntryKind.EXPIRE and e.subscription_id == subscription_id for e in entries)


def _current_tier(entries: Iterable[TokenEntry], subscription: Subscription) -> Tier:
    """The highest tier granted to the subscription so far (redelivery-safe)."""
    tiers = [e.tier for e in entries if e.subscription_id == subscription.subscription_id]
    return max([subscription.tier, *(t for t in tiers if t)], key=lambda t: TIERS[t].rank)


def _paid(
    kind: EntryKind, subscription: Subscription, tokens: int, at: datetime, cause: str, quote: Quote
) -> TokenEntry:
    """The GRANT or UPGRADE entry of a purchase, with the tier bought and the money paid."""
    sid, tier = subscription.subscription_id, subscription.tier
    key = f"{sid}:grant" if kind is EntryKind.GRANT else f"{sid}:upgrade:{tier}"
    party = subscription.party
    return TokenEntry(kind, party, sid, tokens, at, cause, key, tier, quote.net, quote.vat)


def _usable(entries: Sequence[TokenEntry], subscription: Subscription, at: datetime) -> bool:
    """Within its period, and its expiry not yet recorded."""
    return subscription.is_active(at) and not _expired(entries, subscription.subscription_id)


def _upgrade_problem(
    entries: Sequence[TokenEntry],
    subscription: Subscription,
    current: Tier,
    tier: Tier,
    at: datetime,
) -> Refusal | None:
    if TIERS[tier].rank <= TIERS[current].rank:
        return Refusal(f"{tier} is not an upgrade of {current}", "not-an-upgrade")
    if not _usable(entries, subscription, at):
        ended = subscription.ends_at.isoformat()
        return Refusal(f"subscription ended {ended}; buy a new one", "subscription-ended")
    return None
