"""Run the portal with uvicorn on a wired hub (`hub serve`)."""

from __future__ import annotations

import uvicorn

from hub.bootstrap import build, build_portal
from hub.config import Settings
from hub.entrypoints.web.app import create_app
from hub.observability import web_endpoints, web_live


def serve_forever(settings: Settings, host: str, port: int) -> None:
    """Serve until interrupted; the database is migrated first, like every hub command."""
    hub = build(settings, consume=False)
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
