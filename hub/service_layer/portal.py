"""The portal's service façade: one unit of work per command, then the mails it decided.

Web routes and the operator's commands call `Portal.run` with a service function
(`hub.service_layer.identity`, `hub.service_layer.login`); it commits what the function did and
sends the mails after the commit, so a rolled-back command never mails a link. A refusal rolls
back, except for the login steps (`keep_refused=True`), whose failed attempts must be recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from hub.domain.refusals import Refusal
from hub.domain.users import LockoutPolicy
from hub.errors import HubError
from hub.service_layer.identity import Done
from hub.service_layer.identity_ports import Credentials, IdentityStore, Mail, Mailer
from hub.service_layer.pipeline import HubContext
from hub.service_layer.ports import Clock, UnitOfWork

T = TypeVar("T")
log = logging.getLogger(__name__)
Work = Callable[[UnitOfWork, IdentityStore, datetime], "Done[T] | Refusal"]
Query = Callable[[UnitOfWork, IdentityStore, datetime], T]


@dataclass
class Portal:
    """What a portal command needs: units of work, the identity store on each, mail, hashing,
    the clock (injectable, so tests move time instead of sleeping) and the public base URL."""

    uow: Callable[[], UnitOfWork]
    store_for: Callable[[UnitOfWork], IdentityStore]
    mailer: Mailer
    credentials: Credentials
    clock: Clock
    base_url: str
    policy: LockoutPolicy = field(default_factory=LockoutPolicy)
    context: HubContext | None = None
    """The pipeline's context (clock, hub id, token gate) for release-right actions."""

    def run(self, work: Work[T], *, keep_refused: bool = False) -> T | Refusal:
        """Run `work(uow, store, now)`; commit unless refused; then send its mails."""
        with self.uow() as uow:
            result = work(uow, self.store_for(uow), self.clock())
            if keep_refused or not isinstance(result, Refusal):
                uow.commit()
        if isinstance(result, Refusal):
            return result
        self.deliver(result.mails)
        return result.value

    def do(self, work: Query[T]) -> T:
        """Run `work(uow, store, now)`, which mails nothing and cannot be refused; commit."""
        with self.uow() as uow:
            result = work(uow, self.store_for(uow), self.clock())
            uow.commit()
        return result

    def read(self, query: Query[T]) -> T:
        """Run a query in a unit of work that is rolled back."""
        with self.uow() as uow:
            return query(uow, self.store_for(uow), self.clock())

    def deliver(self, mails: tuple[Mail, ...]) -> None:
        """Send each mail; one that cannot be sent is logged (the command stays done)."""
        for mail in mails:
            try:
                self.mailer.send(mail)
            except HubError as exc:
                log.error("%s", exc)
