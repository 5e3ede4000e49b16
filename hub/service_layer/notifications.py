"""Who is told what: events → notifications to the affected parties, each about its own link.

Vocabulary from the CPu API's `NotificationEvent`. Confidentiality: a party learns who gave it
the right or to whom it passed it, never what happened further down the chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from typing import Any

from hub.domain import events as e
from hub.domain.events import Notification


def _one(party: str, name: str, ev: Any, **details: str) -> list[Notification]:
    return [Notification(party, name, ev.container, getattr(ev, "release_ref", ""), details)]


def _transferred(ev: e.RightTransferred) -> list[Notification]:
    return _one(ev.to_party, "Transferred", ev, from_party=ev.from_party)


def _accepted(ev: e.RightAccepted) -> list[Notification]:
    return _one(ev.from_party, "AcceptedByNextParty", ev, by_party=ev.by_party)


def _declined(ev: e.RightDeclined) -> list[Notification]:
    return _one(ev.from_party, "DeclinedByNextParty", ev, by_party=ev.by_party, reason=ev.reason)


def _transfer_revoked(ev: e.TransferRevoked) -> list[Notification]:
    return _one(ev.from_party, "RevokedByPreviousParty", ev, by_party=ev.by_party)


def _revoked(ev: e.ReleaseRevoked) -> list[Notification]:
    return [n for party in ev.former_holders for n in _one(party, "Revoke", ev, reason=ev.reason)]


def _deleted(ev: e.ReleaseDeleted) -> list[Notification]:
    return [n for party in ev.former_holders for n in _one(party, "Delete", ev)]


def _expired(ev: e.ReleaseExpired) -> list[Notification]:
    return _one(ev.holder, "ExpiredReleaseRights", ev) if ev.holder else []


def _picked_up(ev: e.PickedUp) -> list[Notification]:
    return _one(ev.holder, "PickedUpByParty", ev) if ev.holder else []


def _subscribed(ev: e.LightsSubscribed) -> list[Notification]:
    lights = {name: f"{colour} {value}".strip() for name, colour, value in ev.lights}
    return _one(ev.party, "ReleaseLightRegistered", ev, **lights)


def _unsubscribed(ev: e.LightsUnsubscribed) -> list[Notification]:
    return _one(ev.party, "ReleaseLightUnregistered", ev, reason=ev.reason)


NOTIFY: dict[type, Callable[[Any], list[Notification]]] = {
    e.LightsSubscribed: _subscribed,
    e.LightsUnsubscribed: _unsubscribed,
    e.RightTransferred: _transferred,
    e.RightAccepted: _accepted,
    e.RightDeclined: _declined,
    e.TransferRevoked: _transfer_revoked,
    e.ReleaseRevoked: _revoked,
    e.ReleaseDeleted: _deleted,
    e.ReleaseExpired: _expired,
    e.PickedUp: _picked_up,
}


def notifications_for(event: e.Event, holders: tuple[str, ...] = ()) -> list[Notification]:
    """Notifications an event causes; light changes go to the parties given (the current
    holder and the light subscribers)."""
    if isinstance(event, e.LightChanged):
        return [
            Notification(
                p,
                "ReleaseLightChanged",
                event.container,
                "",
                {
                    "light": event.light.value,
                    "originalValue": event.old.value,
                    "newValue": event.new.value,
                    "value": event.value,
                },
            )
            for p in holders
        ]
    make = NOTIFY.get(type(event))
    return make(event) if make else []


def event_details(event: e.Event) -> dict[str, Any]:
    """An event's fields for the audit trail (authorities see who collected: not masked)."""
    data = asdict(event) if is_dataclass(event) else {}
    data.pop("container", None)
    return data
