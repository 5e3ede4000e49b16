"""The three lights of a container, computed from what the agent, customs and terminal said.

Every light is a `Light(colour, value)`: the value explains the colour (a RED light always says
why: ``blocked``, ``documentary_control``...). Pure functions, no state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hub.domain.values import Colour, CustomsStatus, RightStatus

_CUSTOMS_COLOUR = {
    CustomsStatus.RELEASED: Colour.GREEN,
    CustomsStatus.SELECTED_FOR_SCAN: Colour.ORANGE,
    CustomsStatus.FASFC: Colour.ORANGE,
    CustomsStatus.PORT_EQUALISATION: Colour.ORANGE,
    CustomsStatus.TRANSHIPMENT: Colour.ORANGE,
    CustomsStatus.DOCUMENTARY_CONTROL: Colour.RED,
    CustomsStatus.PARTIALLY_CLEARED: Colour.RED,
    CustomsStatus.NOT_CLEARED: Colour.RED,
    CustomsStatus.UNKNOWN: Colour.GREY,
}

_COMMERCIAL = {
    RightStatus.RELEASED: Colour.GREEN,
    RightStatus.BLOCKED: Colour.RED,
    RightStatus.EXPIRED: Colour.RED,
    RightStatus.REVOKED: Colour.RED,
    RightStatus.DELETED: Colour.RED,
    RightStatus.PICKED_UP: Colour.GREY,
}


@dataclass(frozen=True)
class Light:
    """A colour and the value that explains it."""

    colour: Colour
    value: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"colour": self.colour.value, "value": self.value}


GREY_UNKNOWN = Light(Colour.GREY, "unknown")


def value_code(value: str) -> str:
    """A light value's code without its detail: ``unknown: B/L X not written off`` → ``unknown``.

    A value is a code (``blocked``, ``documentary_control``...), optionally followed by ``: ``
    and a detail that may name documents; aggregates count codes only."""
    return value.split(":", 1)[0]


def commercial_light(status: RightStatus | None) -> Light:
    """Agent side: ok → green; blocked, expired, revoked, deleted → red; no release → grey."""
    if status is None:
        return GREY_UNKNOWN
    colour = _COMMERCIAL[status]
    return Light(colour, "ok" if colour is Colour.GREEN else status.value)


def customs_colour(status: CustomsStatus) -> Colour:
    """The colour one customs value stands for."""
    return _CUSTOMS_COLOUR[status]


def customs_light(
    container_status: CustomsStatus, bl_statuses: Mapping[str, CustomsStatus]
) -> Light:
    """Combine the container's own status with those of its bills of lading.

    Customs clears per B/L: with B/Ls known, the light is at best what every B/L allows
    (green only when each is written off, grey while one has no status yet, its value naming
    the open B/Ls). The container's own status can make that worse, never greener: red beats
    grey beats orange beats green, and a container status of ``unknown`` says nothing. With no
    B/L known, the container's own status is all there is.
    """
    if not bl_statuses:
        return _light_of(container_status)
    bills = _bills_light(bl_statuses)
    if container_status is CustomsStatus.UNKNOWN:
        return bills
    own = _light_of(container_status)
    return own if _RANK[own.colour] < _RANK[bills.colour] else bills


_RANK = {Colour.RED: 0, Colour.GREY: 1, Colour.ORANGE: 2, Colour.GREEN: 3}
"""How far a customs colour lets a container go: red stops it, grey waits, orange and green pass."""


def _light_of(status: CustomsStatus) -> Light:
    return Light(_CUSTOMS_COLOUR[status], status.value)


def _bills_light(bl_statuses: Mapping[str, CustomsStatus]) -> Light:
    """The worst light among the B/Ls; grey names every B/L customs has not reported on."""
    worst = min(bl_statuses.values(), key=lambda s: _RANK[_CUSTOMS_COLOUR[s]])
    if _CUSTOMS_COLOUR[worst] is not Colour.GREY:
        return _light_of(worst)
    open_bills = [bl for bl, s in bl_statuses.items() if _CUSTOMS_COLOUR[s] is Colour.GREY]
    return Light(Colour.GREY, f"unknown: B/L {', '.join(open_bills)} not written off")


def terminal_light(discharged: bool, hold: str) -> Light:
    """Terminal side. `hold` is the terminal's own overrule: ``blocked``, ``scanning``,
    ``released`` or ''. Blocked or scanning → red; discharged or released → green; else grey."""
    if hold in ("blocked", "scanning"):
        return Light(Colour.RED, hold)
    if hold == "released" or discharged:
        return Light(Colour.GREEN, "released" if hold == "released" else "discharged")
    return Light(Colour.GREY, "not_discharged")
