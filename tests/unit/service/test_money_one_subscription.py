"""One active subscription per operator through the service layer and the CLI (issue 19): a
High subscriber that buys Low is refused and charged nothing, keeps accepting without limit,
and `tokens balance` and `tokens statement` tell the same figure."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from hub.domain.billing import wallet_balance
from hub.domain.refusals import Refusal
from hub.domain.tokens import EntryKind
from hub.entrypoints.cli import cli
from hub.service_layer import accounts
from tests.unit.service.test_money_support import SAMPLES, T0, Clock, audit_rows, make_hub, ok


def test_a_high_subscriber_buying_low_is_refused_charged_nothing_and_keeps_accepting(
    tmp_path: Path,
) -> None:
    hub, _ = make_hub(tmp_path, Clock())
    with hub.uow() as uow:
        uow.wallets.pair("TRUCKCO", "W-1", T0)
        ok(accounts.top_up(uow, "TRUCKCO", "1000.00", T0, "top-up"))
        ok(accounts.buy(uow, "TRUCKCO", "high", T0, "hub tokens buy TRUCKCO high"))
        low = accounts.buy(uow, "TRUCKCO", "low", T0, "hub tokens buy TRUCKCO low")
        uow.commit()
    assert isinstance(low, Refusal) and low.code == "subscription-active"
    assert "active high subscription" in low.reason and "nothing is bought" in low.reason
    with hub.uow() as uow:
        assert wallet_balance(uow.wallets.movements("TRUCKCO")) == Decimal("395.00")
        assert [e.kind for e in uow.tokens.entries("TRUCKCO")] == [EntryKind.GRANT]
        account = accounts.token_account(uow, "TRUCKCO", T0)
    assert account.subscription is not None and account.subscription.tier.value == "high"
    assert account.balance is not None and account.balance.unlimited
    hub.close()


def test_buying_a_higher_tier_while_one_is_active_upgrades_for_the_difference(
    tmp_path: Path,
) -> None:
    hub, _ = make_hub(tmp_path, Clock())
    with hub.uow() as uow:
        uow.wallets.pair("TRUCKCO", "W-1", T0)
        ok(accounts.top_up(uow, "TRUCKCO", "302.50", T0, "top-up"))
        ok(accounts.buy(uow, "TRUCKCO", "low", T0, "hub tokens buy TRUCKCO low"))
        up = ok(accounts.buy(uow, "TRUCKCO", "medium", T0, "hub tokens buy TRUCKCO medium"))
        uow.commit()
        subs = uow.tokens.subscriptions("TRUCKCO")
        assert wallet_balance(uow.wallets.movements("TRUCKCO")) == Decimal("0.00")
    assert up.entry.kind is EntryKind.UPGRADE and up.quote.gross == Decimal("151.25")
    upgraded = audit_rows(hub, "SubscriptionUpgraded")
    assert [(a.details["tier"], a.message_ref) for a in upgraded] == [
        ("medium", "hub tokens buy TRUCKCO medium")
    ]
    assert [(s.tier.value, s.ends_at.date().isoformat()) for s in subs] == [
        ("medium", "2027-11-02")
    ]
    hub.close()


def test_the_cli_balance_and_statement_tell_the_same_figure(tmp_path: Path) -> None:
    runner = CliRunner(env={"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db"})
    assert runner.invoke(cli, ["partners", "load", str(SAMPLES / "partners.yaml")]).exit_code == 0
    assert runner.invoke(cli, ["wallet", "pair", "TRUCKCO", "W-9"]).exit_code == 0
    assert runner.invoke(cli, ["wallet", "top-up", "TRUCKCO", "2000.00"]).exit_code == 0
    assert runner.invoke(cli, ["tokens", "buy", "TRUCKCO", "medium"]).exit_code == 0
    assert runner.invoke(cli, ["tokens", "upgrade", "TRUCKCO", "high"]).exit_code == 0
    low = runner.invoke(cli, ["tokens", "buy", "TRUCKCO", "low"])
    assert low.exit_code == 1 and "already has an active high subscription" in low.output
    balance = runner.invoke(cli, ["tokens", "balance", "TRUCKCO"]).output
    lines = runner.invoke(cli, ["tokens", "statement", "TRUCKCO"]).output.splitlines()
    assert "tokens left unlimited" in balance
    assert lines[-1].split()[4] == "unlimited", lines
    wallet = runner.invoke(cli, ["wallet", "statement", "TRUCKCO"]).output
    assert wallet.count("debit") == 2  # Medium, then the upgrade; never the refused Low
