"""Money helpers and the per-container contribution: exact to the cent, deterministic."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.billing import (
    EU_MEMBER_STATES,
    BillingRow,
    ContainerRecord,
    MovementKind,
    WalletMovement,
    contribution_split,
    debit,
    euro,
    from_cents,
    monthly_report,
    parse_month,
    to_cents,
    top_up,
    vat_quote,
    wallet_balance,
)
from hub.domain.refusals import Refusal
from hub.domain.roles import RELEASE_PARTY, SHIP_AGENT, TERMINAL_OPERATOR


def test_money_is_never_a_float() -> None:
    with pytest.raises(TypeError):
        euro(0.1)  # type: ignore[arg-type]


def test_euro_rounds_half_up_to_the_cent_and_converts_to_cents() -> None:
    assert euro("26.245") == Decimal("26.25")
    assert to_cents(Decimal("151.25")) == 15125
    assert from_cents(15125) == Decimal("151.25")


def test_the_eu_has_27_member_states() -> None:
    assert len(EU_MEMBER_STATES) == 27
    assert "GB" not in EU_MEMBER_STATES and "XI" not in EU_MEMBER_STATES


def test_vat_on_an_odd_amount_is_rounded_to_the_cent() -> None:
    quote = vat_quote(Decimal("0.10"), "BE")
    assert (quote.vat, quote.gross) == (Decimal("0.02"), Decimal("0.12"))


def test_an_even_split_gives_the_leftover_cent_by_role_name() -> None:
    shares = {TERMINAL_OPERATOR: 1, SHIP_AGENT: 1, RELEASE_PARTY: 1}
    assert contribution_split(100, shares) == {
        RELEASE_PARTY: 34,
        SHIP_AGENT: 33,
        TERMINAL_OPERATOR: 33,
    }


def test_a_weighted_split_gives_leftover_cents_to_the_largest_remainders() -> None:
    shares = {TERMINAL_OPERATOR: 50, SHIP_AGENT: 25, RELEASE_PARTY: 25}
    assert contribution_split(103, shares) == {
        TERMINAL_OPERATOR: 51,
        SHIP_AGENT: 26,
        RELEASE_PARTY: 26,
    }


@pytest.mark.parametrize(
    ("amount", "shares"),
    [(-1, {SHIP_AGENT: 1}), (100, {SHIP_AGENT: 0}), (100, {SHIP_AGENT: 2, RELEASE_PARTY: -1})],
)
def test_an_impossible_split_is_a_configuration_error(amount: int, shares: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        contribution_split(amount, shares)


@given(
    st.integers(0, 10**7),
    st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.integers(0, 1000), min_size=1),
)
def test_a_split_is_exact_and_fair_to_the_cent(amount: int, shares: dict[str, int]) -> None:
    total = sum(shares.values())
    if total == 0:
        return
    parts = contribution_split(amount, shares)
    assert sum(parts.values()) == amount
    for role, cents in parts.items():
        exact = Decimal(amount * shares[role]) / total
        assert cents >= 0 and abs(cents - exact) < 1
    assert parts == contribution_split(amount, dict(reversed(list(shares.items()))))


def released(container: str, day: int, month: int = 5, first: str = "FWD") -> ContainerRecord:
    return ContainerRecord(
        container, "TERM", "AGENT", first, datetime(2024, month, day, tzinfo=UTC)
    )


def test_the_monthly_report_splits_each_container_of_the_month() -> None:
    records = [
        released("MSCU1234565", 1),
        released("MSCU1234565", 1),  # the same record twice counts once
        released("MAEU7654321", 31, first="AGENT"),
        released("CMAU0000001", 1, month=6),
    ]
    rows = monthly_report(records, "2024-05", 100)
    assert rows == [
        BillingRow("AGENT", RELEASE_PARTY, 1, 34),
        BillingRow("AGENT", SHIP_AGENT, 2, 66),
        BillingRow("FWD", RELEASE_PARTY, 1, 34),
        BillingRow("TERM", TERMINAL_OPERATOR, 2, 66),
    ]
    assert sum(r.amount_cents for r in rows) == 2 * 100


def test_the_report_takes_configured_shares() -> None:
    rows = monthly_report([released("MSCU1234565", 3)], "2024-05", 250, {TERMINAL_OPERATOR: 1})
    assert rows == [BillingRow("TERM", TERMINAL_OPERATOR, 1, 250)]


def test_shares_for_a_role_that_does_not_pay_are_refused() -> None:
    with pytest.raises(ValueError):
        monthly_report([], "2024-05", 100, {"customs": 1})


@pytest.mark.parametrize("month", ["2024-5", "2024-13", "May 2024", ""])
def test_a_month_is_yyyy_mm(month: str) -> None:
    with pytest.raises(ValueError):
        parse_month(month)
    assert parse_month("2024-05") == (2024, 5)


# --- wallet ------------------------------------------------------------------------------------

AT = datetime(2024, 5, 1, tzinfo=UTC)


def funded(amount: str) -> list[WalletMovement]:
    movement = top_up(Decimal(amount), "bank transfer 1", AT)
    assert isinstance(movement, WalletMovement)
    return [movement]


def test_a_debit_takes_the_gross_price_and_the_balance_follows() -> None:
    wallet = funded("200.00")
    price = vat_quote(Decimal("125.00"), "BE").gross
    movement = debit(wallet, price, "buy low S1", AT)
    assert movement == WalletMovement(MovementKind.DEBIT, Decimal("151.25"), AT, "buy low S1")
    assert wallet_balance([*wallet, movement]) == Decimal("48.75")


def test_a_wallet_short_of_the_amount_refuses_and_nothing_changes() -> None:
    wallet = funded("151.24")
    refused = debit(wallet, Decimal("151.25"), "buy low S1", AT)
    assert isinstance(refused, Refusal) and refused.code == "insufficient-funds"
    assert "151.24" in refused.reason and "151.25" in refused.reason
    assert wallet_balance(wallet) == Decimal("151.24")


def test_an_exact_balance_is_enough() -> None:
    assert isinstance(debit(funded("151.25"), Decimal("151.25"), "buy", AT), WalletMovement)


@pytest.mark.parametrize("amount", ["0", "-5.00", "1.005"])
def test_amounts_are_positive_whole_cents(amount: str) -> None:
    for result in (top_up(Decimal(amount), "x", AT), debit(funded("10"), Decimal(amount), "x", AT)):
        assert isinstance(result, Refusal) and result.code == "invalid-amount"


def test_an_empty_wallet_holds_nothing() -> None:
    assert wallet_balance([]) == Decimal("0.00")
