"""The three lights of a container, computed from what the agent, customs and terminal said.

Every light is a `Light(colour, value)`: the value explains the colour (a RED light always says
why: ``blocked``, ``documentary_control``...). Pure functions, no state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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

    Red wins over orange (a partially cleared B/L is red). Green or orange needs customs to
    have passed either the container itself, or every B/L of the container: an orange B/L
    beside one customs has not reported on is not passable. Anything else is grey.
    """
    known = [container_status, *bl_statuses.values()]
    red = _first_of_colour(known, Colour.RED)
    if red is not None:
        return Light(Colour.RED, red.value)
    passed = _passable(container_status) or (
        bool(bl_statuses) and all(_passable(s) for s in bl_statuses.values())
    )
    if not passed:
        return GREY_UNKNOWN
    orange = _first_of_colour(known, Colour.ORANGE)
    if orange is not None:
        return Light(Colour.ORANGE, orange.value)
    return Light(Colour.GREEN, CustomsStatus.RELEASED.value)


def _passable(status: CustomsStatus) -> bool:
    return _CUSTOMS_COLOUR[status] in (Colour.GREEN, Colour.ORANGE)


def _first_of_colour(statuses: Iterable[CustomsStatus], colour: Colour) -> CustomsStatus | None:
    return next((s for s in statuses if _CUSTOMS_COLOUR[s] is colour), None)


def terminal_light(discharged: bool, hold: str) -> Light:
    """Terminal side. `hold` is the terminal's own overrule: ``blocked``, ``scanning``,
    ``released`` or ''. Blocked or scanning → red; discharged or released → green; else grey."""
    if hold in ("blocked", "scanning"):
        return Light(Colour.RED, hold)
    if hold == "released" or discharged:
        return Light(Colour.GREEN, "released" if hold == "released" else "discharged")
    return Light(Colour.GREY, "not_discharged")
