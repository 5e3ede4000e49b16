"""Broker users per partner (`hub broker setup`), through `rabbitmqctl`.

Model: each partner connects as its own RabbitMQ user. It may write only to the `hub.inbound`
exchange, and only with its own party id as routing key (topic permission); it may read only
its own queues (`partner.<id>`, and `terminal.<code>` for the terminals it operates); it may
configure nothing. The broker stamps and checks `user_id` on every message it publishes, so
a partner cannot publish as another.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from hub.adapters.amqp import declare_partner_queues
from hub.config import Settings
from hub.domain.partners import Partner
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
    path = urlsplit(url).path.lstrip("/")
    return path.replace("%2F", "/").replace("%2f", "/") or "/"


def read_queues(p: Partner) -> str:
    names = [f"partner\\.{re.escape(p.party_id)}"]
    names += [f"terminal\\.{re.escape(t)}" for t in p.terminals]
    return "^(" + "|".join(names) + ")$"


def setup_partner(p: Partner, vhost: str, password: str) -> None:
    """Create or update the partner's broker user and its permissions."""
    users = _ctl("list_users", "--formatter", "json")
    if p.broker_user not in {u["user"] for u in json.loads(users or "[]")}:
        _ctl("add_user", p.broker_user, secret=password)
    else:
        _ctl("change_password", p.broker_user, secret=password)
    _ctl("set_permissions", "-p", vhost, p.broker_user, "^$", "^hub\\.inbound$", read_queues(p))
    _ctl(
        "set_topic_permissions",
        "-p",
        vhost,
        p.broker_user,
        "hub.inbound",
        f"^{re.escape(p.party_id)}$",
        "^$",
    )


def setup_all(partners: list[Partner], settings: Settings) -> dict[str, str]:
    """Users for every partner with a broker user; returns and stores their passwords."""
    if settings.embedded:
        raise HubError("HUB_AMQP_URL is not set: there is no broker to set up")
    vhost = vhost_of(settings.amqp_url)
    stored = read_credentials(settings.credentials_path())
    for p in partners:
        if p.broker_user:
            stored[p.broker_user] = stored.get(p.broker_user) or secrets.token_hex(18)
            setup_partner(p, vhost, stored[p.broker_user])
    write_credentials(settings.credentials_path(), stored)
    declare_partner_queues(settings.amqp_url, [(p.party_id, p.terminals) for p in partners])
    return stored


def read_credentials(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    data: dict[str, str] = json.loads(path.read_text())
    return data


def write_credentials(path: Path, creds: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(json.dumps(creds, indent=2, sort_keys=True))


def partner_url(settings: Settings, user: str, password: str | None) -> str:
    """The hub's AMQP URL with the partner's own user and password."""
    secret = password or read_credentials(settings.credentials_path()).get(user)
    if not secret:
        raise HubError(f"no broker password for {user!r}: run `hub broker setup` first")
    parts = urlsplit(settings.amqp_url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{quote(user, safe='')}:{quote(secret, safe='')}@{host}:{parts.port or 5672}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
