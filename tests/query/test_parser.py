"""Tests for baas.query.parser (PocketBase / fexpr filter syntax)."""

from __future__ import annotations

import random

import pytest

from baas.query.ast import Call, Comparison, Identifier, Literal, Logical, Placeholder
from baas.query.parser import (
    FUNCTIONS,
    MAX_EXPRESSIONS,
    MAX_FILTER_LENGTH,
    MAX_FUNCTION_DEPTH,
    MAX_NESTING_DEPTH,
    OPERATORS,
    FilterSyntaxError,
    parse,
)

# ---------------------------------------------------------------- helpers

I = Identifier
L = Literal
P = Placeholder


def cmp(left, op, right):
    """Comparison with plain Python values auto-wrapped: str -> Identifier, int/float -> Literal."""

    def wrap(v):
        if isinstance(v, str):
            return Identifier(v)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return Literal(float(v))
        return v

    return Comparison(wrap(left), op, wrap(right))


def AND(*items):
    return Logical("&&", items)


def OR(*items):
    return Logical("||", items)


def syntax_error(text: str) -> FilterSyntaxError:
    with pytest.raises(FilterSyntaxError) as info:
        parse(text)
    return info.value


ALL_OPS = [
    "=",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "~",
    "!~",
    "?=",
    "?!=",
    "?>",
    "?>=",
    "?<",
    "?<=",
    "?~",
    "?!~",
]


# ---------------------------------------------------------------- operators


def test_operator_set_is_complete():
    assert OPERATORS == frozenset(ALL_OPS)


@pytest.mark.parametrize("op", ALL_OPS)
def test_each_operator_spaced(op):
    assert parse(f"title {op} 'x'") == Comparison(I("title"), op, L("x"))


@pytest.mark.parametrize("op", ALL_OPS)
def test_each_operator_without_spaces(op):
    assert parse(f"a{op}1") == cmp("a", op, 1)


@pytest.mark.parametrize("op", ALL_OPS)
def test_any_of_and_base_op(op):
    node = parse(f"tags {op} 'x'")
    assert node.any_of is op.startswith("?")
    assert node.base_op == op.lstrip("?")
    assert node.base_op in {"=", "!=", ">", ">=", "<", "<=", "~", "!~"}


def test_operator_directly_followed_by_negative_number():
    assert parse("a!=-1") == cmp("a", "!=", -1)
    assert parse("a>=-0.5") == cmp("a", ">=", -0.5)
    assert parse("a?<-2") == cmp("a", "?<", -2)


@pytest.mark.parametrize(
    "text, bad, pos",
    [
        ("a==1", "==", 1),
        ("title == 1", "==", 6),
        ("a => 1", "=>", 2),
        ("a =< 1", "=<", 2),
        ("a <> 1", "<>", 2),
        ("a ! 1", "!", 2),
        ("a ? 1", "?", 2),
        ("a ?? 1", "??", 2),
        ("a =! 1", "=!", 2),
        ("a ~~ 1", "~~", 2),
        ("a ?=? 1", "?=?", 2),
        ("a !== 1", "!==", 2),
    ],
)
def test_invalid_operators(text, bad, pos):
    err = syntax_error(text)
    assert err.message == f'unexpected token "{bad}" at position {pos}'
    assert err.position == pos


# ---------------------------------------------------------------- logic


def test_and_binds_tighter_than_or():
    assert parse("a = 1 || b = 2 && c = 3") == OR(
        cmp("a", "=", 1), AND(cmp("b", "=", 2), cmp("c", "=", 3))
    )
    assert parse("a = 1 && b = 2 || c = 3") == OR(
        AND(cmp("a", "=", 1), cmp("b", "=", 2)), cmp("c", "=", 3)
    )


def test_parentheses_override_precedence():
    assert parse("(a = 1 || b = 2) && c = 3") == AND(
        OR(cmp("a", "=", 1), cmp("b", "=", 2)), cmp("c", "=", 3)
    )
    assert parse("a = 1 && (b = 2 || c = 3)") == AND(
        cmp("a", "=", 1), OR(cmp("b", "=", 2), cmp("c", "=", 3))
    )


