"""Parser for PocketBase's filter / API-rule language (the Go ``fexpr`` grammar).

Grammar (``&&`` binds tighter than ``||``)::

    filter     := or_expr EOF
    or_expr    := and_expr ( "||" and_expr )*
    and_expr   := term ( "&&" term )*
    term       := "(" or_expr ")" | comparison
    comparison := operand OPERATOR operand
    operand    := NUMBER | STRING | IDENTIFIER | PLACEHOLDER | call
    call       := NAME "(" [ operand ( "," operand )* ] ")"   # no space before "("

Both sides of a comparison are operands, never sub-expressions, so a bare
operand (``title``) or a compared group (``(a = 1) = 2``) is an error.

The implementation is a hand-written lexer (a single left-to-right pass, no
regular expressions, so no backtracking blow-ups) followed by a small
recursive-descent parser.  Every malformed input raises
``FilterSyntaxError`` -- the fuzz test in tests/query/test_parser.py holds
us to that.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass

from baas.query.ast import (
    Call,
    Comparison,
    Expr,
    Identifier,
    Literal,
    Logical,
    Operand,
    Placeholder,
)

__all__ = [
    "FUNCTIONS",
    "MAX_EXPRESSIONS",
    "MAX_FILTER_LENGTH",
    "MAX_FUNCTION_DEPTH",
    "MAX_NESTING_DEPTH",
    "OPERATORS",
    "FilterSyntaxError",
    "parse",
]

#: Longest accepted filter, in characters (PocketBase uses the same limit).
MAX_FILTER_LENGTH = 3500
#: Most comparisons accepted in one filter.
MAX_EXPRESSIONS = 200
#: Deepest accepted parenthesis nesting.  The parser is recursive; this
#: keeps the Python stack (about 3 frames per level) far from its limit.
MAX_NESTING_DEPTH = 100
#: Deepest accepted nesting of function calls (fexpr's own limit is 3).
MAX_FUNCTION_DEPTH = 3

#: Every comparison operator; the ``?`` forms are the "any of" variants.
OPERATORS = frozenset(
    ["=", "!=", ">", ">=", "<", "<=", "~", "!~"]
    + ["?=", "?!=", "?>", "?>=", "?<", "?<=", "?~", "?!~"]
)
#: Known functions -> (min args, max args).
FUNCTIONS: dict[str, tuple[int, int]] = {
    "geoDistance": (4, 4),
    "strftime": (1, 10),
}

_KEYWORDS = {"true": True, "false": False, "null": None}

# Character classes are explicit ASCII sets on purpose: str.isdigit() and
# str.isalpha() accept non-ASCII digits/letters ("٣", "²", "é") that fexpr
# rejects and that float() may not even understand.
_DIGITS = frozenset("0123456789")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_IDENT_SPECIAL_START = frozenset("_@#")
_IDENT_START = _LETTERS | _IDENT_SPECIAL_START
_IDENT_CONTINUE = _IDENT_START | _DIGITS | frozenset(".:")
_WORD = _LETTERS | _DIGITS | frozenset("_")  # \w, for placeholder names
_SIGN_CHARS = frozenset("=!<>~?")
_JOIN_CHARS = frozenset("&|")
_WHITESPACE = frozenset(" \t\n\r")


class FilterSyntaxError(ValueError):
    """A malformed filter.

    ``message`` is human readable (and already mentions the position);
    ``position`` is the 0-based character offset of the problem.
    """

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def _quote(text: str, limit: int = 40) -> str:
    """Quote source text for an error message (escaping control characters)."""
    if len(text) > limit:
        text = text[:limit] + "..."
    return json.dumps(text, ensure_ascii=False)


# --------------------------------------------------------------------------
# Lexer
# --------------------------------------------------------------------------

# Token kinds.  NAME is an identifier immediately followed by "(" -- a call.
NUMBER, STRING, IDENT, NAME, PLACEHOLDER = (
    "number",
    "string",
    "identifier",
    "name",
    "placeholder",
)
OP, JOIN, LPAREN, RPAREN, COMMA, EOF = "operator", "join", "(", ")", ",", "end of input"


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str  # exact source text
    pos: int  # offset of the first character
    value: object = None  # decoded value for NUMBER / STRING / PLACEHOLDER

    @property
    def end(self) -> int:
        return self.pos + len(self.text)


def _tokenize(text: str) -> list[_Token]:
    """Split ``text`` into tokens, dropping whitespace and ``//`` comments.

    Operator and join characters are read as maximal runs and then checked
    against the known set (as fexpr does), which is why ``a==1`` is an
    error ("==" is not an operator) while ``a=1`` and ``a!=-1`` are fine.
    """
    tokens: list[_Token] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        start = i

        if ch in _WHITESPACE:
            i += 1
        elif ch == "/":
            if not text.startswith("//", i):
                raise FilterSyntaxError(f'unexpected character "/" at position {i}', i)
            newline = text.find("\n", i)
            i = n if newline < 0 else newline + 1
        elif ch in "'\"":
            value, i = _scan_string(text, i)
            tokens.append(_Token(STRING, text[start:i], start, value))
        elif ch in _DIGITS or ch == "-":
            i = _scan_number(text, i)
            tokens.append(_Token(NUMBER, text[start:i], start, float(text[start:i])))
        elif ch in _IDENT_START:
            while i < n and text[i] in _IDENT_CONTINUE:
                i += 1
            word = text[start:i]
            if word[-1] in ".:" or (len(word) == 1 and word in _IDENT_SPECIAL_START):
                raise FilterSyntaxError(
                    f"invalid identifier {_quote(word)} at position {start}", start
                )
            kind = NAME if i < n and text[i] == "(" else IDENT
            tokens.append(_Token(kind, word, start))
        elif ch == "{":
            i = _scan_placeholder(text, i)
            tokens.append(
                _Token(PLACEHOLDER, text[start:i], start, text[start + 2 : i - 1])
            )
        elif ch in _SIGN_CHARS or ch in _JOIN_CHARS:
            charset = _SIGN_CHARS if ch in _SIGN_CHARS else _JOIN_CHARS
            while i < n and text[i] in charset:
                i += 1
            run = text[start:i]
            if charset is _SIGN_CHARS and run in OPERATORS:
                tokens.append(_Token(OP, run, start))
            elif charset is _JOIN_CHARS and run in ("&&", "||"):
                tokens.append(_Token(JOIN, run, start))
            else:
                raise FilterSyntaxError(
                    f"unexpected token {_quote(run)} at position {start}", start
                )
        elif ch in "(),":
            i += 1
            tokens.append(_Token(ch, ch, start))
        else:
            raise FilterSyntaxError(
                f"unexpected character {_quote(ch)} at position {i}", i
            )

    tokens.append(_Token(EOF, "", n))
    return tokens


def _scan_string(text: str, start: int) -> tuple[str, int]:
    """Scan a quoted string at ``start``; return (decoded value, end offset).

    ``\\'``, ``\\"`` and ``\\\\`` decode to the bare character.  Any other
    backslash pair is kept verbatim, backslash included, as fexpr does:
    PocketBase compiles ``~`` to ``LIKE ... ESCAPE '\\'``, so ``'50\\%'`` has
    to reach the compiler with its backslash to mean a literal percent.
    """
    quote = text[start]
    out: list[str] = []
    i = start + 1
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            nxt = text[i + 1]
            out.append(nxt if nxt in "'\"\\" else ch + nxt)
            i += 2
        elif ch == "\\":
            break  # a trailing backslash escapes nothing: unterminated
        elif ch == quote:
            return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    raise FilterSyntaxError(f"unterminated string starting at position {start}", start)


def _scan_number(text: str, start: int) -> int:
    """Scan ``-?digits(.digits)?`` at ``start``; return the end offset.

    The minus sign belongs to the literal (``a>-1``), so it must be followed
    by a digit.  Exponents, a leading or trailing dot, and a number running
    straight into letters (``1e5``, ``12abc``) are rejected.
    """
    n = len(text)
    i = start + 1 if text[start] == "-" else start
    if i >= n or text[i] not in _DIGITS:
        raise FilterSyntaxError(f'unexpected character "-" at position {start}', start)
    while i < n and text[i] in _DIGITS:
        i += 1
    if i < n and text[i] == ".":
        i += 1
        if i >= n or text[i] not in _DIGITS:
            raise FilterSyntaxError(
                f"invalid number {_quote(text[start:i])} at position {start}", start
            )
        while i < n and text[i] in _DIGITS:
            i += 1
    if i < n and text[i] in _IDENT_START:
        end = i
        while end < n and text[end] in _IDENT_CONTINUE:
            end += 1
        raise FilterSyntaxError(
            f"invalid number {_quote(text[start:end])} at position {start}", start
        )
    if math.isinf(float(text[start:i])):
        raise FilterSyntaxError(
            f"number {_quote(text[start:i])} at position {start} is out of range", start
        )
    return i


def _scan_placeholder(text: str, start: int) -> int:
    """Scan ``{:name}`` (name = ASCII ``\\w+``) at ``start``; return the end offset."""
    n = len(text)
    i = start + 2
    while i < n and text[i] in _WORD:
        i += 1
    if not text.startswith("{:", start) or i == start + 2 or i >= n or text[i] != "}":
        raise FilterSyntaxError(
            f"invalid placeholder at position {start} (expected {{:name}})", start
        )
    return i + 1


# --------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------


def _describe(token: _Token) -> str:
    return "end of input" if token.kind == EOF else _quote(token.text)


class _Parser:
    """Recursive descent over the token list; one method per grammar rule."""

    def __init__(self, text: str, tokens: list[_Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0
        self.comparisons = 0

    # -- helpers -----------------------------------------------------------

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def previous(self) -> _Token:
        return self.tokens[self.index - 1]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != EOF:
            self.index += 1
        return token

    def expected(self, what: str, found: _Token) -> FilterSyntaxError:
        """``expected <what> after "<prev>", found <found> at position N``."""
        after = f" after {_quote(self.previous().text)}" if self.index > 0 else ""
        return FilterSyntaxError(
            f"expected {what}{after}, found {_describe(found)} at position {found.pos}",
            found.pos,
        )

    # -- grammar -----------------------------------------------------------

    def parse_filter(self) -> Expr:
        if self.peek().kind == EOF:
            raise FilterSyntaxError("empty filter expression at position 0", 0)
        expr = self.parse_or(0)
        token = self.peek()
        if token.kind == RPAREN:
            raise FilterSyntaxError(f'unmatched ")" at position {token.pos}', token.pos)
        if token.kind != EOF:
            raise self.expected('"&&" or "||"', token)
        return expr

    def parse_or(self, depth: int) -> Expr:
        return self.parse_chain("||", self.parse_and, depth)

    def parse_and(self, depth: int) -> Expr:
        return self.parse_chain("&&", self.parse_term, depth)

    def parse_chain(self, op: str, parse_item, depth: int) -> Expr:
        """``item (op item)*`` -> the single item, or one flat ``Logical``."""
        items = [parse_item(depth)]
        while self.peek().kind == JOIN and self.peek().text == op:
            self.advance()
            items.append(parse_item(depth))
        return items[0] if len(items) == 1 else Logical(op, tuple(items))

    def parse_term(self, depth: int) -> Expr:
        token = self.peek()
        if token.kind != LPAREN:
            return self.parse_comparison()
        if depth >= MAX_NESTING_DEPTH:
            raise FilterSyntaxError(
                f"parentheses nested too deeply (max {MAX_NESTING_DEPTH}) at position {token.pos}",
                token.pos,
            )
        self.advance()
        inner = self.parse_or(depth + 1)
        closing = self.peek()
        if closing.kind == EOF:
            raise FilterSyntaxError(
                f'missing ")" to close "(" at position {token.pos}', token.pos
            )
        if closing.kind != RPAREN:
            raise self.expected('"&&", "||" or ")"', closing)
        self.advance()
        return inner

    def parse_comparison(self) -> Comparison:
        start = self.peek()
        if start.kind not in (NUMBER, STRING, IDENT, NAME, PLACEHOLDER):
            raise self.expected("an expression", start)
        left = self.parse_operand(0)
        op = self.peek()
        if op.kind != OP:
            left_text = self.text[start.pos : self.previous().end]
            raise FilterSyntaxError(
                f"expected an operator after {_quote(left_text)}, found {_describe(op)} "
                f"at position {op.pos}",
                op.pos,
            )
        self.advance()
        right = self.parse_operand(0)
        self.comparisons += 1
        if self.comparisons > MAX_EXPRESSIONS:
            raise FilterSyntaxError(
                f"too many expressions (max {MAX_EXPRESSIONS}) at position {start.pos}",
                start.pos,
            )
        return Comparison(left, op.text, right)

    def parse_operand(self, call_depth: int) -> Operand:
        token = self.peek()
        if token.kind == NUMBER or token.kind == STRING:
            self.advance()
            return Literal(token.value, token.text)  # type: ignore[arg-type]
        if token.kind == IDENT:
            self.advance()
            keyword = token.text.lower()
            if keyword in _KEYWORDS:
                return Literal(_KEYWORDS[keyword], token.text)
            return Identifier(token.text)
        if token.kind == PLACEHOLDER:
            self.advance()
            return Placeholder(token.value)  # type: ignore[arg-type]
        if token.kind == NAME:
            return self.parse_call(call_depth + 1)
        raise self.expected("an operand", token)

    def parse_call(self, call_depth: int) -> Call:
        name = self.advance()
        if name.text not in FUNCTIONS:
            raise FilterSyntaxError(
                f"unknown function {_quote(name.text)} at position {name.pos}", name.pos
            )
        if call_depth > MAX_FUNCTION_DEPTH:
            raise FilterSyntaxError(
                f"function calls nested too deeply (max {MAX_FUNCTION_DEPTH}) at position {name.pos}",
                name.pos,
            )
        self.advance()  # "(" -- the lexer only emits NAME when "(" follows
        args: list[Operand] = []
        if self.peek().kind == RPAREN:
            self.advance()
        else:
            while True:
                args.append(self.parse_operand(call_depth))
                token = self.advance()
                if token.kind == RPAREN:
                    break
                if token.kind != COMMA:
                    if token.kind == EOF:
                        raise FilterSyntaxError(
                            f'missing ")" to close the call to {_quote(name.text)} '
                            f"at position {name.pos}",
                            name.pos,
                        )
                    self.index -= 1  # report relative to the last argument
                    raise self.expected('"," or ")"', token)
        return self.check_call(name, tuple(args))

    def check_call(self, name: _Token, args: tuple[Operand, ...]) -> Call:
        """Validate arity (and strftime's format argument) of a parsed call."""
        low, high = FUNCTIONS[name.text]
        if not low <= len(args) <= high:
            expects = f"exactly {low}" if low == high else f"{low} to {high}"
            raise FilterSyntaxError(
                f"function {_quote(name.text)} expects {expects} arguments, got {len(args)} "
                f"at position {name.pos}",
                name.pos,
            )
        if name.text == "strftime" and not (
            isinstance(args[0], Literal) and isinstance(args[0].value, str)
        ):
            raise FilterSyntaxError(
                f'the first argument of "strftime" must be a string literal at position {name.pos}',
                name.pos,
            )
        return Call(name.text, args)


@functools.lru_cache(maxsize=500)
def parse(text: str) -> Expr:
    """Parse a filter / rule expression into an AST.

    Results are cached per text (the nodes are immutable, so sharing is
    safe); errors are not cached.  Raises ``FilterSyntaxError`` for every
    malformed input, including empty or whitespace-only text -- callers
    treat ``""`` as "no filter" before getting here.
    """
    if not isinstance(text, str):
        raise TypeError(f"filter must be a str, not {type(text).__name__}")
    if len(text) > MAX_FILTER_LENGTH:
        raise FilterSyntaxError(
            f"filter is too long ({len(text)} characters, max {MAX_FILTER_LENGTH}) "
            f"at position {MAX_FILTER_LENGTH}",
            MAX_FILTER_LENGTH,
        )
    return _Parser(text, _tokenize(text)).parse_filter()
