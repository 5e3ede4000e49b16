"""Token accounting around the rules: charge on accept, refund on revoke, buy and upgrade.

One token is consumed when a transport operator accepts a release right at a terminal that
grants access by Alfapass identity, or subscribes to the lights of a container at a PIN
terminal; it is returned when the agent revokes or deletes the release (which ends the light
subscriptions). Both are idempotent per (release right, action) or per light subscription.
API subscribers never pay.

Cost per charge does not grow with the party's history: the ledger answers `charge_view` (the
key's state and the subscription's sums) instead of handing over every entry.

Locking: a charge on a limited tier takes `Tokens.lock` (the party's subscription rows) before
it reads the balance, and holds it to the commit, so two workers never spend the same last
token. An unlimited tier (by the subscription row; confirmed from its grants, upgrades and
expiry at the charge's date) takes no lock: its consumption carries 0 tokens, so no race can
overspend or change what an expiry counts; the key (container + release) is already
serialised by the container file's row lock, and even a duplicate would carry 0 tokens. Once
granted, unlimited stays so until the period ends (tiers only go up), and a consumption is
refused after the end whatever it reads. Refunds lock each party, in party order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.domain import commands as c
from hub.domain import tokens
from hub.domain.billing import TIERS, needs_token
from hub.domain.light_subscriptions import REFUNDED_ENDS
from hub.domain.model import ContainerFile
from hub.domain.partners import Partner
from hub.domain.refusals import Refusal
from hub.domain.roles import TRANSPORT_OPERATOR
from hub.domain.tokens import ChargeView, Subscription, TokenEntry
from hub.service_layer.ports import Tokens, UnitOfWork

DEFAULT_ACCESS = "alfapass"
ACCEPT = "accept"
SUBSCRIBE = "subscribe_lights"


def _charge_view(
    store: Tokens, party: str, sub: Subscription | None, key: str, at: datetime
) -> ChargeView:
    return store.charge_view(party, sub.subscription_id if sub is not None else None, key, at)


def _unlimited_view(
    store: Tokens, party: str, sub: Subscription, key: str, at: datetime
) -> ChargeView:
    """The view from the key's entries and the subscription's grants, upgrades and expiry:
    right about `charged`, `unlimited` and `expired`, not about the balance (left to the
    locked path when the tier turns out limited)."""
    entries = store.charge_entries(party, sub.subscription_id, key)
    return tokens.charge_view(entries, sub.subscription_id, key, at)


def expiry_recorded(store: Tokens, party: str, subscription_id: str, at: datetime) -> bool:
    """True once the subscription's expiry is in the ledger; the ledger is append-only, so it
    stays true, and a caller may skip the subscription without taking the lock."""
    return store.charge_view(party, subscription_id, "", at).expired


def release_key(container: str, release_ref: str) -> str:
    return f"{container}:{release_ref}"


def charge_token(
    uow: UnitOfWork, file: ContainerFile, cmd: Any, partner: Partner, ref: str, at: datetime
) -> str:
    """The token gate the pipeline calls after the rules said yes; '' or a refusal reason."""
    if isinstance(cmd, c.AcceptRight):
        return _charge_accept(uow, file, cmd, partner, ref, at)
    if isinstance(cmd, c.SubscribeLights):
        return _charge_subscription(uow, file, partner, ref, at)
    if isinstance(cmd, (c.RevokeRelease, c.DeleteRelease)):
        _refund(
            uow,
            tokens.consumption_key(release_key(file.container, cmd.release_ref), ACCEPT),
            ref,
            at,
        )
        for sub in file.light_subscriptions.values():
            if sub.ended in REFUNDED_ENDS:
                _refund(uow, subscription_key(file, sub.party), ref, at)
    return ""


def subscription_key(file: ContainerFile, party: str) -> str:
    """The token key of `party`'s (current or last) light subscription on `file`: one per
    subscription, so subscribing twice charges once and a new subscription charges again."""
    since = file.light_subscriptions[party].since.isoformat()
    return tokens.consumption_key(f"{file.container}:lights:{party}:{since}", SUBSCRIBE)


def _charge_subscription(
    uow: UnitOfWork, file: ContainerFile, partner: Partner, ref: str, at: datetime
) -> str:
    """One token per light subscription of a container at a PIN terminal (not for API
    subscribers); the rules already checked the terminal and the role."""
    if not needs_token(_terminal_access(uow, file), SUBSCRIBE, partner.api_subscriber):
        return ""
    return _consume(uow, partner.party_id, subscription_key(file, partner.party_id), ref, at)


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
    key = tokens.consumption_key(release_key(file.container, cmd.release_ref), ACCEPT)
    return _consume(uow, partner.party_id, key, ref, at)


def _consume(uow: UnitOfWork, party: str, key: str, ref: str, at: datetime) -> str:
    """Charge one token under `key` (at most once), or say why not."""
    sub = uow.tokens.active(party, at)
    if sub is not None and TIERS[sub.tier].allowance is None:
        view = _unlimited_view(uow.tokens, party, sub, key, at)
        if view.unlimited or view.charged:
            return _record(uow, tokens.consume_from(view, sub, party, key, ref, at))
    uow.tokens.lock(party)
    sub = uow.tokens.active(party, at)
    view = _charge_view(uow.tokens, party, sub, key, at)
    return _record(uow, tokens.consume_from(view, sub, party, key, ref, at))


def _record(uow: UnitOfWork, result: list[TokenEntry] | Refusal) -> str:
    if isinstance(result, Refusal):
        return result.reason
    uow.tokens.add(result)
    return ""


def _refund(uow: UnitOfWork, key: str, ref: str, at: datetime) -> None:
    for party in sorted({e.party for e in uow.tokens.entries_for_key(key)}):
        uow.tokens.lock(party)
        result = tokens.refund(uow.tokens.refund_entries(party, key), key, ref, at)
        if not isinstance(result, Refusal):
            uow.tokens.add(result)