def test_chains_are_flattened():
    assert parse("a = 1 && b = 2 && c = 3 && d = 4") == AND(
        cmp("a", "=", 1), cmp("b", "=", 2), cmp("c", "=", 3), cmp("d", "=", 4)
    )
    assert parse("a = 1 || b = 2 || c = 3") == OR(
        cmp("a", "=", 1), cmp("b", "=", 2), cmp("c", "=", 3)
    )
    assert parse("a=1 && b=2 || c=3 && d=4 && e=5 || f=6") == OR(
        AND(cmp("a", "=", 1), cmp("b", "=", 2)),
        AND(cmp("c", "=", 3), cmp("d", "=", 4), cmp("e", "=", 5)),
        cmp("f", "=", 6),
    )


def test_explicit_parentheses_are_kept_as_nesting():
    assert parse("(a = 1 && b = 2) && c = 3") == AND(
        AND(cmp("a", "=", 1), cmp("b", "=", 2)), cmp("c", "=", 3)
    )


def test_redundant_parentheses_disappear():
    assert parse("(a = 1)") == cmp("a", "=", 1)
    assert parse("(((a = 1)))") == cmp("a", "=", 1)
    assert parse("((a = 1) && ((b = 2)))") == AND(cmp("a", "=", 1), cmp("b", "=", 2))


def test_joins_without_spaces():
    assert parse("a=1&&b=2||c=3") == OR(
        AND(cmp("a", "=", 1), cmp("b", "=", 2)), cmp("c", "=", 3)
    )
    assert parse("(a=1)&&(b=2)") == AND(cmp("a", "=", 1), cmp("b", "=", 2))


def test_realistic_rule():
    text = (
        '@request.auth.id != "" && (author = @request.auth.id || '
        "@request.auth.role ?= 'admin') && status != 'draft'"
    )
    assert parse(text) == AND(
        Comparison(I("@request.auth.id"), "!=", L("")),
        OR(
            cmp("author", "=", "@request.auth.id"),
            Comparison(I("@request.auth.role"), "?=", L("admin")),
        ),
        Comparison(I("status"), "!=", L("draft")),
    )


# ---------------------------------------------------------------- literals


@pytest.mark.parametrize(
    "source, value",
    [
        ("123", 123.0),
        ("0", 0.0),
        ("007", 7.0),
        ("10.5", 10.5),
        ("1.50", 1.5),
        ("-14", -14.0),
        ("-0.5", -0.5),
        ("-0", 0.0),
    ],
)
def test_numbers(source, value):
    node = parse(f"n = {source}")
    assert node == Comparison(I("n"), "=", L(value))
    assert type(node.right.value) is float
    assert node.right.raw == source


def test_number_on_the_left():
    assert parse("5 < total") == Comparison(L(5.0), "<", I("total"))


@pytest.mark.parametrize(
    "source, value",
    [
        ("''", ""),
        ('""', ""),
        ("'hello'", "hello"),
        ('"hello"', "hello"),
        ("'it\\'s'", "it's"),
        ('"say \\"hi\\""', 'say "hi"'),
        ('"it\'s"', "it's"),
        ("'say \"hi\"'", 'say "hi"'),
        ("'\\\"'", '"'),
        ('"\\\'"', "'"),
        ("'a\\\\b'", "a\\b"),
        ("'a\\\\'", "a\\"),
        ('"\\\\"', "\\"),
        ("'50\\%'", "50\\%"),  # unknown escapes keep their backslash (LIKE ESCAPE '\')
        ("'a\\nb'", "a\\nb"),
        ("'  spaced  '", "  spaced  "),
        ("'multi\nline'", "multi\nline"),
        ("'héllo ✓'", "héllo ✓"),
        ("'a && b || (c) // d'", "a && b || (c) // d"),
        ("'{:notaplaceholder}'", "{:notaplaceholder}"),
    ],
)
def test_strings(source, value):
    node = parse(f"s = {source}")
    assert node == Comparison(I("s"), "=", L(value))
    assert node.right.raw == source


