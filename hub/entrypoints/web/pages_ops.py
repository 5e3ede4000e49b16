"""The operations console (/ops), for the hub team only (`operations.is_operator`): the
quarantine (filter, show, replay one, replay all that match a batch at a time), pending
registrations and role requests, a container's timeline and what was sent recently. Every
handler checks the operator first (403 for anyone else) and makes one call to
`hub.service_layer.operations`."""

from __future__ import annotations

from datetime import UTC, datetime, time
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.domain.refusals import Refusal
from hub.domain.users import User
from hub.entrypoints.web.offloop import OffLoop
from hub.entrypoints.web.security import checked_form, redirect, render, text
from hub.service_layer import operations
from hub.service_layer.observe import Live
from hub.service_layer.pipeline import HubContext
from hub.service_layer.ports import QuarantineFilter, QuarantineKind

FIELDS = ("kind", "sender", "text", "since", "until")


def _portal(request: Request) -> OffLoop:
    return request.app.state.portal  # type: ignore[no-any-return]


def _context(request: Request) -> HubContext:
    context = _portal(request).portal.context
    assert context is not None, "the console needs the pipeline's context (build_portal)"
    return context


def _operator(request: Request) -> User:
    """The signed-in operator; 403 for anyone else (signed in or not)."""
    user = getattr(request.state, "user", None)
    if not operations.is_operator(user):
        raise HTTPException(403, "the operations console is for the hub team only")
    assert user is not None
    return user  # type: ignore[no-any-return]


def _date(value: str, end: bool) -> datetime | None:
    try:
        day = datetime.strptime(value.strip(), "%Y-%m-%d").date() if value.strip() else None
    except ValueError:
        return None
    return datetime.combine(day, time.max if end else time.min, UTC) if day else None


def _filter(given: FormData | QueryParams) -> tuple[QuarantineFilter, dict[str, str]]:
    raw = {k: str(given.get(k, "") or "").strip()[:200] for k in FIELDS}
    query = QuarantineFilter(
        kind=raw["kind"] if raw["kind"] in {k.value for k in QuarantineKind} else "",
        sender=raw["sender"],
        text=raw["text"],
        since=_date(raw["since"], end=False),
        until=_date(raw["until"], end=True),
        upto=_count(str(given.get("upto", "") or "")),
    )
    return query, raw


async def overview(request: Request) -> Response:
    """Counts: held quarantine by kind, decisions waiting, the audit chain and its checkpoint."""
    _operator(request)
    view = await _portal(request).read(lambda uow, _s, _n: operations.overview(uow))
    return render(request, "ops_overview.html", view=view, live=await _live(request))


async def live_page(request: Request) -> Response:
    """The live overview alone (the overview page polls it): rates, latency, backlog, queues,
    health."""
    _operator(request)
    return render(request, "_ops_live.html", live=await _live(request))


async def _live(request: Request) -> Live | None:
    read = getattr(request.app.state, "live", None)
    return await run_in_threadpool(read) if read is not None else None


async def quarantine_page(request: Request) -> Response:
    """Held entries that match the filter in the query string, a page at a time (`after`:
    the last id of the previous page)."""
    _operator(request)
    query, raw = _filter(request.query_params)
    after = _count(request.query_params.get("after", ""))
    page = await _portal(request).read(lambda uow, _s, _n: operations.held(uow, query, after))
    kinds = [k.value for k in QuarantineKind]
    more = urlencode({**raw, "after": page.after}) if page.after else ""
    first = urlencode(raw) if after else ""
    return render(
        request, "ops_quarantine.html", page=page, raw=raw, kinds=kinds, more=more, first=first
    )


async def entry_page(request: Request) -> Response:
    """One entry: reason, problems and the payload (bounded, escaped by the template)."""
    _operator(request)
    entry_id = int(request.path_params["entry_id"])
    view = await _portal(request).read(lambda uow, _s, _n: operations.entry_view(uow, entry_id))
    if view is None:
        raise HTTPException(404, f"no quarantine entry {entry_id}")
    return render(request, "ops_entry.html", view=view)


