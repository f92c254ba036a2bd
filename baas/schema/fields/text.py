"""`text`: a plain string, and the string helpers the other text-like types share.

Besides `TextField` this module holds what several types need the same way:

* `to_text` — PocketBase's loose string cast (`123` → `"123"`, `true` → `"true"`, lists/objects → `""`);
* `go_regex` / `go_regex_error` — `pattern` options use Go's RE2 syntax; Python's `re` is close, but RE2 has no
  lookarounds or back-references, and PocketBase reports parse errors in Go's words;
* `int_range_error`, `min_threshold_error`, `max_threshold_error` — the errors of option ranges;
* `random_from_pattern` — the generator behind `autogeneratePattern`;
* `stored_value` — a field's value before the change being validated.
"""

from __future__ import annotations

import math
import re
import secrets
import string
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ...errors import FieldError
from ...ids import random_string
from .base import Field, SettingsContext, ValueContext, register

if TYPE_CHECKING:
    from ...db.dialect import Dialect

#: PocketBase caps integer options at the largest integer a JSON (float64) number holds exactly.
MAX_SAFE_INT = 2**53 - 1
DEFAULT_MAX_LENGTH = 5000
PK_FORBIDDEN_CHARS = ("/", "\\")


# ---- string casting ---------------------------------------------------------------------------
def go_float_text(value: float) -> str:
    """A float as Go's `FormatFloat(v, 'f', -1)`: shortest digits, never an exponent (`1e21` → 22 digits)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return format(Decimal(repr(value)).normalize(), "f")


def to_text(raw: Any) -> str:
    """PocketBase's string cast: scalars become their text, anything else (list, object, null) `""`.

    JSON numbers are float64 in Go, so integers beyond 2^53 lose their last digits there too.
    """
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int):
        return str(raw) if abs(raw) <= 2**53 else go_float_text(float(raw))
    if isinstance(raw, float):
        return go_float_text(raw)
    return ""


def stored_value(ctx: ValueContext, name: str) -> Any:
    """The field's value before this change: `ctx.original` holds either that value or the stored record's
    values by field name (what the records service passes)."""
    original = ctx.original
    return original.get(name) if isinstance(original, dict) else original


# ---- option range errors ----------------------------------------------------------------------
def min_threshold_error(threshold: Any) -> FieldError:
    return FieldError(
        "validation_min_greater_equal_than_required", f"Must be no less than {threshold}.", {"threshold": threshold}
    )


def max_threshold_error(threshold: Any) -> FieldError:
    return FieldError(
        "validation_max_less_equal_than_required", f"Must be no greater than {threshold}.", {"threshold": threshold}
    )


def int_range_error(value: int, low: int, high: int = MAX_SAFE_INT) -> FieldError | None:
    """The error of an integer option outside `low..high`; zero always passes, as in PocketBase's rules."""
    if value == 0:
        return None
    if value < low:
        return min_threshold_error(low)
    if value > high:
        return max_threshold_error(high)
    return None


# ---- Go regular expressions -------------------------------------------------------------------
class _GoRegexError(ValueError):
    """A pattern Go's RE2 parser rejects; the message is Go's description of the problem."""


_UNSUPPORTED_GROUPS = ("(?=", "(?!", "(?>", "(?#", "(?P=")
_POSIX_CLASS = re.compile(r"\[:\^?\w*:\]")
_CAPTURE_NAME = re.compile(r"\w+")
_POSIX_CLASSES = {
    "[:alnum:]": "0-9A-Za-z",
    "[:alpha:]": "A-Za-z",
    "[:ascii:]": "\\x00-\\x7f",
    "[:blank:]": "\\t ",
    "[:cntrl:]": "\\x00-\\x1f\\x7f",
    "[:digit:]": "0-9",
    "[:graph:]": "!-~",
    "[:lower:]": "a-z",
    "[:print:]": " -~",
    "[:punct:]": "!-/:-@\\[-`{-~",
    "[:space:]": "\\t\\n\\v\\f\\r ",
    "[:upper:]": "A-Z",
    "[:word:]": "0-9A-Za-z_",
    "[:xdigit:]": "0-9A-Fa-f",
}
_REPEAT = re.compile(r"\{(\d+)(?:,(\d*))?\}")
_MAX_REPEAT = 1000