@pytest.mark.parametrize(
    "source, value",
    [
        ("true", True),
        ("false", False),
        ("null", None),
        ("TRUE", True),
        ("False", False),
        ("NULL", None),
    ],
)
def test_keywords_become_literals(source, value):
    node = parse(f"x = {source}")
    assert node == Comparison(I("x"), "=", L(value))
    assert node.right.raw == source
    assert parse(f"{source} != x") == Comparison(L(value), "!=", I("x"))


def test_keyword_lookalikes_stay_identifiers():
    assert parse("nullable = trueish") == cmp("nullable", "=", "trueish")
    assert parse("null.x = false_") == cmp("null.x", "=", "false_")


def test_literal_equality_distinguishes_bool_from_number_and_ignores_raw():
    assert L(True) != L(1.0)
    assert L(False) != L(0.0)
    assert L(None) != L("")
    assert L(1.0, "1") == L(1.0, "1.0")
    assert hash(L(1.0, "1")) == hash(L(1.0, "1.0"))
    assert parse("a = true") != parse("a = 1")


# ---------------------------------------------------------------- identifiers


@pytest.mark.parametrize(
    "name",
    [
        "title",
        "_id",
        "author.name",
        "@request.auth.id",
        "@request.body.tags:length",
        "@request.query.page",
        "@request.body.title:changed",
        "@request.body.title:isset",
        "@collection.members:m1.role",
        "@collection.members.user",
        "comments_via_post.title",
        "tags:each",
        "title:lower",
        "@now",
        "@todayStart",
        "@yesterday",
        "meta.a.b",
        "#hash",
        "a1.b2_c3",
        "expand.author.name",
    ],
)
def test_identifiers(name):
    assert parse(f"{name} = 1") == cmp(name, "=", 1)
    assert parse(f"x != {name}") == cmp("x", "!=", name)


def test_identifier_on_both_sides():
    assert parse("@request.auth.id = author.id") == cmp(
        "@request.auth.id", "=", "author.id"
    )


# ---------------------------------------------------------------- placeholders


def test_placeholders():
    assert parse("title = {:title}") == Comparison(I("title"), "=", P("title"))
    assert parse("{:a_1} <= {:B2}") == Comparison(P("a_1"), "<=", P("B2"))
    assert parse("a={:x}&&b={:y}") == AND(
        Comparison(I("a"), "=", P("x")), Comparison(I("b"), "=", P("y"))
    )


@pytest.mark.parametrize(
    "text",
    ["a = {:}", "a = {x}", "a = {:x", "a = {:x y}", "a = {", "a = {:x-y}", "a = }"],
)
def test_bad_placeholders(text):
    err = syntax_error(text)
    assert err.position == 4


# ---------------------------------------------------------------- functions


def test_geo_distance():
    assert parse(
        "geoDistance(address.lon, address.lat, 23.32, 42.69) < 25"
    ) == Comparison(
        Call("geoDistance", (I("address.lon"), I("address.lat"), L(23.32), L(42.69))),
        "<",
        L(25.0),
    )


def test_geo_distance_with_placeholders_negative_numbers_and_whitespace():
    text = "geoDistance( {:lon} ,{:lat},\n -0.5 , @request.query.lat ) <= {:km}"
    assert parse(text) == Comparison(
        Call("geoDistance", (P("lon"), P("lat"), L(-0.5), I("@request.query.lat"))),
        "<=",
        P("km"),
    )


def test_call_on_the_right():
    assert parse("5 > geoDistance(a, b, c, d)") == Comparison(
        L(5.0), ">", Call("geoDistance", (I("a"), I("b"), I("c"), I("d")))
    )


def test_strftime_variants():
    assert parse("strftime('%Y') = '2024'") == Comparison(
        Call("strftime", (L("%Y"),)), "=", L("2024")
    )
    assert parse("strftime('%Y-%m', created) = \"2024-01\"") == Comparison(
        Call("strftime", (L("%Y-%m"), I("created"))), "=", L("2024-01")
    )
    assert parse("strftime('%s', created, 'start of day', '+1 day') > 0") == Comparison(
        Call("strftime", (L("%s"), I("created"), L("start of day"), L("+1 day"))),
        ">",
        L(0.0),
    )
    ten = ", ".join(["'%Y'"] + [f"m{i}" for i in range(9)])
    assert parse(f"strftime({ten}) = 1") == Comparison(
        Call("strftime", (L("%Y"),) + tuple(I(f"m{i}") for i in range(9))), "=", L(1.0)
    )


