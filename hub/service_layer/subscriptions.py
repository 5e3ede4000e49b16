"""Buying and upgrading subscriptions, paid from the operator's paired prepaid wallet.

A purchase debits the gross price (VAT included) and grants the tier's tokens in one
transaction; a wallet short of the price refuses and nothing changes.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from hub.domain import billing, tokens
from hub.domain.billing import Tier
from hub.domain.refusals import Refusal
from hub.service_layer.ports import UnitOfWork


def _pay(
    uow: UnitOfWork, party: str, purchase: tokens.Purchase, cause: str, at: datetime
) -> Refusal | None:
    if uow.wallets.paired(party) is None:
        return Refusal(f"{party} has no paired wallet", "no-wallet")
    movement = billing.debit(uow.wallets.movements(party), purchase.quote.gross, cause, at)
    if isinstance(movement, Refusal):
        return movement
    uow.wallets.add(party, movement)
    uow.tokens.add([purchase.entry])
    uow.tokens.save_subscription(purchase.subscription)
    return None


def buy(
    uow: UnitOfWork, party: str, tier: str, at: datetime, cause: str
) -> tokens.Purchase | Refusal:
    """A new subscription for `party` (a renewal is a new one too)."""
    partner = uow.partners.get(party)
    if partner is None:
        return Refusal(f"party {party} is not registered", "party-unknown")
    uow.tokens.lock(party)
    purchase = tokens.purchase(
        party, Tier(tier), partner.country, at, f"sub-{uuid.uuid4().hex[:12]}", cause
    )
    return _pay(uow, party, purchase, cause, at) or purchase


def upgrade(
    uow: UnitOfWork, party: str, tier: str, at: datetime, cause: str
) -> tokens.Purchase | Refusal:
    """Move the active subscription to a higher tier for the price difference."""
    partner = uow.partners.get(party)
    current = uow.tokens.active(party, at)
    if partner is None or current is None:
        return Refusal(f"{party} has no active subscription to upgrade", "no-subscription")
    uow.tokens.lock(party)
    result = tokens.upgrade(
        uow.tokens.entries(party), current, Tier(tier), partner.country, at, cause
    )
    if isinstance(result, Refusal):
        return result
    return _pay(uow, party, result, cause, at) or result


def top_up(
    uow: UnitOfWork, party: str, amount: str, at: datetime, cause: str
) -> billing.WalletMovement | Refusal:
    """Money into the party's paired wallet."""
    if uow.wallets.paired(party) is None:
        return Refusal(f"{party} has no paired wallet", "no-wallet")
    movement = billing.top_up(billing.euro(amount), cause, at)
    if not isinstance(movement, Refusal):
        uow.wallets.add(party, movement)
    return movement
