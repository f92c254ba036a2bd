"""Index statements: parsed from PocketBase's SQLite syntax, checked against the fields, rendered per dialect."""

from __future__ import annotations

import pytest

from baas.schema.indexes import IndexColumn, InvalidIndex, normalize_table, parse_index

FIELDS = {"id", "title", "email", "n"}


def no_such_column(index: str, column: str) -> str:
    return f"Failed to create index {index} - SQL logic error: no such column: {column} (1)."


# ---- parsing ----------------------------------------------------------------------------------------------


def test_parses_a_plain_index():
    index = parse_index("CREATE INDEX idx_title ON posts (title)", FIELDS)
    assert (index.name, index.unique, index.table) == ("idx_title", False, "posts")
    assert index.columns == (IndexColumn("title"),)


def test_parses_a_unique_multi_column_index_with_backticks():
    index = parse_index("CREATE UNIQUE INDEX `idx_x` ON `posts` (`title`, `n` DESC)", FIELDS)
    assert index.unique is True
    assert index.columns == (IndexColumn("title"), IndexColumn("n", order="DESC"))


@pytest.mark.parametrize(
    "sql",
    [
        'create index "idx_q" on "posts" ("title")',
        "CREATE INDEX [idx_q] ON [posts] ([title])",
        "CREATE INDEX IF NOT EXISTS idx_q ON posts (title);",
        "  CREATE\n INDEX idx_q\n ON posts(title)  ",
    ],
)
def test_accepts_every_quoting_style_and_spacing(sql):
    index = parse_index(sql, FIELDS)
    assert (index.name, index.columns[0].name) == ("idx_q", "title")


def test_parses_collation_and_function_columns():
    index = parse_index("CREATE UNIQUE INDEX idx_e ON users (lower(email), title COLLATE NOCASE)", FIELDS)
    assert index.columns == (IndexColumn("email", function="lower"), IndexColumn("title", collate="NOCASE"))


def test_keeps_the_where_clause_of_a_partial_index():
    index = parse_index("CREATE UNIQUE INDEX idx_e ON users (`email`) WHERE `email` != ''", FIELDS)
    assert index.where_sql == "`email` != ''"
    assert index.where == (("ident", "email"), ("op", "!="), ("string", "''"))


def test_accepts_the_empty_table_name_of_the_auth_scaffold():
    index = parse_index("CREATE UNIQUE INDEX `idx_tokenKey_abc` ON `` (`title`)", FIELDS)
    assert index.table == ""


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE INDEX foo",
        "CREATE INDEX ON posts (title)",
        "CREATE INDEX idx ON posts ()",
        "CREATE TABLE x (title)",
        "CREATE INDEX idx ON posts (title); DROP TABLE posts",
        "CREATE INDEX idx ON posts (title) WHERE (SELECT 1) = 1",
        "CREATE INDEX idx ON posts (title) WHERE title = 'a'; DELETE FROM posts",
        "CREATE INDEX idx ON posts (json_extract(title, '$.a'))",
        "CREATE INDEX idx ON posts (random(title))",
        "",
    ],
)
def test_refuses_anything_but_one_simple_create_index(sql):
    with pytest.raises(InvalidIndex, match=r"^Invalid CREATE INDEX expression\.$"):
        parse_index(sql, FIELDS)


def test_refuses_a_non_string():
    with pytest.raises(InvalidIndex):
        parse_index(None, FIELDS)  # type: ignore[arg-type]


def test_names_an_unknown_column_as_pocketbase_does():
    with pytest.raises(InvalidIndex) as error:
        parse_index("CREATE INDEX idx_foo ON c_idx2 (nope)", FIELDS)
    assert str(error.value) == no_such_column("idx_foo", "nope")


def test_names_an_unknown_column_inside_a_function():
    with pytest.raises(InvalidIndex) as error:
        parse_index("CREATE INDEX idx_foo ON posts (lower(nope))", FIELDS)
    assert str(error.value) == no_such_column("idx_foo", "nope")


