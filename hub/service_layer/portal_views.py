"""What the portal shows a company: its containers, one container, the gate check, companies.

A company sees a release right only where it is a link (the agent, or a party of a link of the
chain) and, of the chain, only its own links (`views.release_view`, the confidentiality rule the
CLI uses too): nobody learns who else held the right. A container that is not the company's
is `None` here, whatever the caller guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hub.domain import gate
from hub.domain.model import ContainerFile, ReleaseRight
from hub.domain.partners import Partner, Role, reminder_due
from hub.domain.values import Colour, Pickup
from hub.service_layer import accounts
from hub.service_layer.ports import UnitOfWork
from hub.service_layer.views import release_view

EXPIRING_SOON = timedelta(days=7)
FILTERS = ("waiting", "blocked", "expiring")


@dataclass(frozen=True)
class ContainerRow:
    """One line of "my containers": the view of `release_view` plus what the company may do."""

    container: str
    view: dict[str, Any]
    actions: tuple[str, ...]
    waiting: bool
    blocked: bool
    expiring: bool
    pickup: Pickup | None = None
    """The assigned pickup, shown to the party holding the right (who assigned it)."""


def next_actions(right: ReleaseRight, party: str, operator: bool) -> tuple[str, ...]:
    """What `party` may do next with `right` (the rules decide again when it acts)."""
    if not right.is_active():
        return ()
    if right.agent == party:
        blocking = "unblock" if right.status.value == "blocked" else "block"
        return ("update", blocking, "revoke", "delete")
    pending = right.pending
    if pending is not None and pending.to_party == party:
        return ("accept", "decline")
    if pending is not None and pending.from_party == party:
        return ("revoke_transfer",)
    if right.holder != party:
        return ()
    if operator and right.held_by_transport_operator:
        return ("assign", "revoke_pickup") if right.pickup else ("assign", "transfer")
    return ("transfer",)


def _row(file: ContainerFile, partner: Partner, now: datetime, uow: UnitOfWork) -> ContainerRow:
    right = file.right
    assert right is not None
    view = release_view(uow, file.container, partner.party_id)
    party = partner.party_id
    operator = Role.TRANSPORT_OPERATOR in partner.roles
    pending = right.pending
    left = bool(view.get("left_chain"))  # it sees its own link only, not what became of it
    return ContainerRow(
        container=file.container,
        view=view,
        actions=next_actions(right, party, operator),
        waiting=pending is not None and pending.to_party == party,
        blocked=not left and any(x.colour is Colour.RED for x in file.lights().values()),
        expiring=not left and right.is_active() and right.expires_at - now <= EXPIRING_SOON,
        pickup=right.pickup if right.holder == party else None,
    )


def _involves(file: ContainerFile, party: str) -> bool:
    return file.right is not None and party in file.right.parties()


def my_containers(
    uow: UnitOfWork, party: str, now: datetime, search: str = "", only: str = ""
) -> list[ContainerRow]:
    """The release rights where `party` is a link; `search` a container or B/L (part of it),
    `only` one of FILTERS."""
    partner = uow.partners.get(party)
    if partner is None:
        return []
    wanted = search.strip().upper()
    rows = [
        _row(f, partner, now, uow)
        for f in uow.files.mentioning(party)
        if _involves(f, party) and _matches(f, wanted)
    ]
    return [r for r in rows if not only or getattr(r, only, False)]


def _matches(file: ContainerFile, wanted: str) -> bool:
    return not wanted or any(wanted in x.upper() for x in (file.container, *file.bills_of_lading()))


def container_page(
    uow: UnitOfWork, party: str, container: str, now: datetime
) -> ContainerRow | None:
    """One container as `party` may see it, or None when it is not one of its links."""
    partner = uow.partners.get(party)
    file = uow.files.get(container.strip().upper()[:11])
    if partner is None or not _involves(file, party):
        return None
    return _row(file, partner, now, uow)


@dataclass(frozen=True)
class GateCheck:
    """The gate's question answered: may this container leave with this driver, and if not,
    why (each blocking light with its value); the TAR the authorisation carries."""

    container: str
    may_leave: bool
    reasons: tuple[str, ...]
    tar: str = ""


def gate_check(
    uow: UnitOfWork, terminal_party: str, container: str, identity: str, now: datetime
) -> GateCheck | None:
    """The gate decision (`hub.domain.gate`) for a container at one of `terminal_party`'s
    terminals; None when the container is not at one of them."""
    partner = uow.partners.get(terminal_party)
    file = uow.files.get(container.strip().upper()[:11])
    if partner is None or not file.gate_terminal() or file.gate_terminal() not in partner.terminals:
        return None
    reasons = list(gate.blockers(file, now))
    held = file.authorised
    if not reasons and held is None:
        reasons.append("no gate authorisation issued")
    if held is not None and held.pickup.identity != identity.strip():
        reasons.append("this identity is not the assigned pickup")
    return GateCheck(file.container, not reasons, tuple(reasons), held.pickup.tar if held else "")


def find_companies(uow: UnitOfWork, text: str, limit: int = 10) -> list[Partner]:
    """Active companies that may receive a release right, by name, VAT or EORI (part of it)."""
    wanted = text.strip().upper()
    if len(wanted) < 2:
        return []
    receivers = {Role.RELEASE_PARTY, Role.TRANSPORT_OPERATOR}
    found = [
        p
        for p in uow.partners.all()
        if p.status == "active"
        and receivers & set(p.roles)
        and any(wanted in x.upper() for x in (p.name, p.vat, p.eori, p.party_id) if x)
    ]
    return found[:limit]


def company(uow: UnitOfWork, party: str) -> Partner | None:
    """The signed-in user's company (its roles decide which forms the pages offer)."""
    return uow.partners.get(party)


