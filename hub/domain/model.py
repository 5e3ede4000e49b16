"""The container file: everything the hub knows about one container, and the gate decision.

One `ContainerFile` per container is the aggregate: the release right (if any) with its chain of
holders, the customs statuses, the terminal's view, the lights last seen and the gate state.
Every change to a container goes through its file, so locking one file row is enough for
correctness when several hub processes run (see README, "Scale-out").
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hub.domain.lights import Light, commercial_light, customs_light, terminal_light
from hub.domain.values import CustomsStatus, LightName, Pickup, RightStatus

DEFAULT_VALIDITY = timedelta(days=60)


class LinkStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Actor:
    """The authenticated party acting, with the roles and terminals it holds."""

    party_id: str
    roles: frozenset[str] = frozenset()
    terminals: tuple[str, ...] = ()
    status: str = "active"
    """The partner's registration status; only an ``active`` partner may act."""

    def has(self, role: str) -> bool:
        return role in self.roles


@dataclass
class Link:
    """One step of the chain: `from_party` passed the right to `to_party`."""

    from_party: str
    to_party: str
    status: LinkStatus
    at: datetime
    to_is_transport_operator: bool = False


@dataclass
class ReleaseRight:
    """The right to collect one container under one release."""

    release_ref: str
    agent: str
    released_at: datetime
    expires_at: datetime
    terminal: str = ""
    port: str = ""
    bills_of_lading: tuple[str, ...] = ()
    status: RightStatus = RightStatus.RELEASED
    reason: str = ""
    chain: list[Link] = field(default_factory=list)
    pickup: Pickup | None = None

    @property
    def pending(self) -> Link | None:
        """The transfer waiting for an answer, if any."""
        last = self.chain[-1] if self.chain else None
        return last if last and last.status is LinkStatus.PENDING else None

    @property
    def holder(self) -> str:
        """Who holds the right now: the last party that accepted, else the agent."""
        accepted = [link for link in self.chain if link.status is LinkStatus.ACCEPTED]
        return accepted[-1].to_party if accepted else self.agent

    @property
    def held_by_transport_operator(self) -> bool:
        accepted = [link for link in self.chain if link.status is LinkStatus.ACCEPTED]
        return bool(accepted) and accepted[-1].to_is_transport_operator

    def parties(self) -> tuple[str, ...]:
        """Every party that held or was offered the right, agent first, without repeats."""
        seen = [self.agent]
        for link in self.chain:
            if link.to_party not in seen:
                seen.append(link.to_party)
        return tuple(seen)

    def is_active(self) -> bool:
        return self.status in (RightStatus.RELEASED, RightStatus.BLOCKED)

    def in_chain(self, party: str) -> bool:
        """Whether `party` takes part in the right: the agent, a party that accepted it, or
        the one a transfer waits for. A party that declined, or whose offer was revoked,
        has left: it may see its own link as it stood, not what became of the container."""
        pending = self.pending
        return (
            party == self.agent
            or (pending is not None and pending.to_party == party)
            or any(x.to_party == party and x.status is LinkStatus.ACCEPTED for x in self.chain)
        )


@dataclass(frozen=True)
class BillLink:
    """A manifest says the container travels under `bill_of_lading`; `by` said so.

    A link counts for the container's B/Ls (and so for its customs light) when customs made
    it, or when it comes from the agent that released the container (or no release exists
    yet). A link kept from before a release by another agent does not count. `by` is '' for
    links stored before their author was recorded; those count.
    """

    bill_of_lading: str
    by: str = ""
    by_customs: bool = False


@dataclass(frozen=True)
class TerminalFacts:
    """What one terminal reported about the container: discharged, and its own hold."""

    discharged: bool = False
    hold: str = ""


@dataclass(frozen=True)
class Authorisation:
    """What a terminal needs to let the container out: who, under which release."""

    terminal: str
    release_ref: str
    pickup: Pickup
    port: str = ""
    bills_of_lading: tuple[str, ...] = ()
    expires_at: datetime | None = None


