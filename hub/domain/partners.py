"""Partners: who a company is (VAT, EORI), what it may do (roles, status), and for whom.

A company is known by its VAT and EORI numbers; registering twice with the same pair is the same
company (`same_company`). Its registration moves REQUESTED → APPROVED (or DENIED, with a reason)
→ ACTIVE, and may be SUSPENDED and reactivated (`transition`). Only an ACTIVE partner acts, and
only in a role it holds; a release right goes only to a known, active release party or transport
operator; a release platform acts only for the organisations linked to it.

Number checks return a problem sentence, '' when the number is fine: the format of each EU member
state (and ``XI``, Northern Ireland), with check digits for BE (mod 97), DE (ISO 7064 mod 11,10),
FR (the key of the SIREN) and NL (mod 11, or mod 97 for the 2020 sole-trader numbers). The other
countries are checked for format only.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.domain import roles
from hub.domain.billing import EU_MEMBER_STATES
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
"""Labels in the order of `LANGUAGES`: Dutch, English, French, German."""


class Status(enum.StrEnum):
    """Where a partner's registration stands."""

    REQUESTED = "requested"
    APPROVED = "approved"
    DENIED = "denied"
    ACTIVE = "active"
    SUSPENDED = "suspended"


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
    (Status.DENIED, PartnerAction.RESUBMIT): Status.REQUESTED,
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


# --- VAT and EORI numbers -------------------------------------------------------------------

_VAT_FORMATS: Mapping[str, str] = {
    "AT": r"U\d{8}", "BE": r"[01]\d{9}", "BG": r"\d{9,10}", "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}", "DE": r"\d{9}", "DK": r"\d{8}", "EE": r"\d{9}", "EL": r"\d{9}",
    "ES": r"(?!\d{9})[A-Z0-9]\d{7}[A-Z0-9]", "FI": r"\d{8}", "FR": r"[0-9A-HJ-NP-Z]{2}\d{9}",
    "HR": r"\d{11}", "HU": r"\d{8}", "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}", "LT": r"\d{9}|\d{12}", "LU": r"\d{8}", "LV": r"\d{11}", "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}", "PL": r"\d{10}", "PT": r"\d{9}", "RO": r"[1-9]\d{1,9}",
    "SE": r"\d{10}01", "SI": r"[1-9]\d{7}", "SK": r"[1-9]\d{9}",
    "XI": r"\d{9}|\d{12}|GD[0-4]\d{2}|HA[5-9]\d{2}",
}  # fmt: skip
"""VAT number after the country prefix, per EU member state (Greece: ``EL``) and ``XI``."""


def normalise(number: str) -> str:
    """Uppercase, without spaces, dots and dashes; an old 9-digit Belgian number gets its 0."""
    compact = re.sub(r"[\s.\-]", "", number).upper()
    return f"BE0{compact[2:]}" if re.fullmatch(r"BE\d{9}", compact) else compact


def country_of(vat: str) -> str:
    """The ISO country of a VAT number's prefix (``EL`` → ``GR``; ``XI`` stays); '' if none."""
    prefix = normalise(vat)[:2]
    return {"EL": "GR"}.get(prefix, prefix) if prefix in _VAT_FORMATS else ""


def vat_problem(vat: str) -> str:
    """What is wrong with a VAT number's format or check digits; '' when it is valid."""
    number = normalise(vat)
    prefix, rest = number[:2], number[2:]
    if prefix not in _VAT_FORMATS:
        return f"VAT number {vat!r} does not start with an EU country code (BE, NL, EL, ...)"
    if not re.fullmatch(_VAT_FORMATS[prefix], rest):
        return f"VAT number {vat!r} does not have the format of {prefix}"
    check = _VAT_CHECKS.get(prefix)
    if check is not None and not check(rest):
        return f"VAT number {vat!r}: the check digits do not match"
    return ""


def _be_check(n: str) -> bool:
    return 97 - int(n[:8]) % 97 == int(n[8:])


def _de_check(n: str) -> bool:
    product = 10
    for digit in n[:8]:
        product = ((int(digit) + product) % 10 or 10) * 2 % 11
    return (11 - product) % 10 == int(n[8])


def _fr_check(n: str) -> bool:
    return not n[:2].isdigit() or int(n[:2]) == (12 + 3 * (int(n[2:]) % 97)) % 97


def _nl_check(n: str) -> bool:
    weighted = sum((9 - i) * int(d) for i, d in enumerate(n[:8])) - int(n[8])
    as_digits = "".join(str(int(c, 36)) for c in "NL" + n)
    return weighted % 11 == 0 or int(as_digits) % 97 == 1


_VAT_CHECKS: Mapping[str, Callable[[str], bool]] = {
    "BE": _be_check,
    "DE": _de_check,
    "FR": _fr_check,
    "NL": _nl_check,
}

EORI_COUNTRIES = EU_MEMBER_STATES | {"XI", "GB"}


def eori_problem(eori: str) -> str:
    """What is wrong with an EORI number; '' when it is valid.

    An EORI is the issuing country's code and up to 15 letters or digits; a Belgian EORI is
    ``BE`` followed by the company's 10-digit VAT number (check digits included).
    """
    number = normalise(eori)
    match = re.fullmatch(r"([A-Z]{2})([A-Z0-9]{1,15})", number)
    if match is None:
        return f"EORI {eori!r} is not a country code and up to 15 letters or digits"
    if match[1] not in EORI_COUNTRIES:
        return f"EORI {eori!r}: {match[1]} does not issue EORI numbers"
    if match[1] == "BE" and vat_problem(number):
        return f"EORI {eori!r}: a Belgian EORI is BE and the 10-digit VAT number"
    return ""


def same_company(a_vat: str, a_eori: str, b_vat: str, b_eori: str) -> bool:
    """The registration dedup rule: the same VAT and the same EORI number (normalised)."""
    same_numbers = (normalise(a_vat), normalise(a_eori)) == (normalise(b_vat), normalise(b_eori))
    return same_numbers and bool(normalise(a_vat) or normalise(a_eori))


# --- the partner ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Partner:
    """A registered company and its profile.

    `roles` and `status` may be given as plain strings (from a file or a database row); they are
    turned into `Role` and `Status` on construction, and an unknown one raises `ValueError`.
    `edi_ids` are (UNB sender id, qualifier) pairs; `terminal_access` ('alfapass' or 'pin') is
    for terminal operators, '' otherwise; `linked_organisations` are the party ids a release
    platform may act for. Addresses and the contact are free text; '' billing address means the
    company address.
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(Role(r) for r in self.roles))
        object.__setattr__(self, "status", Status(self.status))
        object.__setattr__(self, "linked_organisations", frozenset(self.linked_organisations))

    @property
    def invoice_address(self) -> str:
        """Where invoices go: the billing address, or else the company address."""
        return self.billing_address or self.address


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
    """
    name = partner.party_id if partner else party_id
    if partner is None:
        return Refusal(f"party {name} is not known", "party-unknown")
    if partner.status is not Status.ACTIVE:
        return Refusal(f"party {name} is not active (status {partner.status})", "party-not-active")
    own = bool(releasing_agent) and partner.party_id == releasing_agent
    if not (own or partner.roles & RECEIVING_ROLES):
        return Refusal(f"party {name} is no release party or transport operator", "role-not-held")
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
