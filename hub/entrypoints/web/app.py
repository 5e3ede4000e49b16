"""`create_app`: the portal's routes, the signed-in user of each request, security headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from hub.entrypoints.web import pages_auth, pages_company, pages_ops, pages_portal, pages_waiting
from hub.entrypoints.web.offloop import OffLoop
from hub.entrypoints.web.security import SESSION, redirect, render
from hub.service_layer import login, operations
from hub.service_layer.portal import Portal

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


def create_app(portal: Portal, *, secure_cookies: bool = True) -> Starlette:
    """The portal on `portal`'s services; cookies Secure unless `secure_cookies` is off."""
    offloop = OffLoop(portal)

    async def signed_in(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        token = request.cookies.get(SESSION, "")
        request.state.user = (
            await offloop.read(lambda _u, store, now: login.session_user(store, token, now))
            if token
            else None
        )
        response = await call_next(request)
        response.headers.update(HEADERS)
        return response

    app = Starlette(
        routes=[
            Route("/", home),
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
    return app