async def replay_one(request: Request) -> Response:
    """Replay one entry, then show it (replayed, or why not)."""
    user = _operator(request)
    await checked_form(request)
    entry_id, context = int(request.path_params["entry_id"]), _context(request)
    result = await _portal(request).run(
        lambda uow, _s, now: operations.replay_one(uow, context, user, entry_id, now)
    )
    if isinstance(result, Refusal):
        view = await _portal(request).read(lambda uow, _s, _n: operations.entry_view(uow, entry_id))
        return render(request, "ops_entry.html", 400, view=view, error=result.reason)
    return redirect(f"/ops/quarantine/{entry_id}?replayed={result.status}")


async def replay_all(request: Request) -> Response:
    """Replay one batch of the entries that match the posted filter; the page shows the
    progress (done of total) and a button for the next batch until none is left."""
    user = _operator(request)
    form = await checked_form(request)
    query, raw = _filter(form)
    context = _context(request)
    result = await _portal(request).run(
        lambda uow, _s, now: operations.replay_matching(uow, context, user, query, now)
    )
    if isinstance(result, Refusal):
        raise HTTPException(403, result.reason)
    done = _count(text(form, "done")) + result.done
    total = max(_count(text(form, "total")), done + result.left)
    again = _count(text(form, "again")) + result.again
    progress = {"done": done, "total": total, "again": again, "left": result.left}
    progress["upto"] = result.upto
    return render(request, "ops_replay.html", raw=raw, progress=progress, back=urlencode(raw))


def _count(value: str) -> int:
    return int(value) if value.isdigit() else 0


async def partners_page(request: Request) -> Response:
    """Registrations and role requests waiting for a decision, and every partner."""
    _operator(request)
    waiting, asking = await _portal(request).read(lambda uow, _s, _n: operations.pending(uow))
    everyone = await _portal(request).read(lambda uow, _s, _n: uow.partners.all())
    return render(request, "ops_partners.html", waiting=waiting, asking=asking, everyone=everyone)


async def decide_submit(request: Request) -> Response:
    """Approve or deny a registration or a role request (the company's admin is mailed)."""
    user = _operator(request)
    form = await checked_form(request)
    party, decision, reason = text(form, "party"), text(form, "decision"), text(form, "reason")
    portal = _portal(request)
    result = await portal.run(
        lambda uow, store, now: operations.decide(
            uow, store, user, party, decision, reason, now, portal.base_url
        )
    )
    if isinstance(result, Refusal):
        waiting, asking = await portal.read(lambda uow, _s, _n: operations.pending(uow))
        everyone = await portal.read(lambda uow, _s, _n: uow.partners.all())
        return render(
            request,
            "ops_partners.html",
            400,
            waiting=waiting,
            asking=asking,
            everyone=everyone,
            error=result.reason,
        )
    return redirect("/ops/partners")


async def timeline_page(request: Request) -> Response:
    """A container's audit trail: every message, decision, light and gate message."""
    _operator(request)
    container = request.query_params.get("container", "").strip()[:20]
    rows = (
        await _portal(request).read(lambda uow, _s, _n: operations.timeline(uow, container))
        if container
        else []
    )
    return render(request, "ops_timeline.html", container=container, rows=rows)


async def sent_page(request: Request) -> Response:
    """The last messages written for a routing key (a partner or a terminal), with previews."""
    _operator(request)
    key = request.query_params.get("to", "").strip()[:128]
    rows = await _portal(request).read(lambda uow, _s, _n: operations.sent(uow, key))
    return render(request, "ops_sent.html", to=key, rows=rows)


ROUTES = [
    Route("/ops", overview, methods=["GET"]),
    Route("/ops/live", live_page, methods=["GET"]),
    Route("/ops/quarantine", quarantine_page, methods=["GET"]),
    Route("/ops/quarantine/replay", replay_all, methods=["POST"]),
    Route("/ops/quarantine/{entry_id:int}", entry_page, methods=["GET"]),
    Route("/ops/quarantine/{entry_id:int}/replay", replay_one, methods=["POST"]),
    Route("/ops/partners", partners_page, methods=["GET"]),
    Route("/ops/partners", decide_submit, methods=["POST"]),
    Route("/ops/timeline", timeline_page, methods=["GET"]),
    Route("/ops/sent", sent_page, methods=["GET"]),
]
"""Every console URL (the 403 test walks them all)."""
