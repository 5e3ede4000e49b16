"""What the platform charges: money, VAT, prices, what costs a token, the contribution, wallets.

Money is a `Decimal` number of euro quantised to the cent (``Decimal("151.25")``); a float is
never accepted. Where amounts are split (the per-container contribution) the unit is integer
cents, so that the parts always add up to the whole.

VAT on what the platform sells (subscriptions, upgrades), by the buyer's country of registration:
- Belgium (``BE``): 21 % Belgian VAT.
- another EU member state: 0 %, reverse-charged (the buyer accounts for the VAT; the invoice is
  marked ``reverse_charge``).
- outside the EU: 0 %, not reverse-charged (the service is outside the scope of EU VAT). This
  includes Northern Ireland (``XI``): the Windsor Framework keeps it in the EU VAT area for goods
  only, and these are services.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from hub.domain.refusals import Refusal
from hub.domain.roles import RELEASE_PARTY, SHIP_AGENT, TERMINAL_OPERATOR

CENT = Decimal("0.01")
BELGIAN_VAT_RATE = Decimal("0.21")

EU_MEMBER_STATES = frozenset(
    {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"}
    | {"IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"}
)
"""ISO 3166 codes of the 27 member states (Greece is ``GR``; its VAT prefix ``EL`` is accepted)."""


def euro(value: Decimal | int | str) -> Decimal:
    """An amount in euro, rounded half-up to the cent; floats are refused (they are not exact)."""
    if isinstance(value, float):
        raise TypeError("money is never a float; pass a Decimal, an int or a string")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal) -> int:
    """Euro to integer cents (``Decimal("151.25")`` → ``15125``)."""
    return int(euro(amount) / CENT)


def from_cents(cents: int) -> Decimal:
    """Integer cents to euro (``15125`` → ``Decimal("151.25")``)."""
    return euro(Decimal(cents) * CENT)


def is_eu(country: str) -> bool:
    """True for an EU member state, by ISO code or VAT prefix (``GR`` and ``EL`` both count)."""
    code = country.strip().upper()
    return code in EU_MEMBER_STATES or code == "EL"


@dataclass(frozen=True)
class Quote:
    """A price: net (excl. VAT), the VAT, the gross total, and whether VAT is reverse-charged."""

    net: Decimal
    vat: Decimal
    gross: Decimal
    reverse_charge: bool


def vat_quote(net: Decimal, country: str) -> Quote:
    """The VAT on a net amount sold to a company registered in `country` (see module docstring)."""
    amount = euro(net)
    if country.strip().upper() == "BE":
        vat = euro(amount * BELGIAN_VAT_RATE)
        return Quote(amount, vat, amount + vat, reverse_charge=False)
    return Quote(amount, euro(0), amount, reverse_charge=is_eu(country))


# --- the price list and what costs a token ---------------------------------------------------


class Tier(enum.StrEnum):
    """A subscription tier, lowest first."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    API = "api"


@dataclass(frozen=True)
class TierTerms:
    """What a tier costs a year (net, excl. VAT) and how many tokens it gives (None: unlimited)."""

    price: Decimal
    allowance: int | None
    rank: int


TIERS: Mapping[Tier, TierTerms] = {
    Tier.LOW: TierTerms(euro(125), 25, 1),
    Tier.MEDIUM: TierTerms(euro(250), 2000, 2),
    Tier.HIGH: TierTerms(euro(500), None, 3),
    Tier.API: TierTerms(euro(2500), None, 4),
}


def price_quote(tier: Tier, country: str) -> Quote:
    """The price of `tier` for a company registered in `country` (Belgian Low: 151.25 gross)."""
    return vat_quote(TIERS[tier].price, country)


class TerminalAccess(enum.StrEnum):
    """How a terminal lets a container out: by the driver's Alfapass identity, or by PIN."""

    ALFAPASS = "alfapass"
    PIN = "pin"


class TokenAction(enum.StrEnum):
    """The transport operator's actions that may cost a token."""

    ACCEPT = "accept"
    SUBSCRIBE_LIGHTS = "subscribe_lights"


def needs_token(terminal_access: str, action: str, has_api_subscription: bool) -> bool:
    """Whether the action costs a token: accepting a release at an Alfapass terminal, or
    subscribing to the lights of a container that still needs a PIN. Never for API subscribers.

    Raises `ValueError` for an unknown access mode or action (a configuration error).
    """
    access, act = TerminalAccess(terminal_access), TokenAction(action)
    if has_api_subscription:
        return False
    charged = {
        (TerminalAccess.ALFAPASS, TokenAction.ACCEPT),
        (TerminalAccess.PIN, TokenAction.SUBSCRIBE_LIGHTS),
    }
    return (access, act) in charged


# --- per-container contribution -------------------------------------------------------------

PAYING_ROLES = (TERMINAL_OPERATOR, SHIP_AGENT, RELEASE_PARTY)
"""Who shares a container's contribution: its terminal, its ship agent, its first release party."""

EQUAL_SHARES: Mapping[str, int] = {role: 1 for role in PAYING_ROLES}


