"""Company pages: register, and for a signed-in user the company page (users, release
platforms) and the authenticator set-up. Each handler is one call to the service layer."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.domain.refusals import Refusal
from hub.domain.users import SecondFactor, User
from hub.entrypoints.web.i18n import language_of
from hub.entrypoints.web.offloop import OffLoop
from hub.entrypoints.web.security import checked_form, language, redirect, render, text
from hub.service_layer import identity, login, operations, registry


def _portal(request: Request) -> OffLoop:
    return request.app.state.portal  # type: ignore[no-any-return]


def _user(request: Request) -> User | None:
    return getattr(request.state, "user", None)


async def register_page(request: Request) -> Response:
    """The registration form (roles with their labels in the chosen language)."""
    return render(request, "register.html", form={}, chosen=[])


def _registration(form: FormData) -> registry.Registration:
    return registry.Registration(
        name=text(form, "name"),
        vat=text(form, "vat"),
        eori=text(form, "eori"),
        country=text(form, "country").upper(),
        roles=tuple(str(r) for r in form.getlist("roles")),
        address=text(form, "address"),
        billing_address=text(form, "billing_address"),
    )


async def register_submit(request: Request) -> Response:
    """Ask for a company's registration through the registry."""
    form = await checked_form(request)
    registration, email = _registration(form), text(form, "admin_email")
    lang = language_of(text(form, "language") or language(request))
    result = await _portal(request).run(
        lambda uow, store, now: identity.register_company(
            uow, store, registration, email, lang, now
        )
    )
    if isinstance(result, Refusal):
        fields = {k: text(form, k) for k in form}
        chosen = list(registration.roles)
        return render(
            request, "register.html", 400, error=result.reason, form=fields, chosen=chosen
        )
    return render(request, "registered.html", registered=result)


async def _company_view(request: Request, user: User) -> dict[str, object]:
    party = user.party_id
    view = await _portal(request).read(
        lambda uow, store, _: identity.company_view(uow, store, party)
    )
    return dict(view.__dict__)


async def account_page(request: Request) -> Response:
    """The company: its status and roles, its users, its release platforms."""
    user = _user(request)
    if user is None:
        return redirect("/login")
    if operations.is_operator(user):  # the hub team has no company: its page is the console
        return redirect("/ops")
    return render(request, "account.html", 200, **await _company_view(request, user))


async def _account_answer(request: Request, user: User, result: object) -> Response:
    if isinstance(result, Refusal):
        view = await _company_view(request, user)
        return render(request, "account.html", 400, error=result.reason, **view)
    return redirect("/account")


async def invite_submit(request: Request) -> Response:
    """An admin invites a user (mailed a link)."""
    form, user = await checked_form(request), _user(request)
    if user is None:
        return redirect("/login")
    email, role = text(form, "email"), text(form, "role") or "member"
    lang = language_of(text(form, "language"))
    portal = _portal(request)
    result = await portal.run(
        lambda uow, store, now: identity.invite_user(
            uow, store, user, email, role, lang, now, portal.base_url
        )
    )
    return await _account_answer(request, user, result)


async def remove_submit(request: Request) -> Response:
    """An admin removes a user."""
    form, user = await checked_form(request), _user(request)
    if user is None:
        return redirect("/login")
    target = text(form, "user_id")
    result = await _portal(request).run(
        lambda uow, store, now: identity.remove_user(uow, store, user, target, now)
    )
    return await _account_answer(request, user, result)


async def platform_submit(request: Request) -> Response:
    """An admin links or unlinks a release platform."""
    form, user = await checked_form(request), _user(request)
    if user is None:
        return redirect("/login")
    platform, linked = text(form, "platform"), text(form, "action") == "link"
    result = await _portal(request).run(
        lambda uow, _s, now: identity.set_platform_link(uow, user, platform, linked, now)
    )
    return await _account_answer(request, user, result)


async def totp_page(request: Request) -> Response:
    """A new authenticator key to add to the app."""
    user = _user(request)
    if user is None:
        return redirect("/login")
    if user.second_factor is SecondFactor.TOTP:
        return render(request, "totp.html", on=True, secret="", uri="")
    portal = _portal(request)
    secret, uri = await portal.do(
        lambda _u, store, _now: login.start_totp(store, portal.credentials, user)
    )
    return render(request, "totp.html", secret=secret, uri=uri)


async def totp_submit(request: Request) -> Response:
    """Switch to the authenticator once its code is right."""
    form, user = await checked_form(request), _user(request)
    if user is None:
        return redirect("/login")
    code, portal = text(form, "code"), _portal(request)
    result = await portal.run(
        lambda uow, store, now: login.confirm_totp(uow, store, portal.credentials, user, code, now)
    )
    if isinstance(result, Refusal):
        return render(request, "totp.html", 400, error=result.reason, secret="", uri="")
    return redirect("/account")


ROUTES = [
    Route("/register", register_page, methods=["GET"]),
    Route("/register", register_submit, methods=["POST"]),
    Route("/account", account_page, methods=["GET"]),
    Route("/account/users", invite_submit, methods=["POST"]),
    Route("/account/users/remove", remove_submit, methods=["POST"]),
    Route("/account/platforms", platform_submit, methods=["POST"]),
    Route("/account/totp", totp_page, methods=["GET"]),
    Route("/account/totp", totp_submit, methods=["POST"]),
]
