"""The gate decision, and what changes in it mean for the terminal.

A pickup is authorised when the commercial light is green, customs green or orange, terminal
green, the right accepted by a transport operator, not expired, and the pickup assigned. The
terminal is told only about changes: a new authorisation, or a withdrawal of the one it has. An
authorisation whose content changes (another driver, another TAR) is withdrawn and re-issued,
each step with the next per-container sequence number. An unchanged decision publishes nothing.
"""

from __future__ import annotations

from datetime import datetime

from hub.domain.events import Event, GateAuthorised, GateWithdrawn, LightChanged
from hub.domain.lights import Light
from hub.domain.model import Authorisation, ContainerFile
from hub.domain.values import Colour, LightName, PickupMode, RightStatus

_CUSTOMS_OK = (Colour.GREEN, Colour.ORANGE)


def blockers(
    file: ContainerFile, now: datetime, pin_terminals: frozenset[str] = frozenset()
) -> list[str]:
    """Why the container may not leave now on an identity authorisation; empty when it may.

    At a terminal of `pin_terminals` a truck leaves by PIN: a driver's Alfapass number
    authorises nothing there (a barge or rail identity still does)."""
    right = file.right
    if right is None:
        return ["no release"]
    if right.status is RightStatus.PICKED_UP:
        return ["picked up"]
    lights = file.lights()
    return [
        *_light_blockers(lights),
        *(["expired"] if right.status is RightStatus.RELEASED and now >= right.expires_at else []),
        *([] if right.held_by_transport_operator else ["not accepted by a transport operator"]),
        *([] if right.pickup else ["no pickup assigned"]),
        *_pin_blockers(file, pin_terminals),
    ]


def _pin_blockers(file: ContainerFile, pin_terminals: frozenset[str]) -> list[str]:
    right, terminal = file.right, file.gate_terminal()
    if right is None or right.pickup is None or terminal not in pin_terminals:
        return []
    if right.pickup.mode is not PickupMode.TRUCK:
        return []
    return [f"terminal {terminal} lets containers out by PIN: no Alfapass authorisation"]


def _light_blockers(lights: dict[LightName, Light]) -> list[str]:
    found: list[str] = []
    for name, light in lights.items():
        ok = (
            light.colour in _CUSTOMS_OK
            if name is LightName.CUSTOMS
            else light.colour is Colour.GREEN
        )
        if not ok:
            found.append(f"{name.value} light {light.colour.value} ({light.value})")
    return found


def decide(
    file: ContainerFile, now: datetime, pin_terminals: frozenset[str] = frozenset()
) -> Authorisation | None:
    """The authorisation the terminal should hold now, or None."""
    right = file.right
    if right is None or right.pickup is None or blockers(file, now, pin_terminals):
        return None
    return Authorisation(
        terminal=file.gate_terminal(),
        release_ref=right.release_ref,
        pickup=right.pickup,
        port=right.port,
        bills_of_lading=right.bills_of_lading,
        expires_at=right.expires_at,
    )


def reconcile(
    file: ContainerFile, now: datetime, pin_terminals: frozenset[str] = frozenset()
) -> list[Event]:
    """Compare the decision with what the terminal holds; emit withdrawal / authorisation."""
    wanted = decide(file, now, pin_terminals)
    held = file.authorised
    if wanted == held:
        return []
    events: list[Event] = []
    if held is not None:
        reason = "; ".join(blockers(file, now, pin_terminals)) or "authorisation changed"
        events.append(_withdraw(file, held, reason))
    if wanted is not None:
        events.append(_authorise(file, wanted))
    return events


def _withdraw(file: ContainerFile, held: Authorisation, reason: str) -> GateWithdrawn:
    file.gate_sequence += 1
    file.authorised = None
    return GateWithdrawn(
        file.container, held.terminal, file.gate_sequence, held.release_ref, reason
    )


def _authorise(file: ContainerFile, wanted: Authorisation) -> GateAuthorised:
    file.gate_sequence += 1
    file.authorised = wanted
    return GateAuthorised(
        file.container,
        wanted.terminal,
        file.gate_sequence,
        wanted.release_ref,
        wanted.pickup,
        wanted.port,
        wanted.bills_of_lading,
        wanted.expires_at,
    )


def light_changes(file: ContainerFile) -> list[Event]:
    """Lights whose colour or value differs from what was last seen; remembers the new ones.

    A light never seen before starts grey: if it is still grey, it is remembered silently.
    """
    events: list[Event] = []
    for name, light in file.lights().items():
        seen = file.lights_seen.get(name.value)
        if seen != light:
            file.lights_seen[name.value] = light
            if seen is None and light.colour is Colour.GREY:
                continue
            old = seen.colour if seen else Colour.GREY
            events.append(LightChanged(file.container, name, old, light.colour, light.value))
    return events
