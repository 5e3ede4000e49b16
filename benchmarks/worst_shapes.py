"""The benchmark's worst-shape section (issue 13): every adversarial shape of
`benchmarks.shapes` at 10 MB (XML at just under its 1 MB limit) through `read_units`, each in
a fresh process, with its time (wall and CPU), its peak extra memory (the larger of the
`tracemalloc` peak and the growth of `ru_maxrss`) and what became of it (read, or rejected and
why); then the largest payloads the limits let through (5,000 messages, 25,000 containers)
through the whole pipeline on SQLite, as `hub run` would process them.

Target: any 10 MB input parsed or rejected in ≤ 2 s and ≤ 10x its size in extra memory. The
machine is shared, so CPU seconds are reported beside wall seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TIME_BUDGET_S = 2.0
MEMORY_BUDGET = 10.0

_CHILD = r"""
import gc, json, resource, sys, time, tracemalloc
sys.path.insert(0, sys.argv[1])
from benchmarks.shapes import make
from hub.errors import PermanentError
from hub.service_layer.intake import read_units

def run(payload):
    try:
        units = read_units(payload)
    except PermanentError as error:
        first = error.problems[0] if error.problems else None
        return "rejected: " + (str(first) if first else error.reason)
    messages = [m for u in units for m in u.messages]
    commands = sum(len(m.commands) for m in messages)
    return f"read: {len(units)} unit(s), {len(messages)} message(s), {commands} command(s)"

def kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

size = int(sys.argv[2])
run(make("many_messages", 20_000))  # imports and caches warm
for name in sys.argv[3:]:
    payload = make(name, size)
    gc.collect()
    before = kb()
    wall, cpu = time.perf_counter(), time.process_time()
    outcome = run(payload)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rss = (kb() - before) * 1024
    tracemalloc.start()
    run(payload)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(json.dumps({"shape": name, "bytes": len(payload), "wall_s": wall, "cpu_s": cpu,
                      "maxrss_delta_bytes": rss, "tracemalloc_peak_bytes": peak,
                      "outcome": outcome[:240]}), flush=True)
"""

_PIPELINE_CHILD = r"""
import json, resource, sys, tempfile, time
sys.path.insert(0, sys.argv[1])
from datetime import UTC, datetime
from pathlib import Path
from benchmarks.shapes import _coreor, _interchange, EQD, coreor_messages
from benchmarks.workload import containers
from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import build
from hub.config import Settings
from hub.entrypoints.partners_file import load_partners_file

kind, count = sys.argv[2], int(sys.argv[3])
if kind == "messages":
    payload = coreor_messages(count)
else:
    payload = _interchange(_coreor("1", [EQD.format(c) for c in containers(count)]))
transport = InProcessTransport()
with tempfile.TemporaryDirectory() as tmp:
    hub = build(Settings(database_url=f"sqlite:///{tmp}/hub.db"), transport=transport,
                clock=lambda: datetime(2026, 11, 23, 8, tzinfo=UTC))
    with hub.uow() as uow:
        for partner in load_partners_file(Path(sys.argv[1]) / "samples" / "partners.yaml"):
            uow.partners.save(partner)
        uow.commit()
    other = EQD.format(containers(1, start=9_000_000)[0])  # not one of the payload's
    transport.put(_interchange(_coreor("1", [other])).replace(b"IC1", b"WARM1"), "mscbe", "w")
    hub.worker.drain()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall, cpu = time.perf_counter(), time.process_time()
    transport.put(payload, "mscbe", "big")
    hub.worker.drain()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
    stats = hub.worker.stats
    print(json.dumps({"kind": kind, "count": count, "bytes": len(payload), "wall_s": wall,
                      "cpu_s": cpu, "maxrss_delta_bytes": rss,
                      "published": len(transport.log), "rejected": stats.rejected}))
    hub.close()
