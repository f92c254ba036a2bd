"""What a filter or API rule may read about the current request (`@request.*`).

The API layer builds one `RequestData` per request and hands it to the compiler; nothing here touches
Flask, so rules can be evaluated the same way from hooks, realtime and tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..schema.collection import Collection


@dataclass(frozen=True)
class RequestData:
    """The request as `@request.*` sees it.

    * `auth`: the authenticated record's stored field values, hidden ones included, plus `collectionId`
      and `collectionName`; `None` for guests (then every `@request.auth.*` is NULL).
    * `auth_collection`: that record's collection, needed to follow relations from the auth record.
    * `headers`: keys lowercased with `-` turned into `_` (`X-Token` -> `x_token`).
    * `query`: the first value of each query parameter.
    * `body`: the submitted values after body modifiers (`tags+`) were applied.
    * `original`: the stored values of the record being updated (for `:changed`); `None` on create.
    """

    auth: dict[str, Any] | None = None
    auth_collection: "Collection | None" = None
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)
    context: str = "default"
    original: dict[str, Any] | None = None

    @classmethod
    def guest(cls) -> "RequestData":
        """An unauthenticated GET with nothing submitted (also what rule checking compiles against)."""
        return cls()

    def static(self) -> dict[str, Any]:
        """The `@request.*` tree that static lookups walk (`@request.query.page` -> ["query"]["page"])."""
        return {
            "context": self.context,
            "method": self.method,
            "headers": self.headers,
            "query": self.query,
            "body": self.body,
            "auth": self.auth,
        }
