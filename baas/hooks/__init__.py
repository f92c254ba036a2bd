"""The hook system: pluggy markers, the specifications (`specs`) and the event payloads (`events`).

Plugins import `hookimpl` from here::

    from baas.hooks import hookimpl

    @hookimpl
    def baas_record_create(event):
        event.record.set("title", event.record.get("title").strip())
"""

from __future__ import annotations

import pluggy

PROJECT = "baas"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["PROJECT", "hookimpl", "hookspec"]
