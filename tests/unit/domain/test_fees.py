"""Yearly fees (issue 19): the API subscription (EUR 2,500, unlimited use, no tokens) and web use
by agents, forwarders, release parties and terminals (EUR 250), invoiced once a year from the
start of the partner's fee year, with VAT as for tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from hub.domain.fees import Fee, FeeInvoice, fee_of, fees_due, vat_treatment
from hub.domain.partners import Partner, Role, Status

SINCE = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)


def partner(
    party: str, roles: set[Role], country: str = "BE", api_subscriber: bool = False
) -> Partner:
    given, active = frozenset(roles), Status.ACTIVE
    return Partner(
        party, party, country=country, roles=given, status=active, api_subscriber=api_subscriber
    )


@pytest.mark.parametrize(
    ("roles", "api", "expected"),
    [
        ({Role.SHIP_AGENT}, False, Fee.WEB_USE),
        ({Role.RELEASE_PARTY}, False, Fee.WEB_USE),  # forwarders register as release parties
        ({Role.TERMINAL_OPERATOR}, False, Fee.WEB_USE),
        ({Role.TRANSPORT_OPERATOR}, False, None),  # pays in tokens instead
        ({Role.TRANSPORT_OPERATOR, Role.RELEASE_PARTY}, False, Fee.WEB_USE),
        ({Role.CUSTOMS}, False, None),
        ({Role.AUTHORITY}, False, None),
        ({Role.SHIP_AGENT}, True, Fee.API_SUBSCRIPTION),
        ({Role.TRANSPORT_OPERATOR}, True, Fee.API_SUBSCRIPTION),
    ],
)
def test_who_pays_which_yearly_fee(roles: set[Role], api: bool, expected: Fee | None) -> None:
    assert fee_of(partner("P", roles, api_subscriber=api)) == expected


def test_an_inactive_partner_is_not_invoiced() -> None:
    suspended = Partner("P", "P", country="BE", roles=frozenset({Role.SHIP_AGENT}))
    assert fee_of(suspended) is None


@pytest.mark.parametrize(
    ("country", "fee", "net", "vat", "gross", "treatment"),
    [
        ("BE", Fee.WEB_USE, "250.00", "52.50", "302.50", "be_vat_21"),
        ("BE", Fee.API_SUBSCRIPTION, "2500.00", "525.00", "3025.00", "be_vat_21"),
        ("NL", Fee.WEB_USE, "250.00", "0.00", "250.00", "reverse_charge"),
        ("EL", Fee.API_SUBSCRIPTION, "2500.00", "0.00", "2500.00", "reverse_charge"),
        ("CH", Fee.WEB_USE, "250.00", "0.00", "250.00", "outside_scope"),
        ("GB", Fee.API_SUBSCRIPTION, "2500.00", "0.00", "2500.00", "outside_scope"),
    ],
)
def test_the_fee_is_invoiced_with_vat_as_for_tokens(
    country: str, fee: Fee, net: str, vat: str, gross: str, treatment: str
) -> None:
    api = fee is Fee.API_SUBSCRIPTION
    who = partner("P", {Role.SHIP_AGENT}, country, api_subscriber=api)
    [invoice] = fees_due([(who, SINCE)], "2026-03")
    assert (invoice.fee, invoice.net, invoice.vat, invoice.gross) == (
        fee,
        Decimal(net),
        Decimal(vat),
        Decimal(gross),
    )
    assert invoice.vat_treatment == treatment == vat_treatment(country)


def test_the_fee_is_invoiced_once_a_year_in_the_month_its_year_starts() -> None:
    who = partner("AGENT", {Role.SHIP_AGENT})
    months = [f"{y}-{m:02d}" for y in (2025, 2026, 2027) for m in range(1, 13)]
    invoiced = {month: fees_due([(who, SINCE)], month) for month in months}
    assert [m for m, rows in invoiced.items() if rows] == ["2026-03", "2027-03"]
    second = invoiced["2027-03"][0]
    assert (second.period_start, second.period_end) == (
        datetime(2027, 3, 15, 10, 0, tzinfo=UTC),
        datetime(2028, 3, 15, 10, 0, tzinfo=UTC),
    )


def test_a_fee_year_from_29_february_starts_on_1_march_in_common_years() -> None:
    who = partner("AGENT", {Role.SHIP_AGENT})
    leap = datetime(2028, 2, 29, 9, 0, tzinfo=UTC)
    assert fees_due([(who, leap)], "2029-02") == []
    [invoice] = fees_due([(who, leap)], "2029-03")
    assert invoice.period_start == datetime(2029, 3, 1, tzinfo=UTC)
    assert invoice.period_end == datetime(2030, 3, 1, tzinfo=UTC)


def test_fees_are_sorted_by_party_and_skip_who_pays_none() -> None:
    rows = fees_due(
        [
            (partner("ZAGENT", {Role.SHIP_AGENT}), SINCE),
            (partner("TRUCK", {Role.TRANSPORT_OPERATOR}), SINCE),
            (partner("API", {Role.RELEASE_PARTY}, "DE", api_subscriber=True), SINCE),
        ],
        "2026-03",
    )
    assert [(r.party, r.fee.value) for r in rows] == [
        ("API", "api_subscription"),
        ("ZAGENT", "web_use"),
    ]
    assert all(isinstance(r, FeeInvoice) for r in rows)
