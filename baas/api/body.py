"""Request bodies for record writes: JSON, or multipart/form-data with PocketBase's conventions.

In multipart bodies a repeated key is a list, plain values are strings (each field type coerces them),
and a `@jsonPayload` part holds JSON merged over the form values.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import request

from .. import errors
from .util import json_body

JSON_PAYLOAD = "@jsonPayload"


def record_body() -> dict[str, Any]:
    if request.mimetype == "multipart/form-data" or request.mimetype == "application/x-www-form-urlencoded":
        return _form_body()
    return json_body()


def _form_body() -> dict[str, Any]:
    body: dict[str, Any] = {}
    for key in request.form:
        if key == JSON_PAYLOAD:
            continue
        values = request.form.getlist(key)
        body[key] = values if len(values) > 1 else values[0]
    for raw in request.form.getlist(JSON_PAYLOAD):
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise errors.bad_request(cause=error) from error
        if not isinstance(payload, dict):
            raise errors.bad_request()
        body.update(payload)
    return body