def test_names_an_unknown_column_of_the_where_clause():
    with pytest.raises(InvalidIndex) as error:
        parse_index("CREATE INDEX idx_w ON posts (title) WHERE nope = 1", FIELDS)
    assert str(error.value) == no_such_column("idx_w", "nope")


def test_refuses_an_unknown_collation():
    with pytest.raises(InvalidIndex, match="no such collation sequence: klingon"):
        parse_index("CREATE INDEX idx ON posts (title COLLATE klingon)", FIELDS)


def test_without_field_names_no_column_is_checked():
    assert parse_index("CREATE INDEX idx ON posts (whatever)").columns[0].name == "whatever"


# ---- rendering --------------------------------------------------------------------------------------------


def test_renders_sqlite_with_backticks_on_the_collection_table():
    index = parse_index("CREATE UNIQUE INDEX idx ON old_name (title, n DESC)", FIELDS)
    assert index.render("sqlite", "posts") == "CREATE UNIQUE INDEX `idx` ON `posts` (`title`, `n` DESC)"


def test_renders_postgresql_with_double_quotes():
    index = parse_index("CREATE INDEX `idx` ON `posts` (`title`)", FIELDS)
    assert index.render("postgresql", "posts") == 'CREATE INDEX "idx" ON "posts" ("title")'


def test_nocase_becomes_lower_on_postgresql():
    index = parse_index("CREATE UNIQUE INDEX idx ON users (email COLLATE NOCASE)", FIELDS)
    assert index.render("sqlite", "users") == "CREATE UNIQUE INDEX `idx` ON `users` (`email` COLLATE NOCASE)"
    assert index.render("postgresql", "users") == 'CREATE UNIQUE INDEX "idx" ON "users" (lower("email"))'


def test_renders_a_function_column_on_both():
    index = parse_index("CREATE INDEX idx ON users (LOWER(`email`))", FIELDS)
    assert index.render("sqlite", "users") == "CREATE INDEX `idx` ON `users` (lower(`email`))"
    assert index.render("postgresql", "users") == 'CREATE INDEX "idx" ON "users" (lower("email"))'


def test_renders_the_where_clause_with_quoted_identifiers():
    index = parse_index("CREATE UNIQUE INDEX idx ON users (email) WHERE email != '' AND n > 5", FIELDS)
    assert index.render("postgresql", "users").endswith(""" WHERE "email" != '' AND "n" > 5""")
    assert index.render("sqlite", "users").endswith(" WHERE `email` != '' AND `n` > 5")


# ---- normalising the table name -----------------------------------------------------------------------------


def test_normalize_keeps_a_statement_on_the_right_table_verbatim():
    sql = "CREATE INDEX idx_t ON posts (title)"
    assert normalize_table(sql, "posts") == sql


def test_normalize_rewrites_another_table_as_pocketbase_stores_it():
    assert normalize_table("CREATE INDEX idx_t ON old (title)", "posts") == "CREATE INDEX `idx_t` ON `posts` (`title`)"


def test_normalize_puts_several_columns_on_their_own_lines_and_keeps_where():
    sql = "CREATE UNIQUE INDEX idx_n ON h_src (n, title) WHERE title != ''"
    assert normalize_table(sql, "h_src2") == "CREATE UNIQUE INDEX `idx_n` ON `h_src2` (\n  `n`,\n  `title`\n) WHERE title != ''"


def test_normalize_fills_the_empty_scaffold_table():
    sql = "CREATE UNIQUE INDEX `idx_email_x` ON `` (`email`) WHERE `email` != ''"
    assert normalize_table(sql, "members") == "CREATE UNIQUE INDEX `idx_email_x` ON `members` (`email`) WHERE `email` != ''"


def test_normalize_leaves_an_unparsable_statement_for_the_checks():
    assert normalize_table("CREATE INDEX foo", "posts") == "CREATE INDEX foo"
