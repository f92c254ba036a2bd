"""View collections: check a view query and infer its fields.

The query must be one read-only `SELECT` (or `WITH ... SELECT`) returning an `id` column. It is tried inside
a savepoint that is always rolled back, read-only (SQLite's `query_only`, PostgreSQL's
`transaction_read_only`), so even a data-modifying CTE or function changes nothing.

Fields are inferred from the text of the query, as PocketBase does, never from sampled values:

* the `id` column is the primary-key text field;
* `count(...)` and `total(...)` are numbers (`count` integers), `CAST(x AS type)` / `x::type` follow the type;
* a column that names a field of a collection in the FROM / JOIN clauses (`title`, `p.title AS t`) is a
  copy of that field (id `_clone_xxxx`), except that another collection's `id` becomes a single relation
  to that collection;
* anything else is a `json` field.

Field ids are kept from the previous definition for columns whose name and type did not change.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from ..ids import ALNUM, random_string
from .collection import Collection
from .fields import Field, field_from_json

SAMPLE_SIZE = 20
MISSING_ID = "missing required id column (you can use `(ROW_NUMBER() OVER()) as id` if you don't have one)"
WILDCARD = (
    "wildcard columns (*) are not supported - manually type the collection field names you want the view query to have"
)
ID_FIELD = {
    "name": "id", "type": "text", "system": True, "primaryKey": True, "required": True, "pattern": "^[a-z0-9]+$",
    "id": "text3208210256",
}
_FIRST_WORD = re.compile(r"^\s*(\w+)", re.S)
_STRINGS = re.compile(r"'(?:[^']|'')*'")
_COMMENTS = re.compile(r"/\*.*?\*/|--[^\n]*", re.S)
_IDENT = r"(?:`[^`]+`|\"[^\"]+\"|\[[^\]]+\]|\w+)"
_COLUMN_REF = re.compile(rf"^(?:(?P<table>{_IDENT})\s*\.\s*)?(?P<column>{_IDENT}|\*)$")
_CAST = re.compile(r"^cast\s*\((?P<inner>.*)\s+as\s+(?P<type>\w+)\s*\)$", re.I | re.S)
_PG_CAST = re.compile(r"::\s*(?P<type>\w+)\s*$", re.S)
_INT_TYPES = {"int", "integer", "bigint", "smallint", "tinyint", "mediumint", "int2", "int4", "int8"}
_NUMBER_TYPES = _INT_TYPES | {"real", "decimal", "numeric", "float", "double", "float4", "float8"}
_CLAUSE_END = {"where", "group", "having", "order", "limit", "offset", "union", "except", "intersect", "window"}
_JOIN_WORDS = {"join", "left", "right", "inner", "outer", "cross", "full", "natural"}
_KEYWORDS = {"end", "null", "true", "false", "distinct", "all", "and", "or", "not", "else", "then", "when", "case"}


class InvalidViewQuery(ValueError):
    """A view query that cannot be used; `missing_id` tells the "no id column" case apart."""

    def __init__(self, message: str, *, missing_id: bool = False):
        super().__init__(message)
        self.missing_id = missing_id


def check_view_query(query: str) -> str:
    """The query without a trailing semicolon; raise InvalidViewQuery unless it is a single SELECT."""
    text = (query or "").strip().rstrip(";").strip()
    if not text:
        raise InvalidViewQuery("empty view query")
    without_strings = _STRINGS.sub("''", text)
    if ";" in without_strings:
        raise InvalidViewQuery("multiple statements are not supported")
    first = _FIRST_WORD.match(_COMMENTS.sub(" ", without_strings))
    if not first or first.group(1).upper() not in ("SELECT", "WITH"):
        raise InvalidViewQuery("the view query must be a SELECT statement")
    return text


def dry_run(connection: Connection, query: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and a few sample rows of the query, changing nothing."""
    text = check_view_query(query)
    savepoint = connection.begin_nested()
    sqlite = connection.dialect.name == "sqlite"
    try:
        connection.exec_driver_sql("PRAGMA query_only = ON" if sqlite else "SET LOCAL transaction_read_only = on")
        result = connection.exec_driver_sql(f"SELECT * FROM ({text}) AS baas_view_sample LIMIT {SAMPLE_SIZE}")
        columns = list(result.keys())
        rows = [tuple(row) for row in result.fetchall()]
    except SQLAlchemyError as error:
        raise InvalidViewQuery(raw_error(error)) from error
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA query_only = OFF")
        savepoint.rollback()
    if "id" not in columns:
        raise InvalidViewQuery(MISSING_ID, missing_id=True)
    if len(set(columns)) != len(columns):
        raise InvalidViewQuery("duplicated column names")
    return columns, rows


