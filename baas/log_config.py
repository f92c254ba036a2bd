"""Process logging for `baas serve`: human-readable text or one JSON object per line.

The same `dictConfig` dict configures the CLI process and gunicorn (its `logconfig_dict`), so gunicorn's
own messages and the app's come out in one format on stderr. JSON lines suit log shippers.
"""

from __future__ import annotations

import logging
import logging.config
from datetime import UTC, datetime

import orjson

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, pid, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


def dict_config(log_format: str = "text", level: str = "INFO") -> dict:
    if log_format not in FORMATS:
        raise ValueError(f"unknown log format {log_format!r} (expected one of {', '.join(FORMATS)})")
    formatter = {"()": JsonFormatter} if log_format == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"baas": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "baas", "stream": "ext://sys.stderr"}},
        "root": {"level": level, "handlers": ["stderr"]},
        # gunicorn attaches handlers of its own; clearing them sends its records through ours. No access
        # log: one line per request (and per SSE reconnect) is noise; request logs belong to the logs service
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": True},
        },
    }


def configure(log_format: str = "text", level: str = "INFO") -> dict:
    config = dict_config(log_format, level)
    logging.config.dictConfig(config)
    return config
