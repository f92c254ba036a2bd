"""Collection indexes: PocketBase-style `CREATE [UNIQUE] INDEX` statements, parsed, checked and re-rendered.

Admins write SQLite syntax with backtick quoting, as PocketBase stores it. Nothing they write reaches the
database verbatim: the statement is parsed into an `IndexDef` whose column names must be fields of the
collection, and rendered again per dialect (PostgreSQL gets double quotes, `lower(col)` for
`COLLATE NOCASE`). A column may be wrapped in one of a few functions (`lower(col)`), and a partial index's
WHERE clause may only use field names, literals and a small set of operators.

The table named in the statement does not matter: the index always goes on its collection's table, and
`normalize_table` rewrites a statement naming another table (after a rename, or the empty name of the
scaffold) the way PocketBase stores it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_IDENT = r"(?:`\w*`|\"\w*\"|\[\w*\]|\w+)"
_HEAD = re.compile(
    rf"^\s*CREATE\s+(?P<unique>UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>{_IDENT})\s+"
    rf"ON\s+(?P<table>{_IDENT})\s*\((?P<columns>[^;]*?)\)\s*(?:WHERE\s+(?P<where>[^;]+?))?\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_COLUMN = re.compile(
    rf"^\s*(?:(?P<function>\w+)\s*\(\s*(?P<inner>{_IDENT})\s*\)|(?P<name>{_IDENT}))"
    r"(?:\s+COLLATE\s+(?P<collate>\w+))?(?:\s+(?P<order>ASC|DESC))?\s*$",
    re.IGNORECASE,
)
_WHERE_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<op>!=|<>|>=|<=|=|<|>|\(|\))"
    r"|(?P<ident>[`\"\[]?\w+[`\"\]]?))",
)
_WHERE_KEYWORDS = {"AND", "OR", "NOT", "IS", "NULL", "TRUE", "FALSE", "LIKE", "IN"}
#: words that start another statement or a sub-query: never a bare column name in a WHERE clause
_WHERE_FORBIDDEN = {"SELECT", "FROM", "UNION", "INSERT", "UPDATE", "DELETE", "DROP", "CREATE", "ALTER", "PRAGMA", "ATTACH",
                    "EXISTS", "VALUES", "WITH"}
#: functions a column may be wrapped in; each exists under the same name on SQLite and PostgreSQL
COLUMN_FUNCTIONS = {"lower", "upper", "trim"}
COLLATIONS = {"NOCASE", "BINARY", "RTRIM"}
INVALID = "Invalid CREATE INDEX expression."


class InvalidIndex(ValueError):
    pass


@dataclass(frozen=True)
class IndexColumn:
    name: str
    collate: str | None = None
    order: str | None = None
    function: str | None = None  # lower-case name of the wrapping function, e.g. "lower"


@dataclass(frozen=True)
class IndexDef:
    name: str
    unique: bool
    table: str
    columns: tuple[IndexColumn, ...]
    where: tuple[tuple[str, str], ...] = ()  # (kind, text) tokens of the WHERE clause
    where_sql: str = ""  # the WHERE clause as written

    def render(self, dialect_name: str, table: str | None = None) -> str:
        """The statement to run on `dialect_name` ("sqlite" | "postgresql") for `table`."""
        quote = (lambda ident: f'"{ident}"') if dialect_name == "postgresql" else (lambda ident: f"`{ident}`")
        parts = []
        for column in self.columns:
            text = quote(column.name)
            if column.function:
                text = f"{column.function}({text})"
            if column.collate and column.collate.upper() == "NOCASE" and dialect_name == "postgresql":
                text = f"lower({text})"
            elif column.collate and dialect_name != "postgresql":
                text += f" COLLATE {column.collate.upper()}"
            parts.append(text + (f" {column.order.upper()}" if column.order else ""))
        sql = (
            f"CREATE {'UNIQUE ' if self.unique else ''}INDEX {quote(self.name)} "
            f"ON {quote(table or self.table)} ({', '.join(parts)})"
        )
        if self.where:
            sql += " WHERE " + " ".join(quote(text) if kind == "ident" else text for kind, text in self.where)
        return sql

    def pocketbase_sql(self, table: str) -> str:
        """The statement as PocketBase stores it after normalising it (backticks, one column per line)."""
        parts = []
        for column in self.columns:
            text = f"`{column.name}`"
            if column.function:
                text = f"{column.function}({text})"
            if column.collate:
                text += f" COLLATE {column.collate}"
            parts.append(text + (f" {column.order.upper()}" if column.order else ""))
        body = f"({parts[0]})" if len(parts) == 1 else "(\n  " + ",\n  ".join(parts) + "\n)"
        sql = f"CREATE {'UNIQUE ' if self.unique else ''}INDEX `{self.name}` ON `{table}` {body}"
        if self.where_sql:
            sql += f" WHERE {self.where_sql}"
        return sql


def _unquote(identifier: str) -> str:
    return identifier.strip("`\"[]")


def parse_index(sql: str, field_names: set[str] | None = None) -> IndexDef:
    """Parse one statement, checking its columns against `field_names` (unless None); raise InvalidIndex."""
    match = _HEAD.match(sql or "") if isinstance(sql, str) else None
    if not match:
        raise InvalidIndex(INVALID)
    name = _unquote(match.group("name"))
    if not name:
        raise InvalidIndex(INVALID)
    columns = []
    for raw in match.group("columns").split(","):
        column = _COLUMN.match(raw)
        if not column:
            raise InvalidIndex(INVALID)
        function = column.group("function")
        if function is not None and function.lower() not in COLUMN_FUNCTIONS:
            raise InvalidIndex(INVALID)
        column_name = _unquote(column.group("inner") or column.group("name") or "")
        if not column_name:
            raise InvalidIndex(INVALID)
        if field_names is not None and column_name not in field_names:
            raise InvalidIndex(_no_such_column(name, column_name))
        collate = column.group("collate")
        if collate and collate.upper() not in COLLATIONS:
            raise InvalidIndex(f"Failed to create index {name} - SQL logic error: no such collation sequence: {collate} (1).")
        columns.append(IndexColumn(column_name, collate, column.group("order"), function.lower() if function else None))
    where_sql = (match.group("where") or "").strip()
    where = _parse_where(name, where_sql, field_names) if where_sql else ()
    return IndexDef(name, bool(match.group("unique")), _unquote(match.group("table")), tuple(columns), where, where_sql)


def normalize_table(sql: str, table: str) -> str:
    """`sql` unchanged when it names `table` (or cannot be parsed), else re-rendered for `table`."""
    try:
        index = parse_index(sql)
    except InvalidIndex:
        return sql
    if index.table == table:
        return sql
    return index.pocketbase_sql(table)


def _no_such_column(index: str, column: str) -> str:
    # PocketBase (SQLite) words it this way; baas says the same on PostgreSQL
    return f"Failed to create index {index} - SQL logic error: no such column: {column} (1)."


def _parse_where(index: str, text: str, field_names: set[str] | None) -> tuple[tuple[str, str], ...]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _WHERE_TOKEN.match(text, position)
        if not match or match.end() == position:
            raise InvalidIndex(INVALID)
        position = match.end()
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "ident":
            bare = _unquote(value)
            if bare.upper() in _WHERE_KEYWORDS and value == bare:
                tokens.append(("keyword", bare.upper()))
                continue
            if bare.upper() in _WHERE_FORBIDDEN and value == bare:
                raise InvalidIndex(INVALID)
            if field_names is not None and bare not in field_names:
                raise InvalidIndex(_no_such_column(index, bare))
            tokens.append(("ident", bare))
        else:
            tokens.append((kind, value))
    return tuple(tokens)
