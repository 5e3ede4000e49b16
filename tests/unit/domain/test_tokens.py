"""Token accounting: the worked examples of the issue, then the invariants as properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.refusals import Refusal
from hub.domain.tokens import (
    EntryKind,
    Purchase,
    Subscription,
    Tier,
    TokenEntry,
    balance,
    consume,
    consumption_key,
    expire,
    needs_token,
    period_end,
    price_quote,
    purchase,
    refund,
    upgrade,
)

T0 = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
DAY = timedelta(days=1)
OPERATOR = "HAULIER"


def bought(tier: Tier = Tier.LOW, country: str = "BE") -> tuple[Subscription, list[TokenEntry]]:
    """A subscription bought at T0 and its ledger."""
    p = purchase(OPERATOR, tier, country, T0, "S1", "cmd:buy-1")
    return p.subscription, [p.entry]


def spend(entries: list[TokenEntry], sub: Subscription, n: int, at: datetime = T0) -> None:
    """Consume `n` tokens for n different releases, appending to `entries`."""
    for i in range(n):
        result = consume(entries, sub, OPERATOR, consumption_key(f"R{i}", "accept"), "msg", at)
        assert isinstance(result, list)
        entries.extend(result)


def appended(result: list[TokenEntry] | Refusal) -> list[TokenEntry]:
    assert isinstance(result, list), result
    return result


# --- prices ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "net", "vat", "gross"),
    [
        (Tier.LOW, "125.00", "26.25", "151.25"),
        (Tier.MEDIUM, "250.00", "52.50", "302.50"),
        (Tier.HIGH, "500.00", "105.00", "605.00"),
        (Tier.API, "2500.00", "525.00", "3025.00"),
    ],
)
def test_a_belgian_company_pays_21_percent_vat(tier: Tier, net: str, vat: str, gross: str) -> None:
    quote = price_quote(tier, "BE")
    assert (quote.net, quote.vat, quote.gross) == (Decimal(net), Decimal(vat), Decimal(gross))
    assert not quote.reverse_charge


@pytest.mark.parametrize("country", ["NL", "DE", "FR", "GR", "EL", "lu"])
def test_another_eu_company_is_reverse_charged(country: str) -> None:
    quote = price_quote(Tier.MEDIUM, country)
    assert quote.reverse_charge
    assert (quote.vat, quote.gross) == (Decimal("0.00"), Decimal("250.00"))


@pytest.mark.parametrize("country", ["US", "CH", "GB", "XI"])
def test_outside_the_eu_no_vat_and_no_reverse_charge(country: str) -> None:
    quote = price_quote(Tier.LOW, country)
    assert (quote.vat, quote.gross, quote.reverse_charge) == (Decimal("0.00"), quote.net, False)


# --- purchase and period -----------------------------------------------------------------------


def test_purchase_grants_the_allowance_for_12_months_and_records_the_money() -> None:
    sub, entries = bought(Tier.LOW)
    assert (sub.starts_at, sub.ends_at) == (T0, T0.replace(year=2025))
    (grant,) = entries
    assert (grant.kind, grant.tokens, grant.tier) == (EntryKind.GRANT, 25, Tier.LOW)
    assert (grant.money_net, grant.money_vat, grant.cause) == (
        Decimal("125.00"),
        Decimal("26.25"),
        "cmd:buy-1",
    )
    assert balance(entries, T0) == balance(entries, T0, "S1")
    assert balance(entries, T0).remaining == 25


def test_tokens_are_usable_until_the_end_and_expire_at_it() -> None:
    """Bought 2024-03-01: usable through 28 February 2025 (day 364), and on 1 March 2025 (day
    365) no longer: 12 calendar months, which here are 365 days."""
    sub, entries = bought(Tier.LOW)
    end = sub.ends_at
    spend(entries, sub, 3, at=T0 + 364 * DAY)
    assert expire(entries, sub, end - timedelta(microseconds=1)) == []
    refused = consume(entries, sub, OPERATOR, "R9:accept", "msg", end)
    assert isinstance(refused, Refusal) and refused.code == "not-enough-tokens"
    (expiry,) = appended(expire(entries, sub, end))
    assert (expiry.kind, expiry.tokens) == (EntryKind.EXPIRE, 22)
    entries.append(expiry)
    assert balance(entries, end).remaining == 0
    assert expire(entries, sub, T0 + 400 * DAY) == []  # once only


def test_renewal_is_a_new_subscription_and_nothing_carries_over() -> None:
    old, entries = bought(Tier.LOW)
    entries += expire(entries, old, old.ends_at)
    renewal = purchase(OPERATOR, Tier.LOW, "BE", old.ends_at + DAY, "S2", "cmd:buy-2")
    entries.append(renewal.entry)
    assert balance(entries, old.ends_at + DAY).remaining == 25
    assert balance(entries, old.ends_at + DAY, "S1").remaining == 0


def test_balance_counts_only_entries_up_to_the_moment_asked() -> None:
    sub, entries = bought(Tier.LOW)
    spend(entries, sub, 5, at=T0 + 10 * DAY)
    assert balance(entries, T0 + DAY) == balance([entries[0]], T0 + DAY)
    assert balance(entries, T0 + 10 * DAY).remaining == 20


# --- upgrade -----------------------------------------------------------------------------------


def test_low_to_medium_costs_125_and_leaves_1990_after_10_used_with_the_same_end() -> None:
    sub, entries = bought(Tier.LOW)
    spend(entries, sub, 10)
    result = upgrade(entries, sub, Tier.MEDIUM, "BE", T0 + 100 * DAY, "cmd:upgrade")
    assert isinstance(result, Purchase)
    assert (result.quote.net, result.quote.vat, result.quote.gross) == (
        Decimal("125.00"),
        Decimal("26.25"),
        Decimal("151.25"),
    )
    assert result.subscription.ends_at == sub.ends_at
    assert result.subscription.tier is Tier.MEDIUM
    assert (result.entry.kind, result.entry.tokens) == (EntryKind.UPGRADE, 1975)
    after = balance([*entries, result.entry], T0 + 100 * DAY)
    assert (after.remaining, after.used) == (1990, 10)


def test_upgrade_for_a_dutch_company_is_reverse_charged() -> None:
    sub, entries = bought(Tier.LOW, "NL")
    result = upgrade(entries, sub, Tier.HIGH, "NL", T0 + DAY, "cmd:upgrade")
    assert isinstance(result, Purchase)
    assert (result.quote.net, result.quote.vat, result.quote.reverse_charge) == (
        Decimal("375.00"),
        Decimal("0.00"),
        True,
    )
    assert balance([*entries, result.entry], T0 + DAY).unlimited


@pytest.mark.parametrize("tier", [Tier.LOW, Tier.MEDIUM])
def test_an_upgrade_to_the_same_or_a_lower_tier_is_refused(tier: Tier) -> None:
    sub, entries = bought(Tier.MEDIUM)
    result = upgrade(entries, sub, tier, "BE", T0 + DAY, "cmd:upgrade")
    assert result == Refusal(f"{tier} is not an upgrade of medium", "not-an-upgrade")


def test_a_redelivered_upgrade_is_refused_even_with_the_old_subscription() -> None:
    sub, entries = bought(Tier.LOW)
    first = upgrade(entries, sub, Tier.MEDIUM, "BE", T0 + DAY, "cmd:upgrade")
    assert isinstance(first, Purchase)
    entries.append(first.entry)
    again = upgrade(entries, sub, Tier.MEDIUM, "BE", T0 + DAY, "cmd:upgrade")
    assert isinstance(again, Refusal) and again.code == "not-an-upgrade"


def test_an_upgrade_after_the_period_is_refused() -> None:
    sub, entries = bought(Tier.LOW)
    result = upgrade(entries, sub, Tier.MEDIUM, "BE", sub.ends_at, "cmd:upgrade")
    assert isinstance(result, Refusal) and result.code == "subscription-ended"


# --- consumption and refund --------------------------------------------------------------------


def test_consumption_is_idempotent_per_key() -> None:
    sub, entries = bought(Tier.LOW)
    first = appended(consume(entries, sub, OPERATOR, "R1:accept", "msg-1", T0))
    assert [(e.kind, e.tokens, e.key, e.cause) for e in first] == [
        (EntryKind.CONSUME, 1, "R1:accept", "msg-1")
    ]
    entries += first
    assert consume(entries, sub, OPERATOR, "R1:accept", "msg-1 again", T0) == []
    assert balance(entries, T0).remaining == 24


def test_without_tokens_the_accept_is_refused_and_nothing_is_appended() -> None:
    sub, entries = bought(Tier.LOW)
    spend(entries, sub, 25)
    before = list(entries)
    result = consume(entries, sub, OPERATOR, "R99:accept", "msg", T0)
    assert isinstance(result, Refusal)
    assert result.reason.startswith("not enough tokens: ")
    assert result.code == "not-enough-tokens"
    assert entries == before


def test_without_a_subscription_the_accept_is_refused() -> None:
    sub, entries = bought()
    for subscription in (None, sub):  # none at all, or someone else's
        result = consume(entries, subscription, "SOMEONE_ELSE", "R1:accept", "msg", T0)
        assert isinstance(result, Refusal) and result.code == "not-enough-tokens"
        assert result.reason == "not enough tokens: SOMEONE_ELSE has no subscription"


def test_revoke_returns_the_token_at_most_once() -> None:
    sub, entries = bought(Tier.LOW)
    spend(entries, sub, 1)
    (returned,) = appended(refund(entries, "R0:accept", "revoke-msg", T0 + DAY))
    assert (returned.kind, returned.tokens, returned.cause) == (EntryKind.REFUND, 1, "revoke-msg")
    entries.append(returned)
    assert refund(entries, "R0:accept", "revoke-msg again", T0 + DAY) == []
    assert balance(entries, T0 + DAY) == balance(entries[:1], T0)


def test_refund_of_an_action_never_charged_is_nothing() -> None:
    _, entries = bought(Tier.LOW)
    assert refund(entries, "R7:accept", "revoke", T0) == []


def test_after_a_refund_the_same_action_is_charged_again() -> None:
    sub, entries = bought(Tier.LOW)
    spend(entries, sub, 1)
    entries += appended(refund(entries, "R0:accept", "revoke", T0))
    assert len(appended(consume(entries, sub, OPERATOR, "R0:accept", "again", T0))) == 1


def test_no_token_is_returned_once_the_subscription_has_expired() -> None:
    sub, entries = bought(Tier.LOW)
    spend(entries, sub, 1)
    entries += expire(entries, sub, sub.ends_at)
    result = refund(entries, "R0:accept", "revoke", sub.ends_at + DAY)
    assert isinstance(result, Refusal) and result.code == "subscription-expired"


@pytest.mark.parametrize("tier", [Tier.HIGH, Tier.API])
def test_unlimited_consumption_is_recorded_with_no_token_and_stays_unlimited(tier: Tier) -> None:
    sub, entries = bought(tier)
    spend(entries, sub, 300)
    assert {e.tokens for e in entries if e.kind is EntryKind.CONSUME} == {0}
    assert balance(entries, T0) == balance(entries[:1], T0)
    assert balance(entries, T0).remaining is None and balance(entries, T0).unlimited
    entries += expire(entries, sub, sub.ends_at)
    assert balance(entries, sub.ends_at).remaining == 0


# --- when a token is needed --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("access", "action", "api", "expected"),
    [
        ("alfapass", "accept", False, True),
        ("alfapass", "subscribe_lights", False, False),
        ("pin", "accept", False, False),
        ("pin", "subscribe_lights", False, True),
        ("alfapass", "accept", True, False),
        ("pin", "subscribe_lights", True, False),
    ],
)
def test_needs_token(access: str, action: str, api: bool, expected: bool) -> None:
    assert needs_token(access, action, api) is expected


def test_an_unknown_access_mode_is_a_configuration_error() -> None:
    with pytest.raises(ValueError):
        needs_token("badge", "accept", False)


# --- invariants --------------------------------------------------------------------------------

KINDS = ["consume"] * 6 + ["refund"] * 2 + ["purchase", "upgrade", "advance", "expire"]
SCARCE = ["consume"] * 8 + ["refund", "advance", "expire"]
"""Random operations, each with a number: the release, the tier, or days x 3 to move the clock.
SCARCE runs on one Low subscription, so that the tokens do run out."""


def operations(kinds: list[str]) -> st.SearchStrategy[list[tuple[str, int]]]:
    return st.lists(
        st.tuples(st.sampled_from(kinds), st.integers(0, 60)), min_size=30, max_size=150
    )


BOUGHT = [Tier.LOW, Tier.LOW, Tier.LOW, Tier.MEDIUM, Tier.HIGH, Tier.API]


class Run:
    """Drives the decision functions as the service layer would: append whatever they return."""

    def __init__(self) -> None:
        self.entries: list[TokenEntry] = []
        self.subs: list[Subscription] = []
        self.now = T0

    def step(self, op: str, arg: int) -> None:
        before = tuple(self.entries)
        getattr(self, op)(arg)
        assert tuple(self.entries[: len(before)]) == before  # append-only

    def purchase(self, n: int) -> None:
        tier = BOUGHT[n % len(BOUGHT)]
        p = purchase(OPERATOR, tier, "BE", self.now, f"S{len(self.subs)}", "buy")
        self.subs.append(p.subscription)
        self.entries.append(p.entry)

    def upgrade(self, n: int) -> None:
        tier = list(Tier)[n % len(Tier)]
        if self.subs:
            result = upgrade(self.entries, self.subs[-1], tier, "BE", self.now, "upgrade")
            if isinstance(result, Purchase):
                self.subs[-1] = result.subscription
                self.entries.append(result.entry)

    def consume(self, n: int) -> None:
        sub = self.subs[-1] if self.subs else None
        result = consume(self.entries, sub, OPERATOR, f"R{n}:accept", "accept", self.now)
        self.entries += [] if isinstance(result, Refusal) else result

    def refund(self, n: int) -> None:
        result = refund(self.entries, f"R{n}:accept", "revoke", self.now)
        self.entries += [] if isinstance(result, Refusal) else result

    def advance(self, n: int) -> None:
        self.now += timedelta(days=3 * n, hours=n)

    def expire(self, _: int) -> None:
        for sub in self.subs:
            self.entries += expire(self.entries, sub, self.now)


def total(entries: list[TokenEntry], kind: EntryKind, sid: str | None = None) -> int:
    return sum(e.tokens for e in entries if e.kind is kind and sid in (None, e.subscription_id))


def formula(entries: list[TokenEntry], sid: str | None = None) -> int:
    k = EntryKind
    plus = total(entries, k.GRANT, sid) + total(entries, k.UPGRADE, sid)
    return (
        plus
        - total(entries, k.CONSUME, sid)
        + total(entries, k.REFUND, sid)
        - total(entries, k.EXPIRE, sid)
    )


def check_invariants(run: Run) -> None:
    now, entries = run.now, run.entries
    b = balance(entries, now)
    assert b.unlimited or b.remaining == formula(entries)
    assert b.unlimited is (b.remaining is None)
    for sub in run.subs:  # never negative, not even behind an unlimited tier
        sid = sub.subscription_id
        assert formula(entries, sid) >= 0
        assert (
            len([e for e in entries if e.kind is EntryKind.EXPIRE and e.subscription_id == sid])
            <= 1
        )
    for key in {e.key for e in entries if e.kind is EntryKind.CONSUME}:
        kinds = [e.kind for e in entries if e.key == key]
        # each consumption refunded at most once, and never a refund before its consumption
        assert kinds[0::2] == [EntryKind.CONSUME] * len(kinds[0::2])
        assert kinds[1::2] == [EntryKind.REFUND] * len(kinds[1::2])


@settings(max_examples=150, deadline=None)
@given(operations(KINDS))
def test_the_ledger_invariants_hold_for_any_sequence(ops: list[tuple[str, int]]) -> None:
    run = Run()
    for op, arg in ops:
        run.step(op, arg)
        check_invariants(run)


@settings(max_examples=100, deadline=None)
@given(operations(SCARCE))
def test_the_invariants_hold_when_tokens_run_out(ops: list[tuple[str, int]]) -> None:
    run = Run()
    run.purchase(0)
    for op, arg in ops:
        run.step(op, arg)
        check_invariants(run)
        assert balance(run.entries, run.now).remaining in range(26)


@settings(max_examples=100, deadline=None)
@given(operations(KINDS))
def test_consumptions_happen_only_within_a_period(ops: list[tuple[str, int]]) -> None:
    run = Run()
    for op, arg in ops:
        run.step(op, arg)
    periods = {s.subscription_id: s for s in run.subs}
    for e in run.entries:
        if e.kind is EntryKind.CONSUME:
            assert periods[e.subscription_id].is_active(e.at)
    for sub in run.subs:
        assert sub.ends_at == period_end(sub.starts_at)
