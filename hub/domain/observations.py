"""What customs and terminals report about a container, and the manifest's B/L links.

These change lights, not the chain. The terminal may always overrule the hub: its release or
block stands whatever the agent said. A gate-out ends the release right (picked up) and the
container's visit: customs statuses and terminal facts of this visit do not carry into the next.
"""

from __future__ import annotations

from hub.domain import commands as c
from hub.domain.events import BillOfLadingLinked, Event, PickedUp
from hub.domain.lifecycle import Context, refuse
from hub.domain.light_subscriptions import PICKED_UP, end_subscriptions
from hub.domain.model import ContainerFile
from hub.domain.roles import CUSTOMS, SHIP_AGENT, TERMINAL_OPERATOR
from hub.domain.values import CustomsStatus, RightStatus, TerminalEvent

_HOLDS = {
    TerminalEvent.RELEASED: "released",
    TerminalEvent.BLOCKED: "blocked",
    TerminalEvent.SCANNING: "scanning",
}


def record_customs(file: ContainerFile, cmd: c.RecordCustomsStatus, ctx: Context) -> list[Event]:
    """Customs clears a container, or a whole B/L (then every container on it)."""
    if not ctx.actor.has(CUSTOMS):
        return refuse(file, cmd, "only customs may report a customs status")
    if cmd.bill_of_lading:
        file.customs_bl[cmd.bill_of_lading] = cmd.status
    else:
        file.customs_container = cmd.status
    return []


def apply_bl_status(file: ContainerFile, bill_of_lading: str, status: CustomsStatus) -> None:
    """Copy a B/L's known customs status into a container file that now concerns it."""
    file.customs_bl[bill_of_lading] = status


def record_terminal(file: ContainerFile, cmd: c.RecordTerminalEvent, ctx: Context) -> list[Event]:
    """Discharge, terminal release / block / scan, gate-out. Loads and gate-ins change nothing."""
    if not ctx.actor.has(TERMINAL_OPERATOR):
        return refuse(file, cmd, "only a terminal operator may report terminal events")
    released_at = _release_terminal(file)
    if released_at and cmd.terminal and cmd.terminal != released_at:
        return refuse(
            file, cmd, f"container {file.container} is released at terminal {released_at}"
        )
    terminal = cmd.terminal or file.gate_terminal()
    if ctx.actor.terminals and terminal and terminal not in ctx.actor.terminals:
        return refuse(file, cmd, f"terminal {terminal} is not operated by the sender")
    file.terminal = terminal or file.terminal
    if cmd.event is TerminalEvent.DISCHARGED:
        file.discharged = True
    elif cmd.event in _HOLDS:
        file.terminal_hold = _HOLDS[cmd.event]
    elif cmd.event is TerminalEvent.GATE_OUT:
        return _gate_out(file)
    return []


def _release_terminal(file: ContainerFile) -> str:
    """The terminal a current (not yet picked-up or deleted) release names, else ''."""
    right = file.right
    if right is None or right.status in (RightStatus.PICKED_UP, RightStatus.DELETED):
        return ""
    return right.terminal


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
    """A manifest (CUSCAR) says this container travels under that B/L."""
    if not (ctx.actor.has(SHIP_AGENT) or ctx.actor.has(CUSTOMS)):
        return refuse(file, cmd, "only a ship agent or customs may link B/Ls to containers")
    if cmd.bill_of_lading in file.linked_bls:
        return []
    file.linked_bls = (*file.linked_bls, cmd.bill_of_lading)
    return [BillOfLadingLinked(file.container, cmd.bill_of_lading)]
