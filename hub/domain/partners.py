"""Partners: who a company is (VAT, EORI), what it may do (roles, status), and for whom.

A company is known by its VAT and EORI numbers; registering twice with the same pair is the same
company (`same_company`). Its registration moves REQUESTED → APPROVED (or DENIED, with a reason)
→ ACTIVE, and may be SUSPENDED and reactivated (`transition`). Only an ACTIVE partner acts, and
only in a role it holds; a release right goes only to a known, active release party or transport
operator; a release platform acts only for the organisations linked to it.

Registration states (`transition`): REQUESTED → APPROVED or DENIED (with a reason) → ACTIVE
("activated") → ready once the company has logged in to the portal (`registration_state`);
ACTIVE → SUSPENDED (with a reason) → ACTIVE again; DENIED or SUSPENDED → RESUBMITTED, which is
approved or denied like a request. A role beyond those first approved is a request
(`pending_roles`) that the hub's team approves or denies: never granted on the spot.

VAT and EORI numbers are checked in `hub.domain.numbers` (re-exported here).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.domain import roles
from hub.domain.numbers import EORI_COUNTRIES as EORI_COUNTRIES
from hub.domain.numbers import country_of as country_of
from hub.domain.numbers import eori_problem as eori_problem
from hub.domain.numbers import normalise as normalise
from hub.domain.numbers import same_company as same_company
from hub.domain.numbers import vat_problem as vat_problem
from hub.domain.refusals import Refusal

LANGUAGES = ("nl", "en", "fr", "de")


class Role(enum.StrEnum):
    """A role a partner may hold; the values are the strings of `hub.domain.roles`."""

    SHIP_AGENT = roles.SHIP_AGENT
    RELEASE_PARTY = roles.RELEASE_PARTY
    TRANSPORT_OPERATOR = roles.TRANSPORT_OPERATOR
    TERMINAL_OPERATOR = roles.TERMINAL_OPERATOR
    CUSTOMS = roles.CUSTOMS
    AUTHORITY = roles.AUTHORITY
    RELEASE_PLATFORM = roles.RELEASE_PLATFORM

    def label(self, language: str = "en") -> str:
        """The role's name in Dutch, English, French or German (``nl``, ``en``, ``fr``, ``de``)."""
        if language.lower() not in LANGUAGES:
            raise ValueError(f"no role labels in {language!r}; choose one of {LANGUAGES}")
        return _LABELS[self].split("|")[LANGUAGES.index(language.lower())]


_LABELS: Mapping[Role, str] = {
    Role.SHIP_AGENT: "Scheepsagent|Ship agent|Agent Maritime|Schiffsmakler",
    Role.RELEASE_PARTY: "Rechthebbende partij (voor vrijgave)|Release Party|Partie émettrice|"
    "Ausstellende Partei",
    Role.TRANSPORT_OPERATOR: "Transport operator|Transport operator|Opérateur de transport|"
    "Transportunternehmen",
    Role.TERMINAL_OPERATOR: "Terminal Operator|Terminal Operator|Opérateur de terminal|"
    "Terminalbetreiber",
    Role.CUSTOMS: "Douane|Customs|Douane|Zoll",
    Role.AUTHORITY: "Overheid|Authority|Autorité|Behörde",
    Role.RELEASE_PLATFORM: "Vrijgaveplatform|Release platform|Plateforme de libération|"
    "Freigabeplattform",
}
"""Labels in the order of `LANGUAGES`: Dutch, English, French, German; the four portal roles
exactly as the registration page shows them (DESIGN.md "Identity and registration")."""


class Status(enum.StrEnum):
    """Where a partner's registration stands."""

    REQUESTED = "requested"
    APPROVED = "approved"
    DENIED = "denied"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    RESUBMITTED = "resubmitted"


class PartnerAction(enum.StrEnum):
    """What an administrator does to a registration."""

    APPROVE = "approve"
    DENY = "deny"
    ACTIVATE = "activate"
    SUSPEND = "suspend"
    RESUBMIT = "resubmit"


_TRANSITIONS: Mapping[tuple[Status, PartnerAction], Status] = {
    (Status.REQUESTED, PartnerAction.APPROVE): Status.APPROVED,
    (Status.REQUESTED, PartnerAction.DENY): Status.DENIED,
    (Status.APPROVED, PartnerAction.ACTIVATE): Status.ACTIVE,
    (Status.ACTIVE, PartnerAction.SUSPEND): Status.SUSPENDED,
    (Status.SUSPENDED, PartnerAction.ACTIVATE): Status.ACTIVE,
    (Status.DENIED, PartnerAction.RESUBMIT): Status.RESUBMITTED,
    (Status.SUSPENDED, PartnerAction.RESUBMIT): Status.RESUBMITTED,
    (Status.RESUBMITTED, PartnerAction.APPROVE): Status.APPROVED,
    (Status.RESUBMITTED, PartnerAction.DENY): Status.DENIED,
}
_NEEDS_REASON = frozenset({PartnerAction.DENY, PartnerAction.SUSPEND})


