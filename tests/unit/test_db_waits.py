"""The bounded waits on PostgreSQL as the hub configures them (`DbWaits`), and what their
errors mean to the worker (`uow.classify`). The real server's side: integration/test_db_waits_pg."""

from __future__ import annotations

from sqlalchemy.exc import InternalError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from hub.bootstrap import db_waits
from hub.config import Settings
from hub.errors import ConcurrencyConflict, DatabaseUnavailable
from hub.ledger.db import DbWaits
from hub.ledger.uow import classify


class _DriverError(Exception):
    def __init__(self, sqlstate: str, text: str) -> None:
        super().__init__(text)
        self.sqlstate = sqlstate


def test_every_setting_reaches_the_connection() -> None:
    waits = db_waits(
        Settings.from_env({"HUB_DB_LOCK_TIMEOUT": "2.5", "HUB_DB_KEEPALIVES_IDLE": "7"})
    )
    args = waits.connect_args("-c search_path=hub")
    assert args["options"].startswith("-c search_path=hub -c statement_timeout=30000 ")
    assert "-c lock_timeout=2500 " in args["options"]
    assert "-c idle_in_transaction_session_timeout=10000 " in args["options"]
    assert "-c tcp_keepalives_idle=7 " in args["options"]
    assert args["keepalives"] == 1 and args["keepalives_idle"] == 7
    assert args["tcp_user_timeout"] == 10_000 and args["connect_timeout"] == 10


def test_the_head_limit_shortens_the_idle_limit_and_never_lengthens_it() -> None:
    assert DbWaits().head_idle_ms() == 3_000
    assert DbWaits(idle_in_transaction_timeout=1.0).head_idle_ms() == 1_000
    assert DbWaits(idle_in_transaction_timeout=0).head_idle_ms() == 3_000
    assert DbWaits(head_idle_timeout=0).head_idle_ms() == 0


def test_what_the_limits_raise_is_retried_not_quarantined() -> None:
    cases = {
        "57014": "canceling statement due to statement timeout",
        "55P03": "canceling statement due to lock timeout",
        "25P03": "terminating connection due to idle-in-transaction timeout",
        "57P05": "terminating connection due to idle-session timeout",
    }
    for state, text in cases.items():
        error = InternalError("SELECT 1", {}, _DriverError(state, text))
        meaning = classify(error)
        assert isinstance(meaning, DatabaseUnavailable), state
        assert not isinstance(meaning, ConcurrencyConflict), state
    lost = OperationalError("COMMIT", {}, _DriverError("", "server closed the connection"))
    assert isinstance(classify(lost), DatabaseUnavailable)
    busy = PoolTimeout("QueuePool limit of size 5 overflow 10 reached")
    assert isinstance(classify(busy), DatabaseUnavailable)
