"""Portal identity in the database: users, web sessions, login attempts, one-time secrets.

`SqlIdentity` implements `hub.service_layer.identity_ports.IdentityStore` on the connection of
a unit of work (`identity_for`), so its writes commit or roll back with the partner changes and
the audit entries of the same command.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from hub.domain.users import User
from hub.ledger.tables import login_attempts, one_time_secrets, users, web_sessions
from hub.ledger.uow import SqlAlchemyUnitOfWork
from hub.service_layer import ports
from hub.service_layer.identity_ports import OneTimeSecret, WebSession


class SqlIdentity:
    """Rows of `users`, `web_sessions`, `login_attempts` and `one_time_secrets`."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def user(self, user_id: str) -> User | None:
        row = self.conn.execute(select(users).where(users.c.id == user_id)).first()
        return _user(row._mapping) if row else None

    def user_by_username(self, username: str) -> User | None:
        row = self.conn.execute(select(users).where(users.c.username == username)).first()
        return _user(row._mapping) if row else None

    def users_of(self, party_id: str) -> list[User]:
        query = select(users).where(users.c.party_id == party_id).order_by(users.c.created_at)
        return [_user(r._mapping) for r in self.conn.execute(query)]

    def save_user(self, user: User) -> None:
        values = {
            "party_id": user.party_id,
            "email": user.email,
            "username": user.username or None,
            "password_hash": user.password_hash,
            "role": user.role.value,
            "state": user.state.value,
            "language": user.language,
            "second_factor": user.second_factor.value,
            "totp_secret": user.totp_secret,
            "totp_last_step": user.totp_last_step,
            "created_at": user.created_at,
            "first_login_at": user.first_login_at,
        }
        done = self.conn.execute(update(users).where(users.c.id == user.id).values(**values))
        if done.rowcount == 0:
            self.conn.execute(insert(users).values(id=user.id, **values))

    def add_secret(self, secret: OneTimeSecret) -> None:
        self.conn.execute(insert(one_time_secrets).values(**secret.__dict__))

    def secret(self, token_hash: str) -> OneTimeSecret | None:
        query = select(one_time_secrets).where(one_time_secrets.c.token_hash == token_hash)
        row = self.conn.execute(query).first()
        return OneTimeSecret(**row._mapping) if row else None

    def use_secret(self, token_hash: str, at: datetime) -> None:
        self.conn.execute(
            update(one_time_secrets)
            .where(one_time_secrets.c.token_hash == token_hash)
            .values(used_at=at)
        )

    def add_session(self, session: WebSession) -> None:
        self.conn.execute(insert(web_sessions).values(**session.__dict__))

    def session(self, token_hash: str) -> WebSession | None:
        query = select(web_sessions).where(web_sessions.c.token_hash == token_hash)
        row = self.conn.execute(query).first()
        return WebSession(**row._mapping) if row else None

    def end_sessions(self, user_id: str, at: datetime, token_hash: str = "") -> None:
        where = and_(web_sessions.c.user_id == user_id, web_sessions.c.ended_at.is_(None))
        if token_hash:
            where = and_(where, web_sessions.c.token_hash == token_hash)
        self.conn.execute(update(web_sessions).where(where).values(ended_at=at))

    def record_attempt(self, username: str, client: str, ok: bool, at: datetime) -> None:
        row = {"username": username[:64], "client": client[:64], "at": at, "ok": int(ok)}
        self.conn.execute(insert(login_attempts).values(**row))

    def failures(self, since: datetime, username: str = "", client: str = "") -> list[datetime]:
        query = select(login_attempts.c.at).where(
            login_attempts.c.at >= since, login_attempts.c.ok == 0
        )
        if username:
            query = query.where(login_attempts.c.username == username[:64])
        if client:
            query = query.where(login_attempts.c.client == client[:64])
        return [r.at for r in self.conn.execute(query)]


def _user(row: Any) -> User:
    return User(
        id=row["id"],
        party_id=row["party_id"],
        email=row["email"],
        role=row["role"],
        state=row["state"],
        username=row["username"] or "",
        password_hash=row["password_hash"],
        language=row["language"],
        second_factor=row["second_factor"],
        totp_secret=row["totp_secret"],
        totp_last_step=row["totp_last_step"],
        created_at=row["created_at"],
        first_login_at=row["first_login_at"],
    )


def identity_for(uow: ports.UnitOfWork) -> SqlIdentity:
    """The identity store on the connection of an open SQLAlchemy unit of work."""
    if not isinstance(uow, SqlAlchemyUnitOfWork):
        raise TypeError(f"no identity store for {type(uow).__name__}")
    return SqlIdentity(uow.connection)
