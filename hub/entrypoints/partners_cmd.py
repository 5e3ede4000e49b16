"""`hub partners register | approve | deny | activate | suspend | resubmit | approve-role |
deny-role | show | link | unlink`, on the `partners` group, and `hub wallet unpair`.

`load` and `list` stay in `hub.entrypoints.admin`; importing this module adds the registry
commands to that same group. Each command is one call to `hub.service_layer.registry`.
"""

from __future__ import annotations

import json

import click

from hub.config import Settings
from hub.domain.partners import Role
from hub.entrypoints.admin import partners
from hub.entrypoints.money_cmd import command_cause, run_service, wallet
from hub.entrypoints.portal_cli import run_portal
from hub.service_layer import identity, registry

ROLES = click.Choice([r.value for r in Role])


def _edi_ids(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``ID`` or ``ID:QUALIFIER`` (UNB sender id and its code qualifier, e.g. ``MSCBE:ZZZ``)."""
    pairs = (v.split(":", 1) if ":" in v else [v, "ZZZ"] for v in values)
    return tuple((code.strip(), qualifier.strip()) for code, qualifier in pairs)


def _registration(given: dict[str, str | tuple[str, ...]]) -> registry.Registration:
    """The `register` options as a registration form."""
    return registry.Registration(
        name=str(given["name"]),
        vat=str(given["vat"]),
        eori=str(given["eori"]),
        country=str(given["country"]),
        party_id=str(given["party_id"]),
        roles=tuple(given["roles"]),
        edi_ids=_edi_ids(tuple(given["edi_ids"])),
        broker_user=str(given["broker_user"]),
        terminals=tuple(given["terminals"]),
        terminal_access=str(given["terminal_access"]),
        outbound_format=str(given["fmt"]),
        address=str(given["address"]),
        billing_address=str(given["billing_address"]),
        contact=str(given["contact"]),
    )


@partners.command("register")
@click.option("--name", required=True, help="Company name.")
@click.option("--vat", required=True, help="VAT number with its country prefix.")
@click.option("--eori", required=True, help="EORI number.")
@click.option("--party-id", default="", help="The hub's party id (default: from the name).")
@click.option("--country", default="", help="ISO country (default: from the VAT number).")
@click.option(
    "--role", "roles", multiple=True, required=True, type=ROLES, help="A role (repeatable)."
)
@click.option("--edi-id", "edi_ids", multiple=True, help="UNB sender id[:qualifier].")
@click.option("--broker-user", default="", help="The RabbitMQ user it connects as.")
@click.option("--terminal", "terminals", multiple=True, help="A terminal it operates.")
@click.option("--terminal-access", type=click.Choice(registry.ACCESS_MODES), default="")
@click.option("--format", "fmt", type=click.Choice(registry.FORMATS), default="edifact")
@click.option("--address", default="")
@click.option("--billing-address", default="", help="Where invoices go, if not the address.")
@click.option("--contact", default="")
@click.pass_obj
def partners_register(settings: Settings, /, **given: str | tuple[str, ...]) -> None:
    """Ask for a company's registration (status requested). The same VAT and EORI as a
    registered company names that company; a role it does not hold becomes a request that
    waits for `hub partners approve-role`."""
    form = _registration(given)
    cause = command_cause()
    done = run_service(settings, cause, lambda u, now: registry.register(u, form, now, cause))
    p = done.partner
    if done.existing:
        click.echo(done.advice)
    else:
        click.echo(f"registered {p.party_id} ({p.name}), status {p.status.value}")


@partners.command("approve")
@click.argument("party")
@click.pass_obj
def partners_approve(settings: Settings, party: str) -> None:
    """Approve PARTY's registration; its admin is mailed a one-time activation link."""
    cause, url = command_cause(), settings.web_base_url
    p = run_portal(
        settings, lambda u, s, now: identity.approve_company(u, s, party, now, cause, url)
    )
    click.echo(f"{p.party_id} is {p.status.value}")


@partners.command("deny")
@click.argument("party")
@click.option("--reason", required=True, help="Why (told to the company).")
@click.pass_obj
def partners_deny(settings: Settings, party: str, reason: str) -> None:
    """Deny PARTY's registration, with the reason (mailed to its admin)."""
    cause = command_cause()
    p = run_portal(
        settings, lambda u, s, now: identity.deny_company(u, s, party, reason, now, cause)
    )
    click.echo(f"{p.party_id} is {p.status.value}: {p.status_reason}")


@partners.command("activate")
@click.argument("party")
@click.pass_obj
def partners_activate(settings: Settings, party: str) -> None:
    """Activate an approved (or suspended) PARTY: it may act, and receive release rights once
    ready (on EDI: at once; only on the portal: after its first login)."""
    cause = command_cause()
    p = run_service(settings, cause, lambda u, now: registry.activate(u, party, now, cause))
    click.echo(f"{p.party_id} is {p.status.value}")


@partners.command("show")
@click.argument("party")
@click.pass_obj
def partners_show(settings: Settings, party: str) -> None:
    """PARTY's registry record (roles in Dutch, English, French and German)."""
    found = run_service(settings, "", lambda u, _: u.partners.get(party))
    if found is None:
        raise click.ClickException(f"party {party} is not registered")
    click.echo(json.dumps(registry.profile(found), indent=2, ensure_ascii=False))


@partners.command("link")
@click.argument("platform")
@click.argument("organisation")
@click.pass_obj
def partners_link(settings: Settings, platform: str, organisation: str) -> None:
    """Let release platform PLATFORM act for ORGANISATION."""
    cause = command_cause()
    run_service(
        settings, cause, lambda u, now: registry.link(u, platform, organisation, now, cause)
    )
    click.echo(f"{platform} may act for {organisation}")


@partners.command("suspend")
@click.argument("party")
@click.option("--reason", required=True, help="Why (told to the company).")
@click.pass_obj
def partners_suspend(settings: Settings, party: str, reason: str) -> None:
    """Suspend an active PARTY (then run `hub broker setup` to remove its broker user)."""
    cause = command_cause()
    run_portal(
        settings, lambda u, s, now: identity.suspend_company(u, s, party, reason, now, cause)
    )
    click.echo(f"{party} is suspended (its web sessions ended): {reason}")


@partners.command("resubmit")
@click.argument("party")
@click.pass_obj
def partners_resubmit(settings: Settings, party: str) -> None:
    """Resubmit a denied or suspended PARTY's registration for approval."""
    cause = command_cause()
    p = run_service(settings, cause, lambda u, now: registry.resubmit(u, party, now, cause))
    click.echo(f"{p.party_id} is {p.status.value}")


@partners.command("approve-role")
@click.argument("party")
@click.argument("role", type=ROLES)
@click.pass_obj
def partners_approve_role(settings: Settings, party: str, role: str) -> None:
    """Grant PARTY the ROLE it asked for."""
    cause = command_cause()
    run_service(settings, cause, lambda u, now: registry.approve_role(u, party, role, now, cause))
    click.echo(f"{party} now holds the role {role}")


@partners.command("deny-role")
@click.argument("party")
@click.argument("role", type=ROLES)
@click.option("--reason", required=True, help="Why (told to the company).")
@click.pass_obj
def partners_deny_role(settings: Settings, party: str, role: str, reason: str) -> None:
    """Refuse the ROLE PARTY asked for, with the reason."""
    cause = command_cause()
    run_service(
        settings, cause, lambda u, now: registry.deny_role(u, party, role, reason, now, cause)
    )
    click.echo(f"{party}: role {role} denied ({reason})")


@partners.command("unlink")
@click.argument("platform")
@click.argument("organisation")
@click.pass_obj
def partners_unlink(settings: Settings, platform: str, organisation: str) -> None:
    """Release platform PLATFORM no longer acts for ORGANISATION."""
    cause = command_cause()
    run_service(
        settings, cause, lambda u, now: registry.unlink(u, platform, organisation, now, cause)
    )
    click.echo(f"{platform} no longer acts for {organisation}")


@wallet.command("unpair")
@click.argument("party")
@click.pass_obj
def wallet_unpair(settings: Settings, party: str) -> None:
    """Unpair PARTY's prepaid wallet (its movements and balance stay in the ledger)."""
    cause = command_cause()
    gone = run_service(settings, cause, lambda u, now: registry.unpair_wallet(u, party, now, cause))
    click.echo(f"{party}: wallet {gone} unpaired")
