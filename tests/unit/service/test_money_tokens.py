"""Tokens and subscriptions through the service layer on SQLite (issue 6): prices and VAT paid
from the wallet, the Low → Medium upgrade, expiry after 12 calendar months, refund on revoke
(once), the refused accept, statements and the audit trail naming each command."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from hub.domain import commands as c
from hub.domain import tokens
from hub.domain.billing import wallet_balance
from hub.domain.refusals import Refusal
from hub.domain.tokens import EntryKind, balance
from hub.entrypoints.cli import cli
from hub.service_layer import accounts
from hub.service_layer.tokens import charge_token
from tests.unit.service.test_money_support import (
    SAMPLES,
    T0,
    Clock,
    audit_rows,
    coreor,
    deliver,
    fund,
    make_hub,
    ok,
    play,
)

CONTAINER = "MSCU1234566"


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def hub(tmp_path: Path, clock: Clock) -> tuple[Hub, InProcessTransport]:
    return make_hub(tmp_path, clock)


def spend(the_hub: Hub, party: str, n: int) -> None:
    """Consume `n` tokens of the active subscription (as n accepted releases would)."""
    now = the_hub.clock()
    with the_hub.uow() as uow:
        for i in range(n):
            sub = uow.tokens.active(party, now)
            used = tokens.consume(uow.tokens.entries(party), sub, party, f"k{i}:accept", "t", now)
            uow.tokens.add(ok(used))
        uow.commit()


def remaining(the_hub: Hub, party: str) -> int | None:
    with the_hub.uow() as uow:
        return balance(uow.tokens.entries(party), the_hub.clock()).remaining


def wallet(the_hub: Hub, party: str) -> Decimal:
    with the_hub.uow() as uow:
        return wallet_balance(uow.wallets.movements(party))


@pytest.mark.parametrize(
    ("tier", "net", "vat", "gross"),
    [
        ("low", "125.00", "26.25", "151.25"),
        ("medium", "250.00", "52.50", "302.50"),
        ("high", "500.00", "105.00", "605.00"),
    ],
)
def test_a_belgian_operator_pays_21_percent_vat_and_the_minimum_wallet_is_enough(
    hub: tuple[Hub, InProcessTransport], tier: str, net: str, vat: str, gross: str
) -> None:
    the_hub, _ = hub
    fund(the_hub, "TRUCKCO", gross)
    with the_hub.uow() as uow:
        bought = ok(accounts.buy(uow, "TRUCKCO", tier, T0, "hub tokens buy"))
        uow.commit()
    assert (str(bought.quote.net), str(bought.quote.vat), str(bought.quote.gross)) == (
        net,
        vat,
        gross,
    )
    assert not bought.quote.reverse_charge
    assert wallet(the_hub, "TRUCKCO") == Decimal("0.00")
    assert bought.subscription.ends_at == T0.replace(year=2027)


def test_a_german_operator_is_reverse_charged(hub: tuple[Hub, InProcessTransport]) -> None:
    the_hub, _ = hub
    fund(the_hub, "BARGECO", "125.00", "low")
    bought = audit_rows(the_hub, "SubscriptionBought")[0].details
    assert (bought["net"], bought["vat"], bought["gross"]) == ("125.00", "0.00", "125.00")
    assert bought["reverse_charge"] is True
    assert wallet(the_hub, "BARGECO") == Decimal("0.00")


def test_a_wallet_one_cent_short_refuses_the_purchase_and_changes_nothing(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, _ = hub
    fund(the_hub, "TRUCKCO", "151.24")
    with the_hub.uow() as uow:
        refused = accounts.buy(uow, "TRUCKCO", "low", T0, "hub tokens buy TRUCKCO low")
        assert isinstance(refused, Refusal) and refused.code == "insufficient-funds"
        assert "151.25" in refused.reason
    with the_hub.uow() as uow:
        assert uow.tokens.subscriptions("TRUCKCO") == []
        assert uow.tokens.entries("TRUCKCO") == []
        assert len(uow.wallets.movements("TRUCKCO")) == 1
    assert audit_rows(the_hub, "SubscriptionBought") == []


def test_without_a_paired_wallet_nothing_can_be_bought(hub: tuple[Hub, InProcessTransport]) -> None:
    the_hub, _ = hub
    with the_hub.uow() as uow:
        refused = accounts.buy(uow, "TRUCKCO", "low", T0, "buy")
    assert isinstance(refused, Refusal) and refused.code == "no-wallet"


def test_low_to_medium_costs_125_net_leaves_1990_after_10_used_and_keeps_the_end(
    hub: tuple[Hub, InProcessTransport], clock: Clock
) -> None:
    the_hub, _ = hub
    fund(the_hub, "TRUCKCO", "302.50", "low")
    spend(the_hub, "TRUCKCO", 10)
    clock.at = T0 + timedelta(days=100)
    with the_hub.uow() as uow:
        up = ok(accounts.upgrade(uow, "TRUCKCO", "medium", clock(), "hub tokens upgrade"))
        uow.commit()
    assert (up.quote.net, up.quote.vat, up.quote.gross) == (
        Decimal("125.00"),
        Decimal("26.25"),
        Decimal("151.25"),
    )
    assert up.subscription.ends_at == T0.replace(year=2027)
    assert remaining(the_hub, "TRUCKCO") == 1990
    assert wallet(the_hub, "TRUCKCO") == Decimal("0.00")
    with the_hub.uow() as uow:
        assert uow.tokens.active("TRUCKCO", clock()).tier.value == "medium"  # type: ignore[union-attr]


@pytest.mark.parametrize(("day", "accepted"), [(364, True), (365, False)])
def test_tokens_are_usable_to_the_end_of_12_months_and_expire_then(
    hub: tuple[Hub, InProcessTransport], clock: Clock, day: int, accepted: bool
) -> None:
    the_hub, _ = hub
    fund(the_hub, "TRUCKCO", "151.25", "low")  # 2026-11-02 + 12 months: 2027-11-02, day 365
    clock.at = T0 + timedelta(days=day)
    accept = play(the_hub)[-1]
    assert (accept.status == "applied") is accepted
    if not accepted:
        assert "not enough tokens" in str(accept.problems[0])
    with the_hub.uow() as uow:
        expired = accounts.expire_subscriptions(uow, clock(), "hub tokens expire")
        uow.commit()
    assert [e.tokens for e in expired] == ([] if accepted else [25])
    if not accepted:
        assert remaining(the_hub, "TRUCKCO") == 0
        assert audit_rows(the_hub, "TokensExpired")[0].details["tokens"] == 25


def test_expiry_is_recorded_once(hub: tuple[Hub, InProcessTransport], clock: Clock) -> None:
    the_hub, _ = hub
    fund(the_hub, "TRUCKCO", "151.25", "low")
    clock.at = T0 + timedelta(days=400)
    for _ in range(2):
        with the_hub.uow() as uow:
            accounts.expire_subscriptions(uow, clock(), "hub tokens expire")
            uow.commit()
    with the_hub.uow() as uow:
        kinds = [e.kind for e in uow.tokens.entries("TRUCKCO")]
    assert kinds == [EntryKind.GRANT, EntryKind.EXPIRE]


def test_the_agents_revoke_returns_the_token_once(hub: tuple[Hub, InProcessTransport]) -> None:
    the_hub, _ = hub
    fund(the_hub, "TRUCKCO", "151.25", "low")
    play(the_hub)
    assert remaining(the_hub, "TRUCKCO") == 24
    cancel = coreor("MSC0000009", "MSCREL20261123", "1", (CONTAINER,))
    assert deliver(the_hub, cancel, "mscbe", "cancel").status == "applied"
    assert remaining(the_hub, "TRUCKCO") == 25
    again = coreor("MSC0000010", "MSCREL20261123", "1", (CONTAINER,))
    deliver(the_hub, again, "mscbe", "cancel-again")
    with the_hub.uow() as uow:  # and the token gate asked directly, a second time
        file = uow.files.get(CONTAINER)
        partner = uow.partners.get("TRUCKCO")
        assert partner is not None
        cmd = c.RevokeRelease(CONTAINER, "MSCREL20261123")
        assert charge_token(uow, file, cmd, partner, "again", the_hub.clock()) == ""
        uow.commit()
    with the_hub.uow() as uow:
        kinds = [e.kind for e in uow.tokens.entries("TRUCKCO")]
    assert kinds.count(EntryKind.REFUND) == 1
    assert remaining(the_hub, "TRUCKCO") == 25


def test_without_tokens_the_accept_is_refused_and_nothing_else_changes(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, transport = hub
    fund(the_hub, "TRUCKCO", "151.25", "low")
    spend(the_hub, "TRUCKCO", 25)
    accept = play(the_hub)[-1]
    assert accept.status == "rejected"
    assert "not enough tokens" in str(accept.problems[0])
    with the_hub.uow() as uow:
        right = uow.files.get(CONTAINER).right
        assert right is not None and right.holder == "FWDANT"
        assert right.pending is not None and right.pending.to_party == "TRUCKCO"
    assert remaining(the_hub, "TRUCKCO") == 0
    assert audit_rows(the_hub, "RightAccepted")[-1].details["by_party"] == "FWDANT"
    assert transport.on("hub.gate", "PSAT") == []


def test_the_token_statement_runs_the_balance_and_filters_a_month(
    hub: tuple[Hub, InProcessTransport], clock: Clock
) -> None:
    the_hub, _ = hub
    fund(the_hub, "TRUCKCO", "500.00", "low")
    spend(the_hub, "TRUCKCO", 2)
    clock.at = T0 + timedelta(days=40)
    with the_hub.uow() as uow:
        ok(accounts.upgrade(uow, "TRUCKCO", "medium", clock(), "hub tokens upgrade TRUCKCO medium"))
        uow.commit()
        every = accounts.token_statement(uow, "TRUCKCO")
        december = accounts.token_statement(uow, "TRUCKCO", "2026-12")
    assert [(line.entry.kind.value, line.change, line.remaining) for line in every] == [
        ("grant", 25, 25),
        ("consume", -1, 24),
        ("consume", -1, 23),
        ("upgrade", 1975, 1998),
    ]
    assert [(line.entry.cause, line.remaining) for line in december] == [
        ("hub tokens upgrade TRUCKCO medium", 1998)
    ]


def test_buy_upgrade_and_top_up_are_audited_with_the_command_as_cause(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, _ = hub
    fund(the_hub, "TRUCKCO", "605.00", "low")
    with the_hub.uow() as uow:
        ok(accounts.upgrade(uow, "TRUCKCO", "high", T0, "hub tokens upgrade TRUCKCO high"))
        uow.commit()
    assert audit_rows(the_hub, "WalletToppedUp")[0].message_ref == "test top-up"
    assert audit_rows(the_hub, "SubscriptionBought")[0].message_ref == "hub tokens buy TRUCKCO low"
    upgraded = audit_rows(the_hub, "SubscriptionUpgraded")[0]
    assert upgraded.message_ref == "hub tokens upgrade TRUCKCO high"
    assert upgraded.details["tier"] == "high" and upgraded.details["gross"] == "453.75"
    with the_hub.uow() as uow:
        causes = [e.cause for e in uow.tokens.entries("TRUCKCO")]
    assert causes == ["hub tokens buy TRUCKCO low", "hub tokens upgrade TRUCKCO high"]


def test_the_cli_refuses_with_exit_1_and_names_the_command(tmp_path: Path) -> None:
    env = {"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db"}
    runner = CliRunner(env=env)
    load = runner.invoke(cli, ["partners", "load", str(SAMPLES / "partners.yaml")])
    assert load.exit_code == 0, load.output
    assert runner.invoke(cli, ["wallet", "pair", "TRUCKCO", "W-9"]).exit_code == 0
    short = runner.invoke(cli, ["tokens", "buy", "TRUCKCO", "low"])
    assert short.exit_code == 1 and "short of the EUR 151.25" in short.output
    assert runner.invoke(cli, ["wallet", "top-up", "TRUCKCO", "151.25"]).exit_code == 0
    bought = runner.invoke(cli, ["tokens", "buy", "TRUCKCO", "low"])
    assert bought.exit_code == 0 and "paid EUR 151.25" in bought.output
    statement = runner.invoke(cli, ["tokens", "statement", "TRUCKCO"])
    assert "grant" in statement.output and "hub tokens buy TRUCKCO low" in statement.output
    left = runner.invoke(cli, ["tokens", "balance", "TRUCKCO"])
    assert "tokens left 25" in left.output
