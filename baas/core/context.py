"""`RequestContext`: who is asking and with what request data, passed explicitly to every service.

Services never read Flask globals; the REST API builds one of these per request, the CLI and cron jobs
use `RequestContext.system()` (superuser rights), and tests build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..query.request import RequestData
from .records.record import Record

SUPERUSERS = "_superusers"


@dataclass(frozen=True)
class RequestContext:
    auth: Record | None = None
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    context: str = "default"
    system_access: bool = False  # the CLI, cron and internal calls: superuser rights without a record

    @classmethod
    def system(cls) -> "RequestContext":
        return cls(system_access=True)

    @property
    def is_superuser(self) -> bool:
        return self.system_access or (self.auth is not None and self.auth.collection.name == SUPERUSERS)

    @property
    def auth_id(self) -> str:
        return self.auth.id if self.auth is not None else ""

    def with_context(self, name: str) -> "RequestContext":
        return replace(self, context=name)

    def request_data(self, body: dict[str, Any] | None = None, original: dict[str, Any] | None = None) -> RequestData:
        """The `@request.*` values a rule or filter sees."""
        return RequestData(
            auth=self.auth.rule_values() if self.auth is not None else None,
            auth_collection=self.auth.collection if self.auth is not None else None,
            method=self.method,
            headers=self.headers,
            query=self.query,
            body=body or {},
            context=self.context,
            original=original,
        )
