"""The one error type of the API, rendered as PocketBase's `{"status", "message", "data"}` shape.

    ApiError(status, message, data)
     ├─ bad_request(...)      400  invalid input; `data` holds per-field {code, message}
     ├─ unauthorized(...)     401  a valid auth token is required
     ├─ forbidden(...)        403  authenticated but not allowed
     ├─ not_found(...)        404
     └─ too_many_requests()   429

`data` is built only from `FieldError`s, so a raw exception never reaches a client: the cause is kept in
`ApiError.cause` for the log. Services, plugins and hooks raise these; one Flask handler renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldError:
    """A validation failure of one input field, with PocketBase's `validation_*` code."""

    code: str
    message: str
    params: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.params:
            out["params"] = self.params
        return out


class ValidationFailed(Exception):
    """Raised by validation code with the errors of several fields; callers turn it into a 400."""

    def __init__(self, errors: dict[str, FieldError | dict]):
        super().__init__(", ".join(errors))
        self.errors = errors


@dataclass
class ApiError(Exception):
    status: int
    message: str
    data: dict[str, Any] = field(default_factory=dict)
    cause: BaseException | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "message": self.message, "data": _render_data(self.data)}


def _render_data(data: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.to_json() if isinstance(value, FieldError) else _render_data(value) if isinstance(value, dict) else value
        for key, value in data.items()
    }


def bad_request(message: str = "Something went wrong while processing your request.", data=None, cause=None) -> ApiError:
    return ApiError(400, message, data or {}, cause)


def unauthorized(message: str = "The request requires valid record authorization token.", data=None) -> ApiError:
    return ApiError(401, message, data or {})


def forbidden(message: str = "The authorized record is not allowed to perform this action.", data=None) -> ApiError:
    return ApiError(403, message, data or {})


def not_found(message: str = "The requested resource wasn't found.", data=None) -> ApiError:
    return ApiError(404, message, data or {})


def too_many_requests(message: str = "Too Many Requests.") -> ApiError:
    return ApiError(429, message, {})


def superusers_only() -> ApiError:
    return forbidden("Only superusers can perform this action.")


def validation_error(message: str, failed: ValidationFailed) -> ApiError:
    return bad_request(message, dict(failed.errors), failed)