def raw_error(error: SQLAlchemyError) -> str:
    """The database's own words for a failed statement (SQLite's prefixed as PocketBase's driver does)."""
    original = getattr(error, "orig", error)
    message = (str(original).strip().splitlines() or [""])[0]
    if isinstance(original, sqlite3.Error) and getattr(original, "sqlite_errorcode", None) == 1:
        return f"SQL logic error: {message} (1)"
    return message


def infer_fields(
    connection: Connection, query: str, collections: Iterable[Collection], previous: Collection | None = None
) -> list[Field]:
    """The fields of a view collection defined by `query` (raises InvalidViewQuery)."""
    columns, _rows = dry_run(connection, query)
    suggested = suggest_fields(query, list(collections))
    kept = {(field.name, field.type): field.id for field in previous.fields} if previous is not None else {}
    fields = []
    for name in columns:
        field = suggested.get(name) or field_from_json({"name": name, "type": "json", "maxSize": 1})
        field.id = kept.get((field.name, field.type), field.id)
        fields.append(field)
    return fields


# ---- reading the query -------------------------------------------------------------------------------


@dataclass
class _Token:
    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def is_word(self) -> bool:
        return bool(re.fullmatch(rf"{_IDENT}(?:\s*\.\s*{_IDENT})*", self.text)) and not self.text[0].isdigit()


def suggest_fields(query: str, collections: list[Collection]) -> dict[str, Field]:
    """Field definitions for the query's columns, keyed by column name (see the module docstring)."""
    text = _COMMENTS.sub(lambda match: " " * len(match.group()), check_view_query(query))
    tokens = _tokens(text)
    select_at = next((i for i, token in enumerate(tokens) if token.lower == "select"), None)
    if select_at is None:
        return {}
    from_at = next((i for i in range(select_at + 1, len(tokens)) if tokens[i].lower == "from"), len(tokens))
    tables, main = _tables(tokens[from_at + 1:], collections)
    result: dict[str, Field] = {}
    for item in _split(tokens[select_at + 1:from_at]):
        while item and item[0].lower in ("distinct", "all"):
            item = item[1:]
        if not item:
            continue
        alias, expression = _alias(item, text)
        field = _suggest(alias, expression, tables, main)
        if field is not None:
            result[alias] = field
    return result


def _suggest(alias: str, expression: str, tables: dict[str, Collection], main: Collection | None) -> Field | None:
    lowered = expression.lower()
    if alias == "id":
        return field_from_json(ID_FIELD)
    if lowered.startswith("count("):
        return field_from_json({"name": alias, "type": "number", "onlyInt": True})
    if lowered.startswith("total("):
        return field_from_json({"name": alias, "type": "number"})
    cast = _CAST.match(expression) or _PG_CAST.search(expression)
    if cast:
        kind = cast.group("type").lower()
        if kind in _NUMBER_TYPES:
            return field_from_json({"name": alias, "type": "number", "onlyInt": kind in _INT_TYPES})
        if kind in ("text", "varchar"):
            return field_from_json({"name": alias, "type": "text"})
        if kind in ("bool", "boolean"):
            return field_from_json({"name": alias, "type": "bool"})
    reference = _COLUMN_REF.match(expression)
    if reference is None:
        return None
    table = reference.group("table")
    collection = tables.get(_unquote(table).lower()) if table else main
    if reference.group("column") == "*":
        raise InvalidViewQuery(WILDCARD)
    if collection is None:
        return None
    name = _unquote(reference.group("column")).lower()
    original = next((field for field in collection.fields if field.name.lower() == name), None)
    if original is None:
        return None
    if original.name == "id":
        return field_from_json({"name": alias, "type": "relation", "collectionId": collection.id, "maxSelect": 1})
    data = original.to_json()
    data.update(id="_clone_" + random_string(4, ALNUM), name=alias)
    return field_from_json(data)


