"""Request bodies for record writes: JSON, or multipart/form-data with PocketBase's conventions.

In multipart bodies a repeated key is a list, plain values are strings (each field type coerces them),
a `@jsonPayload` part holds JSON merged over the form values, and file parts become `Upload`s added to
the names sent under the same key (so `avatar` replaces the list and `avatar+` appends, as in PocketBase). An empty body is `{}`; a body of any
other content type is a 400 `Unsupported Content-Type.`, as in PocketBase.

The body size is limited per collection the way PocketBase computes it: 32 MB plus, for every `json`,
`editor` and `file` field, the most that field may hold. A larger body is a 413.
"""

from __future__ import annotations

from typing import Any

import orjson
from werkzeug.formparser import FormDataParser
from werkzeug.wrappers import Request

from .. import errors
from ..core.files import InvalidUpload, Upload
from ..schema.collection import Collection

JSON_PAYLOAD = "@jsonPayload"
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
DEFAULT_MAX_BODY_SIZE = 32 << 20
#: what a field of each type may add to the body limit when its `maxSize` is 0
DEFAULT_FIELD_SIZES = {"json": 1 << 20, "editor": 5 << 20, "file": 5 << 20}


def record_body(request: Request, collection: Collection) -> dict[str, Any]:
    """The body as a dict, within the collection's size limit."""
    limit_body(request, max_body_size(collection))
    if request.mimetype in FORM_TYPES:
        return _form_body(request)
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    if request.mimetype != "application/json":
        raise errors.bad_request("Unsupported Content-Type.")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise errors.bad_request(cause=error) from error
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise errors.bad_request()
    return data


def max_body_size(collection: Collection) -> int:
    """PocketBase's per-collection limit (view collections keep the default)."""
    limit = DEFAULT_MAX_BODY_SIZE
    if collection.is_view:
        return limit
    for field in collection.fields:
        default = DEFAULT_FIELD_SIZES.get(field.type)
        if default is None:
            continue
        size = field.options.get("maxSize") or 0
        size = size if size > 0 else default
        if field.type == "file":
            size *= max(field.options.get("maxSelect") or 0, 1)
        limit += size
    return limit


class _StrictFormDataParser(FormDataParser):
    """Raises on a malformed or truncated multipart body, which werkzeug otherwise reads as an empty form,
    and then closes the temporary files of the parts read so far."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.silent = False
        self._opened: list = []
        factory = self.stream_factory

        def tracked(*args: Any, **kwargs: Any):
            stream = factory(*args, **kwargs)
            self._opened.append(stream)
            return stream

        self.stream_factory = tracked

    def parse(self, *args: Any, **kwargs: Any):
        try:
            return super().parse(*args, **kwargs)
        except BaseException:
            for stream in self._opened:
                stream.close()
            raise


def limit_body(request: Request, limit: int) -> None:
    """413 for a declared Content-Length over `limit`; reading stops at the limit for undeclared ones."""
    if request.content_length is not None and request.content_length > limit:
        raise errors.ApiError(413, "Request entity too large.")
    request.max_content_length = limit
    request.max_form_memory_size = limit  # a large @jsonPayload part is fine up to the body limit
    request.form_data_parser_class = _StrictFormDataParser  # a truncated multipart body is a 400, not {}


def _form_body(request: Request) -> dict[str, Any]:
    if request.mimetype == "multipart/form-data" and request.content_length == 0:
        raise errors.bad_request("Failed to read the submitted data.")  # PocketBase's answer to an empty one
    try:
        form, files = request.form, request.files
    except ValueError as error:  # a truncated or malformed multipart body
        raise errors.bad_request(cause=error) from error
    body: dict[str, Any] = {}
    for key in form:
        if key == JSON_PAYLOAD:
            continue
        values = form.getlist(key)
        body[key] = values if len(values) > 1 else values[0]
    for raw in form.getlist(JSON_PAYLOAD):
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise errors.bad_request(cause=error) from error
        if not isinstance(payload, dict):
            raise errors.bad_request()
        body.update(payload)
    for key in files:
        uploads = form_uploads(key, files.getlist(key))
        if uploads:
            kept = body.get(key, [])
            body[key] = (kept if isinstance(kept, list) else [kept] if kept else []) + uploads
    return body


def form_uploads(key: str, parts) -> list[Upload]:
    """The file parts of one key as uploads (a part without a file name is an empty file input)."""
    uploads = []
    for part in parts:
        if not part.filename:
            continue
        try:
            uploads.append(Upload.from_stream(part.filename, part.stream))
        except InvalidUpload as error:
            field = key.strip("+-")
            raise errors.bad_request("An error occurred while validating the submitted data.", {field: error.error}) from error
    return uploads