def test_nested_calls_and_keyword_args():
    assert parse(
        "strftime('%Y', strftime('%Y-%m-%d', created)) = strftime('%Y', null)"
    ) == Comparison(
        Call("strftime", (L("%Y"), Call("strftime", (L("%Y-%m-%d"), I("created"))))),
        "=",
        Call("strftime", (L("%Y"), L(None))),
    )


def test_function_depth_limit():
    def nest(depth):
        return "x" if depth == 0 else f"strftime('%Y', {nest(depth - 1)})"

    assert MAX_FUNCTION_DEPTH == 3
    assert isinstance(parse(f"{nest(3)} = 1"), Comparison)
    err = syntax_error(f"{nest(4)} = 1")
    assert "nested too deeply" in err.message
    assert err.position == len("strftime('%Y', ") * 3


def test_known_functions():
    assert FUNCTIONS == {"geoDistance": (4, 4), "strftime": (1, 10)}


@pytest.mark.parametrize(
    "text, message, pos",
    [
        ("foo(a) = 1", 'unknown function "foo" at position 0', 0),
        ("GeoDistance(a,b,c,d) = 1", 'unknown function "GeoDistance" at position 0', 0),
        ("a = lower(b)", 'unknown function "lower" at position 4', 4),
        ("a.b(c) = 1", 'unknown function "a.b" at position 0', 0),
        (
            "geoDistance(a, b, c) < 1",
            'function "geoDistance" expects exactly 4 arguments, got 3 at position 0',
            0,
        ),
        (
            "geoDistance(a,b,c,d,e) < 1",
            'function "geoDistance" expects exactly 4 arguments, got 5 at position 0',
            0,
        ),
        (
            "geoDistance() < 1",
            'function "geoDistance" expects exactly 4 arguments, got 0 at position 0',
            0,
        ),
        (
            "strftime() = 1",
            'function "strftime" expects 1 to 10 arguments, got 0 at position 0',
            0,
        ),
        (
            "strftime('%Y',a,b,c,d,e,f,g,h,i,j) = 1",
            'function "strftime" expects 1 to 10 arguments, got 11 at position 0',
            0,
        ),
        (
            "strftime(created) = 1",
            'the first argument of "strftime" must be a string literal at position 0',
            0,
        ),
        (
            "strftime(5) = 1",
            'the first argument of "strftime" must be a string literal at position 0',
            0,
        ),
        (
            "strftime({:fmt}) = 1",
            'the first argument of "strftime" must be a string literal at position 0',
            0,
        ),
        (
            "geoDistance(a,b,c d) < 1",
            'expected "," or ")" after "c", found "d" at position 18',
            18,
        ),
        (
            "geoDistance(a,,c,d) < 1",
            'expected an operand after ",", found "," at position 14',
            14,
        ),
        (
            "geoDistance(,a,b,c,d) < 1",
            'expected an operand after "(", found "," at position 12',
            12,
        ),
        (
            "geoDistance(a,b,c,d,) < 1",
            'expected an operand after ",", found ")" at position 20',
            20,
        ),
        (
            "geoDistance(a,b,c,d",
            'missing ")" to close the call to "geoDistance" at position 0',
            0,
        ),
        (
            "geoDistance(a,b,c,",
            'expected an operand after ",", found end of input at position 18',
            18,
        ),
        (
            "geoDistance(a = 1, b, c, d) < 1",
            'expected "," or ")" after "a", found "=" at position 14',
            14,
        ),
        (
            "geoDistance((a),b,c,d) < 1",
            'expected an operand after "(", found "(" at position 12',
            12,
        ),
        (
            "geoDistance (a,b,c,d) < 1",
            'expected an operator after "geoDistance", found "(" at position 12',
            12,
        ),
    ],
)
def test_function_errors(text, message, pos):
    err = syntax_error(text)
    assert err.message == message
    assert err.position == pos


