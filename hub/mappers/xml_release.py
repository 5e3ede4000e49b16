"""Release-right and pickup-right actions (``urn:hub:release:1``) → canonical commands.

``ReleaseRightAction`` / ``actionType`` (CPu ActionType):

    Release  → ReleaseContainer (needs releaseTo)   Transfer → TransferRight (needs releaseTo)
    Update   → UpdateRelease                        Accept   → AcceptRight
    Block    → BlockRelease                         Decline  → DeclineRight
    Unblock  → UnblockRelease
    Delete   → DeleteRelease
    Revoke   → by ``actionType/@scope``: ``release`` → RevokeRelease (the agent revokes the
               release; the chain is reset), ``transfer`` → RevokeTransfer (the previous holder
               revokes its own transfer). Without @scope the document is rejected.

``PickupRightAction`` / ``actionType`` (CPu PickupRightActionType): Assign and Update →
AssignPickup (needs pickupParty: partyType, identificationCode, optional
truckAppointmentReference), Revoke → RevokePickup.

``LightSubscriptionAction`` / ``actionType``: Subscribe → SubscribeLights, Unsubscribe →
UnsubscribeLights (the container only: a light subscription needs no release right).

Whether the sender may do this (agent, holder, named next party) is policy, decided later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hub.domain import commands as c
from hub.domain.values import Pickup, PickupMode
from hub.mappers.base import MappedMessage
from hub.mappers.xml_support import MISSING, Findings, bills_of_lading, party
from hub.parsing.xml.document import XmlDocument, XmlNode

REVOKE_SCOPES = ("release", "transfer")


@dataclass(frozen=True)
class _Action:
    """One action's common fields, and where to record what is wrong with it."""

    tree: XmlNode
    container: str
    release_ref: str
    found: Findings

    @property
    def reason(self) -> str:
        return self.tree.text_at("reasonForAction")


def _context(doc: XmlDocument, found: Findings) -> _Action:
    tree = doc.tree
    return _Action(tree, found.container(tree), tree.text_at("releaseIdentification"), found)


def map_release_right_action(doc: XmlDocument) -> MappedMessage:
    """``ReleaseRightAction`` → one release-right command."""
    found = Findings(doc)
    action = _context(doc, found)
    node = doc.tree.child("actionType")
    build = _RELEASE_ACTIONS.get(node.text) if node else None
    if node is not None and node.attrib.get("scope") and node.text != "Revoke":
        found.problem(node, "scope applies only to Revoke and is ignored", warn=True)
    command = build(action) if build else None
    return found.result([command] if command else [])


def _release(a: _Action) -> c.Command | None:
    to = party(a.found.require(a.tree, "releaseTo", "a Release names the first release party"))
    if to is None:
        return None
    return c.ReleaseContainer(
        a.container,
        a.release_ref,
        to,
        bills_of_lading(a.tree),
        a.tree.text_at("terminalCode"),
        a.tree.text_at("portLoCode"),
        party(a.tree.child("carrier")),
        a.found.timestamp(a.tree, "expirationDateTimeUtc"),
    )


def _update(a: _Action) -> c.Command:
    return c.UpdateRelease(
        a.container,
        a.release_ref,
        party(a.tree.child("releaseTo")),
        bills_of_lading(a.tree),
        a.tree.text_at("terminalCode"),
        a.tree.text_at("portLoCode"),
        a.found.timestamp(a.tree, "expirationDateTimeUtc"),
    )


def _transfer(a: _Action) -> c.Command | None:
    to = party(a.found.require(a.tree, "releaseTo", "a Transfer names the next party"))
    return c.TransferRight(a.container, a.release_ref, to) if to else None


def _revoke(a: _Action) -> c.Command | None:
    node = a.tree.child("actionType")
    scope = node.attrib.get("scope", "") if node else ""
    if scope == "release":
        return c.RevokeRelease(a.container, a.release_ref, a.reason)
    if scope == "transfer":
        return c.RevokeTransfer(a.container, a.release_ref)
    a.found.problem(
        node or a.tree,
        'Revoke needs scope="release" (the agent revokes the release) or scope="transfer" '
        "(the previous holder revokes its transfer)",
        MISSING,
    )
    return None


_RELEASE_ACTIONS: dict[str, Callable[[_Action], c.Command | None]] = {
    "Release": _release,
    "Update": _update,
    "Block": lambda a: c.BlockRelease(a.container, a.release_ref, a.reason),
    "Unblock": lambda a: c.UnblockRelease(a.container, a.release_ref),
    "Delete": lambda a: c.DeleteRelease(a.container, a.release_ref, a.reason),
    "Revoke": _revoke,
    "Transfer": _transfer,
    "Accept": lambda a: c.AcceptRight(a.container, a.release_ref),
    "Decline": lambda a: c.DeclineRight(a.container, a.release_ref, a.reason),
}


def map_pickup_right_action(doc: XmlDocument) -> MappedMessage:
    """``PickupRightAction`` → AssignPickup or RevokePickup."""
    found = Findings(doc)
    action = _context(doc, found)
    kind = doc.tree.text_at("actionType")
    command: c.Command | None = None
    if kind == "Revoke":
        command = c.RevokePickup(action.container, action.release_ref)
    elif kind in ("Assign", "Update"):
        command = _assign(action, kind)
    return found.result([command] if command else [])


def _assign(a: _Action, kind: str) -> c.Command | None:
    node = a.found.require(a.tree, "pickupParty", f"{kind} names who collects the container")
    if node is None:
        return None
    pickup = Pickup(
        PickupMode(node.text_at("partyType").lower()),
        node.text_at("identificationCode"),
        node.text_at("truckAppointmentReference"),
    )
    return c.AssignPickup(a.container, a.release_ref, pickup)


_SUBSCRIPTIONS: dict[str, type[c.SubscribeLights] | type[c.UnsubscribeLights]] = {
    "Subscribe": c.SubscribeLights,
    "Unsubscribe": c.UnsubscribeLights,
}


def map_light_subscription_action(doc: XmlDocument) -> MappedMessage:
    """``LightSubscriptionAction`` → SubscribeLights or UnsubscribeLights."""
    found = Findings(doc)
    container = found.container(doc.tree)
    build = _SUBSCRIPTIONS.get(doc.tree.text_at("actionType"))
    return found.result([build(container)] if build and container else [])
