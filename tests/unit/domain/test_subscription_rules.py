"""One subscription per operator, 12 calendar months, and one balance (issue 19, "Tokens and
fees"): a High subscriber buying Low was charged and lost its unlimited accepts, and `tokens
balance` (24) and `tokens statement` (2024) disagreed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.periods import add_months
from hub.domain.refusals import Refusal
from hub.domain.tokens import (
    EntryKind,
    Purchase,
    Subscription,
    Tier,
    TokenEntry,
    balance,
    buy,
    consume,
    current,
    expire,
    purchase,
    refund,
    statement,
    upgrade,
)

T0 = datetime(2027, 12, 1, 9, 30, tzinfo=UTC)
DAY = timedelta(days=1)
OPERATOR = "HAULIER"


def bought(tier: Tier, at: datetime = T0) -> tuple[Subscription, list[TokenEntry]]:
    p = purchase(OPERATOR, tier, "BE", at, "S1", "cmd:buy-1")
    return p.subscription, [p.entry]


# --- 12 calendar months ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2027, 12, 1, 9, 30), datetime(2028, 12, 1, 9, 30)),
        (datetime(2028, 3, 1), datetime(2029, 3, 1)),  # across 29 Feb 2028: 365 days, not 366
        (datetime(2027, 3, 1), datetime(2028, 3, 1)),  # 366 days, all of them paid for
        (datetime(2028, 1, 31, 12), datetime(2029, 1, 31, 12)),
        # 29 Feb has no twin next year: the period runs to the end of 28 Feb
        (datetime(2028, 2, 29, 15), datetime(2029, 3, 1)),
    ],
)
def test_a_subscription_runs_12_calendar_months(start: datetime, end: datetime) -> None:
    p = purchase(OPERATOR, Tier.LOW, "BE", start.replace(tzinfo=UTC), "S1", "buy")
    assert p.subscription.ends_at == end.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (datetime(2028, 1, 31, 8), 1, datetime(2028, 3, 1)),  # no 31 February
        (datetime(2028, 8, 31, 8), 1, datetime(2028, 10, 1)),  # no 31 September
        (datetime(2028, 1, 29, 8), 1, datetime(2028, 2, 29, 8)),
        (datetime(2028, 11, 30, 8), 3, datetime(2029, 3, 1)),  # no 30 February
        (datetime(2028, 5, 15, 8), 24, datetime(2030, 5, 15, 8)),
        (datetime(2028, 12, 31, 23, 59), 12, datetime(2029, 12, 31, 23, 59)),
    ],
)
def test_add_months_keeps_the_date_or_ends_with_the_last_day_of_the_month(
    start: datetime, months: int, end: datetime
) -> None:
    assert add_months(start.replace(tzinfo=UTC), months) == end.replace(tzinfo=UTC)


def test_tokens_are_usable_on_the_last_day_and_refused_when_the_months_are_over() -> None:
    sub, entries = bought(Tier.LOW)
    last = datetime(2028, 12, 1, 9, 29, tzinfo=UTC)
    assert len(consume(entries, sub, OPERATOR, "R1:accept", "msg", last)) == 1  # type: ignore[arg-type]
    over = consume(entries, sub, OPERATOR, "R2:accept", "msg", sub.ends_at)
    assert isinstance(over, Refusal) and over.code == "not-enough-tokens"


# --- one active subscription -------------------------------------------------------------------


@pytest.mark.parametrize("tier", [Tier.LOW, Tier.MEDIUM, Tier.HIGH])
def test_a_lower_or_the_same_tier_is_refused_while_one_is_active(tier: Tier) -> None:
    sub, entries = bought(Tier.HIGH)
    result = buy(entries, sub, OPERATOR, tier, "BE", T0 + 30 * DAY, "S2", "cmd:buy-2")
    assert isinstance(result, Refusal) and result.code == "subscription-active"
    assert result.reason == (
        f"HAULIER already has an active high subscription S1 until 2028-12-01; "
        f"{tier} is not a higher tier, so nothing is bought or charged"
    )


def test_a_higher_tier_while_one_is_active_is_an_upgrade_for_the_difference() -> None:
    sub, entries = bought(Tier.LOW)
    result = buy(entries, sub, OPERATOR, Tier.MEDIUM, "BE", T0 + 30 * DAY, "S2", "cmd:buy-2")
    assert isinstance(result, Purchase)
    assert result.entry.kind is EntryKind.UPGRADE
    assert (result.subscription.subscription_id, result.subscription.ends_at) == (
        "S1",
        sub.ends_at,
    )
    assert (result.quote.net, result.quote.gross) == (Decimal("125.00"), Decimal("151.25"))


def test_once_the_period_is_over_a_purchase_is_a_new_subscription() -> None:
    sub, entries = bought(Tier.HIGH)
    result = buy(entries, sub, OPERATOR, Tier.LOW, "BE", sub.ends_at, "S2", "cmd:buy-2")
    assert isinstance(result, Purchase) and result.entry.kind is EntryKind.GRANT
    assert result.subscription.subscription_id == "S2"
    assert result.subscription.ends_at == datetime(2029, 12, 1, 9, 30, tzinfo=UTC)


def test_of_overlapping_subscriptions_already_in_a_ledger_the_highest_tier_is_current() -> None:
    high = purchase(OPERATOR, Tier.HIGH, "BE", T0, "S1", "buy").subscription
    low = purchase(OPERATOR, Tier.LOW, "BE", T0 + DAY, "S2", "buy").subscription
    assert current([high, low], T0 + 2 * DAY) == high
    assert current([high, low], T0) == high
    assert current([high, low], high.ends_at) == low
    assert current([high, low], low.ends_at) is None


# --- one derivation: balance and statement agree -----------------------------------------------


def test_the_statement_shows_each_subscription_s_own_balance_as_the_balance_does() -> None:
    """The reported case: Medium (2,000), upgraded to High, then Low bought beside it
    (a ledger written before the rule): the statement ran 2,024 where the balance said 24."""
    medium = purchase(OPERATOR, Tier.MEDIUM, "BE", T0, "S1", "buy")
    entries = [medium.entry]
    up = upgrade(entries, medium.subscription, Tier.HIGH, "BE", T0 + DAY, "upgrade")
    assert isinstance(up, Purchase)
    entries.append(up.entry)
    low = purchase(OPERATOR, Tier.LOW, "BE", T0 + 2 * DAY, "S2", "buy")
    entries.append(low.entry)
    entries += consume(entries, low.subscription, OPERATOR, "R1:accept", "m", T0 + 3 * DAY)  # type: ignore[arg-type]
    lines = statement(entries)
    assert [(line.entry.subscription_id, line.remaining) for line in lines] == [
        ("S1", 2000),
        ("S1", None),
        ("S2", 25),
        ("S2", 24),
    ]
    at = T0 + 3 * DAY
    assert balance(entries, at, "S2").remaining == lines[-1].remaining == 24
    assert balance(entries, at, "S1").remaining is None


BUYABLE = [Tier.LOW, Tier.LOW, Tier.MEDIUM, Tier.HIGH, Tier.API]
OPS = ["buy", "upgrade", "consume", "consume", "consume", "consume", "refund", "expire", "advance"]


class Operator:
    """Drives the decisions as the service layer does: the current subscription, then append."""

    def __init__(self) -> None:
        self.entries: list[TokenEntry] = []
        self.subs: dict[str, Subscription] = {}
        self.now = T0

    def current(self) -> Subscription | None:
        return current(self.subs.values(), self.now)

    def buy(self, n: int) -> None:
        tier, sid = BUYABLE[n % len(BUYABLE)], f"S{len(self.subs)}"
        result = buy(self.entries, self.current(), OPERATOR, tier, "BE", self.now, sid, "buy")
        if isinstance(result, Purchase):
            self.subs[result.subscription.subscription_id] = result.subscription
            self.entries.append(result.entry)

    def upgrade(self, n: int) -> None:
        held = self.current()
        if held is not None:
            tier = BUYABLE[n % len(BUYABLE)]
            result = upgrade(self.entries, held, tier, "BE", self.now, "upgrade")
            if isinstance(result, Purchase):
                self.subs[held.subscription_id] = result.subscription
                self.entries.append(result.entry)

    def consume(self, n: int) -> None:
        result = consume(self.entries, self.current(), OPERATOR, f"R{n}", "accept", self.now)
        self.entries += [] if isinstance(result, Refusal) else result

    def refund(self, n: int) -> None:
        result = refund(self.entries, f"R{n}", "revoke", self.now)
        self.entries += [] if isinstance(result, Refusal) else result

    def expire(self, _: int) -> None:
        for sub in list(self.subs.values()):
            self.entries += expire(self.entries, sub, self.now)

    def advance(self, n: int) -> None:
        self.now += timedelta(days=7 * n, hours=n)


def agree(op: Operator) -> None:
    """What `tokens balance` shows is the last statement line of the current subscription."""
    lines = statement(op.entries)
    for sid in op.subs:
        own = [line for line in lines if line.entry.subscription_id == sid]
        derived = balance(op.entries, op.now, sid)
        assert (derived.remaining, derived.used) == (own[-1].remaining, own[-1].used)
        signed = sum(e.signed for e in op.entries if e.subscription_id == sid)
        assert derived.unlimited or derived.remaining == signed >= 0
    active = [s for s in op.subs.values() if s.is_active(op.now)]
    assert len(active) <= 1


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 40)), min_size=20, max_size=120))
def test_balance_and_statement_agree_over_any_sequence(ops: list[tuple[str, int]]) -> None:
    op = Operator()
    for name, arg in ops:
        before = list(op.entries)
        getattr(op, name)(arg)
        assert op.entries[: len(before)] == before
        agree(op)
