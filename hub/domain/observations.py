"""What customs and terminals report about a container, and the manifest's B/L links.

These change lights, not the chain. The terminal may always overrule the hub: its release or
block stands whatever the agent said. A gate-out ends the release right (picked up) and the
container's visit: customs statuses and terminal facts of this visit do not carry into the next.
"""

from __future__ import annotations

from dataclasses import replace

from hub.domain import commands as c
from hub.domain.authority import reporting_terminal
from hub.domain.events import BillOfLadingLinked, Event, PickedUp
from hub.domain.lifecycle import Context, refuse
from hub.domain.light_subscriptions import PICKED_UP, end_subscriptions
from hub.domain.model import BillLink, ContainerFile, TerminalFacts
from hub.domain.roles import CUSTOMS
from hub.domain.values import CustomsStatus, RightStatus, TerminalEvent

_HOLDS = {
    TerminalEvent.RELEASED: "released",
    TerminalEvent.BLOCKED: "blocked",
    TerminalEvent.SCANNING: "scanning",
}


def record_customs(file: ContainerFile, cmd: c.RecordCustomsStatus, ctx: Context) -> list[Event]:
    """Customs clears a container, or a whole B/L (then every container on it).

    Who may: `hub.domain.authority` (customs only), checked before this runs."""
    if cmd.bill_of_lading:
        file.customs_bl[cmd.bill_of_lading] = cmd.status
    else:
        file.customs_container = cmd.status
    return []


def apply_bl_status(file: ContainerFile, bill_of_lading: str, status: CustomsStatus) -> None:
    """Copy a B/L's known customs status into a container file that now concerns it."""
    file.customs_bl[bill_of_lading] = status


def record_terminal(file: ContainerFile, cmd: c.RecordTerminalEvent, ctx: Context) -> list[Event]:
    """Discharge, terminal release / block / scan, gate-out. Loads and gate-ins change nothing.

    Each terminal's facts are kept under that terminal and count only where the container is
    (`ContainerFile.facts`); who may report them: `hub.domain.authority`."""
    terminal = reporting_terminal(ctx.actor, cmd, file)
    if cmd.event is TerminalEvent.GATE_OUT and ctx.may_wait:
        unauthorised = _not_authorised(file, terminal, ctx)
        if unauthorised:
            return refuse(file, cmd, unauthorised, may_wait=True)
    file.terminal = terminal
    facts = file.terminal_facts.get(terminal, TerminalFacts())
    if cmd.event is TerminalEvent.DISCHARGED:
        file.terminal_facts[terminal] = replace(facts, discharged=True)
    elif cmd.event in _HOLDS:
        file.terminal_facts[terminal] = replace(facts, hold=_HOLDS[cmd.event])
    elif cmd.event is TerminalEvent.GATE_OUT:
        file.terminal_facts.pop(terminal, None)
        return _gate_out(file)
    return []


def _not_authorised(file: ContainerFile, terminal: str, ctx: Context) -> str:
    """Why a gate-out of an active right comes before its gate authorisation (nothing when it
    does not): the pickup assignment, a light or the acceptance that authorises it may still
    be on its way from another sender, so the gate-out waits for it while it may. The
    terminal's fact stands in the end: on its last try (`Context.may_wait` false) it applies.
    A terminal that lets trucks out by PIN needs no authorisation from the hub."""
    right = file.right
    if right is None or not right.is_active() or terminal in ctx.pin_terminals:
        return ""
    held = file.authorised
    if held is not None and held.terminal == terminal:
        return ""
    return (
        f"gate-out at {terminal or 'the terminal'} before the hub's gate authorisation of "
        f"release {right.release_ref}: no gate authorisation yet"
    )


def _gate_out(file: ContainerFile) -> list[Event]:
    """The visit ends (see `ContainerFile.end_visit`); an active right is picked up."""
    right = file.right
    file.end_visit()
    ended = end_subscriptions(file, PICKED_UP)
    if right is None or not right.is_active():
        return ended
    holder = right.holder
    right.status = RightStatus.PICKED_UP
    return [PickedUp(file.container, right.release_ref, holder), *ended]


def link_bill(file: ContainerFile, cmd: c.LinkBillsOfLading, ctx: Context) -> list[Event]:
    """A manifest (CUSCAR) says this container travels under that B/L; the link is kept with
    its author and counts only as `ContainerFile.bills_of_lading` allows."""
    link = BillLink(cmd.bill_of_lading, ctx.actor.party_id, ctx.actor.has(CUSTOMS))
    if link in file.bl_links:
        return []
    known = cmd.bill_of_lading in file.linked_bills()
    file.bl_links = (*file.bl_links, link)
    if known or cmd.bill_of_lading not in file.linked_bills():
        return []
    return [BillOfLadingLinked(file.container, cmd.bill_of_lading)]
