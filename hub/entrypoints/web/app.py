"""`create_app`: the portal's routes, the signed-in user of each request, security headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from hub.entrypoints.web import pages_auth, pages_company, pages_ops, pages_portal, pages_waiting
from hub.entrypoints.web.offloop import OffLoop
from hub.entrypoints.web.security import SESSION, address_problem, redirect, render
from hub.service_layer import login, operations
from hub.service_layer.observe import Live
from hub.service_layer.portal import Portal

Health = Callable[[str], tuple[int, str, bytes]]
STATIC = Path(__file__).parent / "static"
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


async def home(request: Request) -> Response:
    user = getattr(request.state, "user", None)
    if user is None:
        return redirect("/login")
    return redirect("/ops" if operations.is_operator(user) else "/account")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return render(request, "message.html", exc.status_code, error=exc.detail)


HEALTH_PATHS = ("/metrics", "/livez", "/readyz")


def _health_routes(health: Health | None) -> list[Route]:
    """/metrics, /livez and /readyz answered by `health` (path → status, type, body), off the
    event loop: a probe reads the database, and a slow one must not hold up the pages."""
    if health is None:
        return []

    async def answer(request: Request) -> Response:
        status, ctype, body = await run_in_threadpool(health, request.url.path)
        return Response(body, status, headers={"Content-Type": ctype})

    return [Route(path, answer) for path in HEALTH_PATHS]


def create_app(
    portal: Portal,
    *,
    secure_cookies: bool = True,
    health: Health | None = None,
    live: Callable[[], Live] | None = None,
) -> Starlette:
    """The portal on `portal`'s services; cookies Secure unless `secure_cookies` is off;
    `health` answers /metrics, /livez and /readyz (see `hub.observability.web_endpoints`);
    `live` feeds the console's live overview (`hub.observability.web_live`)."""
    offloop = OffLoop(portal)

    async def signed_in(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.user = None
        if found := address_problem(request):
            response = render(request, "message.html", 400, error=found)
            response.headers.update(HEADERS)
            return response
        token = request.cookies.get(SESSION, "")
        request.state.user = (
            await offloop.read(lambda uow, store, now: login.session_user(uow, store, token, now))
            if token
            else None
        )
        response = await call_next(request)
        response.headers.update(HEADERS)
        return response

    app = Starlette(
        routes=[
            Route("/", home),
            *_health_routes(health),
            *pages_auth.ROUTES,
            *pages_company.ROUTES,
            *pages_portal.ROUTES,
            *pages_ops.ROUTES,
            *pages_waiting.ROUTES,
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=signed_in)],
        exception_handlers={HTTPException: _http_error},
    )
    app.state.portal = offloop
    app.state.secure_cookies = secure_cookies
    app.state.live = live
    return app
