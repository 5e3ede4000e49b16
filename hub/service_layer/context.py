"""`HubContext`: what the pipeline needs besides the unit of work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from hub.service_layer import backups
from hub.service_layer.handlers import TokenGate, no_tokens
from hub.service_layer.intake import Limits
from hub.service_layer.ports import Clock


@dataclass(frozen=True)
class HubContext:
    """What the pipeline needs besides the unit of work."""

    clock: Clock
    limits: Limits = field(default_factory=Limits)
    hub_id: str = "CPUHUB"
    charge: TokenGate = no_tokens
    hub_aliases: tuple[str, ...] = ()
    """Other identifiers the hub answers to as a UNB recipient, besides `hub_id`."""

    @property
    def hub_ids(self) -> tuple[str, ...]:
        return (self.hub_id, *self.hub_aliases)

    backup_policy: backups.BackupPolicy | None = None
    """Signed backup snapshots pushed to terminals; None: none are."""
    waiting_window: timedelta = timedelta(0)
    """How long a message whose precondition is not met yet waits for it (`waiting`);
    zero: it is refused at once."""
    waiting_per_sender: int = 1000
    """How many of one sender's messages may wait at once (`Settings.waiting_per_sender`)."""