# ---------------------------------------------------------------- whitespace & comments


def test_whitespace_and_newlines_are_insignificant():
    expected = AND(
        cmp("a", "=", 1), OR(cmp("b", ">", 2), Comparison(I("c"), "~", L("x")))
    )
    assert parse("a = 1 && (b > 2 || c ~ 'x')") == expected
    assert parse("\n\t a\n=\n1\r\n&&\t(\nb>2\n||\nc~'x'\n)\n ") == expected
    assert parse("a=1&&(b>2||c~'x')") == expected


def test_comments():
    assert parse("a = 1 // trailing comment") == cmp("a", "=", 1)
    assert parse("// leading comment\na = 1") == cmp("a", "=", 1)
    assert parse("a = 1 && // why\n b = 2 // because\n") == AND(
        cmp("a", "=", 1), cmp("b", "=", 2)
    )
    assert parse("a = 1 // ) ' \" ( && $\n|| b = 2") == OR(
        cmp("a", "=", 1), cmp("b", "=", 2)
    )
    assert parse("a = 1//no space") == cmp("a", "=", 1)
    assert parse("geoDistance(a, // lon\n b, c, d) < 1") == Comparison(
        Call("geoDistance", (I("a"), I("b"), I("c"), I("d"))), "<", L(1.0)
    )
    assert parse("a = '// not a comment'") == Comparison(
        I("a"), "=", L("// not a comment")
    )


