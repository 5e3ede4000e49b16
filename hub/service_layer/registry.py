"""Registration: a company asks to be registered, or is recognised as one already known.

Service API (each call is one unit of work's change; a `Refusal` changes nothing; every change
is audited with its `cause`):

- `register(uow, form: Registration, at, cause) -> Registered | Refusal` — a new company starts
  REQUESTED with the roles it asks for (granted only when the hub's team approves it). The
  form needs the name, a VAT number in its country's format (EU and non-EU), an EORI and at
  least one role; every identifier a plain word not held by another partner. A company known
  by the same VAT + EORI is not duplicated: it is told so (`Registered.existing`, `.advice`),
  and a role it does not hold becomes a pending *role request* (`Registered.requested_roles`,
  `Partner.pending_roles`), decided by `approvals.approve_role` / `approvals.deny_role`; nothing
  is granted or changed on the spot.
- `find_company(uow, vat, eori) -> Partner | None`, `load(uow, partners, at, cause)` (a file,
  as the operator writes it), `profile(partner) -> dict` (JSON-ready, roles in 4 languages).
- Status changes, role requests, release platforms and wallets are in
  `hub.service_layer.approvals` (re-exported here: `approve`, `deny`, `activate`, `suspend`,
  `resubmit`, `record_portal_login`, `approve_role`, `deny_role`, `link`, `unlink`,
  `unpair_wallet`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from hub.domain.fees import API_SWITCHED_ON
from hub.domain.identifiers import clashes, identifier_problems
from hub.domain.partners import (
    LANGUAGES,
    Partner,
    Role,
    Status,
    country_of,
    eori_problem,
    normalise,
    registration_state,
    same_company,
    vat_problem,
)
from hub.domain.refusals import Refusal
from hub.service_layer.accounts import audit
from hub.service_layer.approvals import activate as activate
from hub.service_layer.approvals import approve as approve
from hub.service_layer.approvals import approve_role as approve_role
from hub.service_layer.approvals import deny as deny
from hub.service_layer.approvals import deny_role as deny_role
from hub.service_layer.approvals import link as link
from hub.service_layer.approvals import record_portal_login as record_portal_login
from hub.service_layer.approvals import resubmit as resubmit
from hub.service_layer.approvals import suspend as suspend
from hub.service_layer.approvals import unlink as unlink
from hub.service_layer.approvals import unpair_wallet as unpair_wallet
from hub.service_layer.ports import UnitOfWork

FORMATS = ("edifact", "xml")
ACCESS_MODES = ("", "alfapass", "pin")


@dataclass(frozen=True)
class Registration:
    """What a company asks to be registered with (`party_id` '' → derived from the name)."""

    name: str
    vat: str
    eori: str = ""
    country: str = ""
    party_id: str = ""
    roles: tuple[str, ...] = ()
    edi_ids: tuple[tuple[str, str], ...] = ()
    broker_user: str = ""
    terminals: tuple[str, ...] = ()
    terminal_access: str = ""
    outbound_format: str = "edifact"
    address: str = ""
    billing_address: str = ""
    contact: str = ""


@dataclass(frozen=True)
class Registered:
    """The partner as registered; `existing` when it was recognised as a known company, then
    `requested_roles` are the role requests this registration filed (pending approval) and
    `advice` says what the company should do instead of registering again."""

    partner: Partner
    existing: bool
    requested_roles: tuple[Role, ...] = ()
    advice: str = ""


def register(uow: UnitOfWork, form: Registration, at: datetime, cause: str) -> Registered | Refusal:
    """Register a new company (REQUESTED), or recognise a known one by VAT and EORI and file
    the roles it asks for as requests."""
    form = _normalised(form)
    problem = _form_problem(form)
    if problem is not None:
        return problem
    known = find_company(uow, form.vat, form.eori)
    if known is not None:
        return _recognise(uow, known, form, at, cause)
    partner = _new_partner(uow, form)
    if isinstance(partner, Refusal):
        return partner
    taken = _taken(uow, partner)
    if taken is not None:
        return taken
    uow.partners.save(partner)
    audit(uow, at, "PartnerRegistered", cause, party=partner.party_id, roles=sorted(partner.roles))
    return Registered(partner, existing=False)


def find_company(uow: UnitOfWork, vat: str, eori: str) -> Partner | None:
    """The registered partner with the same VAT and EORI numbers, if any."""
    return next((p for p in uow.partners.all() if same_company(p.vat, p.eori, vat, eori)), None)


def _normalised(form: Registration) -> Registration:
    """Codes as they are stored and compared: trimmed, upper-case (the broker user as given)."""
    return replace(
        form,
        party_id=form.party_id.strip().upper(),
        terminals=tuple(t.strip().upper() for t in form.terminals),
        edi_ids=tuple((i.strip().upper(), q.strip().upper()) for i, q in form.edi_ids),
        broker_user=form.broker_user.strip(),
    )


def _taken(uow: UnitOfWork, partner: Partner) -> Refusal | None:
    """A refusal naming the identifiers another partner holds; None when all are free."""
    found = clashes(partner, uow.partners.all())
    return Refusal("; ".join(found), "identifier-taken") if found else None


def _form_problem(form: Registration) -> Refusal | None:
    problems = [
        *identifier_problems(_as_partner(form)),
        vat_problem(form.vat),
        eori_problem(form.eori) if form.eori.strip() else "a registration needs the EORI number",
        "" if form.name.strip() else "a registration needs the company name",
        *_text_problems(form),
        "" if form.roles else "a registration needs at least one role",
        _country_problem(form),
        "" if form.outbound_format in FORMATS else f"format must be one of {FORMATS}",
        "" if form.terminal_access in ACCESS_MODES else f"access must be one of {ACCESS_MODES}",
        *(_role_problem(role) for role in form.roles),
    ]
    found = [p for p in problems if p]
    return Refusal("; ".join(found), "invalid-registration") if found else None


_TEXT_WIDTHS = {"name": 200, "address": 300, "billing_address": 300, "contact": 200}
"""The free-text fields of a registration and their longest length (the partners table's)."""


def _text_problems(form: Registration) -> list[str]:
    """Free text is bounded and printable, whatever the channel (portal form, CLI, file): a
    field past its width, or holding a control character (NUL, ...), is refused by name."""
    found = []
    for field_name, width in _TEXT_WIDTHS.items():
        value = getattr(form, field_name)
        if len(value) > width:
            found.append(f"{field_name} is longer than {width} characters")
        elif any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in value):
            found.append(f"{field_name} holds a control character")
    return found


