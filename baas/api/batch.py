"""Batch: several record writes in one transaction.

    POST /api/batch   {"requests": [{"method", "url", "body"?, "headers"?}, ...]}
                      -> 200 [{"body": <record json | null>, "status": 200 | 204}, ...]

Each item is one of PocketBase's four record actions, run through the records service exactly as the
REST API runs it (rules, hooks and validation apply per item, with `@request.context = "batch"`):

    POST   /api/collections/<c>/records[?expand=&fields=]        create
    PUT    /api/collections/<c>/records[?expand=&fields=]        upsert: update `body.id` if it exists, else create
    PATCH  /api/collections/<c>/records/<id>[?expand=&fields=]   update
    DELETE /api/collections/<c>/records/<id>                     delete

All items share one transaction: the first failing item rolls everything back and the answer is a 400
`Batch transaction failed.` whose `data.requests.<index>.response` is that item's own error. The
`batch` settings decide whether batches are allowed (`enabled`, else 403), how many items one may hold
(`maxRequests`), how long the transaction may run (`timeout` seconds) and the body limit (`maxBodySize`,
0 = 128 MB, else 413).

Bodies are JSON, or multipart/form-data whose `@jsonPayload` part holds the same JSON; there, the file
parts named `requests.N.field` (or `requests[N].field`) become item N's uploads for `field` (replacing
what the JSON sent under that key, as in PocketBase).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import orjson
from flask import Blueprint, request

from .. import errors
from ..core.context import RequestContext
from ..errors import FieldError
from ..hooks import hookimpl
from ..hooks.events import BatchRequestEvent
from .body import JSON_PAYLOAD, form_uploads, limit_body
from .pipeline import normalized_headers
from .render import render_record
from .util import core, ctx, json_response

log = logging.getLogger(__name__)

bp = Blueprint("batch", __name__)

DEFAULT_MAX_BODY_SIZE = 128 << 20
DEFAULT_TIMEOUT = 3
MAX_URL_LENGTH = 2000
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

READ_FAILED = "Failed to read the submitted batch data."
INVALID_DATA = "Invalid batch request data."
TRANSACTION_FAILED = "Batch transaction failed."

#: the test suite replaces this to make a batch overrun its timeout without sleeping
clock: Callable[[], float] = time.monotonic

_RECORDS = r"^/api/collections/(?P<collection>[^/?]+)/records"
_ONE_RECORD = _RECORDS + r"/(?P<id>[^/?]+)"
ACTIONS = (
    ("POST", re.compile(_RECORDS + r"(?:\?.*)?$"), "create"),
    ("PUT", re.compile(_RECORDS + r"(?:\?.*)?$"), "upsert"),
    ("PATCH", re.compile(_ONE_RECORD + r"(?:\?.*)?$"), "update"),
    ("DELETE", re.compile(_ONE_RECORD + r"(?:\?.*)?$"), "delete"),
)


@dataclass
class BatchItem:
    method: str
    url: str
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def query(self) -> dict[str, str]:
        """The url's query parameters, first value of each, as `@request.query` sees them."""
        parsed = parse_qs(urlsplit(self.url).query, keep_blank_values=True)
        return {key: values[0] for key, values in parsed.items()}


class ItemFailed(Exception):
    def __init__(self, index: int, error: errors.ApiError):
        super().__init__(error.message)
        self.index = index
        self.error = error


class TimedOut(Exception):
    pass


@bp.post("/api/batch")
def batch():
    settings = batch_settings()
    limit_body(request, settings["maxBodySize"] or DEFAULT_MAX_BODY_SIZE)
    items = parse_batch(_read_body(), settings["maxRequests"])
    _attach_files(items)
    app = core()
    timeout = settings["timeout"] if settings["timeout"] > 0 else DEFAULT_TIMEOUT
    event = BatchRequestEvent(app, ctx(), requests=items, timeout=timeout)
    event.responses = app.hooks.hook.baas_batch_request(event=event)
    return json_response(event.responses)


class BatchDefaults:
    """baas's own behaviour for `baas_batch_request`: run the items in one transaction (a trylast plugin)."""

    @hookimpl(trylast=True)
    def baas_batch_request(self, event: BatchRequestEvent) -> list[dict[str, Any]]:
        return run_batch(event.requests, event.ctx, timeout=event.timeout)


def batch_settings() -> dict[str, Any]:
    """The `batch` settings; 403 unless batches are enabled."""
    settings = {"enabled": False, "maxRequests": 50, "timeout": DEFAULT_TIMEOUT, "maxBodySize": 0}
    settings.update(core().settings.get().get("batch") or {})
    if not settings["enabled"] or settings["maxRequests"] <= 0:
        raise errors.forbidden("Batch requests are not allowed.")
    return settings


# ---- input ---------------------------------------------------------------------------------------


def _read_body() -> Any:
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            raw = request.form.get(JSON_PAYLOAD)
        except ValueError as error:  # a truncated or malformed multipart body
            raise errors.bad_request(READ_FAILED, cause=error) from error
    elif request.mimetype in ("application/json", ""):
        raw = request.get_data(cache=True)
    else:
        raise errors.bad_request(READ_FAILED)
    if not raw:
        return {}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise errors.bad_request(READ_FAILED, cause=error) from error


_FILE_KEY = re.compile(r"^requests(?:\.(?P<dot>\d+)\.|\[(?P<bracket>\d+)\]\.)(?P<field>.+)$")


