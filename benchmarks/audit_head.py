"""The audit chain's head as a serialisation point: N processes commit audit entries as fast
as they can against PostgreSQL, each commit appending `--entries` entries (a batch's worth)
under the one `audit_head` row lock (`hub.ledger.audit.SqlAudit.flush`).

Per run it prints entries/s and commits/s over all processes, the time each commit waited for
the head lock (mean, p95), and how long it held it (lock granted → commit returned: the part
of every commit that no other process can overlap). Then `hub audit verify`'s walk checks the
chain the processes wrote together. Run (a fresh database is made and dropped):

    python benchmarks/audit_head.py --processes 1 2 4 --seconds 10

`--stuck S`: a hub session takes the head lock 2 s into each run and then goes silent for S
seconds (a client cut off mid-transaction); the longest stretch with no commit by any process
is printed. `--waits session` leaves out the audit head's own idle limit
(`DbWaits.head_idle_timeout`), `--waits off` every session limit (the server's defaults, as
before issue 17).
"""

from __future__ import annotations

import argparse
import collections
import itertools
import multiprocessing
import statistics
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, text

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def waits_of(mode: str) -> Any:
    """`all`: the hub's defaults; `session`: without the audit head's own idle limit; `off`:
    none of the session limits (the server's defaults, as before issue 17)."""
    from hub.ledger.db import DbWaits

    if mode == "all":
        return DbWaits()
    if mode == "session":
        return DbWaits(head_idle_timeout=0)
    return DbWaits(
        statement_timeout=0,
        lock_timeout=0,
        idle_in_transaction_timeout=0,
        idle_session_timeout=0,
        head_idle_timeout=0,
    )


def worker(
    url: str, seconds: float, entries: int, waits: str, ready: Any, start: Any, out: Any
) -> None:
    from hub.errors import DatabaseUnavailable
    from hub.ledger import audit as audit_module
    from hub.ledger.db import Database
    from hub.service_layer.ports import AuditEntry

    timings: dict[str, float] = {}
    real = audit_module.SqlAudit._lock_head

    def timed_lock(self: Any) -> tuple[int, str]:
        began = time.perf_counter()
        head = real(self)
        timings["granted"] = time.perf_counter()
        timings["waited"] = timings["granted"] - began
        return head

    audit_module.SqlAudit._lock_head = timed_lock  # type: ignore[method-assign]
    db = Database(url, waits_of(waits))
    lock_waits: list[float] = []
    holds: list[float] = []
    stamps: list[float] = []
    failed: list[str] = []
    with db.uow():  # connected before the clock starts
        pass
    ready.put(True)
    start.wait()
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with db.uow() as uow:
                now = datetime.now(UTC)
                for i in range(entries):
                    uow.audit.append(
                        AuditEntry(now, "bench", "received", "MSCU1234565", f"b/{i}", {"i": i})
                    )
                uow.commit()
        except DatabaseUnavailable as exc:  # the hub's worker retries the batch
            failed.append(str(exc)[:80])
            continue
        holds.append(time.perf_counter() - timings["granted"])
        lock_waits.append(timings["waited"])
        stamps.append(time.time())
    db.dispose()
    out.put((len(stamps), lock_waits, holds, stamps, failed))


def stuck_session(url: str, waits: str, after: float, silent: float) -> None:
    """Take the head lock as a hub commit does, then stay silent in the transaction."""
    from hub.ledger.audit import SqlAudit
    from hub.ledger.db import Database

    time.sleep(after)
    db = Database(url, waits_of(waits))
    began = time.time()
    try:
        with db.connect() as conn:
            conn.begin()
            SqlAudit(conn)._lock_head()
            held = time.time()
            time.sleep(silent)
            conn.rollback()
        print(f"  stuck session: held the head for {time.time() - held:.1f} s", flush=True)
    except Exception as exc:  # the server ended it (idle in transaction)
        print(f"  stuck session ended after {time.time() - began:.1f} s: {exc!s:.90}", flush=True)
    db.dispose()


def run(
    url: str, processes: int, seconds: float, entries: int, waits: str, stuck: float
) -> dict[str, float]:
    ctx = multiprocessing.get_context("spawn")
    ready, start, out = ctx.Queue(), ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=worker, args=(url, seconds, entries, waits, ready, start, out))
        for _ in range(processes)
    ]
    for p in procs:
        p.start()
    for _ in procs:  # every process imported and connected
        ready.get(timeout=120)
    start.set()
    if stuck:
        threading.Thread(target=stuck_session, args=(url, waits, 2.0, stuck), daemon=True).start()
    results = [out.get(timeout=seconds + stuck + 60) for _ in procs]
    for p in procs:
        p.join()
    stamps = sorted(t for r in results for t in r[3])
    gaps = [b - a for a, b in itertools.pairwise(stamps)] or [0.0]
    for reason, n in collections.Counter(f for r in results for f in r[4]).items():
        print(f"  retried {n}x: {reason}", flush=True)
    commits = sum(r[0] for r in results)
    lock_waits = sorted(w for r in results for w in r[1])
    holds = sorted(h for r in results for h in r[2])
    return {
        "processes": processes,
        "entries_per_s": commits * entries / seconds,
        "commits_per_s": commits / seconds,
        "wait_mean_ms": 1000 * statistics.fmean(lock_waits),
        "wait_p95_ms": 1000 * lock_waits[int(0.95 * (len(lock_waits) - 1))],
        "hold_mean_ms": 1000 * statistics.fmean(holds),
        "hold_p95_ms": 1000 * holds[int(0.95 * (len(holds) - 1))],
        "longest_stop_s": max(gaps),
        "retried": sum(len(r[4]) for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--entries", type=int, default=10, help="audit entries per commit")
    parser.add_argument("--stuck", type=float, default=0.0, help="seconds a session sits on it")
    parser.add_argument("--waits", choices=["all", "session", "off"], default="all")
    args = parser.parse_args()

    from hub.ledger import audit as audit_module
    from hub.ledger.db import Database

    name = f"hub_audit_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        db = Database(url)
        db.upgrade()
        for n in args.processes:
            r = run(url, n, args.seconds, args.entries, args.waits, args.stuck)
            print(
                f"{r['processes']} process(es): {r['entries_per_s']:7.0f} entries/s "
                f"{r['commits_per_s']:6.0f} commits/s; head lock wait mean "
                f"{r['wait_mean_ms']:.2f} ms p95 {r['wait_p95_ms']:.2f} ms; held mean "
                f"{r['hold_mean_ms']:.2f} ms p95 {r['hold_p95_ms']:.2f} ms; longest stop "
                f"{r['longest_stop_s']:.1f} s; retried {r['retried']:.0f}",
                flush=True,
            )
        with db.connect() as conn:
            breaks = audit_module.verify(conn)
        print(f"chain verified: {len(breaks)} break(s)")
        db.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


if __name__ == "__main__":
    main()