def transition(status: str, action: str, reason: str = "") -> Status | Refusal:
    """The status after `action`, or why not; denying and suspending need a `reason`."""
    if action in _NEEDS_REASON and not reason.strip():
        return Refusal(f"to {action} a partner, give a reason", "reason-required")
    known = status in set(Status) and action in set(PartnerAction)
    new = _TRANSITIONS.get((Status(status), PartnerAction(action))) if known else None
    if new is None:
        return Refusal(f"cannot {action} a partner whose status is {status}", "invalid-transition")
    return new


# --- the partner ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Partner:
    """A registered company and its profile.

    `roles` and `status` may be given as plain strings (from a file or a database row); they are
    turned into `Role` and `Status` on construction, and an unknown one raises `ValueError`.
    `pending_roles` are roles asked for and not yet approved (they grant nothing);
    `portal_login_at` is the first login to the portal (ISO time, '' before): from then on
    the company is ready. `edi_ids` are (UNB sender id, qualifier) pairs; `terminal_access`
    ('alfapass' or 'pin') is for terminal operators, '' otherwise; `linked_organisations` are
    the party ids a release platform may act for. Addresses and the contact are free text; ''
    billing address means the company address.
    """

    party_id: str
    name: str
    vat: str = ""
    eori: str = ""
    country: str = ""
    roles: frozenset[Role] = frozenset()
    status: Status = Status.REQUESTED
    status_reason: str = ""
    edi_ids: tuple[tuple[str, str], ...] = ()
    broker_user: str = ""
    terminals: tuple[str, ...] = ()
    outbound_format: str = "edifact"
    strict: bool = False
    wants_contrl: bool = False
    terminal_access: str = ""
    api_subscriber: bool = False
    linked_organisations: frozenset[str] = frozenset()
    address: str = ""
    billing_address: str = ""
    contact: str = ""
    pending_roles: frozenset[Role] = frozenset()
    portal_login_at: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(Role(r) for r in self.roles))
        object.__setattr__(self, "pending_roles", frozenset(Role(r) for r in self.pending_roles))
        object.__setattr__(self, "status", Status(self.status))
        object.__setattr__(self, "linked_organisations", frozenset(self.linked_organisations))

    @property
    def invoice_address(self) -> str:
        """Where invoices go: the billing address, or else the company address."""
        return self.billing_address or self.address

    @property
    def ready(self) -> bool:
        """Active and logged in to the portal at least once (DESIGN "Identity")."""
        return self.status is Status.ACTIVE and bool(self.portal_login_at)

    @property
    def on_edi(self) -> bool:
        """Reached over the broker (a broker user or EDI ids), not only through the portal."""
        return bool(self.broker_user or self.edi_ids)


def registration_state(partner: Partner) -> str:
    """Where the registration stands, as the company is told: its status, or ``activated``
    (active, never logged in to the portal) and ``ready`` (logged in at least once)."""
    if partner.status is not Status.ACTIVE:
        return partner.status.value
    return "ready" if partner.ready else "activated"


RECEIVING_ROLES = frozenset({Role.RELEASE_PARTY, Role.TRANSPORT_OPERATOR})


def may_act_in_role(partner: Partner, role: str) -> bool:
    """True when the partner is active and holds `role`."""
    return partner.status is Status.ACTIVE and role in partner.roles


def may_receive_release(
    partner: Partner | None, party_id: str = "", releasing_agent: str = ""
) -> Refusal | None:
    """None when a release right may be released or transferred to `partner`, else why not.

    Only an active release party or transport operator holds a right — and the agent of the
    release (`releasing_agent`) for its own release; a terminal, customs or an authority never.
    A company reached only through the portal must be ready (logged in once, DESIGN "Identity
    and registration"): until then nobody could see or accept the right it was given. A
    partner on EDI (broker user or EDI ids) receives its notifications, so counts as ready.
    """
    name = partner.party_id if partner else party_id
    if partner is None:
        return Refusal(f"party {name} is not known", "party-unknown")
    if partner.status is not Status.ACTIVE:
        return Refusal(f"party {name} is not active (status {partner.status})", "party-not-active")
    own = bool(releasing_agent) and partner.party_id == releasing_agent
    if not (own or partner.roles & RECEIVING_ROLES):
        return Refusal(f"party {name} is no release party or transport operator", "role-not-held")
    if not (own or partner.ready or partner.on_edi):
        return Refusal(
            f"party {name} is registered but has not logged in to the portal yet: a release "
            "right goes only to a company that is ready",
            "party-not-ready",
        )
    return None


def may_act_for(platform: Partner, organisation_id: str) -> bool:
    """True when an active release platform acts for an organisation linked to it."""
    linked = organisation_id in platform.linked_organisations
    return may_act_in_role(platform, Role.RELEASE_PLATFORM) and linked


# --- subscription reminder ------------------------------------------------------------------


def reminder_due(subscription_end: datetime, now: datetime, days_before: int) -> bool:
    """True from the calendar day `days_before` days before the end until the end itself.

    A daily job that missed a day still reminds; the caller sends once per `reminder_key`.
    """
    first_day = (subscription_end - timedelta(days=days_before)).date()
    return first_day <= now.date() and now < subscription_end


def reminder_key(subscription_id: str, subscription_end: datetime, days_before: int) -> str:
    """The idempotency key of one reminder, so that it is sent once."""
    return f"reminder:{subscription_id}:{subscription_end.isoformat()}:{days_before}"
