"""The token ledger's lines and the one derivation of every balance from them.

The ledger is a list of `TokenEntry` values, only ever appended to. `statement` folds it once,
in order, keeping a running balance per subscription; `balance` is the last line of that same
fold (over the entries dated up to a moment), so `hub tokens balance` and `hub tokens statement`
cannot disagree. Per subscription: remaining = grants + upgrades - consumptions + refunds -
expiries; used = consumptions - refunds; unlimited once an unlimited tier is granted, until the
expiry is recorded (then remaining is shown again, and is 0).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from hub.domain.billing import TIERS, Tier


class EntryKind(enum.StrEnum):
    """What a ledger entry records."""

    GRANT = "grant"
    CONSUME = "consume"
    REFUND = "refund"
    UPGRADE = "upgrade"
    EXPIRE = "expire"


@dataclass(frozen=True)
class TokenEntry:
    """One append-only ledger line; `tokens` is never negative, `kind` gives the direction.

    `cause` names the message or command that caused it; `key` is its idempotency key (for a
    consumption the caller's, e.g. ``f"{release_key}:{action}"``; a refund repeats the key of
    the consumption it returns). `tier` is the tier granted (GRANT, UPGRADE); `money_net` and
    `money_vat` what was paid for it.
    """

    kind: EntryKind
    party: str
    subscription_id: str
    tokens: int
    at: datetime
    cause: str
    key: str
    tier: Tier | None = None
    money_net: Decimal = Decimal("0.00")
    money_vat: Decimal = Decimal("0.00")

    @property
    def signed(self) -> int:
        """The entry's effect on the remaining tokens."""
        taken = self.kind in (EntryKind.CONSUME, EntryKind.EXPIRE)
        return -self.tokens if taken else self.tokens


@dataclass(frozen=True)
class Balance:
    """Tokens left (None when unlimited) and tokens used (net of refunds)."""

    remaining: int | None
    used: int
    unlimited: bool


@dataclass(frozen=True)
class StatementLine:
    """One entry, its signed change, and its subscription's balance after it."""

    entry: TokenEntry
    change: int
    remaining: int | None
    used: int

    @property
    def balance(self) -> Balance:
        return Balance(self.remaining, self.used, self.remaining is None)


@dataclass
class _Running:
    """The running figures of one subscription while `statement` folds the ledger."""

    remaining: int = 0
    used: int = 0
    unlimited: bool = False
    expired: bool = False

    def apply(self, entry: TokenEntry) -> None:
        self.remaining += entry.signed
        if entry.kind is EntryKind.CONSUME:
            self.used += entry.tokens
        elif entry.kind is EntryKind.REFUND:
            self.used -= entry.tokens
        elif entry.kind is EntryKind.EXPIRE:
            self.expired = True
        granted = entry.tier is not None and TIERS[entry.tier].allowance is None
        self.unlimited = (self.unlimited or granted) and not self.expired


def statement(entries: Iterable[TokenEntry]) -> list[StatementLine]:
    """Every entry in ledger order with its subscription's balance after it."""
    running: dict[str, _Running] = {}
    lines = []
    for entry in entries:
        run = running.setdefault(entry.subscription_id, _Running())
        run.apply(entry)
        left = None if run.unlimited else run.remaining
        lines.append(StatementLine(entry, entry.signed, left, run.used))
    return lines


def balance(
    entries: Iterable[TokenEntry], at: datetime, subscription_id: str | None = None
) -> Balance:
    """The balance as the ledger stands at `at`: the last `statement` line of one subscription,
    or of each (summed; unlimited if any is). Counts the entries dated at or before `at`; a
    subscription past its end keeps its tokens until `expire` has recorded their expiry."""
    seen = [e for e in entries if e.at <= at and subscription_id in (None, e.subscription_id)]
    last = {line.entry.subscription_id: line for line in statement(seen)}
    unlimited = any(line.remaining is None for line in last.values())
    used = sum(line.used for line in last.values())
    remaining = sum(line.remaining or 0 for line in last.values())
    return Balance(None if unlimited else remaining, used, unlimited)
