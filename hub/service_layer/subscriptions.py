"""Buying and upgrading subscriptions, paid from the operator's paired prepaid wallet.

One active subscription per operator (`hub.domain.tokens.buy`): buying a higher tier while one
runs is an upgrade of it for the price difference; the same or a lower tier is refused and
nothing is charged. A purchase debits the gross price (VAT included) and grants the tier's
tokens in one transaction; a wallet short of the price refuses and nothing changes.

Locking: the wallet row first (`Wallets.movements` locks it), then the party's subscription
rows, then the decision: two purchases by one operator at once take turns, so the second sees
the first's subscription and cannot open a second one beside it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from hub.domain import billing, tokens
from hub.domain.billing import Tier, WalletMovement
from hub.domain.refusals import Refusal
from hub.service_layer.ports import UnitOfWork


def _pay(
    uow: UnitOfWork,
    party: str,
    purchase: tokens.Purchase,
    paid_from: Sequence[WalletMovement],
    cause: str,
    at: datetime,
) -> Refusal | None:
    movement = billing.debit(paid_from, purchase.quote.gross, cause, at)
    if isinstance(movement, Refusal):
        return movement
    uow.wallets.add(party, movement)
    uow.tokens.add([purchase.entry])
    uow.tokens.save_subscription(purchase.subscription)
    return None


def _locked_wallet(uow: UnitOfWork, party: str) -> list[WalletMovement] | Refusal:
    """The wallet's movements, its row locked to the commit; refused when none is paired."""
    if uow.wallets.paired(party) is None:
        return Refusal(f"{party} has no paired wallet", "no-wallet")
    movements = uow.wallets.movements(party)
    uow.tokens.lock(party)
    return movements


def buy(
    uow: UnitOfWork, party: str, tier: str, at: datetime, cause: str
) -> tokens.Purchase | Refusal:
    """A new subscription for `party` (a renewal is a new one too), or the upgrade of the one
    it holds to a higher tier; refused for the same or a lower tier while one runs."""
    partner = uow.partners.get(party)
    if partner is None:
        return Refusal(f"party {party} is not registered", "party-unknown")
    wallet = _locked_wallet(uow, party)
    if isinstance(wallet, Refusal):
        return wallet
    held, sid = uow.tokens.active(party, at), f"sub-{uuid.uuid4().hex[:12]}"
    entries = uow.tokens.entries(party) if held is not None else []
    decided = tokens.buy(entries, held, party, Tier(tier), partner.country, at, sid, cause)
    if isinstance(decided, Refusal):
        return decided
    return _pay(uow, party, decided, wallet, cause, at) or decided


def upgrade(
    uow: UnitOfWork, party: str, tier: str, at: datetime, cause: str
) -> tokens.Purchase | Refusal:
    """Move the active subscription to a higher tier for the price difference."""
    partner = uow.partners.get(party)
    if partner is None or uow.tokens.active(party, at) is None:
        return Refusal(f"{party} has no active subscription to upgrade", "no-subscription")
    wallet = _locked_wallet(uow, party)
    if isinstance(wallet, Refusal):
        return wallet
    current = uow.tokens.active(party, at)  # read again under the locks
    if current is None:
        return Refusal(f"{party} has no active subscription to upgrade", "no-subscription")
    result = tokens.upgrade(
        uow.tokens.entries(party), current, Tier(tier), partner.country, at, cause
    )
    if isinstance(result, Refusal):
        return result
    return _pay(uow, party, result, wallet, cause, at) or result


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
