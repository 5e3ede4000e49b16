"""Cookies, CSRF and rendering for the portal's pages.

- Every page is rendered with a CSRF token; every form posts it back (`checked_form`), and it
  must equal the value of the `hub_csrf` cookie (double submit). A cross-site page can neither
  read that cookie nor, with SameSite=Strict, make the browser send it.
- Cookies are HttpOnly, SameSite=Strict and Secure unless `HUB_WEB_SECURE_COOKIES` is off (plain
  http on localhost, in tests).
- The session and login-challenge cookies hold random tokens; the server keeps only hashes.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from hub.entrypoints.web import fields
from hub.entrypoints.web.i18n import language_of, role_labels, translator
from hub.entrypoints.web.i18n_values import value_translator

CSRF, SESSION, CHALLENGE, LANG = "hub_csrf", "hub_session", "hub_login", "hub_lang"
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def set_cookie(request: Request, response: Response, name: str, value: str, age: int) -> None:
    """A Secure (configurable), HttpOnly, SameSite=Strict cookie."""
    secure = bool(request.app.state.secure_cookies)
    response.set_cookie(
        name, value, max_age=age, httponly=True, secure=secure, samesite="strict", path="/"
    )


def language(request: Request) -> str:
    """The signed-in user's language, else ?lang=, else the language cookie, else English."""
    user = getattr(request.state, "user", None)
    if user is not None:
        return str(user.language)
    return language_of(request.query_params.get("lang") or request.cookies.get(LANG))


def render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    """The template `name` with the CSRF token, the user, the language and its words."""
    token = request.cookies.get(CSRF) or secrets.token_urlsafe(32)
    lang = language(request)
    context |= {
        "csrf": token,
        "user": getattr(request.state, "user", None),
        "lang": lang,
        "t": translator(lang),
        "tv": value_translator(lang),
        "role_labels": role_labels(lang),
    }
    response = templates.TemplateResponse(request, name, context, status_code=status)
    if request.cookies.get(CSRF) != token:
        set_cookie(request, response, CSRF, token, 86_400)
    if request.query_params.get("lang"):
        set_cookie(request, response, LANG, lang, 31_536_000)
    return response


async def checked_form(request: Request) -> FormData:
    """The posted form, once it is small, plain text (`fields`) and its CSRF token matches the
    cookie: 413 / 411 for a body too large or of unknown length, 400 for a field `fields`
    refuses, 403 for the token."""
    size = request.headers.get("content-length", "")
    if not size.isdigit():
        raise HTTPException(411, "a form must say its length (Content-Length)")
    if int(size) > fields.MAX_BODY:
        raise HTTPException(413, f"the form is larger than {fields.MAX_BODY} bytes")
    form = await request.form(max_files=0, max_fields=fields.MAX_FIELDS, max_part_size=4096)
    if found := fields.first_problem(form.multi_items()):
        raise HTTPException(400, found)
    cookie, posted = request.cookies.get(CSRF, ""), str(form.get("csrf", ""))
    if not cookie or not secrets.compare_digest(cookie.encode(), posted.encode()):
        raise HTTPException(403, "the form expired or came from another site; reload the page")
    return form


def address_problem(request: Request) -> str:
    """What is wrong with the path or the query string ('' when nothing): the same bounds as
    a form field (`fields`), checked for every request before any page reads them."""
    return fields.first_problem([("path", request.scope["path"])]) or fields.first_problem(
        request.query_params.multi_items()
    )


def text(form: FormData, name: str) -> str:
    """A text field of the form ('' when missing or a file)."""
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def client_of(request: Request) -> str:
    """Who is asking, for throttling: the peer address."""
    return request.client.host if request.client else "unknown"


def redirect(url: str) -> RedirectResponse:
    """See other (303): after a POST, the browser GETs `url`."""
    return RedirectResponse(url, status_code=303)