def _country_problem(form: Registration) -> str:
    of_vat = country_of(form.vat)
    if form.country and of_vat and form.country.upper() != of_vat:
        return f"country {form.country} does not match the VAT number's {of_vat}"
    return ""


def _role_problem(role: str) -> str:
    known = {r.value for r in Role}
    return "" if role in known else f"unknown role {role!r}; roles are {sorted(known)}"


def _as_partner(form: Registration) -> Partner:
    """The form's identifiers on a partner value, for the identifier checks."""
    return Partner(
        party_id=form.party_id or "X",
        name=form.name,
        vat=normalise(form.vat),
        eori=normalise(form.eori),
        edi_ids=form.edi_ids,
        broker_user=form.broker_user,
        terminals=form.terminals,
    )


def _recognise(
    uow: UnitOfWork, known: Partner, form: Registration, at: datetime, cause: str
) -> Registered:
    """The same company again: nothing is granted or changed on the spot; a role it neither
    holds nor asked for already becomes a pending request for the hub's team."""
    new = tuple(sorted(Role(r) for r in set(form.roles) - known.roles - known.pending_roles))
    partner = known
    if new:
        partner = replace(known, pending_roles=known.pending_roles | set(new))
        uow.partners.save(partner)
        audit(uow, at, "RoleRequested", cause, party=known.party_id, roles=list(new))
    audit(uow, at, "PartnerRecognised", cause, party=known.party_id, requested_roles=list(new))
    return Registered(partner, existing=True, requested_roles=new, advice=_advice(partner, new))


