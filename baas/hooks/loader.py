"""Find, import, validate and register plugins; any problem is one `PluginLoadError` at startup.

Three sources, registered in this order (pluggy calls the last registered first, so a folder plugin's
implementation of a hook runs before an installed one's, which runs before a bundled one's):

1. bundled plugins, the subpackages of `baas.plugins` (`audit_log`, `webhooks`, `hello`): opt-in, loaded
   only when named in `config.plugins_enabled` (`BAAS_PLUGINS_ENABLED=audit_log,webhooks`);
2. installed distributions exposing the entry-point group `baas.plugins` (`name = "module"` or
   `name = "module:object"`), on by default;
3. the plugins folder (`config.plugins_dir`, `baas serve --plugins-dir`, `BAAS_PLUGINS_DIR`): every
   `*.py` file and every package (a folder with `__init__.py`) directly inside it, in name order; names
   starting with `_` or `.` are skipped. On by default.

A plugin's name is its bundled name, its entry-point name, or its file / folder name without `.py`.
`config.plugins_disabled` (`BAAS_PLUGINS_DISABLED=name,...`) skips plugins by that name, whatever the
source, and wins over `plugins_enabled`.

What is registered: the plugin module (or entry-point object) itself, so its `@hookimpl` functions are
hook implementations; and, if it defines `register(app)`, whatever that returns (an object whose
`@hookimpl` methods hold per-App state, or None). Validation happens right then: an implementation of a
hook that does not exist, or asking for an argument its hook does not have, raises a `PluginLoadError`
naming the plugin, the hook and the problem, as does a plugin that fails to import or a function named
like a hook (`baas_...`) but not marked `@hookimpl`.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import importlib
import importlib.util
import inspect
import logging
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable

import pluggy

from . import PROJECT

if TYPE_CHECKING:
    from ..config import Config
    from .manager import HookManager

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "baas.plugins"
BUNDLED_PACKAGE = "baas.plugins"
#: folder plugins are imported under this prefix plus a digest of their folder, so the same file name in
#: two folders (two apps in one test process) never collides in `sys.modules`
FOLDER_MODULE_PREFIX = "baas_local_plugins"


class PluginLoadError(Exception):
    """A plugin could not be loaded; the message names the plugin (and the hook, if one is at fault)."""

    def __init__(self, plugin: str, message: str, hook: str | None = None):
        self.plugin = plugin
        self.hook = hook
        where = f"plugin {plugin!r}" + (f", hook {hook!r}" if hook else "")
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class PluginSource:
    """One plugin found by discovery, not imported yet."""

    name: str
    origin: str  # "bundled", "entry point" or "folder", for messages
    location: str  # module path, entry point value or file path
    load: Callable[[], Any]


# ---- discovery -------------------------------------------------------------------------------------
def bundled_names() -> list[str]:
    """The bundled plugins this installation ships (subpackages of `baas.plugins`)."""
    package = importlib.import_module(BUNDLED_PACKAGE)
    return sorted(
        path.name for path in Path(package.__file__).parent.iterdir() if (path / "__init__.py").is_file() and not path.name.startswith("_")
    )


def discover(config: "Config") -> list[PluginSource]:
    """Every plugin the configuration asks for, in registration order, disabled ones left out."""
    disabled = set(config.plugins_disabled)
    found: list[PluginSource] = []
    available = bundled_names() if config.plugins_enabled else []
    for name in config.plugins_enabled:
        if name not in available:
            raise PluginLoadError(name, f"no bundled plugin of that name (bundled: {', '.join(available)})")
        found.append(PluginSource(name, "bundled", f"{BUNDLED_PACKAGE}.{name}", _importer(f"{BUNDLED_PACKAGE}.{name}")))
    for entry_point in _entry_points(tuple(sys.path)):
        found.append(PluginSource(entry_point.name, "entry point", entry_point.value, entry_point.load))
    if config.plugins_dir is not None and Path(config.plugins_dir).is_dir():
        for path in sorted(Path(config.plugins_dir).iterdir()):
            if path.name.startswith(("_", ".")):
                continue
            if path.suffix == ".py" and path.is_file():
                found.append(PluginSource(path.stem, "folder", str(path), _file_importer(path)))
            elif path.is_dir() and (path / "__init__.py").is_file():
                found.append(PluginSource(path.name, "folder", str(path), _file_importer(path)))
    seen: dict[str, PluginSource] = {}
    for source in found:
        if source.name in seen:
            first = seen[source.name]
            raise PluginLoadError(
                source.name, f"two plugins have this name ({first.origin} {first.location} and {source.origin} {source.location})"
            )
        seen[source.name] = source
    return [source for source in found if source.name not in disabled]


def _importer(module_name: str) -> Callable[[], ModuleType]:
    return lambda: importlib.import_module(module_name)


def _file_importer(path: Path) -> Callable[[], ModuleType]:
    def load() -> ModuleType:
        digest = hashlib.sha1(str(path.parent.resolve()).encode()).hexdigest()[:10]
        name = f"{FOLDER_MODULE_PREFIX}_{digest}.{path.stem}"
        if name in sys.modules:
            return sys.modules[name]
        parent = f"{FOLDER_MODULE_PREFIX}_{digest}"
        if parent not in sys.modules:  # a bare namespace, so the plugin's own relative imports work
            namespace = ModuleType(parent)
            namespace.__path__ = [str(path.parent)]
            sys.modules[parent] = namespace
        if path.is_dir():
            spec = importlib.util.spec_from_file_location(name, path / "__init__.py", submodule_search_locations=[str(path)])
        else:
            spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        return module

    return load


# ---- loading ---------------------------------------------------------------------------------------
def load_plugins(app: Any, hooks: "HookManager | None" = None) -> list[str]:
    """Import and register every plugin `app.config` asks for; the names registered, in order."""
    hooks = hooks or app.hooks
    loaded = []
    for source in discover(app.config):
        load_plugin(app, hooks, source)
        loaded.append(source.name)
        log.info("plugin %s loaded (%s %s)", source.name, source.origin, source.location)
    return loaded


def load_plugin(app: Any, hooks: "HookManager", source: PluginSource) -> None:
    try:
        plugin = source.load()
    except Exception as error:
        raise PluginLoadError(source.name, f"failed to import {source.location}: {type(error).__name__}: {error}") from error
    _check_unmarked(source.name, plugin)
    _register(hooks, source.name, plugin, source.name)
    register = getattr(plugin, "register", None)
    if callable(register):
        try:
            extra = register(app)
        except Exception as error:
            raise PluginLoadError(source.name, f"register(app) failed: {type(error).__name__}: {error}") from error
        if extra is not None:
            _check_unmarked(source.name, extra)
            _register(hooks, f"{source.name}:{type(extra).__name__}", extra, source.name)


@functools.lru_cache(maxsize=8)
def _entry_points(search_path: tuple[str, ...]) -> list[Any]:
    """Installed `baas.plugins` entry points; scanning site-packages is slow, so once per `sys.path`."""
    return sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


def _register(hooks: "HookManager", name: str, plugin: Any, plugin_name: str) -> None:
    try:
        hooks.register(plugin, name)
    except pluggy.PluginValidationError as error:
        if hooks.is_registered(name):
            hooks.unregister(name)
        hook = _hook_of(error)
        raise PluginLoadError(plugin_name, _describe(hooks, error, hook), hook) from error
    except ValueError as error:  # pluggy: the same object or name registered twice
        raise PluginLoadError(plugin_name, str(error)) from error


def _check_unmarked(plugin_name: str, plugin: Any) -> None:
    """A `baas_*` function without `@hookimpl` would be silently ignored: refuse it instead."""
    for attribute in dir(plugin):
        if not attribute.startswith(f"{PROJECT}_"):
            continue
        value = getattr(plugin, attribute, None)
        if inspect.isroutine(value) and not hasattr(value, f"{PROJECT}_impl"):
            raise PluginLoadError(plugin_name, "named like a hook but not marked with @hookimpl", attribute)


def _hook_of(error: pluggy.PluginValidationError) -> str | None:
    """The hook a pluggy validation message is about (pluggy quotes it: `hook 'baas_...'`)."""
    match = re.search(r"hook '([^']+)'", str(error))
    return match.group(1) if match else None


def _describe(hooks: "HookManager", error: pluggy.PluginValidationError, hook: str | None) -> str:
    """pluggy's message, said for a plugin author: what is wrong and what the hook looks like."""
    text = str(error)
    known = sorted(name for name in vars(hooks.hook) if not name.startswith("_") and getattr(hooks.hook, name).has_spec())
    if text.startswith("unknown hook"):
        close = difflib.get_close_matches(hook or "", known, n=1)
        return "no such hook" + (f" (did you mean {close[0]!r}?)" if close else " (see docs/hooks.md)")
    spec = getattr(hooks.hook, hook).spec if hook in known else None
    wanted = f"{hook}({', '.join(spec.argnames)})" if spec is not None else ""
    definition = re.search(r"hookimpl definition: (.*)", text)
    arguments = re.search(r"Argument\(s\) (\{.*?\})", text)
    if arguments:
        got = definition.group(1).strip() if definition else "the implementation"
        return f"{got} asks for argument(s) {arguments.group(1)} that the hook does not have; the hook is {wanted}"
    lines = text.splitlines()
    return " ".join(" ".join(lines[1:] or lines).split())