def _attach_files(items: list["BatchItem"]) -> None:
    """Multipart file parts `requests.N.field` / `requests[N].field` as item N's uploads for `field`."""
    if request.mimetype != "multipart/form-data":
        return
    for key in request.files:
        match = _FILE_KEY.match(key)
        if match is None:
            continue
        index = int(match.group("dot") or match.group("bracket"))
        uploads = form_uploads(match.group("field"), request.files.getlist(key))
        if index < len(items) and uploads:
            items[index].body[match.group("field")] = uploads


def parse_batch(data: Any, max_requests: int) -> list[BatchItem]:
    """The items of a batch body, in PocketBase's order of checks: shape (400 "Failed to read"), then the
    list (required, at most `max_requests`), then each item's method and url (400 "Invalid batch")."""
    if not isinstance(data, dict):
        raise errors.bad_request(READ_FAILED)
    raw_items = data.get("requests")
    if raw_items is not None and not isinstance(raw_items, list):
        raise errors.bad_request(READ_FAILED)
    items = [_item(raw) for raw in raw_items or []]
    if not items:
        raise errors.bad_request(INVALID_DATA, {"requests": FieldError("validation_required", "Cannot be blank.")})
    if len(items) > max_requests:
        raise errors.bad_request(INVALID_DATA, {"requests": _too_long(max_requests)})
    problems = {str(index): item_errors for index, item in enumerate(items) if (item_errors := _item_errors(item))}
    if problems:
        raise errors.bad_request(INVALID_DATA, {"requests": problems})
    return items


def _item(raw: Any) -> BatchItem:
    if not isinstance(raw, dict):
        raise errors.bad_request(READ_FAILED)
    method, url = raw.get("method") or "", raw.get("url") or ""
    body, headers = raw.get("body") or {}, raw.get("headers") or {}
    if not isinstance(method, str) or not isinstance(url, str) or not isinstance(body, dict):
        raise errors.bad_request(READ_FAILED)
    if not isinstance(headers, dict) or not all(isinstance(value, str) for value in headers.values()):
        raise errors.bad_request(READ_FAILED)
    return BatchItem(method, url, body, headers)


def _item_errors(item: BatchItem) -> dict[str, FieldError]:
    problems: dict[str, FieldError] = {}
    if not item.method:
        problems["method"] = FieldError("validation_required", "Cannot be blank.")
    elif item.method not in METHODS:
        problems["method"] = FieldError("validation_in_invalid", "Must be a valid value.")
    if not item.url:
        problems["url"] = FieldError("validation_required", "Cannot be blank.")
    elif len(item.url) > MAX_URL_LENGTH:
        problems["url"] = _too_long(MAX_URL_LENGTH)
    return problems


def _too_long(maximum: int) -> FieldError:
    return FieldError("validation_length_too_long", f"The length must be no more than {maximum}.", {"max": maximum, "min": 0})


# ---- processing ----------------------------------------------------------------------------------


def run_batch(items: list[BatchItem], caller: RequestContext, *, timeout: float) -> list[dict[str, Any]]:
    """Run every item in one transaction; any failure (or the timeout) rolls all of them back."""
    app = core()
    deadline = clock() + timeout
    results: list[dict[str, Any]] = []
    try:
        with app.db.transaction():
            for index, item in enumerate(items):
                if clock() > deadline:
                    raise TimedOut()
                results.append(_run_item(index, item, caller))
            if clock() > deadline:
                raise TimedOut()
    except ItemFailed as failed:
        response = failed.error.to_json()
        raise errors.bad_request(
            TRANSACTION_FAILED,
            {"requests": {str(failed.index): {"code": "batch_request_failed", "message": "Batch request failed.", "response": response}}},
        ) from failed
    except TimedOut as error:
        raise errors.bad_request(TRANSACTION_FAILED, cause=error) from error
    return results


def _run_item(index: int, item: BatchItem, caller: RequestContext) -> dict[str, Any]:
    try:
        return _dispatch(item, caller)
    except errors.ApiError as error:
        raise ItemFailed(index, error) from error
    except Exception as error:  # a bug or a database failure: logged, answered like the global 500 handler
        log.exception("batch request %d (%s %s) failed", index, item.method, item.url)
        raise ItemFailed(index, errors.ApiError(500, "Something went wrong while processing your request.", cause=error)) from error


def _dispatch(item: BatchItem, caller: RequestContext) -> dict[str, Any]:
    for method, pattern, action in ACTIONS:
        match = pattern.match(item.url) if item.method == method else None
        if match:
            break
    else:
        raise errors.bad_request()
    app = core()
    collection = app.collections.get(match.group("collection"))
    if action == "upsert":
        record_id = str(item.body.get("id") or "")
        exists = bool(record_id) and collection is not None and app.records_repo.find(collection, record_id) is not None
        action, record_id = ("update", record_id) if exists else ("create", "")
    else:
        record_id = match.groupdict().get("id") or ""
    item_ctx = _item_context(caller, item, "PATCH" if action == "update" else "POST" if action == "create" else "DELETE")
    if collection is None:
        raise errors.not_found("Missing collection context.")
    if action == "delete":
        app.records.delete(collection, record_id, item_ctx)
        return {"body": None, "status": 204}
    if action == "create":
        record = app.records.create(collection, item_ctx, item.body)
    else:
        record = app.records.update(collection, record_id, item_ctx, item.body)
    query = item.query
    if query.get("expand"):
        app.records.expand([record], query["expand"], item_ctx)
    return {"body": render_record(app, record, query.get("fields", ""), item_ctx), "status": 200}


def _item_context(caller: RequestContext, item: BatchItem, method: str) -> RequestContext:
    """The caller's auth with this item's method, query and headers (over the batch request's own)."""
    headers = normalized_headers(request)
    headers.update({name.lower().replace("-", "_"): value for name, value in item.headers.items()})
    return replace(caller, method=method, headers=headers, query=item.query).with_context("batch")
