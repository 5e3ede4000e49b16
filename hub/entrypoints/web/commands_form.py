"""A posted portal form as the canonical command the XML channel would have produced.

No business rule here: only the reading of fields into `hub.domain.commands`; whether the
action is allowed is decided by the same rules as for a message (`handlers.execute`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from starlette.datastructures import FormData

from hub.domain import commands as c
from hub.domain.containers import container_problem, normalise
from hub.domain.values import PartyRef, Pickup, PickupMode
from hub.entrypoints.web.security import text


def _expiry(value: str) -> datetime | None:
    """A date field (YYYY-MM-DD) as the end of that day, UTC."""
    try:
        day = datetime.strptime(value.strip(), "%Y-%m-%d")
    except ValueError:
        return None
    return day.replace(hour=23, minute=59, tzinfo=UTC)


def _pickup(form: FormData) -> Pickup:
    mode = text(form, "mode") or "truck"
    chosen = PickupMode(mode) if mode in set(PickupMode) else PickupMode.TRUCK
    return Pickup(chosen, text(form, "identity").strip(), text(form, "tar").strip())


def command_for(
    action: str, container: str, ref: str, form: FormData, party: str
) -> c.AnyCommand | str:
    """The command of `action` on `container` / release `ref`; a string when the form cannot
    make one (unknown action, missing field)."""
    reason = text(form, "reason").strip()
    builders: dict[str, Callable[[], c.AnyCommand]] = {
        "accept": lambda: c.AcceptRight(container, ref),
        "decline": lambda: c.DeclineRight(container, ref, reason),
        "revoke_transfer": lambda: c.RevokeTransfer(container, ref),
        "assign": lambda: c.AssignPickup(container, ref, _pickup(form)),
        "revoke_pickup": lambda: c.RevokePickup(container, ref),
        "block": lambda: c.BlockRelease(container, ref, reason),
        "unblock": lambda: c.UnblockRelease(container, ref),
        "revoke": lambda: c.RevokeRelease(container, ref, reason),
        "delete": lambda: c.DeleteRelease(container, ref, reason),
        "update": lambda: c.UpdateRelease(
            container,
            ref,
            terminal=text(form, "terminal").strip().upper(),
            expires_at=_expiry(text(form, "expires")),
        ),
        "transfer": lambda: c.TransferRight(container, ref, PartyRef(party)),
    }
    build = builders.get(action)
    return build() if build is not None else f"unknown action {action!r}"


def release_command(form: FormData, party: str) -> c.ReleaseContainer | str:
    """The agent's release form: container, release number, B/Ls, terminal, first party."""
    container = normalise(text(form, "container"))
    if problem := container_problem(container):
        return problem
    ref = text(form, "release_ref").strip()
    if not ref or not party:
        return "a release needs a release number and a first release party"
    bills = tuple(b.strip().upper() for b in text(form, "bills").split(",") if b.strip())
    return c.ReleaseContainer(
        container,
        ref,
        PartyRef(party),
        bills_of_lading=bills,
        terminal=text(form, "terminal").strip().upper(),
        port="BEANR",
        expires_at=_expiry(text(form, "expires")),
    )


def light_command(action: str, wanted: str) -> c.SubscribeLights | c.UnsubscribeLights | str:
    """Subscribe to or unsubscribe from the lights of a container (the XML channel's
    ``LightSubscriptionAction``); a string when the form cannot make one."""
    container = normalise(wanted)
    if problem := container_problem(container):
        return problem
    if action == "subscribe":
        return c.SubscribeLights(container)
    if action == "unsubscribe":
        return c.UnsubscribeLights(container)
    return f"unknown action {action!r}"
