"""Run the portal with uvicorn on a wired hub (`hub serve`).

`hub serve` does not relay the outbox. A portal action writes its notifications and gate
messages to the outbox in the action's transaction, like a message does; `hub run` publishes
them (its relay looks every 0.5 s, and rows are claimed with SKIP LOCKED, so any number of
`hub run` and `hub serve` processes share one database safely). Embedded (no HUB_AMQP_URL) there
is no broker a partner could read from: a relay in this process would mark the rows sent into
its own memory, where nobody sees them. They stay in the outbox instead, shown on the console's
/ops/sent page, and the next embedded `hub send` or `hub run --once` on the same database
publishes (and `hub send` prints) them.
"""

from __future__ import annotations

import logging

import uvicorn

from hub.bootstrap import build, build_portal
from hub.config import Settings
from hub.entrypoints.web.app import create_app
from hub.observability import web_endpoints, web_live

log = logging.getLogger("hub.serve")


def relay_note(settings: Settings) -> str:
    """Who publishes what the portal's actions put in the outbox (logged at start)."""
    if settings.embedded:
        return (
            "embedded (no HUB_AMQP_URL): portal actions' messages wait in the outbox (/ops/sent) "
            "until `hub send` or `hub run --once` on this database publishes them"
        )
    return "portal actions' messages are published by `hub run`: keep one running beside this"


def serve_forever(settings: Settings, host: str, port: int) -> None:
    """Serve until interrupted; the database is migrated first, like every hub command."""
    hub = build(settings, consume=False)
    log.info("%s", relay_note(settings))
    try:
        app = create_app(
            build_portal(hub),
            secure_cookies=settings.web_secure_cookies,
            health=web_endpoints(hub),
            live=web_live(hub),
        )
        uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower())
    finally:
        hub.close()