def _translate(pattern: str) -> str:
    """RE2 syntax → Python `re` syntax, raising `_GoRegexError` for what RE2 refuses but Python takes."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            nxt = pattern[i + 1 : i + 2]
            if not nxt:
                raise _GoRegexError("trailing backslash at end of expression: ``")
            if nxt in "123456789Z":
                raise _GoRegexError(f"invalid escape sequence: `\\{nxt}`")
            out.append("\\Z" if nxt == "z" and not in_class else ch + nxt)
            i += 2
            continue
        if in_class:
            if posix := _POSIX_CLASS.match(pattern, i):
                if posix.group(0) not in _POSIX_CLASSES:
                    raise _GoRegexError(f"invalid character class range: `{posix.group(0)}`")
                out.append(_POSIX_CLASSES[posix.group(0)])
                i = posix.end()
                continue
            if ch in "[&~|":  # literal in RE2 classes; Python reserves them for future set operations
                ch = "\\" + ch
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            # a `]` right after `[` or `[^` is a literal member, not the end of the class
            start = i + 2 if pattern.startswith("[^", i) else i + 1
            if pattern.startswith("]", start):
                out.append(pattern[i : start + 1])
                i = start + 1
                continue
        elif ch == "(":
            bad = next((group for group in _UNSUPPORTED_GROUPS if pattern.startswith(group, i)), None)
            if bad:
                raise _GoRegexError(f"invalid or unsupported Perl syntax: `{bad[:3]}`")
            if pattern.startswith(("(?<", "(?P<"), i):
                start = pattern.index("<", i) + 1
                end = pattern.find(">", start)
                if end < 0 or not _CAPTURE_NAME.fullmatch(pattern[start:end]):
                    raise _GoRegexError(f"invalid named capture: `{pattern[i : end + 1] if end >= 0 else pattern[i:]}`")
                out.append(f"(?P<{pattern[start : end + 1]}")
                i = end + 1
                continue
        elif ch in "*+?" and pattern[i + 1 : i + 2] in ("*", "+"):
            raise _GoRegexError(f"invalid nested repetition operator: `{pattern[i : i + 2]}`")
        elif ch == "{" and (repeat := _REPEAT.match(pattern, i)):
            if any(part and int(part) > _MAX_REPEAT for part in repeat.groups()):
                raise _GoRegexError(f"invalid repeat count: `{repeat.group(0)}`")
        out.append(ch)
        i += 1
    return "".join(out)


def _python_error_detail(pattern: str, error: re.error) -> str:
    """Go's wording for an error Python's parser found."""
    msg, pos = error.msg, error.pos or 0
    if msg == "unterminated character set":
        return f"missing closing ]: `{pattern[pos:]}`"
    if msg.startswith("missing ), unterminated subpattern"):
        return f"missing closing ): `{pattern}`"
    if msg == "unbalanced parenthesis":
        return f"unexpected ): `{pattern}`"
    if msg == "nothing to repeat":
        return f"missing argument to repetition operator: `{pattern[pos : pos + 1]}`"
    if msg == "multiple repeat":
        return f"invalid nested repetition operator: `{pattern[max(pos - 1, 0) : pos + 1]}`"
    if msg.startswith("bad escape "):
        return f"invalid escape sequence: `{msg.removeprefix('bad escape ').split(' ')[0]}`"
    if msg.startswith("bad character range "):
        return f"invalid character class range: `{msg.removeprefix('bad character range ')}`"
    return msg


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str] | str:
    try:
        return re.compile(_translate(pattern), re.ASCII)  # RE2's \d, \w, \s and \b are ASCII-only
    except _GoRegexError as exc:
        return f"Error parsing regexp: {exc}."
    except re.error as exc:
        return f"Error parsing regexp: {_python_error_detail(pattern, exc)}."


def go_regex(pattern: str) -> re.Pattern[str] | None:
    """The compiled pattern, or None when Go would reject it. Use `.search`: Go's `MatchString` is unanchored."""
    compiled = _compile(pattern)
    return compiled if isinstance(compiled, re.Pattern) else None


def go_regex_error(pattern: str) -> FieldError | None:
    compiled = _compile(pattern)
    return FieldError("validation_invalid_regex", compiled) if isinstance(compiled, str) else None


# ---- autogenerate patterns --------------------------------------------------------------------
class UnsupportedPattern(ValueError):
    pass


_ALNUM = string.ascii_letters + string.digits
_ESCAPE_CLASSES = {"d": string.digits, "w": _ALNUM + "_"}
_UNBOUNDED_EXTRA = 10  # how many repeats `*`, `+` and `{n,}` may add