@dataclass(frozen=True)
class LightSubscription:
    """A transport operator following a PIN container's lights since `since`; `ended` says
    why it stopped ('' while it runs)."""

    party: str
    since: datetime
    ended: str = ""


@dataclass
class ContainerFile:
    """Aggregate root: one container's release right, lights and gate state."""

    container: str
    right: ReleaseRight | None = None
    customs_container: CustomsStatus = CustomsStatus.UNKNOWN
    customs_bl: dict[str, CustomsStatus] = field(default_factory=dict)
    bl_links: tuple[BillLink, ...] = ()
    terminal: str = ""
    """The terminal that reported last (where the container is when no release names one)."""
    terminal_facts: dict[str, TerminalFacts] = field(default_factory=dict)
    """Each terminal's own facts; only those of `gate_terminal()` count."""
    lights_seen: dict[str, Light] = field(default_factory=dict)
    authorised: Authorisation | None = None
    gate_sequence: int = 0
    light_subscriptions: dict[str, LightSubscription] = field(default_factory=dict)
    """By party: the running subscription, or the last one that ended (its token's key)."""
    version: int = 0

    def subscribers(self) -> tuple[str, ...]:
        """Parties whose light subscription runs, in party order."""
        return tuple(sorted(p for p, s in self.light_subscriptions.items() if not s.ended))

    def bills_of_lading(self) -> tuple[str, ...]:
        """B/Ls that concern this container's visit: the release's (unless it was picked up:
        those were the previous visit's) and those linked by manifest."""
        right = self.right
        own = right.bills_of_lading if right and right.status is not RightStatus.PICKED_UP else ()
        return tuple(dict.fromkeys((*own, *self.linked_bills())))

    def linked_bills(self) -> tuple[str, ...]:
        """B/Ls linked by a manifest whose link counts (see `BillLink`), without repeats."""
        return tuple(dict.fromkeys(x.bill_of_lading for x in self.bl_links if self._counts(x)))

    def _counts(self, link: BillLink) -> bool:
        """Customs' links count; an agent's only for its own release (or before any)."""
        agent = self.right.agent if self.right else ""
        return link.by_customs or not link.by or not agent or link.by == agent

    @property
    def discharged(self) -> bool:
        """Discharged, as the terminal where the container is (`gate_terminal`) reported."""
        return self.facts().discharged

    @property
    def terminal_hold(self) -> str:
        """The hold of the terminal where the container is: released, blocked, scanning, ''."""
        return self.facts().hold

    def facts(self) -> TerminalFacts:
        """The facts that count: those of the terminal where the container is."""
        return self.terminal_facts.get(self.gate_terminal(), TerminalFacts())

    def lights(self) -> dict[LightName, Light]:
        """The three lights as they stand now."""
        bl_status = {
            bl: self.customs_bl.get(bl, CustomsStatus.UNKNOWN) for bl in self.bills_of_lading()
        }
        return {
            LightName.COMMERCIAL: commercial_light(self.right.status if self.right else None),
            LightName.CUSTOMS: customs_light(self.customs_container, bl_status),
            LightName.TERMINAL: terminal_light(self.discharged, self.terminal_hold),
        }

    def end_visit(self) -> None:
        """The container left the terminal: what customs and the terminal said about this
        visit (statuses, B/Ls linked by manifest, discharge, holds) does not carry into the
        next one. The release right, the lights last seen and the gate state stay."""
        self.customs_container = CustomsStatus.UNKNOWN
        self.customs_bl = {}
        self.bl_links = ()
        self.terminal, self.terminal_facts = "", {}

    def gate_terminal(self) -> str:
        """Where the container stands: the release's terminal, else the terminal's own report."""
        return (self.right.terminal if self.right and self.right.terminal else "") or self.terminal
