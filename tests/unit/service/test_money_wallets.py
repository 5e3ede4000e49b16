"""Wallets and subscription reminders through the service layer on SQLite (issue 9): pairing,
top-ups, the statement, and the reminder sent once on the right day."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from hub.domain.refusals import Refusal
from hub.ledger.reporting import for_uow
from hub.service_layer import accounts
from tests.unit.service.test_money_support import T0, Clock, audit_rows, fund, make_hub, ok


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def hub(tmp_path: Path, clock: Clock) -> tuple[Hub, InProcessTransport]:
    return make_hub(tmp_path, clock)


# --- wallets --------------------------------------------------------------------------------


def pair(the_hub: Hub, party: str, wallet_id: str) -> str | Refusal:
    with the_hub.uow() as uow:
        done = accounts.pair_wallet(uow, for_uow(uow), party, wallet_id, T0, "pair")
        uow.commit()
    return done


def test_a_wallet_pairs_once_to_one_transport_operator(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, _ = hub
    codes = [pair(the_hub, "FWDANT", "W-1")]
    assert ok(pair(the_hub, "TRUCKCO", "W-1")) == "W-1"
    codes += [pair(the_hub, "TRUCKCO", "W-2"), pair(the_hub, "BARGECO", "W-1")]
    assert [getattr(c, "code", c) for c in codes] == [
        "role-not-held",
        "already-paired",
        "wallet-taken",
    ]
    assert [r.details["wallet_id"] for r in audit_rows(the_hub, "WalletPaired")] == ["W-1"]


@pytest.mark.parametrize("amount", ["0", "-5", "1.005", "abc", "NaN"])
def test_a_top_up_must_be_a_positive_amount_of_cents(
    hub: tuple[Hub, InProcessTransport], amount: str
) -> None:
    the_hub, _ = hub
    ok(pair(the_hub, "TRUCKCO", "W-1"))
    with the_hub.uow() as uow:
        refused = accounts.top_up(uow, "TRUCKCO", amount, T0, "top-up")
    assert isinstance(refused, Refusal) and refused.code == "invalid-amount"


def test_the_wallet_statement_lists_top_ups_and_debits_with_balances(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, _ = hub
    fund(the_hub, "TRUCKCO", "200.00", "low")
    with the_hub.uow() as uow:
        lines = accounts.wallet_statement(uow, "TRUCKCO")
    assert [(ln.movement.kind.value, ln.movement.amount, ln.balance) for ln in lines] == [
        ("top_up", Decimal("200.00"), Decimal("200.00")),
        ("debit", Decimal("151.25"), Decimal("48.75")),
    ]
    assert lines[1].movement.cause == "hub tokens buy TRUCKCO low"


# --- reminders ------------------------------------------------------------------------------


def remind(the_hub: Hub, days: int = 30) -> list[str]:
    with the_hub.uow() as uow:
        sent = accounts.send_reminders(uow, the_hub.clock(), days, for_uow(uow))
        uow.commit()
    the_hub.worker.drain()
    return [n.party for n in sent]


def test_the_reminder_goes_once_on_the_right_day(
    hub: tuple[Hub, InProcessTransport], clock: Clock
) -> None:
    the_hub, transport = hub
    fund(the_hub, "TRUCKCO", "151.25", "low")  # ends T0 + 365 days = 2027-11-02 08:00
    clock.at = T0 + timedelta(days=334, hours=15)  # 2027-10-02 23:00: 31 calendar days before
    assert remind(the_hub) == []
    clock.at = T0 + timedelta(days=335) - timedelta(hours=8)  # 2027-10-03 00:00: 30 days before
    assert remind(the_hub) == ["TRUCKCO"]
    clock.at += timedelta(days=1)
    assert remind(the_hub) == []
    sent = transport.on("hub.partner", "TRUCKCO")
    assert [m.message_type for m in sent] == ["SubscriptionExpiring"]
    body = sent[0].body.decode()
    assert "<event>SubscriptionExpiring</event>" in body and "2027-11-02" in body
    assert audit_rows(the_hub, "SubscriptionReminderSent")[0].details["party"] == "TRUCKCO"


def test_no_reminder_after_a_renewal_or_after_the_end(
    hub: tuple[Hub, InProcessTransport], clock: Clock
) -> None:
    """One subscription at a time (issue 19): a renewal is bought once the period is over; one
    bought ahead of the end is refused, charged nothing, and the reminder still goes."""
    the_hub, _ = hub
    fund(the_hub, "TRUCKCO", "302.50", "low")
    clock.at = T0 + timedelta(days=340)
    with the_hub.uow() as uow:
        early = accounts.buy(uow, "TRUCKCO", "low", clock(), "renewal")
        assert isinstance(early, Refusal) and early.code == "subscription-active"
    assert remind(the_hub) == ["TRUCKCO"]
    clock.at = T0 + timedelta(days=366)
    with the_hub.uow() as uow:
        ok(accounts.buy(uow, "TRUCKCO", "low", clock(), "renewal"))
        uow.commit()
    assert remind(the_hub) == []
    clock.at = T0 + timedelta(days=365 * 3)
    assert remind(the_hub, days=400) == []
