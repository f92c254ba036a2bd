"""The `fields=` query parameter: which keys of the output to keep, with `:excerpt(n, ellipsis)`.

`fields=id,title,expand.author.name,body:excerpt(200,true)`; `*` keeps everything at its level.
"""

from __future__ import annotations

import html
import re
from typing import Any

from ... import errors

_EXCERPT = re.compile(r"^(?P<name>[\w*]+):excerpt\(\s*(?P<length>\d+)\s*(?:,\s*(?P<ellipsis>true|false|1|0|t|f)\s*)?\)$", re.I)
_TAGS = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


class Projection:
    """A tree of kept keys; a leaf may carry an excerpt modifier (length, ellipsis)."""

    def __init__(self) -> None:
        self.children: dict[str, Projection] = {}
        self.excerpt: tuple[int, bool] | None = None

    @classmethod
    def parse(cls, text: str) -> "Projection | None":
        if not text.strip():
            return None
        root = cls()
        for raw in _split_top_level(text):
            raw = raw.strip()
            if not raw:
                continue
            node = root
            parts = raw.split(".")
            for index, part in enumerate(parts):
                excerpt = None
                if ":" in part:
                    match = _EXCERPT.match(part) if index == len(parts) - 1 else None
                    if not match:
                        raise errors.bad_request()
                    part = match.group("name")
                    excerpt = (int(match.group("length")), (match.group("ellipsis") or "false").lower() in ("true", "1", "t"))
                node = node.children.setdefault(part, cls())
                if excerpt:
                    node.excerpt = excerpt
        return root

    def apply(self, data: Any) -> Any:
        if isinstance(data, list):
            return [self.apply(item) for item in data]
        if not isinstance(data, dict) or not self.children:
            return data
        out: dict[str, Any] = {}
        wildcard = self.children.get("*")
        for key, value in data.items():
            node = self.children.get(key, wildcard)
            if node is None:
                continue
            out[key] = node._leaf(value)
        return out

    def _leaf(self, value: Any) -> Any:
        if self.excerpt is not None and isinstance(value, str):
            return excerpt(value, *self.excerpt)
        return self.apply(value)


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses (`title,body:excerpt(200,true)` is two entries)."""
    parts, depth, start = [], 0, 0
    for position, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            parts.append(text[start:position])
            start = position + 1
    parts.append(text[start:])
    return parts


def excerpt(value: str, length: int, ellipsis: bool) -> str:
    """Plain text of an HTML value, cut to `length` characters."""
    text = _SPACE.sub(" ", html.unescape(_TAGS.sub(" ", value))).strip()
    if len(text) <= length:
        return text
    return text[:length].rstrip() + ("..." if ellipsis else "")