def test_comment_can_hide_the_rest_of_the_line():
    err = syntax_error("a = // 1")
    assert (
        err.message == 'expected an operand after "=", found end of input at position 8'
    )


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "text, message, pos",
    [
        # unterminated strings
        ("title = 'abc", "unterminated string starting at position 8", 8),
        ('title = "abc', "unterminated string starting at position 8", 8),
        ("title = 'abc\\'", "unterminated string starting at position 8", 8),
        ("title = 'abc\\", "unterminated string starting at position 8", 8),
        ("title = 'abc\"", "unterminated string starting at position 8", 8),
        ("'", "unterminated string starting at position 0", 0),
        # missing operand
        (
            "title =",
            'expected an operand after "=", found end of input at position 7',
            7,
        ),
        (
            "title = && b = 1",
            'expected an operand after "=", found "&&" at position 8',
            8,
        ),
        ("= 1", 'expected an expression, found "=" at position 0', 0),
        ("a = )", 'expected an operand after "=", found ")" at position 4', 4),
        ("a = (b)", 'expected an operand after "=", found "(" at position 4', 4),
        # missing operator / bare operand
        (
            "title",
            'expected an operator after "title", found end of input at position 5',
            5,
        ),
        (
            "title 'x'",
            'expected an operator after "title", found "\'x\'" at position 6',
            6,
        ),
        (
            "'x'",
            "expected an operator after \"'x'\", found end of input at position 3",
            3,
        ),
        (
            "{:p}",
            'expected an operator after "{:p}", found end of input at position 4',
            4,
        ),
        (
            "a = 1 && b",
            'expected an operator after "b", found end of input at position 10',
            10,
        ),
        ("(title)", 'expected an operator after "title", found ")" at position 6', 6),
        ("a b = 1", 'expected an operator after "a", found "b" at position 2', 2),
        (
            "geoDistance(a,b,c,d)",
            'expected an operator after "geoDistance(a,b,c,d)", found end of input at position 20',
            20,
        ),
        # sub-expression as an operand
        ("(a = 1) = 2", 'expected "&&" or "||" after ")", found "=" at position 8', 8),
        ("a = 1 = 2", 'expected "&&" or "||" after "1", found "=" at position 6', 6),
        # missing join
        ("a = 1 b = 2", 'expected "&&" or "||" after "1", found "b" at position 6', 6),
        (
            "(a = 1) (b = 2)",
            'expected "&&" or "||" after ")", found "(" at position 8',
            8,
        ),
        (
            "(a = 1 b = 2)",
            'expected "&&", "||" or ")" after "1", found "b" at position 7',
            7,
        ),
        ("a = 1, b = 2", 'expected "&&" or "||" after "1", found "," at position 5', 5),
        # dangling / doubled joins
        (
            "a = 1 &&",
            'expected an expression after "&&", found end of input at position 8',
            8,
        ),
        (
            "a = 1 ||",
            'expected an expression after "||", found end of input at position 8',
            8,
        ),
        ("&& a = 1", 'expected an expression, found "&&" at position 0', 0),
        (
            "a = 1 && || b = 2",
            'expected an expression after "&&", found "||" at position 9',
            9,
        ),
        (
            "a = 1 && && b = 2",
            'expected an expression after "&&", found "&&" at position 9',
            9,
        ),
        ("(&& a = 1)", 'expected an expression after "(", found "&&" at position 1', 1),
        ("(a = 1 &&)", 'expected an expression after "&&", found ")" at position 9', 9),
        ("a = 1 & b = 2", 'unexpected token "&" at position 6', 6),
        ("a = 1 | b = 2", 'unexpected token "|" at position 6', 6),
        ("a = 1 &&& b = 2", 'unexpected token "&&&" at position 6', 6),
        ("a = 1 &| b = 2", 'unexpected token "&|" at position 6', 6),
        # unbalanced parentheses
        ("(a = 1", 'missing ")" to close "(" at position 0', 0),
        ("a = 1 && ((b = 2)", 'missing ")" to close "(" at position 9', 9),
        ("a = 1)", 'unmatched ")" at position 5', 5),
        ("(a = 1))", 'unmatched ")" at position 7', 7),
        (")", 'expected an expression, found ")" at position 0', 0),
        ("()", 'expected an expression after "(", found ")" at position 1', 1),
        ("(", 'expected an expression after "(", found end of input at position 1', 1),
        # stray characters
        ("$ = 1", 'unexpected character "$" at position 0', 0),
        ("a = $b", 'unexpected character "$" at position 4', 4),
        ("a = 1 ; b = 2", 'unexpected character ";" at position 6', 6),
        ("a = [1]", 'unexpected character "[" at position 4', 4),
        ("a = 1 / 2", 'unexpected character "/" at position 6', 6),
        ("a = é", 'unexpected character "é" at position 4', 4),
        ("a = \x00", 'unexpected character "\\u0000" at position 4', 4),
        ("a = .5", 'unexpected character "." at position 4', 4),
        ("a = 1.2.3", 'unexpected character "." at position 7', 7),
        ("a = + 1", 'unexpected character "+" at position 4', 4),
        ("a = 1 ^ 2", 'unexpected character "^" at position 6', 6),
        # bad numbers
        ("a = -", 'unexpected character "-" at position 4', 4),
        ("a = - 1", 'unexpected character "-" at position 4', 4),
        ("a = --1", 'unexpected character "-" at position 4', 4),
        ("a = 1.", 'invalid number "1." at position 4', 4),
        ("a = 1.x", 'invalid number "1." at position 4', 4),
        ("a = 1e5", 'invalid number "1e5" at position 4', 4),
        ("a = 12abc", 'invalid number "12abc" at position 4', 4),
        ("a = 1-2", 'expected "&&" or "||" after "1", found "-2" at position 5', 5),
        (
            "a = " + "9" * 400,
            f'number "{"9" * 40}..." at position 4 is out of range',
            4,
        ),
        # bad identifiers
        ("a. = 1", 'invalid identifier "a." at position 0', 0),
        ("a: = 1", 'invalid identifier "a:" at position 0', 0),
        ("@ = 1", 'invalid identifier "@" at position 0', 0),
        ("_ = 1", 'invalid identifier "_" at position 0', 0),
        ("# = 1", 'invalid identifier "#" at position 0', 0),
        ("x = @request.", 'invalid identifier "@request." at position 4', 4),
        # empty
        ("", "empty filter expression at position 0", 0),
        ("   ", "empty filter expression at position 0", 0),
        ("\n\t\r\n", "empty filter expression at position 0", 0),
        ("// only a comment", "empty filter expression at position 0", 0),
    ],
)
def test_errors(text, message, pos):
    err = syntax_error(text)
    assert err.message == message
    assert str(err) == message
    assert err.position == pos
    assert isinstance(err, ValueError)


