"""Yearly fees: the API subscription and web use, invoiced once a year (DESIGN.md, "Channels").

- **API subscription**, EUR 2,500 a year: a partner with ``api_subscriber`` (EDIFACT / XML over
  the broker); unlimited use, no tokens.
- **Web use**, EUR 250 a year: the other active partners that act as ship agent, release party
  (forwarders register as release parties) or terminal operator. A transport operator that is
  nothing else pays in tokens instead; customs, authorities and release platforms pay nothing.

A partner's fee year starts when it became active (the caller says when; an API subscription
switched on later starts its own fee years then, audited as `API_SWITCHED_ON`) and runs 12 calendar
months (`hub.domain.periods.add_months`); the fee is invoiced in the month each year starts.
VAT as for tokens (`hub.domain.billing.vat_quote`): 21 % Belgian VAT for Belgian companies,
reverse-charged for companies in another EU member state, and outside the scope of EU VAT for
companies outside the EU (no Belgian VAT charged, no reverse charge).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from hub.domain.billing import euro, is_eu, parse_month, vat_quote
from hub.domain.partners import Partner, Role, Status
from hub.domain.periods import add_months


class Fee(enum.StrEnum):
    """What a yearly fee pays for."""

    API_SUBSCRIPTION = "api_subscription"
    WEB_USE = "web_use"


YEARLY_FEES: Mapping[Fee, Decimal] = {
    Fee.API_SUBSCRIPTION: euro(2500),
    Fee.WEB_USE: euro(250),
}
"""Net prices a year, excl. VAT."""

API_SWITCHED_ON = "ApiSubscriptionStarted"
"""The audit action of a partner whose API subscription is switched on after it was created."""

WEB_USE_ROLES = frozenset({Role.SHIP_AGENT, Role.RELEASE_PARTY, Role.TERMINAL_OPERATOR})


class VatTreatment(enum.StrEnum):
    """How VAT is dealt with on an invoice, by the buyer's country."""

    BELGIAN_VAT = "be_vat_21"
    REVERSE_CHARGE = "reverse_charge"
    OUTSIDE_SCOPE = "outside_scope"


def vat_treatment(country: str) -> VatTreatment:
    """Belgian VAT for ``BE``, reverse charge elsewhere in the EU, outside scope beyond it."""
    if country.strip().upper() == "BE":
        return VatTreatment.BELGIAN_VAT
    return VatTreatment.REVERSE_CHARGE if is_eu(country) else VatTreatment.OUTSIDE_SCOPE


def fee_of(partner: Partner) -> Fee | None:
    """The yearly fee an active partner pays, if any (see the module docstring)."""
    if partner.status is not Status.ACTIVE:
        return None
    if partner.api_subscriber:
        return Fee.API_SUBSCRIPTION
    return Fee.WEB_USE if partner.roles & WEB_USE_ROLES else None


@dataclass(frozen=True)
class FeeInvoice:
    """One yearly fee to invoice: for whom, for which year, and the money with its VAT."""

    party: str
    fee: Fee
    period_start: datetime
    period_end: datetime
    net: Decimal
    vat: Decimal
    gross: Decimal
    vat_treatment: VatTreatment


def fees_due(partners: Iterable[tuple[Partner, datetime]], month: str) -> list[FeeInvoice]:
    """The fees whose year starts in `month`, for (partner, start of its first fee year)
    pairs; sorted by party."""
    year, number = parse_month(month)
    due = []
    for partner, since in partners:
        fee, years = fee_of(partner), year - since.year
        start, end = add_months(since, 12 * years), add_months(since, 12 * (years + 1))
        if fee is not None and years >= 0 and (start.year, start.month) == (year, number):
            due.append(_invoice(partner, fee, start, end))
    return sorted(due, key=lambda invoice: invoice.party)


def _invoice(partner: Partner, fee: Fee, start: datetime, end: datetime) -> FeeInvoice:
    """Each fee year runs from one anniversary of the first to the next."""
    quote = vat_quote(YEARLY_FEES[fee], partner.country)
    treatment = vat_treatment(partner.country)
    return FeeInvoice(
        partner.party_id, fee, start, end, quote.net, quote.vat, quote.gross, treatment
    )