def _tables(tokens: list[_Token], collections: list[Collection]) -> tuple[dict[str, Collection], Collection | None]:
    """Collections of the FROM / JOIN clause by alias (or name), lower-cased, and the first item's collection
    (the one unqualified column names refer to; None when that is not a collection)."""
    by_name = {collection.name.lower(): collection for collection in collections}
    end = next((i for i, token in enumerate(tokens) if token.lower in _CLAUSE_END), len(tokens))
    items: list[list[_Token]] = [[]]
    skipping = False
    for token in tokens[:end]:
        if token.text == "," or token.lower in _JOIN_WORDS:
            if items[-1]:
                items.append([])
            skipping = False
        elif token.lower in ("on", "using"):
            skipping = True
        elif not skipping:
            items[-1].append(token)
    found: dict[str, Collection] = {}
    main: Collection | None = None
    for position, item in enumerate(item for item in items if item):
        collection = by_name.get(_unquote(item[0].text).lower()) if item[0].is_word else None
        if position == 0:
            main = collection
        rest = [token for token in item[1:] if token.lower != "as"]
        alias = _unquote(rest[0].text) if rest and rest[0].is_word else _unquote(item[0].text)
        if collection is not None:
            found[alias.lower()] = collection
    return found, main


def _alias(item: list[_Token], text: str) -> tuple[str, str]:
    """(column name, expression text) of one item of the SELECT list."""
    if len(item) >= 3 and item[-2].lower == "as":
        expression = item[:-2]
    elif len(item) >= 2 and item[-1].is_word and item[-1].lower not in _KEYWORDS and _ends_operand(item[-2]):
        expression = item[:-1]
    else:
        source = text[item[0].start:item[-1].end]
        reference = _COLUMN_REF.match(source)
        alias = _unquote(reference.group("column")) if reference else source
        return alias, source
    return _unquote(item[-1].text, "'"), text[expression[0].start:expression[-1].end]


def _ends_operand(token: _Token) -> bool:
    """Whether `token` can end an expression, so a word after it is an alias (`count(*) total`)."""
    return token.is_word or token.text.endswith((")", "'", '"', "`", "]")) or token.text[-1].isdigit()


def _split(tokens: list[_Token]) -> list[list[_Token]]:
    items: list[list[_Token]] = [[]]
    for token in tokens:
        if token.text == ",":
            items.append([])
        else:
            items[-1].append(token)
    return [item for item in items if item]


def _unquote(identifier: str, extra: str = "") -> str:
    return ".".join(part.strip().strip("`\"[]" + extra) for part in identifier.split("."))


_TOKEN = re.compile(
    rf"\s*(?P<token>{_IDENT}(?:\s*\.\s*(?:{_IDENT}|\*))*|'(?:[^']|'')*'|\d+(?:\.\d+)?|::|[,()*]|[^\w\s,()'\"`\[]+)",
    re.S,
)


def _tokens(text: str) -> list[_Token]:
    """Top-level tokens: a parenthesised group (with a function name before it) is one token."""
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or not match.group("token"):
            break
        start, end = match.start("token"), match.end("token")
        if match.group("token") == "(":
            end = _group_end(text, start)
            if tokens and tokens[-1].end == start and tokens[-1].is_word:
                start = tokens.pop().start  # `count(...)`: the function call is one token
        tokens.append(_Token(text[start:end], start, end))
        position = end
    return tokens


def _group_end(text: str, start: int) -> int:
    """The position after the parenthesis closing the one at `start` (quotes respected)."""
    depth = 0
    position = start
    while position < len(text):
        char = text[position]
        if char in "'\"`":
            closing = text.find(char, position + 1)
            position = len(text) if closing < 0 else closing + 1
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return position + 1
        position += 1
    return len(text)
