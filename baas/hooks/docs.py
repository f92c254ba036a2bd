"""Render the hook reference (docs/hooks.md) from `specs.py` and `events.py`: `python -m baas.hooks.docs > docs/hooks.md`.

The docstrings of the specifications are the plugin author's reference; this module only lays them out, in
the order and under the section comments (`# ---- records ----`) of specs.py, followed by the event
payloads. tests/plugins/test_plugin_docs.py fails when the committed file differs from what this prints,
so a new or changed hook means running the command above.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import sys
from typing import Any

from . import PROJECT, events, specs

COMMAND = "python -m baas.hooks.docs > docs/hooks.md"
_SECTION = re.compile(r"^# -+ (?P<title>.+?) -*$")


def _sections() -> list[tuple[int, str]]:
    """(line number, title) of each `# ---- title ----` comment of specs.py."""
    lines = inspect.getsource(specs).splitlines()
    found = []
    for number, line in enumerate(lines, start=1):
        match = _SECTION.match(line.strip())
        if match:
            found.append((number, match.group("title")))
    return found


def _hooks() -> list[tuple[int, str, Any]]:
    marker = f"{PROJECT}_spec"
    found = [
        (function.__code__.co_firstlineno, name, function)
        for name, function in vars(specs).items()
        if inspect.isfunction(function) and hasattr(function, marker)
    ]
    return sorted(found, key=lambda item: item[0])


def _signature(name: str, function: Any) -> str:
    parameters = ", ".join(inspect.signature(function).parameters)
    return f"{name}({parameters})"


def _doc(obj: Any) -> str:
    return inspect.cleandoc(obj.__doc__ or "").strip()


def render() -> str:
    out = [
        "# Hook reference",
        "",
        f"<!-- Generated from baas/hooks/specs.py and baas/hooks/events.py by `{COMMAND}`; do not edit by hand. -->",
        "",
        "Implement a hook by defining a function (or method) of the same name marked with `@hookimpl`",
        "(`from baas.plugin_api import hookimpl`) and taking some or all of the hook's arguments, by name.",
        "Hooks marked *first result* stop at the first implementation that returns something other than None:",
        "baas's own default is the last implementation, so returning a value skips it. See docs/plugins.md.",
        "",
        _doc(specs),
        "",
    ]
    sections = _sections()
    current = None
    for line, name, function in _hooks():
        title = next((title for number, title in reversed(sections) if number < line), "Hooks")
        if title != current:
            out += [f"## {title[0].upper()}{title[1:]}", ""]
            current = title
        options = getattr(function, f"{PROJECT}_spec")
        flags = " — *first result*" if options.get("firstresult") else ""
        out += [f"### `{_signature(name, function)}`{flags}", "", _doc(function), ""]
    out += ["## Event payloads", "", _doc(events), ""]
    classes = [value for value in vars(events).values() if inspect.isclass(value) and dataclasses.is_dataclass(value) and value.__module__ == events.__name__]
    for cls in sorted(classes, key=lambda value: inspect.getsourcelines(value)[1]):
        bases = [base.__name__ for base in cls.__bases__ if base is not object]
        out += [f"### `{cls.__name__}`" + (f" ({', '.join(bases)})" if bases else ""), "", _doc(cls), ""]
        own = [field for field in dataclasses.fields(cls)]
        out += [f"- `{field.name}`: `{_annotation(field.type)}`" for field in own]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _annotation(value: Any) -> str:
    return value if isinstance(value, str) else getattr(value, "__name__", repr(value))


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