# ---------------------------------------------------------------- limits


def test_max_filter_length():
    assert MAX_FILTER_LENGTH == 3500
    prefix = "a = '"
    exact = prefix + "x" * (MAX_FILTER_LENGTH - len(prefix) - 1) + "'"
    assert len(exact) == MAX_FILTER_LENGTH
    assert parse(exact) == Comparison(I("a"), "=", L("x" * (MAX_FILTER_LENGTH - 6)))

    too_long = prefix + "x" * (MAX_FILTER_LENGTH - len(prefix)) + "'"
    err = syntax_error(too_long)
    assert (
        err.message == "filter is too long (3501 characters, max 3500) at position 3500"
    )
    assert err.position == MAX_FILTER_LENGTH
    # whitespace counts too: the limit is on the raw text
    assert syntax_error("a = 1" + " " * MAX_FILTER_LENGTH).position == MAX_FILTER_LENGTH


def test_max_expressions():
    assert MAX_EXPRESSIONS == 200
    many = " && ".join(f"f{i} = {i}" for i in range(MAX_EXPRESSIONS))
    assert parse(many) == Logical(
        "&&", tuple(cmp(f"f{i}", "=", i) for i in range(MAX_EXPRESSIONS))
    )

    too_many = "a=1||" * MAX_EXPRESSIONS + "a=1"
    err = syntax_error(too_many)
    assert (
        err.message
        == f"too many expressions (max 200) at position {5 * MAX_EXPRESSIONS}"
    )
    assert err.position == 5 * MAX_EXPRESSIONS


def test_max_expressions_counts_across_groups():
    group = "(" + " || ".join(["a=1"] * 50) + ")"
    assert isinstance(parse(" && ".join([group] * 4)), Logical)
    assert syntax_error(" && ".join([group] * 4) + " && b=2").message.startswith(
        "too many expressions"
    )


def test_nesting_depth():
    assert parse("(" * MAX_NESTING_DEPTH + "a = 1" + ")" * MAX_NESTING_DEPTH) == cmp(
        "a", "=", 1
    )
    err = syntax_error(
        "(" * (MAX_NESTING_DEPTH + 1) + "a = 1" + ")" * (MAX_NESTING_DEPTH + 1)
    )
    assert err.position == MAX_NESTING_DEPTH
    assert "nested too deeply" in err.message


def test_deep_nesting_within_length_limit_never_overflows_the_stack():
    half = (MAX_FILTER_LENGTH - 3) // 2
    assert syntax_error("(" * half + "a=1" + ")" * half).position == MAX_NESTING_DEPTH
    assert syntax_error("(" * MAX_FILTER_LENGTH).position == MAX_NESTING_DEPTH
    calls = "strftime('',"
    assert (
        "nested too deeply"
        in syntax_error(calls * 100 + "x" + ")" * 100 + "=1").message
    )


# ---------------------------------------------------------------- API / caching


def test_cache_returns_the_same_object():
    text = "cached = 'yes' && n > 1"
    first = parse(text)
    assert parse(text) is first
    assert parse(" " + text) is not first
    assert parse(" " + text) == first
    assert parse.cache_info().maxsize == 500


def test_errors_are_raised_every_time():
    for _ in range(2):
        with pytest.raises(FilterSyntaxError):
            parse("a ==")


def test_non_string_input_is_a_type_error():
    with pytest.raises(TypeError):
        parse(None)  # type: ignore[arg-type]


def test_nodes_are_frozen():
    node = parse("a = 1")
    with pytest.raises(AttributeError):
        node.op = "!="  # type: ignore[misc]


# ---------------------------------------------------------------- fuzzing

_FUZZ_PIECES = (
    list("abz_@#.:019-'\"\\(){},=!<>~?&|/ \n\t$;%")
    + [
        "&&",
        "||",
        "//",
        "{:p}",
        "geoDistance(",
        "strftime(",
        "'%Y'",
        "true",
        "null",
        "@request.auth.id",
    ]
    + ALL_OPS
)