def _escape(pattern: str, i: int) -> tuple[str, int]:
    """The alphabet of the escape at `pattern[i] == "\\"` and the index after it."""
    nxt = pattern[i + 1 : i + 2]
    if nxt in _ESCAPE_CLASSES:
        return _ESCAPE_CLASSES[nxt], i + 2
    if nxt and not nxt.isalnum():
        return nxt, i + 2
    raise UnsupportedPattern(f"Unsupported pattern escape `\\{nxt}`.")


def _char_class(pattern: str, i: int) -> tuple[str, int]:
    """The members of the class opening at `pattern[i] == "["` and the index after its `]`."""
    i += 1
    if pattern.startswith("^", i):
        raise UnsupportedPattern("Unsupported pattern operator `[^`.")
    members: list[str] = []
    while i < len(pattern) and (pattern[i] != "]" or not members):
        if pattern[i] == "\\":
            chars, i = _escape(pattern, i)
        else:
            chars, i = pattern[i], i + 1
        if chars == "-" or len(chars) > 1 or pattern[i : i + 1] != "-" or pattern[i + 1 : i + 2] in ("", "]"):
            members.append(chars)
            continue
        end = pattern[i + 1]
        members.extend(chr(code) for code in range(ord(chars), ord(end) + 1))
        i += 2
    if i >= len(pattern):
        raise UnsupportedPattern("Unterminated character class.")
    return "".join(dict.fromkeys("".join(members))), i + 1


def _quantifier(pattern: str, i: int) -> tuple[int, int, int]:
    """`(min, max, next index)` of the quantifier at `pattern[i]`, `(1, 1, i)` when there is none."""
    ch = pattern[i : i + 1]
    if ch == "?":
        return 0, 1, i + 1
    if ch in ("*", "+"):
        low = 0 if ch == "*" else 1
        return low, low + _UNBOUNDED_EXTRA, i + 1
    repeat = _REPEAT.match(pattern, i)
    if not repeat:
        return 1, 1, i
    low = int(repeat.group(1))
    if repeat.group(2) is None:
        high = low
    else:
        high = int(repeat.group(2)) if repeat.group(2) else low + _UNBOUNDED_EXTRA
    return low, high, repeat.end()


@lru_cache(maxsize=128)
def _pattern_parts(pattern: str) -> tuple[tuple[str, int, int], ...]:
    """`pattern` as `(alphabet, min, max)` parts: literals, classes, `\\d`/`\\w`/`.` with their quantifiers."""
    parts = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "[":
            alphabet, i = _char_class(pattern, i)
        elif ch == "\\":
            alphabet, i = _escape(pattern, i)
        elif ch == ".":
            alphabet, i = _ALNUM, i + 1
        elif ch in "()|^$*+?{}":
            raise UnsupportedPattern(f"Unsupported pattern operator `{ch}`.")
        else:
            alphabet, i = ch, i + 1
        low, high, i = _quantifier(pattern, i)
        if high < low:
            raise UnsupportedPattern(f"Invalid pattern repeat count in `{pattern}`.")
        parts.append((alphabet, low, high))
    return tuple(parts)


def random_from_pattern(pattern: str) -> str:
    """A random string matching `pattern` (e.g. `[a-z0-9]{15}`); raises UnsupportedPattern beyond the subset."""
    out = []
    for alphabet, low, high in _pattern_parts(pattern):
        count = low if low == high else low + secrets.randbelow(high - low + 1)
        if len(alphabet) <= 256:  # the usual case (every record id): one read of the OS's CSPRNG
            out.append(random_string(count, alphabet))
        else:
            out.extend(secrets.choice(alphabet) for _ in range(count))
    return "".join(out)


