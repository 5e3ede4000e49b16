"""What the hub's team (and the company's admin) does to a registration after it is made.

Every function is one unit of work's change: load the partner, ask the domain, save, audit with
the cause; a business "no" is a returned `Refusal` and changes nothing. The web pages and the
CLI call these same functions.

- Status (`hub.domain.partners.transition`): `approve`, `deny` (reason), `activate`, `suspend`
  (reason), `resubmit`; `record_portal_login` makes an active company *ready*.
- Role requests: `approve_role`, `deny_role` (reason) decide a role asked for by a known company
  (`hub.service_layer.registry.register` files them; they are never granted on the spot).
- Release platforms: `link`, `unlink`. Wallets: `unpair_wallet`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from hub.domain.partners import Partner, PartnerAction, Role, transition
from hub.domain.refusals import Refusal
from hub.service_layer.accounts import audit
from hub.service_layer.ports import UnitOfWork

# --- status ---------------------------------------------------------------------------------


def approve(uow: UnitOfWork, party: str, at: datetime, cause: str) -> Partner | Refusal:
    """REQUESTED or RESUBMITTED → APPROVED (the roles it registered with are granted)."""
    return _move(uow, party, PartnerAction.APPROVE, "", at, cause)


def deny(uow: UnitOfWork, party: str, reason: str, at: datetime, cause: str) -> Partner | Refusal:
    """REQUESTED or RESUBMITTED → DENIED, with the reason (required, told to the company)."""
    return _move(uow, party, PartnerAction.DENY, reason, at, cause)


def activate(uow: UnitOfWork, party: str, at: datetime, cause: str) -> Partner | Refusal:
    """APPROVED (or SUSPENDED) → ACTIVE: from now on it may act and receive release rights."""
    return _move(uow, party, PartnerAction.ACTIVATE, "", at, cause)


def suspend(
    uow: UnitOfWork, party: str, reason: str, at: datetime, cause: str
) -> Partner | Refusal:
    """ACTIVE → SUSPENDED, with the reason: it no longer acts (run `hub broker setup` to remove
    its broker user)."""
    return _move(uow, party, PartnerAction.SUSPEND, reason, at, cause)


def resubmit(uow: UnitOfWork, party: str, at: datetime, cause: str) -> Partner | Refusal:
    """DENIED or SUSPENDED → RESUBMITTED: the company asks again; approved or denied anew."""
    return _move(uow, party, PartnerAction.RESUBMIT, "", at, cause)


def _move(
    uow: UnitOfWork, party: str, action: PartnerAction, reason: str, at: datetime, cause: str
) -> Partner | Refusal:
    partner = uow.partners.get(party)
    if partner is None:
        return Refusal(f"party {party} is not registered", "party-unknown")
    status = transition(partner.status, action, reason)
    if isinstance(status, Refusal):
        return status
    moved = replace(partner, status=status, status_reason=reason.strip())
    uow.partners.save(moved)
    audit(uow, at, f"Partner{status.value.capitalize()}", cause, party=party, reason=reason)
    return moved


def record_portal_login(uow: UnitOfWork, party: str, at: datetime, cause: str) -> Partner | Refusal:
    """The company's first login to the portal: an active company becomes ready (idempotent:
    later logins change nothing)."""
    partner = uow.partners.get(party)
    if partner is None:
        return Refusal(f"party {party} is not registered", "party-unknown")
    if partner.portal_login_at:
        return partner
    ready = replace(partner, portal_login_at=at.isoformat())
    uow.partners.save(ready)
    audit(uow, at, "PartnerFirstLogin", cause, party=party, ready=ready.ready)
    return ready


# --- role requests --------------------------------------------------------------------------


def approve_role(
    uow: UnitOfWork, party: str, role: str, at: datetime, cause: str
) -> Partner | Refusal:
    """Grant a role the company asked for (it must be pending)."""
    partner = _pending(uow, party, role)
    if isinstance(partner, Refusal):
        return partner
    granted = replace(
        partner, roles=partner.roles | {Role(role)}, pending_roles=partner.pending_roles - {role}
    )
    uow.partners.save(granted)
    audit(uow, at, "RoleApproved", cause, party=party, role=role)
    return granted


def deny_role(
    uow: UnitOfWork, party: str, role: str, reason: str, at: datetime, cause: str
) -> Partner | Refusal:
    """Refuse a role the company asked for, with the reason (required)."""
    if not reason.strip():
        return Refusal("to deny a role, give a reason", "reason-required")
    partner = _pending(uow, party, role)
    if isinstance(partner, Refusal):
        return partner
    denied = replace(partner, pending_roles=partner.pending_roles - {role})
    uow.partners.save(denied)
    audit(uow, at, "RoleDenied", cause, party=party, role=role, reason=reason.strip())
    return denied


def _pending(uow: UnitOfWork, party: str, role: str) -> Partner | Refusal:
    partner = uow.partners.get(party)
    if partner is None:
        return Refusal(f"party {party} is not registered", "party-unknown")
    if role not in partner.pending_roles:
        return Refusal(f"{party} has no request for the role {role}", "no-role-request")
    return partner


# --- release platforms and wallets ----------------------------------------------------------


def link(
    uow: UnitOfWork, platform: str, organisation: str, at: datetime, cause: str
) -> Partner | Refusal:
    """Let the release platform `platform` act for `organisation` (both registered)."""
    host, org = uow.partners.get(platform), uow.partners.get(organisation)
    if host is None or Role.RELEASE_PLATFORM not in host.roles:
        return Refusal(f"{platform} is no registered release platform", "role-not-held")
    if org is None:
        return Refusal(f"party {organisation} is not registered", "party-unknown")
    if organisation == platform:
        return Refusal("a release platform cannot be linked to itself", "invalid-link")
    linked = replace(host, linked_organisations=host.linked_organisations | {organisation})
    uow.partners.save(linked)
    audit(uow, at, "PlatformLinked", cause, platform=platform, organisation=organisation)
    return linked


def unlink(
    uow: UnitOfWork, platform: str, organisation: str, at: datetime, cause: str
) -> Partner | Refusal:
    """The release platform no longer acts for `organisation` (from the next message on)."""
    host = uow.partners.get(platform)
    if host is None or organisation not in host.linked_organisations:
        return Refusal(f"{platform} is not linked to {organisation}", "not-linked")
    unlinked = replace(host, linked_organisations=host.linked_organisations - {organisation})
    uow.partners.save(unlinked)
    audit(uow, at, "PlatformUnlinked", cause, platform=platform, organisation=organisation)
    return unlinked


def unpair_wallet(uow: UnitOfWork, party: str, at: datetime, cause: str) -> str | Refusal:
    """Unpair the transport operator's prepaid wallet; its movements stay in the ledger (the
    balance stays the party's). Returns the wallet id that was paired."""
    wallet = uow.wallets.paired(party)
    if wallet is None:
        return Refusal(f"{party} has no wallet paired", "not-paired")
    uow.wallets.unpair(party)
    audit(uow, at, "WalletUnpaired", cause, party=party, wallet_id=wallet)
    return wallet
