"""Monthly reports built from the audit trail: the port authority's bundle and the billing.

**Authority report** (`authority_report`): per terminal, how many containers were released,
transferred, picked up, expired and revoked in the month, and how often each light took each
colour and value. Only aggregates leave this module: no party id, name, VAT, driver identity,
release or container number. It reads the audit events `Released`, `RightTransferred`,
`PickedUp`, `ReleaseExpired`, `ReleaseRevoked` and `LightChanged`; the terminal of a container
is where its file says it stands now.

**Billing report** (`billing_report`): the per-container contribution of each release in the
month, split over the terminal's operator, the releasing agent and the first release party
(`hub.domain.billing.monthly_report`). The first release party is the one the `Released`
entry's agent transferred to, recorded right after it.

**Yearly fees** (`fee_report`): the API subscriptions and web-use fees whose year starts in the
month (`hub.domain.fees.fees_due`); a partner's first fee year starts when it became active.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from hub.domain.billing import BillingRow, ContainerRecord, monthly_report, parse_month
from hub.domain.fees import FeeInvoice, fees_due
from hub.domain.lights import value_code
from hub.domain.partners import Partner
from hub.service_layer.ports import Partners

UNKNOWN_TERMINAL = "unknown"
COUNTED = {
    "Released": "released",
    "RightTransferred": "transferred",
    "PickedUp": "picked_up",
    "ReleaseExpired": "expired",
    "ReleaseRevoked": "revoked",
}
"""Audit action → the report's column: distinct containers with that event in the month."""
LIGHT_CHANGED = "LightChanged"


@dataclass(frozen=True)
class AuditRecord:
    """What a report reads of one audit entry."""

    at: datetime
    action: str
    container: str
    details: dict[str, Any] = field(default_factory=dict)


class ReportSource(Protocol):
    """Read access to the audit trail and container files (`hub.ledger.reporting`)."""

    def audit_records(
        self, start: datetime, end: datetime, actions: Iterable[str]
    ) -> list[AuditRecord]: ...

    def terminals_of(self, containers: Iterable[str]) -> dict[str, str]: ...

    def active_since(self) -> dict[str, datetime]:
        """When each partner first became active: the start of its first fee year."""
        ...

    def api_since(self) -> dict[str, datetime]:
        """When each partner's API subscription was last switched on after its activation
        (`API_SWITCHED_ON`): the start of its API fee years."""
        ...


def month_window(month: str) -> tuple[datetime, datetime]:
    """``"2026-11"`` → [2026-11-01, 2026-12-01) in UTC; `ValueError` for a bad month."""
    year, number = parse_month(month)
    start = datetime(year, number, 1, tzinfo=UTC)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    return start, end


# --- the port authority's report ------------------------------------------------------------


@dataclass(frozen=True)
class LightCount:
    """How often one light turned to one colour with one value."""

    light: str
    colour: str
    value: str
    count: int


@dataclass(frozen=True)
class TerminalFigures:
    """One terminal's month, in aggregate only."""

    terminal: str
    released: int = 0
    transferred: int = 0
    picked_up: int = 0
    expired: int = 0
    revoked: int = 0
    lights: tuple[LightCount, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        counts = {column: getattr(self, column) for column in COUNTED.values()}
        lights = [vars(light) for light in self.lights]
        return {"terminal": self.terminal, **counts, "lights": lights}


def authority_report(source: ReportSource, month: str) -> list[TerminalFigures]:
    """One `TerminalFigures` per terminal with activity in `month`, sorted by terminal."""
    start, end = month_window(month)
    records = source.audit_records(start, end, [*COUNTED, LIGHT_CHANGED])
    terminals = source.terminals_of(r.container for r in records if r.container)
    by_terminal: dict[str, list[AuditRecord]] = {}
    for record in records:
        if record.container:
            where = terminals.get(record.container) or UNKNOWN_TERMINAL
            by_terminal.setdefault(where, []).append(record)
    return [_figures(t, rs) for t, rs in sorted(by_terminal.items())]


def _figures(terminal: str, records: list[AuditRecord]) -> TerminalFigures:
    containers: dict[str, set[str]] = {column: set() for column in COUNTED.values()}
    for record in records:
        if record.action in COUNTED:
            containers[COUNTED[record.action]].add(record.container)
    counts = {column: len(found) for column, found in containers.items()}
    return TerminalFigures(terminal, **counts, lights=_light_counts(records))


def _light_counts(records: list[AuditRecord]) -> tuple[LightCount, ...]:
    seen = Counter(
        (str(r.details.get("light", "")), str(r.details.get("new", "")), _value(r))
        for r in records
        if r.action == LIGHT_CHANGED
    )
    return tuple(LightCount(*key, count) for key, count in sorted(seen.items()))


def _value(record: AuditRecord) -> str:
    """The light value's code only: its detail may name a B/L, and the report names nothing."""
    return value_code(str(record.details.get("value", "") or ""))


# --- the billing report ---------------------------------------------------------------------


def billing_report(
    source: ReportSource, partners: Partners, month: str, amount_cents: int
) -> list[BillingRow]:
    """Who owes what for the containers released in `month` (one row per party and role)."""
    records = list(container_records(source, partners, month))
    return monthly_report(records, month, amount_cents)


def container_records(
    source: ReportSource, partners: Partners, month: str
) -> Iterator[ContainerRecord]:
    """Each release of the month: container, terminal operator, agent, first release party."""
    start, end = month_window(month)
    records = source.audit_records(start, end, ["Released", "RightTransferred"])
    terminals = source.terminals_of(r.container for r in records)
    for released, first_party in _first_transfers(records):
        code = terminals.get(released.container, "")
        operator = partners.operator_of(code) if code else None
        payer = operator.party_id if operator else code or UNKNOWN_TERMINAL
        agent = str(released.details.get("agent", ""))
        yield ContainerRecord(released.container, payer, agent, first_party, released.at)


def _first_transfers(records: list[AuditRecord]) -> Iterator[tuple[AuditRecord, str]]:
    """Pair each `Released` entry with the agent's transfer that follows it."""
    waiting: dict[tuple[str, str], AuditRecord] = {}
    for record in records:
        key = (record.container, str(record.details.get("release_ref", "")))
        if record.action == "Released":
            waiting[key] = record
            continue
        released = waiting.get(key)
        if released and record.details.get("from_party") == released.details.get("agent"):
            del waiting[key]
            yield released, str(record.details.get("to_party", ""))


# --- yearly fees ----------------------------------------------------------------------------


def fee_report(source: ReportSource, partners: Partners, month: str) -> list[FeeInvoice]:
    """The yearly fees to invoice for `month`, one per partner whose fee year starts then."""
    since, api = source.active_since(), source.api_since()

    def start(p: Partner) -> datetime:
        first = since[p.party_id]
        return max(first, api.get(p.party_id, first)) if p.api_subscriber else first

    return fees_due(((p, start(p)) for p in partners.all() if p.party_id in since), month)
