"""The extra input rules of auth records, checked before field validation as PocketBase does.

`password` needs a matching `passwordConfirm`; a caller who is neither superuser nor manageRule holder
may not set `verified`, may not change `email` directly (that is what request-email-change is for) and
must give the right `oldPassword` to change the password.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import errors
from ...errors import FieldError
from .record import Record

if TYPE_CHECKING:
    from ..context import RequestContext

REQUIRED = FieldError("validation_required", "Cannot be blank.")
MISMATCH = FieldError("validation_values_mismatch", "Values don't match.")
BAD_OLD_PASSWORD = FieldError("validation_invalid_old_password", "Missing or invalid old password.")


def check_create(record: Record, body: dict[str, Any], ctx: "RequestContext", message: str) -> None:
    problems = _password_confirmation(body, is_new=True)
    if not ctx.is_superuser and record.get("verified"):
        problems["verified"] = MISMATCH
    if problems:
        raise errors.bad_request(message, problems)


def check_update(
    record: Record, original: dict[str, Any], body: dict[str, Any], ctx: "RequestContext", *, manager: bool, message: str
) -> None:
    problems = _password_confirmation(body, is_new=False)
    if not manager:
        if record.get("verified") != original.get("verified"):
            problems["verified"] = MISMATCH
        if record.get("email") != original.get("email"):
            problems["email"] = MISMATCH
        if _given(body.get("password")) or _given(body.get("passwordConfirm")):
            old = body.get("oldPassword")
            stored = original.get("password")
            if not _given(old) or stored is None or not stored.matches(str(old)):
                problems["oldPassword"] = REQUIRED if not _given(old) else BAD_OLD_PASSWORD
    if problems:
        raise errors.bad_request(message, problems)


def _password_confirmation(body: dict[str, Any], *, is_new: bool) -> dict[str, FieldError]:
    """PocketBase's rules: sending any of password, passwordConfirm and oldPassword (or creating) starts a
    password change, which needs both a password and a matching confirmation."""
    password, confirm, old = (_given(body.get(key)) for key in ("password", "passwordConfirm", "oldPassword"))
    problems: dict[str, FieldError] = {}
    if (is_new or confirm or old) and not password:
        problems["password"] = REQUIRED
    if (is_new or password or old) and not confirm:
        problems["passwordConfirm"] = REQUIRED
    elif confirm and str(body.get("passwordConfirm")) != str(body.get("password") or ""):
        problems["passwordConfirm"] = MISMATCH
    return problems


def _given(value: Any) -> bool:
    return value is not None and value != ""
