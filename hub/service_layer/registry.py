"""The partner registry as the operator manages it: register, approve, deny, activate, link.

A registration is checked with the domain's VAT and EORI rules and starts REQUESTED. A second
registration with the same VAT and EORI numbers is the same company (`same_company`): it is not
duplicated; its roles, terminals and EDI ids are merged into the existing partner, whose party
id is reported back. Status changes follow `hub.domain.partners.transition`. A release platform
is linked to the organisations it may act for. Every change is audited with its cause; a
refusal changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from hub.domain.identifiers import clashes, identifier_problems
from hub.domain.partners import (
    LANGUAGES,
    Partner,
    PartnerAction,
    Role,
    Status,
    country_of,
    eori_problem,
    normalise,
    same_company,
    transition,
    vat_problem,
)
from hub.domain.refusals import Refusal
from hub.service_layer.accounts import audit
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
    """The partner as registered; `existing` when it was recognised as a known company."""

    partner: Partner
    existing: bool


def register(uow: UnitOfWork, form: Registration, at: datetime, cause: str) -> Registered | Refusal:
    """Register a company, or recognise it by VAT and EORI and merge what it adds."""
    form = _normalised(form)
    problem = _form_problem(form)
    if problem is not None:
        return problem
    known = find_company(uow, form.vat, form.eori)
    if known is not None:
        return _merge(uow, known, form, at, cause)
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
        eori_problem(form.eori) if form.eori else "",
        "" if form.name.strip() else "a registration needs the company name",
        _country_problem(form),
        "" if form.outbound_format in FORMATS else f"format must be one of {FORMATS}",
        "" if form.terminal_access in ACCESS_MODES else f"access must be one of {ACCESS_MODES}",
        *(_role_problem(role) for role in form.roles),
    ]
    found = [p for p in problems if p]
    return Refusal("; ".join(found), "invalid-registration") if found else None


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


def _merge(
    uow: UnitOfWork, known: Partner, form: Registration, at: datetime, cause: str
) -> Registered | Refusal:
    merged = replace(
        known,
        roles=known.roles | {Role(r) for r in form.roles},
        terminals=tuple(dict.fromkeys([*known.terminals, *form.terminals])),
        edi_ids=tuple(dict.fromkeys([*known.edi_ids, *form.edi_ids])),
    )
    taken = _taken(uow, merged)
    if taken is not None:
        return taken
    if merged != known:
        uow.partners.save(merged)
    added = sorted(merged.roles - known.roles)
    audit(uow, at, "PartnerRecognised", cause, party=known.party_id, added_roles=added)
    return Registered(merged, existing=True)


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
    for p in loaded:
        uow.partners.save(p)
    audit(uow, at, "PartnersLoaded", cause, parties=ids)
    return loaded


# --- status ---------------------------------------------------------------------------------


def approve(uow: UnitOfWork, party: str, at: datetime, cause: str) -> Partner | Refusal:
    """REQUESTED → APPROVED."""
    return _move(uow, party, PartnerAction.APPROVE, "", at, cause)


def deny(uow: UnitOfWork, party: str, reason: str, at: datetime, cause: str) -> Partner | Refusal:
    """REQUESTED → DENIED, with the reason (required)."""
    return _move(uow, party, PartnerAction.DENY, reason, at, cause)


def activate(uow: UnitOfWork, party: str, at: datetime, cause: str) -> Partner | Refusal:
    """APPROVED (or SUSPENDED) → ACTIVE: from now on it may act and receive release rights."""
    return _move(uow, party, PartnerAction.ACTIVATE, "", at, cause)


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


# --- release platforms ----------------------------------------------------------------------


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
        "status_reason": partner.status_reason,
        "roles": roles,
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
