"""Datetimes as PocketBase writes them: UTC text `YYYY-MM-DD HH:MM:SS.sssZ`, comparable as strings."""

from __future__ import annotations

import time
from datetime import datetime, timezone

FORMAT_HINT = "YYYY-MM-DD HH:MM:SS.sssZ"


def now() -> datetime:
    return datetime.now(timezone.utc)


def format_datetime(value: datetime) -> str:
    if value.tzinfo is not None and value.tzinfo is not timezone.utc:
        value = value.astimezone(timezone.utc)
    # %-formatting: strftime took several microseconds, and every write and log entry formats a few
    return "%04d-%02d-%02d %02d:%02d:%02d.%03dZ" % (
        value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond // 1000
    )


def now_text() -> str:
    """The current time as PocketBase writes it; formatted once per millisecond (every write and request
    log entry asks, often several in the same millisecond)."""
    millis = time.time_ns() // 1_000_000
    cached = _last_now_text
    if cached[0] != millis:
        cached = _remember_now_text(millis)
    return cached[1]


_last_now_text: tuple[int, str] = (-1, "")


def _remember_now_text(millis: int) -> tuple[int, str]:
    global _last_now_text
    _last_now_text = (millis, format_datetime(datetime.fromtimestamp(millis // 1000, timezone.utc).replace(microsecond=millis % 1000 * 1000)))
    return _last_now_text


def parse_datetime(value: str) -> datetime:
    """Parse the formats PocketBase accepts (space or `T`, optional fraction and zone); raise ValueError."""
    text = value.strip()
    if not text:
        raise ValueError("empty datetime")
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    text = text.replace(" ", "T", 1) if len(text) > 10 and text[10] == " " else text
    parsed = datetime.fromisoformat(text)
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def normalize_datetime(value: str) -> str:
    return format_datetime(parse_datetime(value))
