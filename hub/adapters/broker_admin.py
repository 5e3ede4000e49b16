"""Broker users per partner (`hub broker setup`), through `rabbitmqctl`.

Model: each ACTIVE partner connects as its own RabbitMQ user, named
``HUB_BROKER_USER_PREFIX`` + its broker user (the prefix keeps two hubs on one broker apart).
It may write only to the `hub.inbound` exchange, and only with its own party id as routing key
(topic permission); it may read only its own queues (`partner.<id>`, and `terminal.<code>` for
the terminals it operates); it may configure nothing. The broker stamps and checks `user_id` on
every message it publishes, so a partner cannot publish as another.

A partner that is not active (requested, approved, denied, suspended) has no user: setup
deletes it, which also closes its open connections, and forgets its password. A partner whose
identifiers are no plain words (`hub.domain.identifiers`) gets nothing and is reported.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from hub.adapters import amqp_endpoints
from hub.adapters.amqp import declare_partner_queues
from hub.adapters.credentials import read_credentials, write_credentials
from hub.config import Settings
from hub.domain.identifiers import identifier_problems, prefix_problem
from hub.domain.partners import Partner, Status
from hub.errors import BrokerUnavailable, HubError


def _ctl(*args: str, secret: str | None = None) -> str:
    """Run rabbitmqctl; a password goes through standard input, never the command line."""
    try:
        done = subprocess.run(
            ["rabbitmqctl", "-q", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            input=secret,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BrokerUnavailable(f"rabbitmqctl failed: {exc}") from exc
    if done.returncode != 0:
        detail = "" if secret else f": {done.stderr.strip()[:200]}"
        raise BrokerUnavailable(f"rabbitmqctl {args[0]} failed{detail}")
    return done.stdout


def vhost_of(url: str) -> str:
    """The virtual host of `url` (of its first node when it names several)."""
    return amqp_endpoints.vhost(amqp_endpoints.first(url))


def read_queues(p: Partner) -> str:
    names = [f"partner\\.{re.escape(p.party_id)}"]
    names += [f"terminal\\.{re.escape(t)}" for t in p.terminals]
    return "^(" + "|".join(names) + ")$"


def broker_name(settings: Settings, p: Partner) -> str:
    """The RabbitMQ user name of a partner: the hub's prefix and its broker user."""
    return f"{settings.broker_user_prefix}{p.broker_user}"


def setup_partner(p: Partner, user: str, vhost: str, password: str, exists: bool) -> None:
    """Create or update the partner's broker user and its permissions."""
    _ctl("change_password" if exists else "add_user", user, secret=password)
    _ctl("set_permissions", "-p", vhost, user, "^$", "^hub\\.inbound$", read_queues(p))
    topic = f"^{re.escape(p.party_id)}$"
    _ctl("set_topic_permissions", "-p", vhost, user, "hub.inbound", topic, "^$")


def remove_user(user: str) -> None:
    """Delete the user and close whatever connections it still has open."""
    _ctl("delete_user", user)
    _ctl("close_all_user_connections", user, "partner not active")


@dataclass(frozen=True)
class BrokerSetup:
    """What `setup_all` did: users ready (name → password), removed, partners refused."""

    ready: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)


def print_nothing(_line: str) -> None:
    """The default `progress` of `setup_all`: silent."""


def setup_all(
    partners: list[Partner], settings: Settings, progress: Callable[[str], object] = print_nothing
) -> BrokerSetup:
    """Users for the active partners, none for the others; stores the passwords (0600).
    `progress` is told each partner's outcome as it is done (rabbitmqctl takes seconds)."""
    if settings.embedded:
        raise HubError("HUB_AMQP_URL is not set: there is no broker to set up")
    if prefix_problem(settings.broker_user_prefix):
        raise HubError(f"HUB_BROKER_USER_PREFIX: {prefix_problem(settings.broker_user_prefix)}")
    done = BrokerSetup(refused=_refused(partners, settings))
    usable = [p for p in partners if p.party_id not in done.refused]
    existing = {u["user"] for u in json.loads(_ctl("list_users", "--formatter", "json") or "[]")}
    stored = read_credentials(settings.credentials_path())
    for p in (p for p in usable if p.broker_user):
        user = broker_name(settings, p)
        if p.status is Status.ACTIVE:
            done.ready[user] = stored.get(user) or secrets.token_hex(18)
            setup_partner(p, user, vhost_of(settings.amqp_url), done.ready[user], user in existing)
            progress(f"{p.party_id}: broker user {user} {_made(user in existing)}")
        elif user in existing:
            remove_user(user)
            done.removed.append(user)
            progress(f"{p.party_id}: broker user {user} removed (partner {p.status.value})")
        else:
            progress(f"{p.party_id}: no broker user (partner {p.status.value})")
    kept = {u: pw for u, pw in stored.items() if u not in done.removed}
    write_credentials(settings.credentials_path(), kept | done.ready)
    declare_partner_queues(
        settings.amqp_url, [(p.party_id, p.terminals) for p in usable], settings.partitions
    )
    last = settings.partitions - 1
    progress(f"queues declared: hub.inbound.p0..p{last} and {len(usable)} partner queue(s)")
    return done


def _made(existed: bool) -> str:
    return "updated" if existed else "created"


def _refused(partners: list[Partner], settings: Settings) -> dict[str, str]:
    """Partners whose identifiers could become a wildcard or split a routing key, and any
    partner whose user would be the hub's own (never created, changed or deleted here)."""
    hub_user = unquote(urlsplit(amqp_endpoints.first(settings.amqp_url)).username or "guest")
    found = {p.party_id: identifier_problems(p) for p in partners}
    for p in partners:
        if p.broker_user and broker_name(settings, p) == hub_user:
            found[p.party_id].append(f"broker user {hub_user} is the hub's own")
    return {party: "; ".join(problems) for party, problems in found.items() if problems}


def missing_password(settings: Settings, user: str) -> str:
    """Why there is no password for `user`, naming the file looked in and the fix."""
    path = settings.credentials_path()
    where = (
        f"{path} has no password for {user!r}"
        if path.exists()
        else f"no broker password for {user!r}: {path} does not exist"
    )
    return (
        f"{where}. `hub broker setup` writes it there when run with the same HUB_HOME and "
        "HUB_BROKER_CREDENTIALS (a relative path is taken from HUB_HOME, else the working "
        "directory) and the partner active; if it wrote the file elsewhere, set "
        "HUB_BROKER_CREDENTIALS to that file's absolute path. Or give --password-file / "
        "HUB_SEND_PASSWORD."
    )


def partner_url(settings: Settings, user: str, password: str) -> str:
    """The hub's AMQP URL with the partner's own user and password (from the credentials
    file when `password` is ''); every node of a cluster URL, in the same order."""
    secret = password or read_credentials(settings.credentials_path()).get(user)
    if not secret:
        raise HubError(missing_password(settings, user))
    return amqp_endpoints.with_user(settings.amqp_url, user, secret)
