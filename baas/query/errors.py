"""Errors of the filter / rule compiler (re-exported by `baas.query.compiler`)."""

from __future__ import annotations


class FilterError(ValueError):
    """A filter, sort or rule that cannot be compiled.

    The records API answers 400 "Something went wrong while processing your request."; the collections
    service reports `Invalid rule. Raw error: <message>`, so messages follow PocketBase's wording.
    """


class FilterForbidden(FilterError):
    """A client filter or sort used `@request.*` / `@collection.*`: the API answers 403 with `message`."""
