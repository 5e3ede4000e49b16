"""Logging set-up: readable text lines by default, JSON lines for log collectors.

A line about a message carries `message_id`, `sender`, `container` and `outcome` (passed as
`extra`); the JSON format writes those as fields of their own, the text format has them in
its message already.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

FIELDS = ("message_id", "sender", "container", "outcome", "batch_size", "ms")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the message fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            if name in record.__dict__:
                line[name] = record.__dict__[name]
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(level: str, fmt: str = "text") -> None:
    """Root logging at `level`; `fmt` is `text` or `json` (anything else: text)."""
    handler = logging.StreamHandler()
    if fmt.strip().lower() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    logging.getLogger("pika").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
