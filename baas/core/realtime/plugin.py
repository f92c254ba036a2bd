"""baas's own realtime behaviour, registered from `App` as a `trylast` plugin of its own hooks.

It ties every record write, whichever door it came through, to the realtime service: events after the
commit (creates and updates), delete messages prepared inside the transaction before the row goes and
sent after the commit, auth changes applied to the clients bound to them. And it is the default action
of the realtime request hooks. Being an ordinary plugin, it can be inspected, and blocked in a test
(`app.hooks.pm.set_blocked(BUILTIN_REALTIME)`), like any other.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

from ...hooks import hookimpl
from ...hooks.events import CollectionEvent, RealtimeConnectEvent, RealtimeSubscribeEvent, RecordEvent

if TYPE_CHECKING:
    from .service import RealtimeService

log = logging.getLogger(__name__)

BUILTIN_REALTIME = "baas.realtime"
#: the auth collection options whose secret signs the auth tokens realtime clients are bound with
_AUTH_TOKEN = "authToken"


class RealtimeHooks:
    def __init__(self, service: "RealtimeService"):
        self.service = service

    # ---- records -------------------------------------------------------------------------------
    @hookimpl(trylast=True)
    def baas_record_after_create_success(self, event: RecordEvent) -> None:
        with _logged("publishing a create"):
            self.service.record_saved("create", event.record)

    @hookimpl(trylast=True)
    def baas_record_after_update_success(self, event: RecordEvent) -> None:
        with _logged("publishing an update"):
            self.service.record_saved("update", event.record)

    @hookimpl(trylast=True)
    def baas_record_delete(self, event: RecordEvent) -> Any:
        """Registered after the records defaults, so among the `trylast` implementations it runs first:
        after every plugin's handler, right before the default deletes the row. Realtime never fails a
        delete: a problem here costs the delete messages, not the delete."""
        with _logged("preparing delete messages"):
            self.service.prepare_delete(event.record)
        return None  # never the result: the default still has to delete

    @hookimpl(trylast=True)
    def baas_record_after_delete_success(self, event: RecordEvent) -> None:
        with _logged("publishing a delete"):
            self.service.delete_committed(event.record)

    @hookimpl(trylast=True)
    def baas_record_after_delete_error(self, event: RecordEvent) -> None:
        with _logged("dropping delete messages"):
            self.service.delete_failed(event.record)

    # ---- collections: a new token secret or a deleted auth collection signs its clients out -----
    @hookimpl(trylast=True)
    def baas_collection_after_update_success(self, event: CollectionEvent) -> None:
        old, new = event.old, event.collection
        if old is None or not old.is_auth:
            return
        if not new.is_auth or _secret(old) != _secret(new):
            with _logged("signing out the clients of a changed auth collection"):
                self.service.auth_collection_changed(old.id)

    @hookimpl(trylast=True)
    def baas_collection_after_delete_success(self, event: CollectionEvent) -> None:
        if event.collection.is_auth:
            with _logged("signing out the clients of a deleted auth collection"):
                self.service.auth_collection_changed(event.collection.id)

    # ---- the realtime API ------------------------------------------------------------------------
    @hookimpl(trylast=True)
    def baas_realtime_connect_request(self, event: RealtimeConnectEvent) -> Any:
        self.service.register(event.client)
        return event.client

    @hookimpl(trylast=True)
    def baas_realtime_subscribe_request(self, event: RealtimeSubscribeEvent) -> Any:
        self.service.apply_subscriptions(event.client, event.subscriptions, event.ctx.auth, event.token)
        return event.client

    # ---- lifecycle ---------------------------------------------------------------------------------
    @hookimpl(trylast=True)
    def baas_terminate(self, app) -> None:
        self.service.close()


@contextmanager
def _logged(what: str) -> Iterator[None]:
    """Realtime is a side effect: its failures are logged, never turned into the write's failure."""
    try:
        yield
    except Exception:  # noqa: BLE001
        log.exception("realtime: %s failed", what)


def _secret(collection) -> str:
    try:
        return str(collection.token_secret(_AUTH_TOKEN))
    except (KeyError, TypeError):
        return ""
