"""The portal for companies without an EDI system: my containers, one container with its
actions, the agent's release form, tokens and wallet, the terminal's gate check.

Each handler reads the form, builds the canonical command (`commands_form`) and calls one
service function: `portal_actions.perform` for a release-right action (inbox, rules, audit,
outbox, as for an XML message), `portal_views` to read, `accounts` for money. Every action form
carries a one-time key: submitting it twice has one effect.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.domain.containers import container_problem, normalise
from hub.domain.refusals import Refusal
from hub.domain.users import User, UserRole
from hub.entrypoints.web.commands_form import command_for, light_command, release_command
from hub.entrypoints.web.offloop import OffLoop
from hub.entrypoints.web.security import checked_form, redirect, render, text
from hub.service_layer import accounts, portal_actions, portal_views
from hub.service_layer.identity import Done, actor_of
from hub.service_layer.portal_actions import ActionAnswer


def _portal(request: Request) -> OffLoop:
    return request.app.state.portal  # type: ignore[no-any-return]


def _user(request: Request) -> User:
    user = getattr(request.state, "user", None)
    if user is None:
        raise HTTPException(401, "log in first")
    if user.role is UserRole.OPERATOR:  # the hub team acts for no company in the chain
        raise HTTPException(403, "the hub team uses the operations console (/ops)")
    return user  # type: ignore[no-any-return]


def form_key() -> str:
    """A one-time key for one rendered form (the inbox key of what it submits)."""
    return secrets.token_urlsafe(18)


async def containers_page(request: Request, **extra: Any) -> Response:
    """My containers: search, filters, the lights and what I may do next."""
    user = _user(request)
    q, only = request.query_params.get("q", ""), request.query_params.get("only", "")
    only = only if only in portal_views.FILTERS else ""
    party = user.party_id
    rows, company = await _portal(request).read(
        lambda uow, _s, now: (
            portal_views.my_containers(uow, party, now, q, only),
            portal_views.company(uow, party),
        )
    )
    status = 400 if extra.get("error") else 200
    return render(
        request,
        "containers.html",
        status,
        rows=rows,
        q=q,
        only=only,
        key=form_key(),
        company=company,
        **extra,
    )


async def _row(request: Request, user: User, wanted: str) -> portal_views.ContainerRow:
    container = normalise(wanted)
    if problem := container_problem(container):
        raise HTTPException(404, problem)
    party = user.party_id
    row = await _portal(request).read(
        lambda uow, _s, now: portal_views.container_page(uow, party, container, now)
    )
    if row is None:  # not one of my links: the same answer as for a container never seen
        raise HTTPException(404, "no release right visible to you")
    return row


async def container_page(request: Request, answer: ActionAnswer | None = None) -> Response:
    """One container as my company may see it, with the forms of what it may do next."""
    user = _user(request)
    row = await _row(request, user, request.path_params["container"])
    refused = answer is not None and answer.status == portal_actions.REFUSED
    return render(
        request,
        "container.html",
        400 if refused else 200,
        row=row,
        key=form_key(),
        answer=answer,
        error=answer.reason if answer is not None and refused else None,
    )


async def lights_fragment(request: Request) -> Response:
    """The lights and status of one container, polled by the page (live updates)."""
    user = _user(request)
    row = await _row(request, user, request.path_params["container"])
    return render(request, "_lights.html", row=row)


async def _perform(request: Request, user: User, key: str, command: Any) -> ActionAnswer:
    portal = _portal(request).portal
    assert portal.context is not None, "the portal was built without the pipeline's context"
    return await run_in_threadpool(
        portal_actions.perform, portal.uow, portal.context, user, key, command
    )


async def _recipient(request: Request, wanted: str) -> str | Refusal:
    """The one registered company that `wanted` (name, VAT or EORI) names."""
    found = await _portal(request).read(
        lambda uow, _s, _n: portal_views.find_companies(uow, wanted)
    )
    if len(found) == 1:
        return found[0].party_id
    names = ", ".join(f"{p.name} ({p.vat})" for p in found)
    why = f"several companies match {wanted!r}: {names}" if found else ""
    return Refusal(why or f"no registered company matches {wanted!r}", "party-unknown")


async def container_action(request: Request) -> Response:
    """Accept, decline, transfer, revoke a transfer, assign / revoke the pickup; for the
    agent update, block / unblock, revoke, delete."""
    form, user = await checked_form(request), _user(request)
    row = await _row(request, user, request.path_params["container"])
    action, to = text(form, "action"), ""
    if action == "transfer":
        found = await _recipient(request, text(form, "to"))
        if isinstance(found, Refusal):
            answer = ActionAnswer(portal_actions.REFUSED, found.reason)
            return await container_page(request, answer)
        to = found
    ref = str(row.view.get("release_ref", ""))
    command = command_for(action, row.container, ref, form, to)
    if isinstance(command, str):
        return await container_page(request, ActionAnswer(portal_actions.REFUSED, command))
    answer = await _perform(request, user, text(form, "key"), command)
    return await container_page(request, answer)


async def release_submit(request: Request) -> Response:
    """The agent releases a container to a first party (looked up by name / VAT / EORI)."""
    form, user = await checked_form(request), _user(request)
    found = await _recipient(request, text(form, "to"))
    if isinstance(found, Refusal):
        return await containers_page(request, error=found.reason)
    command = release_command(form, found)
    if isinstance(command, str):
        return await containers_page(request, error=command)
    answer = await _perform(request, user, text(form, "key"), command)
    if answer.status == portal_actions.REFUSED:
        return await containers_page(request, error=answer.reason)
    return redirect(f"/containers/{command.container}")


async def tokens_page(request: Request, error: str = "", done: str = "") -> Response:
    """Balance, statement, paired wallet and its movements; buy or upgrade a tier."""
    user = _user(request)
    party = user.party_id
    money = await _portal(request).read(lambda uow, _s, now: portal_views.money(uow, party, now))
    status = 400 if error else 200
    return render(request, "tokens.html", status, money=money, error=error or None, done=done)


async def tokens_buy(request: Request) -> Response:
    """Buy a tier (an upgrade while one runs), paid from the paired wallet."""
    form, user = await checked_form(request), _user(request)
    tier, cause = text(form, "tier"), f"portal {actor_of(user)}"
    party = user.party_id

    def buy(uow: Any, _s: Any, now: Any) -> Done[Any] | Refusal:
        bought = accounts.buy(uow, party, tier, now, cause)
        return bought if isinstance(bought, Refusal) else Done(bought)

    result = await _portal(request).run(buy)
    if isinstance(result, Refusal):
        return await tokens_page(request, error=result.reason)
    return await tokens_page(request, done=tier)


async def lights_page(request: Request) -> Response:
    """A transport operator follows the lights of PIN containers: the ones it subscribes to,
    a look-up by container number, subscribe (one token) or unsubscribe. Nothing of the
    release chain is shown: only the three lights."""
    return await _lights(request, request.query_params.get("container", ""))


async def lights_action(request: Request) -> Response:
    """Subscribe to or unsubscribe from a container's lights, through the pipeline's rules
    (inbox, token, audit with the user, notification), then show the page again."""
    form, user = await checked_form(request), _user(request)
    wanted = text(form, "container")
    command = light_command(text(form, "action"), wanted)
    if isinstance(command, str):
        return await _lights(request, wanted, ActionAnswer(portal_actions.REFUSED, command))
    answer = await _perform(request, user, text(form, "key"), command)
    return await _lights(request, command.container, answer)


async def _lights(request: Request, wanted: str, answer: ActionAnswer | None = None) -> Response:
    party, container = _user(request).party_id, normalise(wanted)
    if answer is None and container and (problem := container_problem(container)):
        answer = ActionAnswer(portal_actions.REFUSED, problem)
    looked = container if container and not container_problem(container) else ""
    mine, view, account = await _portal(request).read(
        lambda uow, _s, now: (
            portal_views.my_subscriptions(uow, party),
            portal_views.subscribed_lights(uow, party, looked) if looked else None,
            accounts.token_account(uow, party, now),
        )
    )
    refused = answer is not None and answer.status == portal_actions.REFUSED
    return render(
        request,
        "lights.html",
        400 if refused else 200,
        mine=mine,
        view=view,
        container=looked or wanted,
        account=account,
        key=form_key(),
        answer=answer,
        error=answer.reason if refused and answer is not None else None,
    )


async def gate_page(request: Request) -> Response:
    """A terminal looks up a container by number and driver identity: may it leave?"""
    user = _user(request)
    container = request.query_params.get("container", "")
    identity = request.query_params.get("identity", "")
    party = user.party_id
    check = None
    if container:
        check = await _portal(request).read(
            lambda uow, _s, now: portal_views.gate_check(uow, party, container, identity, now)
        )
    return render(
        request,
        "gate.html",
        container=container,
        identity=identity,
        check=check,
        looked=bool(container),
    )


ROUTES = [
    Route("/containers", containers_page, methods=["GET"]),
    Route("/containers", release_submit, methods=["POST"]),
    Route("/containers/{container}", container_page, methods=["GET"]),
    Route("/containers/{container}", container_action, methods=["POST"]),
    Route("/containers/{container}/lights", lights_fragment, methods=["GET"]),
    Route("/tokens", tokens_page, methods=["GET"]),
    Route("/tokens", tokens_buy, methods=["POST"]),
    Route("/lights", lights_page, methods=["GET"]),
    Route("/lights", lights_action, methods=["POST"]),
    Route("/gate", gate_page, methods=["GET"]),
]
