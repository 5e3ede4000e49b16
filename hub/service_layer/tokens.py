"""Token accounting around the rules: charge on accept, refund on revoke, buy and upgrade.

One token is consumed when a transport operator accepts a release right at a terminal that
grants access by Alfapass identity; it is returned when the agent revokes or deletes the
release. Both are idempotent per (release right, action). API subscribers never pay.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.domain import commands as c
from hub.domain import tokens
from hub.domain.billing import needs_token
from hub.domain.model import ContainerFile
from hub.domain.partners import Partner
from hub.domain.refusals import Refusal
from hub.domain.roles import TRANSPORT_OPERATOR
from hub.service_layer.ports import UnitOfWork

DEFAULT_ACCESS = "alfapass"


def release_key(container: str, release_ref: str) -> str:
    return f"{container}:{release_ref}"


def charge_token(
    uow: UnitOfWork, file: ContainerFile, cmd: Any, partner: Partner, ref: str, at: datetime
) -> str:
    """The token gate the pipeline calls after the rules said yes; '' or a refusal reason."""
    if isinstance(cmd, c.AcceptRight):
        return _charge_accept(uow, file, cmd, partner, ref, at)
    if isinstance(cmd, (c.RevokeRelease, c.DeleteRelease)):
        _refund(uow, release_key(file.container, cmd.release_ref), ref, at)
    return ""


def _terminal_access(uow: UnitOfWork, file: ContainerFile) -> str:
    operator = uow.partners.operator_of(file.gate_terminal())
    access = operator.terminal_access if operator else ""
    return access or DEFAULT_ACCESS


def _charge_accept(
    uow: UnitOfWork,
    file: ContainerFile,
    cmd: c.AcceptRight,
    partner: Partner,
    ref: str,
    at: datetime,
) -> str:
    if TRANSPORT_OPERATOR not in partner.roles:
        return ""
    if not needs_token(_terminal_access(uow, file), "accept", partner.api_subscriber):
        return ""
    uow.tokens.lock(partner.party_id)
    key = tokens.consumption_key(release_key(file.container, cmd.release_ref), "accept")
    entries = uow.tokens.entries(partner.party_id)
    result = tokens.consume(
        entries, uow.tokens.active(partner.party_id, at), partner.party_id, key, ref, at
    )
    if isinstance(result, Refusal):
        return result.reason
    uow.tokens.add(result)
    return ""


def _refund(uow: UnitOfWork, rkey: str, ref: str, at: datetime) -> None:
    key = tokens.consumption_key(rkey, "accept")
    for party in {e.party for e in uow.tokens.entries_for_key(key)}:
        uow.tokens.lock(party)
        result = tokens.refund(uow.tokens.entries(party), key, ref, at)
        if not isinstance(result, Refusal):
            uow.tokens.add(result)