def _advice(p: Partner, new: tuple[Role, ...]) -> str:
    """What a known company is told instead of a second registration."""
    told = f"this company is already registered as {p.party_id} ({registration_state(p)})"
    if new:
        told += f"; the role(s) {', '.join(new)} are requested and wait for the hub's approval"
    elif p.pending_roles:
        told += f"; role(s) {', '.join(sorted(p.pending_roles))} already wait for approval"
    if p.status in (Status.DENIED, Status.SUSPENDED):
        told += f"; it was {p.status.value} ({p.status_reason}): resubmit instead"
    return told + "; to change its details, ask the hub's team"


def _new_partner(uow: UnitOfWork, form: Registration) -> Partner | Refusal:
    party_id = form.party_id or _derived_id(uow, form.name)
    if uow.partners.get(party_id) is not None:
        return Refusal(f"party id {party_id} is taken by another company", "party-id-taken")
    if form.broker_user and uow.partners.by_broker_user(form.broker_user) is not None:
        return Refusal(f"broker user {form.broker_user} is taken", "broker-user-taken")
    return Partner(
        party_id=party_id,
        name=form.name.strip(),
        vat=normalise(form.vat),
        eori=normalise(form.eori),
        country=(form.country or country_of(form.vat)).upper(),
        roles=frozenset(Role(r) for r in form.roles),
        status=Status.REQUESTED,
        edi_ids=form.edi_ids,
        broker_user=form.broker_user,
        terminals=form.terminals,
        outbound_format=form.outbound_format,
        terminal_access=form.terminal_access,
        address=form.address,
        billing_address=form.billing_address,
        contact=form.contact,
    )


def _derived_id(uow: UnitOfWork, name: str) -> str:
    """Up to 12 letters and digits of the name, made unique with a number."""
    base = re.sub(r"[^A-Z0-9]", "", name.upper())[:12] or "PARTY"
    candidate, n = base, 1
    while uow.partners.get(candidate) is not None:
        n += 1
        candidate = f"{base[:10]}{n}"
    return candidate


def load(
    uow: UnitOfWork, loaded: list[Partner], at: datetime, cause: str
) -> list[Partner] | Refusal:
    """Save partners from a file (`hub partners load`) as they are, status included, after the
    identifier checks: every identifier a plain word, none held by another partner (in the
    registry or elsewhere in the file). A partner with a known party id is replaced. All or
    nothing: one problem refuses the whole file."""
    problems = [f"{p.party_id}: {x}" for p in loaded for x in identifier_problems(p)]
    ids = [p.party_id for p in loaded]
    problems += [f"party id {i} is in the file twice" for i in sorted(set(ids)) if ids.count(i) > 1]
    others = [p for p in uow.partners.all() if p.party_id not in ids]
    for n, p in enumerate(loaded):
        problems += [f"{p.party_id}: {x}" for x in clashes(p, [*others, *loaded[:n]])]
    if problems:
        return Refusal("; ".join(problems), "invalid-registration")
    switched_on = []
    for p in loaded:
        before = uow.partners.get(p.party_id)
        if p.api_subscriber and before is not None and not before.api_subscriber:
            switched_on.append(p.party_id)
        uow.partners.save(p)
    audit(uow, at, "PartnersLoaded", cause, parties=ids)
    for party in switched_on:  # its API fee years run from now (`reports.fee_report`)
        audit(uow, at, API_SWITCHED_ON, cause, party=party)
    return loaded


# --- the profile ----------------------------------------------------------------------------


def profile(partner: Partner) -> dict[str, Any]:
    """The partner's registry record, JSON-ready, with its roles in the four languages."""
    roles = [
        {"role": r.value, **{lang: r.label(lang) for lang in LANGUAGES}}
        for r in sorted(partner.roles)
    ]
    return {
        "party_id": partner.party_id,
        "name": partner.name,
        "vat": partner.vat,
        "eori": partner.eori,
        "country": partner.country,
        "status": partner.status.value,
        "state": registration_state(partner),
        "status_reason": partner.status_reason,
        "roles": roles,
        "pending_roles": sorted(partner.pending_roles),
        "edi_ids": [list(x) for x in partner.edi_ids],
        "broker_user": partner.broker_user,
        "terminals": list(partner.terminals),
        "terminal_access": partner.terminal_access,
        "outbound_format": partner.outbound_format,
        "linked_organisations": sorted(partner.linked_organisations),
        "address": partner.address,
        "billing_address": partner.invoice_address,
        "contact": partner.contact,
    }