# ---- the field --------------------------------------------------------------------------------
@register
class TextField(Field):
    """A plain string; zero value `""`.

    Input is cast loosely (`123` → `"123"`, `true` → `"true"`, a list or object → `""`). Lengths count
    characters: `min` (0 = none), `max` (0 = 5000), then `pattern` (Go RE2, unanchored search). A blank value
    on create is filled from `autogeneratePattern` (`autofill`), and `name:autogenerate` (modifier
    `":autogenerate"`) appends a generated value to the given prefix. The `primaryKey` field (the `id`) is
    always required, cannot change after create and may not contain `/` or `\\`.
    """

    type = "text"
    option_defaults = {"autogeneratePattern": "", "max": 0, "min": 0, "pattern": "", "primaryKey": False}
    filter_kind = "text"
    widget = "text"
    modifiers = frozenset({":autogenerate"})

    def column_ddl(self, dialect: "Dialect") -> str:
        return "TEXT PRIMARY KEY NOT NULL" if self.primaryKey else "TEXT DEFAULT '' NOT NULL"

    def from_db(self, value: Any, dialect: "Dialect") -> str:
        return to_text(value)

    def prepare(self, raw: Any) -> str:
        return to_text(raw)

    def generate(self) -> str:
        """A fresh value from `autogeneratePattern` (`""` without one)."""
        return random_from_pattern(self.autogeneratePattern) if self.autogeneratePattern else ""

    def autofill(self, value: Any, is_new: bool, now: str = "") -> Any:
        if is_new and value == "" and self.autogeneratePattern:
            return self.generate()
        return value

    def apply_modifier(self, current: Any, modifier: str, raw: Any) -> str:
        if modifier != ":autogenerate":
            return super().apply_modifier(current, modifier, raw)
        return to_text(raw) + self.generate()

    def validate(self, value: Any, ctx: ValueContext) -> FieldError | None:
        if self.primaryKey:
            if not ctx.is_new:
                stored = stored_value(ctx, self.name)
                if stored is not None and value != stored:
                    return FieldError("validation_pk_change", "The record primary key cannot be changed.")
                if stored:
                    return None  # stored ids are trusted even if they predate the current pattern
            else:
                for char in PK_FORBIDDEN_CHARS:
                    if char in value:
                        return FieldError(
                            "validation_pk_forbidden",
                            "The record primary key contains forbidden characters.",
                            {"forbidden": char},
                        )
        return self.validate_plain(value)

    def validate_plain(self, value: str) -> FieldError | None:
        """The checks that need nothing but the string: required, lengths and pattern."""
        if value == "":
            if self.required or self.primaryKey:
                return FieldError("validation_required", "Cannot be blank.")
            return None
        if self.min > 0 and len(value) < self.min:
            return FieldError(
                "validation_min_text_constraint", f"Must be at least {self.min} character(s).", {"min": self.min}
            )
        max_length = self.max or DEFAULT_MAX_LENGTH
        if max_length > 0 and len(value) > max_length:
            return FieldError(
                "validation_max_text_constraint",
                f"Must be no more than {max_length} character(s).",
                {"max": max_length},
            )
        if self.pattern:
            compiled = go_regex(self.pattern)
            if compiled is None or not compiled.search(value):
                return FieldError("validation_invalid_format", "Invalid value format.")
        return None

    def validate_settings(self, ctx: SettingsContext) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        if self.primaryKey:
            errors.update(self._primary_key_errors(ctx))
        if error := int_range_error(self.min, 0):
            errors["min"] = error
        if error := int_range_error(self.max, self.min):
            errors["max"] = error
        if "pattern" not in errors and self.pattern and (error := go_regex_error(self.pattern)):
            errors["pattern"] = error
        if self.autogeneratePattern and (error := self._autogenerate_error()):
            errors["autogeneratePattern"] = error
        return errors

    def _primary_key_errors(self, ctx: SettingsContext) -> dict[str, FieldError]:
        errors: dict[str, FieldError] = {}
        if self.name != "id":
            errors["name"] = FieldError("validation_in_invalid", 'The primary key must be named "id".')
        keys = [f for f in getattr(ctx.collection, "fields", []) if isinstance(f, TextField) and f.primaryKey]
        if len(keys) > 1:
            errors["primaryKey"] = FieldError(
                "validation_unsupported_composite_pk",
                "Composite PKs are not supported and the collection must have only 1 PK.",
            )
        if not self.pattern:
            errors["pattern"] = FieldError("validation_required", "Cannot be blank.")
        if self.hidden:
            errors["hidden"] = FieldError("validation_empty", "Must be blank.")
        if not self.required:
            errors["required"] = FieldError("validation_required", "Cannot be blank.")
        return errors

    def _autogenerate_error(self) -> FieldError | None:
        if error := go_regex_error(self.autogeneratePattern):
            return error
        # like PocketBase, try a few samples against the field's own rules
        for _ in range(10):
            try:
                sample = random_from_pattern(self.autogeneratePattern)
            except UnsupportedPattern as exc:
                return FieldError("validation_invalid_autogenerate_pattern", str(exc))
            if self.validate_plain(sample) is not None:
                return FieldError(
                    "validation_invalid_autogenerate_pattern_value",
                    f'The provided autogenerate pattern could produce invalid field values, ex.: "{sample}".',
                )
        return None

    def openapi_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "maxLength": self.max or DEFAULT_MAX_LENGTH}
        if self.min:
            schema["minLength"] = self.min
        if self.pattern:
            schema["pattern"] = self.pattern
        return schema