def _random_text(rng: random.Random) -> str:
    return "".join(rng.choice(_FUZZ_PIECES) for _ in range(rng.randint(0, 30)))


def test_fuzz_random_text_only_raises_filter_syntax_error():
    rng = random.Random(20240611)
    parsed = 0
    for _ in range(5000):
        text = _random_text(rng)
        try:
            result = parse(text)
        except FilterSyntaxError as err:
            assert 0 <= err.position <= len(text), (text, err)
            assert err.message and str(err) == err.message
        else:
            assert isinstance(result, (Comparison, Logical)), text
            parsed += 1
    # Most random strings are invalid (the point is the exception type), but
    # make sure the success path is exercised too.
    assert parsed > 0


def test_fuzz_mutations_of_valid_filters_only_raise_filter_syntax_error():
    rng = random.Random(7)
    seeds = [
        "a = 1 && (b != 'x' || c ?~ \"y\")",
        "geoDistance(a, b, -1.5, {:p}) < 10 // note\n&& strftime('%Y', created) = '2024'",
        "@request.auth.id != '' && @collection.members:m.role ?= 'admin'",
    ]
    parsed = 0
    for _ in range(3000):
        chars = list(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(chars) + 1)
            action = rng.random()
            if action < 0.4 and chars:
                del chars[min(pos, len(chars) - 1)]
            elif action < 0.8:
                chars.insert(pos, rng.choice(_FUZZ_PIECES))
            elif chars:
                chars[min(pos, len(chars) - 1)] = rng.choice(_FUZZ_PIECES)
        text = "".join(chars)
        try:
            result = parse(text)
        except FilterSyntaxError as err:
            assert 0 <= err.position <= len(text), (text, err)
        else:
            assert isinstance(result, (Comparison, Logical)), text
            parsed += 1
    assert parsed > 100  # many mutations (e.g. extra whitespace) stay valid


def _random_operand(rng: random.Random, depth: int = 0):
    kind = rng.randrange(6 if depth < 2 else 5)
    if kind == 0:
        value = float(rng.randint(-1000, 1000)) / rng.choice([1, 4])
        return L(value), repr(value) if value != int(value) else str(int(value))
    if kind == 1:
        value = "".join(rng.choice("ab '\"\\%_") for _ in range(rng.randint(0, 6)))
        quote = rng.choice("'\"")
        body = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
        return L(value), quote + body + quote
    if kind == 2:
        name = rng.choice(
            ["title", "@request.auth.id", "tags:each", "a.b.c", "#x", "_y"]
        )
        return I(name), name
    if kind == 3:
        value = rng.choice([True, False, None])
        return L(value), {True: "true", False: "false", None: "null"}[value]
    if kind == 4:
        return P("p1"), "{:p1}"
    args = [_random_operand(rng, depth + 1) for _ in range(4)]
    return Call("geoDistance", tuple(a for a, _ in args)), "geoDistance(" + ", ".join(
        s for _, s in args
    ) + ")"


def _random_expr(rng: random.Random, depth: int = 0):
    if depth >= 3 or rng.random() < 0.4:
        (left, ls), (right, rs) = _random_operand(rng), _random_operand(rng)
        op = rng.choice(ALL_OPS)
        return Comparison(left, op, right), f"{ls} {op} {rs}"
    op = rng.choice(["&&", "||"])
    items, texts = [], []
    for _ in range(rng.randint(2, 4)):
        item, text = _random_expr(rng, depth + 1)
        # A nested Logical needs parentheses unless it is an && inside an ||.
        if isinstance(item, Logical) and not (item.op == "&&" and op == "||"):
            text = f"({text})"
        items.append(item)
        texts.append(text)
    return Logical(op, tuple(items)), f" {op} ".join(texts)


def test_round_trip_random_asts():
    rng = random.Random(1234)
    for _ in range(500):
        expected, text = _random_expr(rng)
        assert parse(text) == expected, text
