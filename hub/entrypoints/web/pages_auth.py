"""Pages to get in and out: log in (password, then the code), activate from a link, log out.

Each handler reads the form, calls one service function through the portal façade and renders
the answer; the rules (lockout, expiry, single use) are in `hub.service_layer.login` and
`hub.service_layer.identity`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.domain.refusals import Refusal
from hub.domain.users import CODE_TTL, SESSION_TTL
from hub.entrypoints.web.offloop import OffLoop
from hub.entrypoints.web.security import (
    CHALLENGE,
    SESSION,
    checked_form,
    client_of,
    redirect,
    render,
    set_cookie,
    text,
)
from hub.service_layer import identity, login


def _portal(request: Request) -> OffLoop:
    return request.app.state.portal  # type: ignore[no-any-return]


async def login_page(request: Request) -> Response:
    """The user name and password form."""
    return render(request, "login.html", done=request.query_params.get("done", ""))


async def login_submit(request: Request) -> Response:
    """Step 1: check the password; on success ask for the second factor."""
    form = await checked_form(request)
    username, password, client = text(form, "username"), text(form, "password"), client_of(request)
    portal = _portal(request)
    result = await portal.run(
        lambda uow, store, now: login.start_login(
            uow, store, portal.credentials, portal.policy, username, password, client, now
        ),
        keep_refused=True,
    )
    if isinstance(result, Refusal):
        return render(request, "login.html", 401, error=result.reason, username=username)
    response = redirect(f"/login/code?method={result.method.value}")
    set_cookie(request, response, CHALLENGE, result.token, int(CODE_TTL.total_seconds()) + 60)
    return response


async def code_page(request: Request) -> Response:
    """The second-factor form."""
    return render(request, "code.html", method=request.query_params.get("method", "email"))


async def code_submit(request: Request) -> Response:
    """Step 2: check the code; on success start the session."""
    form = await checked_form(request)
    token, code, client = request.cookies.get(CHALLENGE, ""), text(form, "code"), client_of(request)
    portal = _portal(request)
    result = await portal.run(
        lambda uow, store, now: login.finish_login(
            uow, store, portal.credentials, portal.policy, token, code, client, now
        ),
        keep_refused=True,
    )
    if isinstance(result, Refusal):
        method = text(form, "method") or "email"
        return render(request, "code.html", 401, error=result.reason, method=method)
    response = redirect("/account")
    set_cookie(request, response, SESSION, result.token, int(SESSION_TTL.total_seconds()))
    response.delete_cookie(CHALLENGE, path="/")
    return response


async def logout_submit(request: Request) -> Response:
    """End the session and forget its cookie."""
    await checked_form(request)
    token = request.cookies.get(SESSION, "")
    await _portal(request).do(lambda _u, store, now: login.logout(store, token, now))
    response = redirect("/login")
    response.delete_cookie(SESSION, path="/")
    return response


async def activate_page(request: Request) -> Response:
    """The form behind a mailed link: choose a user name and password."""
    token = request.query_params.get("token", "")
    found = await _portal(request).read(
        lambda _u, store, now: identity.link_user(store, token, now)
    )
    if isinstance(found, Refusal):
        return render(request, "activate.html", 400, error=found.reason, token="")
    return render(request, "activate.html", token=token, email=found.email)


async def activate_submit(request: Request) -> Response:
    """Set the user name and password; the company's first admin activates the company."""
    form = await checked_form(request)
    token, username = text(form, "token"), text(form, "username")
    password = text(form, "password")
    if password != text(form, "password_again"):
        error = Refusal("the two passwords differ", "invalid-password")
        return render(
            request,
            "activate.html",
            400,
            error=error.reason,
            field="password",
            token=token,
            username=username,
        )
    portal = _portal(request)
    result = await portal.run(
        lambda uow, store, now: identity.activate_user(
            uow, store, portal.credentials, token, username, password, now
        )
    )
    if isinstance(result, Refusal):
        field = result.code.removeprefix("invalid-")
        return render(
            request,
            "activate.html",
            400,
            error=result.reason,
            field=field,
            token=token,
            username=username,
        )
    return redirect("/login?done=activated")


ROUTES = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login_submit, methods=["POST"]),
    Route("/login/code", code_page, methods=["GET"]),
    Route("/login/code", code_submit, methods=["POST"]),
    Route("/logout", logout_submit, methods=["POST"]),
    Route("/activate", activate_page, methods=["GET"]),
    Route("/activate", activate_submit, methods=["POST"]),
]