@dataclass(frozen=True)
class LightsView:
    """A container's lights as a subscriber sees them: the three lights and nothing of the
    release chain (who holds the right, who held it). `lights` is empty unless `subscribed`;
    `ended` says why an earlier subscription of this party stopped."""

    container: str
    subscribed: bool
    lights: dict[str, dict[str, str]]
    since: datetime | None = None
    ended: str = ""


def subscribed_lights(uow: UnitOfWork, party: str, container: str) -> LightsView:
    """The lights of `container` for `party` if it subscribes to them; else only whether
    an earlier subscription ended (and why)."""
    file = uow.files.get(container)
    running = file.light_subscriptions.get(party)
    if running is None or running.ended:
        return LightsView(file.container, False, {}, ended=running.ended if running else "")
    lights = {name.value: light.as_dict() for name, light in file.lights().items()}
    return LightsView(file.container, True, lights, running.since)


def my_subscriptions(uow: UnitOfWork, party: str) -> list[LightsView]:
    """Every container whose lights `party` follows, with its lights."""
    files = [f for f in uow.files.mentioning(party) if party in f.subscribers()]
    return [subscribed_lights(uow, party, f.container) for f in files]


@dataclass(frozen=True)
class Money:
    """A transport operator's tokens and wallet, as the tokens page shows them."""

    account: accounts.TokenAccount
    statement: list[accounts.TokenLine]
    wallet: str | None
    movements: list[accounts.WalletLine]
    renewal_due: bool = False
    """The subscription ends within the reminder period (`hub run` mails the same reminder)."""


def money(uow: UnitOfWork, party: str, now: datetime, reminder_days: int = 30) -> Money:
    """Balance, token statement, paired wallet and its movements with running balances, and
    whether the running subscription is about to end."""
    account = accounts.token_account(uow, party, now)
    sub = account.subscription
    return Money(
        account,
        accounts.token_statement(uow, party),
        uow.wallets.paired(party),
        accounts.wallet_statement(uow, party),
        sub is not None and reminder_due(sub.ends_at, now, reminder_days),
    )
