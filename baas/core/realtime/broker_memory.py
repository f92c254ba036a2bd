"""`MemoryBroker`: a single process. Nothing is sent anywhere; local clients are served in-process."""

from __future__ import annotations

from .broker import Broker


class MemoryBroker(Broker):
    name = "memory"

    def listen(self) -> None:
        """Nothing to listen to."""

    def broadcast(self, frame: bytes) -> int:
        return 0

    def send(self, key: str, frame: bytes) -> bool:
        return False
