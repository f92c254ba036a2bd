"""The provider registry: provider name -> `Provider` subclass.

Every module of `baas.core.oauth2.providers` registers its class with `@register` when the package is
imported (on first lookup). A plugin adds its own provider the same way: subclass `Provider`, decorate it
with `@register`, and collections can name it in `oauth2.providers`.
"""

from __future__ import annotations

import importlib
import threading
from typing import TypeVar

from .base import Provider

P = TypeVar("P", bound=type[Provider])

_PROVIDERS: dict[str, type[Provider]] = {}
_loaded = False
_lock = threading.Lock()


def register(cls: P) -> P:
    """Class decorator: make `cls` available under `cls.name` (a later class replaces an earlier one)."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    _PROVIDERS[cls.name] = cls
    return cls


def _load() -> None:
    global _loaded
    if _loaded:
        return
    with _lock:
        if not _loaded:
            importlib.import_module(f"{__package__}.providers")
            _loaded = True


def provider_class(name: str) -> type[Provider] | None:
    _load()
    return _PROVIDERS.get(name)


def provider_classes() -> list[type[Provider]]:
    """Every registered provider, in PocketBase's order."""
    _load()
    return sorted(_PROVIDERS.values(), key=lambda cls: (cls.order, cls.name))
