"""The console's waiting room (/ops/waiting), for the hub team only: the business messages
parked because their precondition is not met yet — who sent them, for which containers, why
they wait, for how long, and until when (then they are refused with that reason)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.entrypoints.web.offloop import OffLoop
from hub.entrypoints.web.security import render
from hub.service_layer import operations
from hub.service_layer import waiting as waiting_room


async def waiting_page(request: Request) -> Response:
    """What waits now, oldest first."""
    if not operations.is_operator(getattr(request.state, "user", None)):
        raise HTTPException(403, "the operations console is for the hub team only")
    portal: OffLoop = request.app.state.portal
    rows = await portal.read(lambda uow, _s, now: waiting_room.listing(uow, now))
    return render(request, "ops_waiting.html", rows=rows)


ROUTES = [Route("/ops/waiting", waiting_page, methods=["GET"])]
"""The waiting room's console URL (the 403 test walks `pages_ops.ROUTES`; this one too)."""
