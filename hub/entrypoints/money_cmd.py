"""`hub tokens`, `hub wallet` and `hub billing`: a transport operator's money, by command.

Each command opens one unit of work, calls one service function and commits; a refusal prints
its reason, changes nothing and exits 1. The command line (e.g. ``hub tokens buy TRUCKCO low``)
is the cause named in the ledger and the audit trail.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from hub.bootstrap import build
from hub.config import Settings
from hub.domain.billing import BillingRow, Tier, from_cents
from hub.domain.fees import FeeInvoice
from hub.domain.refusals import Refusal
from hub.domain.tokens import EntryKind
from hub.ledger.reporting import for_uow
from hub.service_layer import accounts, reports
from hub.service_layer.ports import UnitOfWork

T = TypeVar("T")
TIERS = click.Choice([t.value for t in Tier])
MONTH = "YYYY-MM"
BILLING_COLUMNS = [
    "item",
    "party",
    "role",
    "containers",
    "amount_eur",
    "vat_eur",
    "gross_eur",
    "vat",
    "period",
]


def run_service(
    settings: Settings, cause: str, work: Callable[[UnitOfWork, Any], T | Refusal]
) -> T:
    """Run `work(uow, now)` in one unit of work: commit its result, or print a refusal, exit 1."""
    hub = build(settings, consume=False)
    try:
        with hub.uow() as uow:
            result = work(uow, hub.clock())
            if isinstance(result, Refusal):
                click.echo(f"refused: {result.reason}", err=True)
                raise SystemExit(1)
            uow.commit()
    finally:
        hub.close()
    return result


def command_cause() -> str:
    """The running command and its arguments (``hub tokens buy TRUCKCO low``), as the cause."""
    ctx = click.get_current_context()
    given = [str(v) for v in ctx.params.values() if v not in (None, False, ())]
    return " ".join(["hub", *ctx.command_path.split()[1:], *given])[:300]


def _month(value: str | None) -> str | None:
    if value is not None:
        try:
            reports.month_window(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--month") from exc
    return value


# --- hub tokens -----------------------------------------------------------------------------


@click.group()
def tokens() -> None:
    """Subscriptions and tokens of transport operators."""


@tokens.command("buy")
@click.argument("party")
@click.argument("tier", type=TIERS)
@click.pass_obj
def tokens_buy(settings: Settings, party: str, tier: str) -> None:
    """Buy a subscription of TIER for PARTY, paid from its wallet (VAT included).

    One subscription at a time: while one runs, a higher TIER upgrades it for the price
    difference, and the same or a lower TIER is refused (nothing is charged)."""
    cause = command_cause()
    bought = run_service(settings, cause, lambda u, now: accounts.buy(u, party, tier, now, cause))
    upgraded = bought.entry.kind is EntryKind.UPGRADE
    _echo_purchase("upgraded to" if upgraded else "bought", bought)


@tokens.command("upgrade")
@click.argument("party")
@click.argument("tier", type=TIERS)
@click.pass_obj
def tokens_upgrade(settings: Settings, party: str, tier: str) -> None:
    """Upgrade PARTY's active subscription to TIER for the price difference."""
    cause = command_cause()
    done = run_service(settings, cause, lambda u, now: accounts.upgrade(u, party, tier, now, cause))
    _echo_purchase("upgraded to", done)


def _echo_purchase(verb: str, bought: Any) -> None:
    sub, quote = bought.subscription, bought.quote
    vat = "reverse-charged" if quote.reverse_charge else f"VAT EUR {quote.vat}"
    click.echo(
        f"{sub.party} {verb} {sub.tier.value} ({sub.subscription_id}, +{bought.entry.tokens} "
        f"tokens, until {sub.ends_at:%Y-%m-%d %H:%M}Z): net EUR {quote.net}, {vat}, "
        f"paid EUR {quote.gross}"
    )


@tokens.command("balance")
@click.argument("party")
@click.pass_obj
def tokens_balance(settings: Settings, party: str) -> None:
    """PARTY's active subscription and the tokens left in it."""
    account = run_service(settings, "", lambda u, now: accounts.token_account(u, party, now))
    if account.subscription is None or account.balance is None:
        click.echo(f"{party}: no active subscription")
        return
    sub, left = account.subscription, account.balance
    remaining = "unlimited" if left.remaining is None else str(left.remaining)
    click.echo(
        f"{party}: {sub.tier.value} subscription {sub.subscription_id} until "
        f"{sub.ends_at:%Y-%m-%d %H:%M}Z; tokens left {remaining}, used {left.used}"
    )


@tokens.command("statement")
@click.argument("party")
@click.option("--month", default=None, metavar=MONTH, help="Only the entries of this month.")
@click.pass_obj
def tokens_statement(settings: Settings, party: str, month: str | None) -> None:
    """PARTY's token ledger: each entry with its subscription's balance after it, the figure
    `hub tokens balance` shows for the last one (every entry names its cause)."""
    wanted = _month(month)
    lines = run_service(settings, "", lambda u, _: accounts.token_statement(u, party, wanted))
    for line in lines:
        e = line.entry
        left = "unlimited" if line.remaining is None else str(line.remaining)
        click.echo(
            f"{e.at:%Y-%m-%d %H:%M:%S} {e.kind.value:8} {line.change:+6} {left:>9} "
            f"{e.subscription_id:18} {e.cause}"
        )
    if not lines:
        click.echo(f"{party}: no token entries")


