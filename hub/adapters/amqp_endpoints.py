"""`HUB_AMQP_URL` naming one RabbitMQ node or several nodes of one cluster.

Several nodes are written as comma-separated URLs, e.g.
``amqp://hub:pw@mq1:5672/hub,amqp://hub:pw@mq2:5672/hub``. pika's `BlockingConnection` takes
the list `parameters` returns and tries the nodes in that order, so every (re)connect of the
transport, the relay, `hub send` and `hub broker setup` lands on the first node that answers:
when the node a process is connected to dies, its next reconnect goes to another one.

Every URL must name the same virtual host and the same user: they are one hub's account on one
cluster, and `hub broker setup` reads both from the first. A comma only separates URLs where it
is followed by a scheme (``amqp://``, ``amqps://``), so a password may hold a comma.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import pika

from hub.errors import ConfigurationError

_SEPARATOR = re.compile(r"\s*,\s*(?=[a-z][a-z0-9+.-]*://)", re.IGNORECASE)
_SCHEMES = ("amqp", "amqps")


def urls(spec: str) -> list[str]:
    """The URLs of `spec`, in order; a clear `ConfigurationError` for an empty spec, a URL
    that is not amqp:// or amqps://, or URLs that disagree on the virtual host or user."""
    found = [u for u in _SEPARATOR.split(spec.strip()) if u]
    if not found:
        raise ConfigurationError("HUB_AMQP_URL names no RabbitMQ node")
    accounts = set()
    for n, url in enumerate(found, 1):
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - a port that is no number raises here
        except ValueError as exc:
            raise ConfigurationError(f"HUB_AMQP_URL node {n}: not a URL ({exc})") from None
        if parts.scheme.lower() not in _SCHEMES or not parts.hostname:
            raise ConfigurationError(
                f"HUB_AMQP_URL node {n} is not amqp://host or amqps://host "
                "(several nodes are separated by commas)"
            )
        accounts.add((vhost(url), unquote(parts.username or "guest")))
    if len(accounts) > 1:
        raise ConfigurationError(
            "HUB_AMQP_URL: every node must name the same user and virtual host "
            "(they are one cluster)"
        )
    return found


def parameters(spec: str, **tuning: Any) -> list[pika.URLParameters]:
    """pika parameters of every node in `spec`, in order; each attribute in `tuning`
    (``heartbeat=30``, ``socket_timeout=3``...) is set on every one of them."""
    found = []
    for url in urls(spec):
        params = pika.URLParameters(url)
        for name, value in tuning.items():
            setattr(params, name, value)
        found.append(params)
    return found


def first(spec: str) -> str:
    """The first node's URL: the one the account (user, virtual host) is read from."""
    return urls(spec)[0]


def vhost(url: str) -> str:
    """The virtual host of one URL (``/`` when it names none)."""
    path = urlsplit(url).path.lstrip("/")
    return unquote(path) or "/"


def with_user(spec: str, user: str, password: str) -> str:
    """`spec` with every node's user and password replaced (a partner's own account on the
    same nodes, in the same order)."""
    account = f"{quote(user, safe='')}:{quote(password, safe='')}"
    rewritten = []
    for url in urls(spec):
        parts = urlsplit(url)
        host = parts.hostname or "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        default = 5671 if parts.scheme.lower() == "amqps" else 5672
        netloc = f"{account}@{host}:{parts.port or default}"
        rewritten.append(urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")))
    return ",".join(rewritten)