def contribution_split(amount_cents: int, shares: Mapping[str, int]) -> dict[str, int]:
    """Split `amount_cents` over roles by integer weight, exact to the cent.

    Each role gets the floor of its exact share; the cents left over go one each to the roles
    with the largest remainders, ties broken by role name, so the parts always sum to the
    amount and the same inputs always give the same split. Raises `ValueError` for a negative
    amount, a negative weight or weights summing to zero (configuration errors).
    """
    total = sum(shares.values())
    if amount_cents < 0 or total <= 0 or any(weight < 0 for weight in shares.values()):
        raise ValueError(f"cannot split {amount_cents} cents by weights {dict(shares)}")
    parts = {role: amount_cents * weight // total for role, weight in shares.items()}
    left = amount_cents - sum(parts.values())
    by_remainder = sorted(shares, key=lambda role: (-(amount_cents * shares[role] % total), role))
    for role in by_remainder[:left]:
        parts[role] += 1
    return parts


@dataclass(frozen=True)
class ContainerRecord:
    """One released container: who pays its contribution, and when it was released."""

    container: str
    terminal: str
    agent: str
    first_party: str
    released_at: datetime

    def payer(self, role: str) -> str:
        """The party paying the share of `role` (one of `PAYING_ROLES`)."""
        payers = {
            TERMINAL_OPERATOR: self.terminal,
            SHIP_AGENT: self.agent,
            RELEASE_PARTY: self.first_party,
        }
        return payers[role]


@dataclass(frozen=True)
class BillingRow:
    """What one party owes in one role for a month: how many containers, how many cents."""

    party: str
    role: str
    containers: int
    amount_cents: int


_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def parse_month(month: str) -> tuple[int, int]:
    """``"2024-05"`` → ``(2024, 5)``; raises `ValueError` for anything else."""
    match = _MONTH.fullmatch(month.strip())
    if match is None:
        raise ValueError(f"not a month (YYYY-MM): {month!r}")
    return int(match[1]), int(match[2])


def monthly_report(
    records: Iterable[ContainerRecord],
    month: str,
    amount_cents: int,
    shares: Mapping[str, int] = EQUAL_SHARES,
) -> list[BillingRow]:
    """The contribution report for `month`: one row per (party, role), sorted by party and role.

    A record counts in the month of its `released_at` (as given: pass times in one timezone).
    Each record is one contribution of `amount_cents`, split by `contribution_split`; identical
    records are counted once. The rows add up to `amount_cents` times the number of records.
    """
    unknown = set(shares) - set(PAYING_ROLES)
    if unknown:
        raise ValueError(f"shares name roles that do not pay a contribution: {sorted(unknown)}")
    split = contribution_split(amount_cents, shares)
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    for record in _in_month(records, month):
        for role, cents in split.items():
            key = (record.payer(role), role)
            count, amount = totals.get(key, (0, 0))
            totals[key] = (count + 1, amount + cents)
    return [BillingRow(p, r, n, cents) for (p, r), (n, cents) in sorted(totals.items())]


def _in_month(records: Iterable[ContainerRecord], month: str) -> set[ContainerRecord]:
    wanted = parse_month(month)
    return {r for r in records if (r.released_at.year, r.released_at.month) == wanted}


# --- the prepaid wallet ---------------------------------------------------------------------


class MovementKind(enum.StrEnum):
    """Money into a wallet, or out of it."""

    TOP_UP = "top_up"
    DEBIT = "debit"


@dataclass(frozen=True)
class WalletMovement:
    """One append-only line of a transport operator's prepaid wallet; `amount` is positive euro.

    Buying or upgrading a subscription debits the quote's gross price (VAT included).
    """

    kind: MovementKind
    amount: Decimal
    at: datetime
    cause: str


def wallet_balance(movements: Iterable[WalletMovement]) -> Decimal:
    """Top-ups less debits, in euro."""
    signed = (m.amount if m.kind is MovementKind.TOP_UP else -m.amount for m in movements)
    return euro(sum(signed, Decimal(0)))


def top_up(amount: Decimal, cause: str, at: datetime) -> WalletMovement | Refusal:
    """Money into the wallet; refused unless a positive whole number of cents."""
    problem = _amount_problem(amount)
    return problem or WalletMovement(MovementKind.TOP_UP, euro(amount), at, cause)


def debit(
    movements: Iterable[WalletMovement], amount: Decimal, cause: str, at: datetime
) -> WalletMovement | Refusal:
    """Money out of the wallet; a wallet short of `amount` refuses, and nothing changes."""
    problem = _amount_problem(amount)
    if problem is not None:
        return problem
    available = wallet_balance(movements)
    if available < amount:
        return Refusal(
            f"wallet holds EUR {available}, short of the EUR {euro(amount)} due for {cause}:"
            f" EUR {euro(amount - available)} missing",
            "insufficient-funds",
        )
    return WalletMovement(MovementKind.DEBIT, euro(amount), at, cause)


def _amount_problem(amount: Decimal) -> Refusal | None:
    if amount <= 0 or euro(amount) != amount:
        return Refusal(f"{amount!r} is not a positive amount of euro and cents", "invalid-amount")
    return None