@tokens.command("expire")
@click.pass_obj
def tokens_expire(settings: Settings) -> None:
    """Record the expiry of the unused tokens of every subscription that has ended."""
    cause = command_cause()
    done = run_service(settings, cause, lambda u, now: accounts.expire_subscriptions(u, now, cause))
    for e in done:
        click.echo(f"{e.party} {e.subscription_id}: {e.tokens} unused token(s) expired")
    click.echo(f"{len(done)} subscription(s) expired")


@tokens.command("remind")
@click.option("--days", type=int, default=None, help="Days before the end (HUB_REMINDER_DAYS).")
@click.pass_obj
def tokens_remind(settings: Settings, days: int | None) -> None:
    """Notify operators whose subscription ends soon (once per subscription)."""
    before = settings.reminder_days if days is None else days
    cause = command_cause()
    sent = run_service(
        settings,
        cause,
        lambda u, now: accounts.send_reminders(u, now, before, for_uow(u), cause),
    )
    for note in sent:
        click.echo(f"reminded {note.party}: subscription ends {note.details['endsAt']}")
    click.echo(f"{len(sent)} reminder(s) queued")


# --- hub wallet -----------------------------------------------------------------------------


@click.group()
def wallet() -> None:
    """Transport operators' prepaid wallets."""


@wallet.command("pair")
@click.argument("party")
@click.argument("wallet_id")
@click.pass_obj
def wallet_pair(settings: Settings, party: str, wallet_id: str) -> None:
    """Pair the prepaid wallet WALLET_ID to PARTY."""
    cause = command_cause()
    run_service(
        settings,
        cause,
        lambda u, now: accounts.pair_wallet(u, for_uow(u), party, wallet_id, now, cause),
    )
    click.echo(f"{party} paired with wallet {wallet_id}")


@wallet.command("top-up")
@click.argument("party")
@click.argument("amount")
@click.pass_obj
def wallet_top_up(settings: Settings, party: str, amount: str) -> None:
    """Put AMOUNT euro (e.g. 151.25) into PARTY's wallet."""
    cause = command_cause()
    moved = run_service(
        settings, cause, lambda u, now: accounts.top_up(u, party, amount, now, cause)
    )
    click.echo(f"{party}: EUR {moved.amount} topped up")


@wallet.command("statement")
@click.argument("party")
@click.pass_obj
def wallet_statement(settings: Settings, party: str) -> None:
    """Every movement of PARTY's wallet with the balance after it."""
    lines = run_service(settings, "", lambda u, _: accounts.wallet_statement(u, party))
    for line in lines:
        m = line.movement
        sign = "+" if m.kind.value == "top_up" else "-"
        click.echo(
            f"{m.at:%Y-%m-%d %H:%M:%S} {m.kind.value:7} {sign + str(m.amount):>11} "
            f"{line.balance:>10} {m.cause}"
        )
    if not lines:
        click.echo(f"{party}: no wallet movements")


# --- hub billing ----------------------------------------------------------------------------


@click.group()
def billing() -> None:
    """The per-container contribution and the yearly fees."""


@billing.command("report")
@click.option("--month", required=True, metavar=MONTH)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@click.pass_obj
def billing_report(settings: Settings, month: str, fmt: str) -> None:
    """What to invoice for MONTH: the contribution of each container released in it (item
    ``contribution``: terminal, agent, first party; no VAT worked out here), then the yearly
    fees whose year starts in it (``api_subscription`` EUR 2,500, ``web_use`` EUR 250) with
    their VAT: ``be_vat_21``, ``reverse_charge`` (other EU) or ``outside_scope`` (non-EU)."""
    wanted = _month(month) or month
    amount = settings.contribution_cents

    def work(u: UnitOfWork, _: Any) -> list[dict[str, Any]]:
        source = for_uow(u)
        split = reports.billing_report(source, u.partners, wanted, amount)
        return _billing_table(split) + _fee_table(reports.fee_report(source, u.partners, wanted))

    emit(run_service(settings, "", work), fmt, BILLING_COLUMNS)


def _billing_table(rows: list[BillingRow]) -> list[dict[str, Any]]:
    """Contribution rows for output, amounts in euro."""
    blank = dict.fromkeys(BILLING_COLUMNS, "")
    return [
        blank
        | {
            "item": "contribution",
            "party": r.party,
            "role": r.role,
            "containers": r.containers,
            "amount_eur": str(from_cents(r.amount_cents)),
        }
        for r in rows
    ]


def _fee_table(rows: list[FeeInvoice]) -> list[dict[str, Any]]:
    """Yearly fee rows for output: net, VAT and gross in euro, the VAT treatment, the year."""
    blank = dict.fromkeys(BILLING_COLUMNS, "")
    return [
        blank
        | {
            "item": r.fee.value,
            "party": r.party,
            "amount_eur": str(r.net),
            "vat_eur": str(r.vat),
            "gross_eur": str(r.gross),
            "vat": r.vat_treatment.value,
            "period": f"{r.period_start:%Y-%m-%d}/{r.period_end:%Y-%m-%d}",
        }
        for r in rows
    ]


def emit(table: list[dict[str, Any]], fmt: str, columns: list[str]) -> None:
    """Rows as CSV (with a header) or as a JSON list on standard output."""
    if fmt == "json":
        click.echo(json.dumps(table, indent=2))
        return
    out = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
    out.writeheader()
    out.writerows(table)
