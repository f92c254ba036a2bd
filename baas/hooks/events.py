"""The payloads hooks receive. Handlers may change the mutable attributes documented on each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..core.app import App
    from ..core.context import RequestContext
    from ..core.records.listing import ListQuery, ListResult
    from ..core.records.record import Record
    from ..schema.collection import Collection


@dataclass
class RecordEvent:
    """A record being saved or deleted. `record` is mutable until the row is written."""

    app: "App"
    record: "Record"
    ctx: "RequestContext"
    error: BaseException | None = None  # set for the after-error hooks

    @property
    def collection(self) -> "Collection":
        return self.record.collection


@dataclass
class RecordRequestEvent:
    """One API-level record operation (list, view, create, update, delete), whatever door it came from.

    `body` (create/update) may be changed before the default action runs; `record` is the loaded record
    (view/update/delete) or the result (create); `result` is the list answer (list); `query` the list
    parameters, which a handler may replace before the default action."""

    app: "App"
    collection: "Collection"
    ctx: "RequestContext"
    body: dict[str, Any] = field(default_factory=dict)
    record: "Record | None" = None
    record_id: str = ""
    query: "ListQuery | None" = None
    result: "ListResult | None" = None


@dataclass
class RecordEnrichEvent:
    """A record about to be rendered for `ctx`; set `record.extra[...]` to add computed values."""

    app: "App"
    record: "Record"
    ctx: "RequestContext"


@dataclass
class CollectionEvent:
    """A collection being created, updated or deleted; `old` is the stored definition (None on create)."""

    app: "App"
    collection: "Collection"
    old: "Collection | None" = None
    error: BaseException | None = None


# ---- settings and batch -------------------------------------------------------------------------------
@dataclass
class SettingsEvent:
    """A settings change: `old` is what is in force, `new` the complete settings after the change (secrets
    included), which a before-handler of `baas_settings_update` may change in place."""

    app: "App"
    old: dict[str, Any]
    new: dict[str, Any]
    error: BaseException | None = None


@dataclass
class BatchRequestEvent:
    """One `POST /api/batch`: `requests` holds the parsed items (each with `method`, `url`, `body`,
    `headers`), `responses` the items' answers once the default ran."""

    app: "App"
    ctx: "RequestContext"
    requests: list[Any] = field(default_factory=list)
    responses: list[Any] | None = None
