"""Collection indexes: PocketBase-style `CREATE [UNIQUE] INDEX` statements, parsed, checked and re-rendered.

Admins write SQLite syntax with backtick quoting, as PocketBase stores it. Nothing they write reaches the
database verbatim: the statement is parsed into an `IndexDef` whose column names must be fields of the
collection, and rendered again per dialect (PostgreSQL gets double quotes, `lower(col)` for
`COLLATE NOCASE`). A partial index's WHERE clause may only use field names, literals and a small set of
operators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEAD = re.compile(
    r"^\s*CREATE\s+(?P<unique>UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>[`\"\[]?\w+[`\"\]]?)\s+"
    r"ON\s+(?P<table>[`\"\[]?\w+[`\"\]]?)\s*\((?P<columns>[^()]*)\)\s*(?:WHERE\s+(?P<where>.+?))?\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_COLUMN = re.compile(
    r"^\s*(?P<name>[`\"\[]?\w+[`\"\]]?)(?:\s+COLLATE\s+(?P<collate>\w+))?(?:\s+(?P<order>ASC|DESC))?\s*$", re.IGNORECASE
)
_WHERE_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<op>!=|<>|>=|<=|=|<|>|\(|\))"
    r"|(?P<ident>[`\"\[]?\w+[`\"\]]?))",
)
_WHERE_KEYWORDS = {"AND", "OR", "NOT", "IS", "NULL", "TRUE", "FALSE", "LIKE", "IN"}


class InvalidIndex(ValueError):
    pass


@dataclass(frozen=True)
class IndexColumn:
    name: str
    collate: str | None = None
    order: str | None = None


@dataclass(frozen=True)
class IndexDef:
    name: str
    unique: bool
    table: str
    columns: tuple[IndexColumn, ...]
    where: tuple[tuple[str, str], ...] = ()  # (kind, text) tokens of the WHERE clause

    def render(self, dialect_name: str, table: str | None = None) -> str:
        quote = (lambda ident: f'"{ident}"') if dialect_name == "postgresql" else (lambda ident: f"`{ident}`")
        parts = []
        for column in self.columns:
            if column.collate and column.collate.upper() == "NOCASE" and dialect_name == "postgresql":
                text = f"lower({quote(column.name)})"
            else:
                text = quote(column.name) + (f" COLLATE {column.collate.upper()}" if column.collate else "")
            parts.append(text + (f" {column.order.upper()}" if column.order else ""))
        sql = (
            f"CREATE {'UNIQUE ' if self.unique else ''}INDEX {quote(self.name)} "
            f"ON {quote(table or self.table)} ({', '.join(parts)})"
        )
        if self.where:
            sql += " WHERE " + " ".join(quote(text) if kind == "ident" else text for kind, text in self.where)
        return sql


def _unquote(identifier: str) -> str:
    return identifier.strip("`\"[]")


def parse_index(sql: str, field_names: set[str]) -> IndexDef:
    """Parse one statement, checking its columns against `field_names`; raise InvalidIndex."""
    match = _HEAD.match(sql or "")
    if not match:
        raise InvalidIndex("Invalid CREATE INDEX expression.")
    columns = []
    for raw in match.group("columns").split(","):
        column = _COLUMN.match(raw)
        if not column:
            raise InvalidIndex("Invalid CREATE INDEX expression.")
        name = _unquote(column.group("name"))
        if name not in field_names:
            raise InvalidIndex(f"Failed to create index - no such column: {name}.")
        collate = column.group("collate")
        if collate and collate.upper() not in ("NOCASE", "BINARY", "RTRIM"):
            raise InvalidIndex(f"Unsupported collation {collate}.")
        columns.append(IndexColumn(name, collate, column.group("order")))
    where = _parse_where(match.group("where"), field_names) if match.group("where") else ()
    return IndexDef(_unquote(match.group("name")), bool(match.group("unique")), _unquote(match.group("table")), tuple(columns), where)


def _parse_where(text: str, field_names: set[str]) -> tuple[tuple[str, str], ...]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _WHERE_TOKEN.match(text, position)
        if not match or match.end() == position:
            raise InvalidIndex("Invalid CREATE INDEX expression.")
        position = match.end()
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "ident":
            bare = _unquote(value)
            if bare.upper() in _WHERE_KEYWORDS and value == bare:
                tokens.append(("keyword", bare.upper()))
                continue
            if bare not in field_names:
                raise InvalidIndex(f"Failed to create index - no such column: {bare}.")
            tokens.append(("ident", bare))
        else:
            tokens.append((kind, value))
    return tuple(tokens)
