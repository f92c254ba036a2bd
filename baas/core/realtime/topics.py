"""Subscription topics as clients send them, and which topics a record event is published under.

A topic is the string a client subscribes to, echoed back as the SSE `event:` name of every message it
receives for it. PocketBase's forms (0.40):

* `<collection>/*` (name or id): every record of the collection, gated by the listRule;
* `<collection>/<recordId>`: one record, gated by the viewRule;
* `<collection>`: the legacy form of `<collection>/*`;
* `@oauth2` and custom topics, which only plugins (and the OAuth2 redirect) send to.

Any topic may carry `?options=<url-encoded JSON>` with `{"query": {...}, "headers": {...}}`, which the
JS SDK builds from `subscribe(topic, cb, {filter, expand, fields, headers, ...})`. `query.filter`,
`query.expand` and `query.fields` shape the messages; every query value and header is visible to the
rules as `@request.query.*` / `@request.headers.*`. Query values are normalised to strings and header
names to snake case (`X-Token` -> `x_token`), as PocketBase does; a broken options value is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping
from urllib.parse import parse_qs, urlsplit

import orjson

#: PocketBase's limits on `POST /api/realtime`
MAX_SUBSCRIPTIONS = 1000
MAX_TOPIC_LENGTH = 2500
MAX_CLIENT_ID_LENGTH = 255

OAUTH2_TOPIC = "@oauth2"
CONNECT_EVENT = "PB_CONNECT"

_EMPTY: Mapping[str, str] = MappingProxyType({})
_SNAKE_SPLIT = re.compile(r"[\W_]+")

LIST_RULE = "listRule"
VIEW_RULE = "viewRule"


@dataclass(frozen=True)
class Subscription:
    """One subscribed topic: the string as sent (`topic`), the part before `?` (`base`), and its options."""

    topic: str
    base: str
    query: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    headers: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    #: what two subscriptions must share to see the same messages (rules read query and headers)
    options_key: tuple = ()

    @classmethod
    def parse(cls, topic: str) -> "Subscription":
        base, _, raw_query = topic.partition("?")
        query, headers = _options(raw_query)
        return cls(topic, base, query, headers, (tuple(sorted(query.items())), tuple(sorted(headers.items()))))

    def option(self, name: str) -> str:
        """A query option (`filter`, `expand`, `fields`), "" when absent."""
        return self.query.get(name, "")


def _options(raw_query: str) -> tuple[Mapping[str, str], Mapping[str, str]]:
    if "options=" not in raw_query:
        return _EMPTY, _EMPTY
    try:
        values = parse_qs(urlsplit("?" + raw_query).query, keep_blank_values=True).get("options")
        data = orjson.loads(values[0]) if values and values[0] else {}
    except (ValueError, orjson.JSONDecodeError):
        return _EMPTY, _EMPTY
    if not isinstance(data, dict):
        return _EMPTY, _EMPTY
    query = data.get("query") if isinstance(data.get("query"), dict) else {}
    headers = data.get("headers") if isinstance(data.get("headers"), dict) else {}
    return (
        MappingProxyType({str(key): to_string(value) for key, value in query.items()}),
        MappingProxyType({snakecase(str(key)): to_string(value) for key, value in headers.items()}),
    )


def to_string(value: Any) -> str:
    """A JSON value as PocketBase's `cast.ToString` renders it: strings as they are, numbers without a
    trailing `.0`, booleans as `true`/`false`, anything else (null, lists, objects) as ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    return ""


def snakecase(name: str) -> str:
    """`X-Token` -> `x_token`, `myTestDB` -> `my_test_db`: split at non-word characters and underscores,
    an underscore before an upper-case letter that follows a lower-case one, everything lower-cased."""
    words = []
    for word in _SNAKE_SPLIT.split(name):
        if not word:
            continue
        out = []
        for index, char in enumerate(word):
            if char.isupper() and index > 0 and not word[index - 1].isupper():
                out.append("_")
            out.append(char)
        words.append("".join(out))
    return "_".join(words).lower()


def record_topics(collection_id: str, collection_name: str, record_id: str) -> dict[str, str]:
    """The topic bases a record event is published under, each with the rule that gates it."""
    return {
        f"{collection_name}/{record_id}": VIEW_RULE,
        f"{collection_id}/{record_id}": VIEW_RULE,
        f"{collection_name}/*": LIST_RULE,
        f"{collection_id}/*": LIST_RULE,
        collection_name: LIST_RULE,
        collection_id: LIST_RULE,
    }


def collection_of(base: str) -> str:
    """The collection part of a topic base (`posts/*` -> `posts`), "" for special topics (`@oauth2`)."""
    if base.startswith("@"):
        return ""
    return base.split("/", 1)[0]
