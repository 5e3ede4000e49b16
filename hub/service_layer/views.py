"""What a party may see of a release right: only its own link of the chain.

A party sees who gave it the right and to whom it passed it; nothing further down. A party
that left the chain (declined, or its offer was revoked) sees only its own link as it stood:
not the status, expiry or lights of the container's life after it. A party with the
authority role sees the whole chain.
"""

from __future__ import annotations

from typing import Any

from hub.domain.model import ContainerFile, Link
from hub.domain.roles import AUTHORITY
from hub.service_layer.ports import UnitOfWork


def _link(link: Link) -> dict[str, Any]:
    return {
        "from": link.from_party,
        "to": link.to_party,
        "status": link.status.value,
        "at": link.at.isoformat(),
    }


def _lights(file: ContainerFile) -> dict[str, Any]:
    return {name.value: light.as_dict() for name, light in file.lights().items()}


def release_view(uow: UnitOfWork, container: str, party: str) -> dict[str, Any]:
    """The JSON view of a container's release for `party`."""
    partner = uow.partners.get(party)
    file = uow.files.get(container)
    right = file.right
    if partner is None:
        return {"container": container, "error": f"unknown party {party}"}
    involved = right is not None and party in right.parties()
    if right is None or not (involved or AUTHORITY in partner.roles):
        return {"container": container, "error": "no release right visible to you"}
    own = [_link(x) for x in right.chain if party in (x.from_party, x.to_party)]
    if AUTHORITY not in partner.roles and not right.in_chain(party):
        return {
            "container": container,
            "release_ref": right.release_ref,
            "left_chain": True,
            "chain": own,
        }
    view: dict[str, Any] = {
        "container": container,
        "release_ref": right.release_ref,
        "status": right.status.value,
        "terminal": right.terminal,
        "expires_at": right.expires_at.isoformat(),
        "holder_is_you": right.holder == party,
        "lights": _lights(file),
    }
    if AUTHORITY in partner.roles:
        view["chain"] = [_link(x) for x in right.chain]
        view["agent"] = right.agent
    else:
        view["chain"] = own
    return view
