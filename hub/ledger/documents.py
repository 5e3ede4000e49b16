"""ContainerFile ⇄ JSON document. The domain knows nothing of storage; this module does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.domain.lights import Light
from hub.domain.model import (
    Authorisation,
    BillLink,
    ContainerFile,
    LightSubscription,
    Link,
    LinkStatus,
    ReleaseRight,
    TerminalFacts,
)
from hub.domain.values import Colour, CustomsStatus, Pickup, PickupMode, RightStatus


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse_dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _pickup(p: Pickup | None) -> dict[str, str] | None:
    return {"mode": p.mode.value, "identity": p.identity, "tar": p.tar} if p else None


def _load_pickup(d: dict[str, str] | None) -> Pickup | None:
    return Pickup(PickupMode(d["mode"]), d["identity"], d.get("tar", "")) if d else None


def _link(link: Link) -> dict[str, Any]:
    return {
        "from": link.from_party,
        "to": link.to_party,
        "status": link.status.value,
        "at": _dt(link.at),
        "to_to": link.to_is_transport_operator,
    }


def _load_link(d: dict[str, Any]) -> Link:
    at = _parse_dt(d["at"])
    assert at is not None
    return Link(d["from"], d["to"], LinkStatus(d["status"]), at, bool(d["to_to"]))


def _right(r: ReleaseRight | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "release_ref": r.release_ref,
        "agent": r.agent,
        "released_at": _dt(r.released_at),
        "expires_at": _dt(r.expires_at),
        "terminal": r.terminal,
        "port": r.port,
        "bls": list(r.bills_of_lading),
        "status": r.status.value,
        "reason": r.reason,
        "chain": [_link(link) for link in r.chain],
        "pickup": _pickup(r.pickup),
    }


def _load_right(d: dict[str, Any] | None) -> ReleaseRight | None:
    if d is None:
        return None
    released, expires = _parse_dt(d["released_at"]), _parse_dt(d["expires_at"])
    assert released is not None and expires is not None
    return ReleaseRight(
        release_ref=d["release_ref"],
        agent=d["agent"],
        released_at=released,
        expires_at=expires,
        terminal=d["terminal"],
        port=d["port"],
        bills_of_lading=tuple(d["bls"]),
        status=RightStatus(d["status"]),
        reason=d["reason"],
        chain=[_load_link(x) for x in d["chain"]],
        pickup=_load_pickup(d["pickup"]),
    )


def _auth(a: Authorisation | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {
        "terminal": a.terminal,
        "release_ref": a.release_ref,
        "pickup": _pickup(a.pickup),
        "port": a.port,
        "bls": list(a.bills_of_lading),
        "expires_at": _dt(a.expires_at),
    }


def _load_auth(d: dict[str, Any] | None) -> Authorisation | None:
    if d is None:
        return None
    pickup = _load_pickup(d["pickup"])
    assert pickup is not None
    return Authorisation(
        d["terminal"],
        d["release_ref"],
        pickup,
        d["port"],
        tuple(d["bls"]),
        _parse_dt(d["expires_at"]),
    )


def _load_subscriptions(d: dict[str, dict[str, Any]]) -> dict[str, LightSubscription]:
    """Light subscriptions by party (documents saved before they existed have none)."""
    found = {}
    for party, s in d.items():
        since = _parse_dt(s["since"])
        assert since is not None
        found[party] = LightSubscription(party, since, s.get("ended", ""))
    return found


def _load_bl_links(doc: dict[str, Any]) -> tuple[BillLink, ...]:
    """B/L links with their author; a document of before authors has bare B/L numbers."""
    if "bl_links" not in doc:
        return tuple(BillLink(bl) for bl in doc.get("linked_bls", ()))
    return tuple(BillLink(bl, by, bool(customs)) for bl, by, customs in doc["bl_links"])


def _load_terminal_facts(doc: dict[str, Any]) -> dict[str, TerminalFacts]:
    """Facts per terminal; a document of before that kept one terminal's facts flat."""
    if "terminal_facts" in doc:
        return {
            t: TerminalFacts(bool(f["discharged"]), f["hold"])
            for t, f in doc["terminal_facts"].items()
        }
    if not (doc.get("discharged") or doc.get("terminal_hold")):
        return {}
    return {doc["terminal"]: TerminalFacts(bool(doc["discharged"]), doc["terminal_hold"])}


def dump(file: ContainerFile) -> dict[str, Any]:
    """The file as a JSON-ready dict."""
    return {
        "right": _right(file.right),
        "customs_container": file.customs_container.value,
        "customs_bl": {k: v.value for k, v in file.customs_bl.items()},
        "bl_links": [[x.bill_of_lading, x.by, x.by_customs] for x in file.bl_links],
        "terminal": file.terminal,
        "terminal_facts": {
            t: {"discharged": f.discharged, "hold": f.hold} for t, f in file.terminal_facts.items()
        },
        "lights_seen": {k: v.as_dict() for k, v in file.lights_seen.items()},
        "authorised": _auth(file.authorised),
        "gate_sequence": file.gate_sequence,
        "light_subscriptions": {
            p: {"since": _dt(s.since), "ended": s.ended}
            for p, s in file.light_subscriptions.items()
        },
    }


def load(container: str, doc: dict[str, Any], version: int) -> ContainerFile:
    """Rebuild a file from its stored document."""
    return ContainerFile(
        container=container,
        right=_load_right(doc["right"]),
        customs_container=CustomsStatus(doc["customs_container"]),
        customs_bl={k: CustomsStatus(v) for k, v in doc["customs_bl"].items()},
        bl_links=_load_bl_links(doc),
        terminal=doc["terminal"],
        terminal_facts=_load_terminal_facts(doc),
        lights_seen={
            k: Light(Colour(v["colour"]), v["value"]) for k, v in doc["lights_seen"].items()
        },
        authorised=_load_auth(doc["authorised"]),
        gate_sequence=doc["gate_sequence"],
        light_subscriptions=_load_subscriptions(doc.get("light_subscriptions") or {}),
        version=version,
    )
