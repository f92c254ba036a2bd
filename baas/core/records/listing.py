"""`ListQuery`: the list parameters (`page, perPage, sort, filter, skipTotal, expand, fields`) parsed once,
for the API, the console and the CLI alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil
from typing import Any, Mapping

from ... import errors

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000


@dataclass(frozen=True)
class ListQuery:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    sort: str = ""
    filter: str = ""
    skip_total: bool = False
    expand: str = ""
    fields: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "ListQuery":
        """PocketBase's normalisation: page <= 0 -> 1, perPage <= 0 -> 30, perPage > 1000 -> 1000."""
        page = _integer(args.get("page"), 1)
        per_page = _integer(args.get("perPage"), DEFAULT_PER_PAGE)
        return cls(
            page=page if page > 0 else 1,
            per_page=min(per_page if per_page > 0 else DEFAULT_PER_PAGE, MAX_PER_PAGE),
            sort=args.get("sort", "") or "",
            filter=args.get("filter", "") or "",
            skip_total=(args.get("skipTotal", "") or "").lower() in ("1", "true", "t"),
            expand=args.get("expand", "") or "",
            fields=args.get("fields", "") or "",
        )

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def _integer(value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise errors.bad_request() from None


@dataclass
class ListResult:
    page: int
    per_page: int
    total_items: int
    items: list[Any] = field(default_factory=list)

    @property
    def total_pages(self) -> int:
        if self.total_items < 0:
            return -1
        return ceil(self.total_items / self.per_page) if self.per_page else 0

    def to_json(self, items: list[Any]) -> dict[str, Any]:
        return {
            "items": items,
            "page": self.page,
            "perPage": self.per_page,
            "totalItems": self.total_items,
            "totalPages": self.total_pages,
        }
