"""Partners: roles and labels, the registration lifecycle, VAT and EORI numbers, the rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from hub.domain import roles
from hub.domain.partners import (
    Partner,
    Role,
    Status,
    country_of,
    eori_problem,
    may_act_for,
    may_act_in_role,
    may_receive_release,
    normalise,
    reminder_due,
    reminder_key,
    same_company,
    transition,
    vat_problem,
)
from hub.domain.refusals import Refusal

# --- roles -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "label"),
    [
        ("nl", "Transport operator"),
        ("en", "Transport operator"),
        ("fr", "Opérateur de transport"),
        ("de", "Transportunternehmen"),
        ("NL", "Transport operator"),
    ],
)
def test_a_role_has_labels_in_four_languages(language: str, label: str) -> None:
    assert Role.TRANSPORT_OPERATOR.label(language) == label


@pytest.mark.parametrize(
    ("role", "labels"),
    [
        (Role.SHIP_AGENT, ("Scheepsagent", "Ship agent", "Agent Maritime", "Schiffsmakler")),
        (
            Role.TRANSPORT_OPERATOR,
            (
                "Transport operator",
                "Transport operator",
                "Opérateur de transport",
                "Transportunternehmen",
            ),
        ),
        (
            Role.RELEASE_PARTY,
            (
                "Rechthebbende partij (voor vrijgave)",
                "Release Party",
                "Partie émettrice",
                "Ausstellende Partei",
            ),
        ),
        (
            Role.TERMINAL_OPERATOR,
            (
                "Terminal Operator",
                "Terminal Operator",
                "Opérateur de terminal",
                "Terminalbetreiber",
            ),
        ),
    ],
)
def test_role_labels_are_those_of_the_design(role: Role, labels: tuple[str, ...]) -> None:
    """DESIGN.md "Identity and registration": the labels the registration page shows."""
    assert tuple(role.label(lang) for lang in ("nl", "en", "fr", "de")) == labels


def test_every_role_has_four_distinct_labels_and_the_registry_strings() -> None:
    for role in Role:
        assert all(role.label(lang) for lang in ("nl", "en", "fr", "de"))
    assert {str(r) for r in Role} == set(roles.ALL_ROLES)
    assert Role.SHIP_AGENT.label() == "Ship agent"


def test_a_label_in_another_language_is_an_error() -> None:
    with pytest.raises(ValueError):
        Role.CUSTOMS.label("es")


# --- registration lifecycle --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        ("requested", "approve", Status.APPROVED),
        ("approved", "activate", Status.ACTIVE),
        ("active", "suspend", Status.SUSPENDED),
        ("suspended", "activate", Status.ACTIVE),
        ("denied", "resubmit", Status.RESUBMITTED),
        ("suspended", "resubmit", Status.RESUBMITTED),
        ("resubmitted", "approve", Status.APPROVED),
    ],
)
def test_the_lifecycle(status: str, action: str, expected: Status) -> None:
    assert transition(status, action, reason="checked") == expected


def test_a_denial_needs_a_reason() -> None:
    assert transition(Status.REQUESTED, "deny", "VAT number unknown in VIES") is Status.DENIED
    refused = transition(Status.REQUESTED, "deny")
    assert isinstance(refused, Refusal) and refused.code == "reason-required"


@pytest.mark.parametrize(
    ("status", "action"),
    [("requested", "activate"), ("denied", "approve"), ("active", "approve"), ("active", "x")],
)
def test_a_step_out_of_order_is_refused(status: str, action: str) -> None:
    refused = transition(status, action)
    assert isinstance(refused, Refusal) and refused.code == "invalid-transition"
    assert status in refused.reason


# --- VAT and EORI ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "vat",
    [
        "BE0202239951",  # mod 97: 97 - 2022399 % 97 = 51
        "BE 0202.239.951",
        "be0202-239-951",
        "BE202239951",  # the old 9-digit form
        "NL004495445B01",  # mod 11
        "NL000099998B57",  # the 2020 sole-trader number, mod 97
        "DE136695976",
        "FR40303265045",
        "FRK7399859412",  # letters in the key: no check
        "ATU13585627",
        "IT00743110157",
        "ESB12345678",
        "ES12345678Z",
        "IE6433435F",
        "SE123456789701",
        "EL094259216",
        "PL5260250274",
        "XI123456789",
    ],
)
def test_valid_vat_numbers(vat: str) -> None:
    assert vat_problem(vat) == ""


@pytest.mark.parametrize(
    ("vat", "problem"),
    [
        ("BE0202239952", "check digits"),
        ("BE2202239951", "format of BE"),
        ("BE02022399510", "format of BE"),
        ("NL004495446B01", "check digits"),
        ("NL004495445001", "format of NL"),
        ("DE136695977", "check digits"),
        ("DE13669597", "format of DE"),
        ("FR41303265045", "check digits"),
        ("FRI0303265045", "format of FR"),
        ("ES123456789", "format of ES"),
        ("AT13585627", "format of AT"),
        ("GB12345678", "format of GB"),
        ("0202239951", "country code"),
        ("", "country code"),
    ],
)
def test_invalid_vat_numbers_say_why(vat: str, problem: str) -> None:
    assert problem in vat_problem(vat)


def test_country_of_a_vat_number() -> None:
    assert [country_of(v) for v in ("be 0202239951", "EL094259216", "XI123456789", "QQ1")] == [
        "BE",
        "GR",
        "XI",
        "",
    ]


@pytest.mark.parametrize("eori", ["BE0202239951", "BE 0202.239.951", "NL123456789", "GR123", "XI1"])
def test_valid_eori_numbers(eori: str) -> None:
    assert eori_problem(eori) == ""


@pytest.mark.parametrize(
    ("eori", "problem"),
    [
        ("BE0202239952", "10-digit VAT number"),
        ("BE12345", "10-digit VAT number"),
        ("NL1234567890123456", "up to 15"),
        ("US123456", "does not issue"),
        ("123456", "country code"),
    ],
)
def test_invalid_eori_numbers_say_why(eori: str, problem: str) -> None:
    assert problem in eori_problem(eori)


def test_the_same_vat_and_eori_is_the_same_company() -> None:
    assert normalise(" be 0202.239-951 ") == "BE0202239951"
    assert same_company("BE 0202.239.951", "be0202239951", "BE0202239951", "BE0202239951")
    assert not same_company("BE0202239951", "BE0202239951", "BE0202239951", "BE0403170701")
    assert not same_company("BE0202239951", "", "NL004495445B01", "")
    assert not same_company("", "", "", "")


# --- the rules ---------------------------------------------------------------------------------

HAULIER = Partner(
    "HAULIER",
    "Haulier NV",
    vat="BE0202239951",
    roles=frozenset({Role.TRANSPORT_OPERATOR}),
    status=Status.ACTIVE,
    broker_user="haulier",
)


def test_roles_and_status_given_as_strings_become_enums() -> None:
    p = Partner("P", "P", roles=frozenset({"ship_agent"}), status="active")  # type: ignore[arg-type]
    assert p.roles == {Role.SHIP_AGENT} and p.status is Status.ACTIVE
    with pytest.raises(ValueError):
        Partner("P", "P", roles=frozenset({"captain"}))  # type: ignore[arg-type]


def test_a_new_partner_is_a_request_and_billing_defaults_to_the_address() -> None:
    p = Partner("P", "P", address="Noorderlaan 1, Antwerpen")
    assert p.status is Status.REQUESTED
    assert p.invoice_address == "Noorderlaan 1, Antwerpen"


def test_an_action_is_allowed_only_in_a_role_held_by_an_active_partner() -> None:
    assert may_act_in_role(HAULIER, Role.TRANSPORT_OPERATOR)
    assert may_act_in_role(HAULIER, roles.TRANSPORT_OPERATOR)
    assert not may_act_in_role(HAULIER, Role.SHIP_AGENT)
    suspended = Partner("H", "H", roles=HAULIER.roles, status=Status.SUSPENDED)
    assert not may_act_in_role(suspended, Role.TRANSPORT_OPERATOR)


def test_a_release_goes_only_to_a_known_active_receiving_party() -> None:
    assert may_receive_release(HAULIER) is None
    unknown = may_receive_release(None, "NOBODY")
    assert unknown == Refusal("party NOBODY is not known", "party-unknown")
    requested = Partner("NEW", "New BV", roles=HAULIER.roles)
    inactive = may_receive_release(requested)
    assert isinstance(inactive, Refusal) and inactive.code == "party-not-active"
    assert inactive.reason == "party NEW is not active (status requested)"
    agent = Partner("AG", "Agent", roles=frozenset({Role.SHIP_AGENT}), status=Status.ACTIVE)
    assert may_receive_release(agent) == Refusal(
        "party AG is no release party or transport operator", "role-not-held"
    )


def test_a_company_only_on_the_portal_receives_a_right_once_it_is_ready() -> None:
    web_only = replace(HAULIER, broker_user="")
    refused = may_receive_release(web_only)
    assert isinstance(refused, Refusal) and refused.code == "party-not-ready"
    assert "has not logged in to the portal yet" in refused.reason
    logged_in = replace(web_only, portal_login_at="2026-11-02T08:00:00+00:00")
    assert may_receive_release(logged_in) is None
    assert may_receive_release(replace(web_only, edi_ids=(("HAULIER", "ZZZ"),))) is None


def test_a_release_platform_acts_only_for_its_linked_organisations() -> None:
    platform = Partner(
        "SCR",
        "Secure Container Release",
        roles=frozenset({Role.RELEASE_PLATFORM}),
        status=Status.ACTIVE,
        linked_organisations=frozenset({"FORWARDER"}),
    )
    assert may_act_for(platform, "FORWARDER")
    assert not may_act_for(platform, "OTHER")
    assert not may_act_for(HAULIER, "FORWARDER")


# --- subscription reminder ---------------------------------------------------------------------

END = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (datetime(2025, 1, 29, 23, 59, tzinfo=UTC), False),  # the day before
        (datetime(2025, 1, 30, 0, 0, tzinfo=UTC), True),  # 30 days before, from midnight
        (datetime(2025, 2, 15, 12, 0, tzinfo=UTC), True),  # a missed day still reminds
        (END - timedelta(seconds=1), True),
        (END, False),  # ended: a reminder is too late
    ],
)
def test_the_reminder_is_due_from_the_right_day(now: datetime, due: bool) -> None:
    assert reminder_due(END, now, days_before=30) is due


def test_the_reminder_key_makes_it_once_per_subscription_and_period() -> None:
    assert reminder_key("S1", END, 30) == reminder_key("S1", END, 30)
    assert reminder_key("S1", END, 30) != reminder_key("S2", END, 30)
    assert reminder_key("S1", END, 30) != reminder_key("S1", END, 7)