"""


def _python(script: str, *args: str, timeout: float = 900) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-c", script, str(REPO), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def measure(size: int, names: list[str], fresh_process: bool = True) -> dict[str, Any]:
    """Every shape in `names` at `size` bytes; each in its own process when `fresh_process`
    (so that `ru_maxrss` growth is its own), else all in one (quick mode)."""
    groups = [[n] for n in names] if fresh_process else [names]
    rows = [_row(r) for group in groups for r in _python(_CHILD, str(size), *group)]
    by_time = max(rows, key=lambda r: r["wall_s"])
    by_cpu = max(rows, key=lambda r: r["cpu_s"])
    by_memory = max(rows, key=lambda r: r["extra_memory_ratio"])
    return {
        "size": size,
        "shapes": rows,
        "worst_time": {k: by_time[k] for k in ("shape", "wall_s", "cpu_s", "bytes")},
        "worst_cpu": {k: by_cpu[k] for k in ("shape", "wall_s", "cpu_s", "bytes")},
        "worst_memory": {
            k: by_memory[k] for k in ("shape", "extra_memory_bytes", "extra_memory_ratio", "bytes")
        },
    }


def _row(r: dict[str, Any]) -> dict[str, Any]:
    extra = max(r["maxrss_delta_bytes"], r["tracemalloc_peak_bytes"])
    return {
        **r,
        "wall_s": round(r["wall_s"], 3),
        "cpu_s": round(r["cpu_s"], 3),
        "extra_memory_bytes": extra,
        "extra_memory_ratio": round(extra / r["bytes"], 2),
    }


def measure_pipeline(messages: int, containers: int) -> list[dict[str, Any]]:
    """The largest interchanges the limits let through, through the pipeline on SQLite."""
    found = []
    for kind, count in (("messages", messages), ("containers", containers)):
        (row,) = _python(_PIPELINE_CHILD, kind, str(count))
        found.append({**row, "wall_s": round(row["wall_s"], 2), "cpu_s": round(row["cpu_s"], 2)})
    return found


def table(section: dict[str, Any], pipeline: list[dict[str, Any]]) -> str:
    """Markdown: one row per shape, the worst ones, then the pipeline runs."""
    lines = [
        f"| worst shapes at {section['size'] / 1e6:.0f} MB (XML ≤ 1 MB) | bytes | wall / CPU s"
        " | extra memory | outcome |",
        "|---|---:|---:|---:|---|",
    ]
    for r in section["shapes"]:
        lines.append(
            f"| {r['shape']} | {r['bytes']:,} | {r['wall_s']:.2f} / {r['cpu_s']:.2f} | "
            f"{r['extra_memory_bytes'] / 1e6:.1f} MB ({r['extra_memory_ratio']:.1f}x) | "
            f"{r['outcome'][:90]} |"
        )
    t, c, m = section["worst_time"], section["worst_cpu"], section["worst_memory"]
    lines += [
        "",
        f"Worst time: **{t['shape']}** {t['wall_s']:.2f} s wall, {t['cpu_s']:.2f} s CPU; "
        f"most CPU: **{c['shape']}** {c['cpu_s']:.2f} s (budget {TIME_BUDGET_S:.0f} s). "
        f"Worst memory: **{m['shape']}** "
        f"{m['extra_memory_bytes'] / 1e6:.1f} MB, {m['extra_memory_ratio']:.1f}x its size "
        f"(budget {MEMORY_BUDGET:.0f}x).",
        "",
        "| through the pipeline (SQLite) | bytes | wall / CPU s | ru_maxrss growth | outbound |",
        "|---|---:|---:|---:|---:|",
    ]
    for p in pipeline:
        lines.append(
            f"| one interchange of {p['count']:,} {p['kind']} | {p['bytes']:,} | "
            f"{p['wall_s']:.2f} / {p['cpu_s']:.2f} | {p['maxrss_delta_bytes'] / 1e6:.0f} MB | "
            f"{p['published']:,} |"
        )
    return "\n".join(lines)
