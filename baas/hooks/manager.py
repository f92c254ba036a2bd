"""`HookManager`: the pluggy plugin manager with baas's specifications loaded."""

from __future__ import annotations

from typing import Any

import pluggy

from . import PROJECT, specs


class HookManager:
    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(specs)

    @property
    def hook(self) -> Any:
        """`hooks.hook.baas_record_create(event=...)`: call a hook (keyword arguments only)."""
        return self.pm.hook

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register a plugin object or module; pluggy checks every implementation against its spec now,
        so an unknown argument fails at startup (PluginValidationError names plugin and hook)."""
        registered = self.pm.register(plugin, name)
        # pluggy's check_pending() would walk every hook of every plugin; only this plugin's are new
        for caller in self.pm.get_hookcallers(plugin) or []:
            if not caller.has_spec():
                self.pm.unregister(plugin)
                raise pluggy.PluginValidationError(plugin, f"unknown hook '{caller.name}' in plugin {plugin!r}")
        return registered or name or ""

    def unregister(self, name: str) -> None:
        self.pm.unregister(name=name)

    def is_registered(self, name: str) -> bool:
        return self.pm.has_plugin(name)
