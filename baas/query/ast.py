"""AST for PocketBase filter / API-rule expressions.

``baas.query.parser.parse`` produces these nodes and the resolver / SQL
compiler consumes them.  Every node is a frozen, slotted dataclass: parsed
trees are cached and shared between requests, so they must be immutable.

Operands are deliberately *not* interpreted here: an ``Identifier`` keeps
the raw text (``"@request.body.tags:length"``) and splitting it into
segments, modifiers and macros is the resolver's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Call",
    "Comparison",
    "Expr",
    "Identifier",
    "Literal",
    "Logical",
    "Operand",
    "Placeholder",
]


@dataclass(frozen=True, slots=True)
class Literal:
    """A constant: a quoted string, a number, ``true``/``false`` or ``null``.

    Numbers are always ``float`` (``5`` -> ``5.0``), mirroring PocketBase which
    binds every numeric literal as a float64.  ``raw`` is the source text
    (quotes included for strings); it exists for error messages only and is
    ignored by equality and hashing.
    """

    value: str | float | bool | None
    raw: str = field(default="", compare=False, repr=False)

    def __eq__(self, other: object) -> bool:
        # Plain tuple equality would make Literal(True) == Literal(1.0) and
        # Literal(False) == Literal(0.0) (bool is an int subclass); in SQL
        # those are different constants, so the value's type must match too.
        if other.__class__ is not self.__class__:
            return NotImplemented
        return type(self.value) is type(other.value) and self.value == other.value  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Identifier:
    """A field path / macro, as written: ``title``, ``@request.auth.id``, ``tags:each``."""

    name: str


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A ``{:name}`` bound parameter; its value is supplied at compile time."""

    name: str


@dataclass(frozen=True, slots=True)
class Call:
    """A function call such as ``geoDistance(a, b, c, d)`` or ``strftime('%Y', created)``."""

    name: str
    args: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    """``left op right``; ``op`` is the operator text, e.g. ``"?>="``."""

    left: Operand
    op: str
    right: Operand

    @property
    def any_of(self) -> bool:
        """True for the ``?``-prefixed "any of" operators (``?=``, ``?!~`` ...)."""
        return self.op.startswith("?")

    @property
    def base_op(self) -> str:
        """The operator without its ``?`` prefix (``"?>="`` -> ``">="``)."""
        return self.op.removeprefix("?")


@dataclass(frozen=True, slots=True)
class Logical:
    """``&&`` / ``||`` over two or more items.

    Chains of the same operator are flattened (``a && b && c`` is one node
    with three items); explicit parentheses are kept as nested nodes.
    """

    op: str
    items: tuple[Expr, ...]


Operand = Literal | Identifier | Placeholder | Call
Expr = Comparison | Logical
