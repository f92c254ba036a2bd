"""`UnixSocketBroker`: the processes of one machine that share a data directory, over Unix sockets.

`baas serve` runs several gunicorn workers by default and a realtime client lives in exactly one of
them, so without Redis the workers still have to hear each other. Each process that listens binds
`<data dir>/run/<key>.sock`; a publisher lists that directory and writes every frame to every peer over
a persistent connection (SOCK_STREAM, each frame prefixed with its length as 4 big-endian bytes).

* Discovery is the directory listing, listed again on a broadcast after a socket came or went: every
  process that adds or removes one bumps a count in `run/members`, memory-mapped by all
  (`ChangeCounter`), so a worker that just started listening is reached by the very next event, and a
  broadcast with nothing changed costs a memory read (every write asks).
* A process binds under a temporary name, starts listening, then renames the socket into place, so a
  peer never sees a socket that refuses connections while alive. A socket that refuses connections is
  therefore a leftover of a dead process, and whoever finds one removes it.
* Only the server's user can connect: the directory is made 0700 and each socket 0600.
* Replies return on the connection the request came in on, so a process that only publishes (the CLI,
  a worker without realtime clients) never needs a socket of its own.
* One receiving greenlet waits (`poll`) on the listening socket and every peer's connection and
  takes in what arrived; a local delivery does the same first (`catch_up`), under the same lock, so a
  frame that is already here is dispatched before the local event. Every blocking call is a plain socket
  call, which gevent's monkey-patching makes cooperative: receiving costs a greenlet, never an OS thread.
* Sends time out after `SEND_TIMEOUT` seconds; a peer that does not read is disconnected and skipped.
* `sun_path` holds at most 108 bytes; longer paths are reached through `/proc/self/fd/<dir fd>/<name>`.
"""

from __future__ import annotations

import logging
import os
import select
import socket
import struct
import threading
from pathlib import Path
from typing import Callable

from gevent import monkey

from ...db.change_counter import ChangeCounter
from .broker import Broker, Reply

log = logging.getLogger(__name__)
_unpatched_poll = monkey.get_original("select", "poll")

SUFFIX = ".sock"
FRAME_HEADER = struct.Struct(">I")
MAX_FRAME = 64 << 20
SEND_TIMEOUT = 2.0
#: how long the receiving greenlet waits before it looks whether the broker was closed
RECEIVE_POLL_MS = 1000
RECEIVE_SIZE = 1 << 20
_MAX_SUN_PATH = 100


class UnixSocketBroker(Broker):
    name = "unix"

    def __init__(self, run_dir: Path | str, key: str | None = None):
        super().__init__(key)
        self.run_dir = Path(run_dir)
        self._lock = threading.Lock()
        self._server: socket.socket | None = None
        self._peers: dict[str, _Peer] = {}
        self._inbound: list[_Inbound] = []
        self._receive_lock = threading.Lock()
        self._receiving: int | None = None  # the thread (greenlet) dispatching received frames
        self._dir_fd: int | None = None
        self._members = ChangeCounter(str(self.run_dir / "members"))
        self._listing: tuple[int, list[str]] | None = None  # (the members count, the keys listed then)
        self._closed = False

    def describe(self) -> str:
        return f"unix sockets in {self.run_dir}"

    @property
    def path(self) -> Path:
        return self.run_dir / f"{self.key}{SUFFIX}"

    # ---- listening -------------------------------------------------------------------------------
    def listen(self) -> None:
        with self._lock:
            if self._server is not None or self._closed:
                return
            self.run_dir.mkdir(parents=True, exist_ok=True)
            try:
                os.chmod(self.run_dir, 0o700)
            except OSError:  # not ours to change: the socket's own mode still protects it
                pass
            temporary = self.run_dir / f".{self.key}.tmp"
            _unlink(temporary)
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                server.bind(self._address(temporary))
                os.chmod(temporary, 0o600)
                server.listen(256)
                os.replace(temporary, self.path)
            except OSError:
                server.close()
                _unlink(temporary)
                raise
            self._server = server
            self._members_changed()
        _spawn(self._receive_loop, server, name=f"realtime-receive-{self.key}")
        log.debug("realtime: listening on %s", self.path)

    def _receive_loop(self, server: socket.socket) -> None:
        """Wait until a peer connects or sends, then take in what arrived (`catch_up`)."""
        while not self._closed:
            try:
                _readable([server, *self._inbound], RECEIVE_POLL_MS)
            except (OSError, ValueError):  # a socket closed while it was waited on
                if self._closed:
                    return
            self.catch_up()

    def catch_up(self) -> None:
        """Accept waiting peers and dispatch every complete frame that has arrived, without waiting for
        more. The receiving greenlet and local deliveries both come here, one at a time, so frames are
        dispatched exactly once and in the order each peer sent them."""
        server = self._server
        me = threading.get_ident()
        if server is None or self._receiving == me:  # a frame's handler delivering: it is already in order
            return
        with self._receive_lock:
            self._receiving = me
            try:
                self._accept_waiting(server)
                for connection in _readable(self._inbound):
                    connection.take_in()
            except (OSError, ValueError):
                if not self._closed:
                    log.exception("realtime: receiving from peers failed")
            finally:
                self._receiving = None

    def _accept_waiting(self, server: socket.socket) -> None:
        while _readable([server]):
            connection, _ = server.accept()
            connection.settimeout(SEND_TIMEOUT)
            with self._lock:
                self._inbound.append(_Inbound(self, connection))

    def _drop(self, inbound: "_Inbound") -> None:
        with self._lock:
            if inbound in self._inbound:
                self._inbound.remove(inbound)
        _close(inbound.sock)

    def _dispatch(self, frame: bytes, reply: Reply | None) -> None:
        try:
            self.on_frame(frame, reply)
        except Exception:  # noqa: BLE001 - one bad frame must not end the connection
            log.exception("realtime: handling a frame failed")

    # ---- sending ---------------------------------------------------------------------------------
    def broadcast(self, frame: bytes) -> int:
        reached = 0
        for key in self.peer_keys():
            peer = self._peer(key)
            if peer is not None and peer.write(frame):
                reached += 1
        return reached

    def send(self, key: str, frame: bytes) -> bool:
        if key == self.key or not key.isalnum():
            return False
        peer = self._peer(key)
        return peer is not None and peer.write(frame)

    def peer_count(self) -> int:
        return len(self.peer_keys())

    def peer_keys(self) -> list[str]:
        """The keys of the other listening processes (their socket files), listed again only after the
        members count moved (read before listing, so a change during the listing is seen next time)."""
        try:
            members = self._members_count()
        except OSError:  # no run directory, and none can be made: its data directory is gone
            return []
        if self._listing is not None and self._listing[0] == members:
            return self._listing[1]
        try:
            names = os.listdir(self.run_dir)
        except (FileNotFoundError, NotADirectoryError):
            return []
        keys = []
        for name in names:
            if name.endswith(SUFFIX) and not name.startswith("."):
                key = name[: -len(SUFFIX)]
                if key != self.key:
                    keys.append(key)
        self._listing = (members, keys)
        return keys

    def _members_count(self) -> int:
        try:
            return self._members.value()  # once mapped, a memory read that cannot fail
        except FileNotFoundError:
            self.run_dir.mkdir(mode=0o700, exist_ok=True)  # not its parents: a data dir removed stays so
            return self._members.value()

    def _members_changed(self) -> None:
        try:
            self._members_count()
            self._members.bump()
        except OSError:  # the run directory is gone: nobody lists it any more
            log.debug("realtime: counting a member change in %s failed", self.run_dir, exc_info=True)

    def _peer(self, key: str) -> "_Peer | None":
        peer = self._peers.get(key)
        if peer is not None and peer.alive:
            return peer
        path = self.run_dir / f"{key}{SUFFIX}"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(SEND_TIMEOUT)
        try:
            sock.connect(self._address(path))
        except ConnectionRefusedError:  # nobody listens: the socket of a process that died
            sock.close()
            _unlink(path)
            self._members_changed()
            return None
        except OSError:  # gone, or too busy to accept right now
            sock.close()
            return None
        with self._lock:
            existing = self._peers.get(key)
            if existing is not None and existing.alive:
                sock.close()
                return existing
            peer = self._peers[key] = _Peer(self, key, sock)
        peer.start()
        return peer

    def _forget(self, peer: "_Peer") -> None:
        with self._lock:
            if self._peers.get(peer.key) is peer:
                del self._peers[peer.key]

    def _address(self, path: Path) -> str:
        text = str(path)
        if len(text.encode()) < _MAX_SUN_PATH:
            return text
        if self._dir_fd is None:
            self._dir_fd = os.open(self.run_dir, os.O_RDONLY | os.O_DIRECTORY)
        return f"/proc/self/fd/{self._dir_fd}/{path.name}"

    # ---- shutdown --------------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            server, self._server = self._server, None
            peers, self._peers = list(self._peers.values()), {}
            inbound, self._inbound = self._inbound, []
        if server is not None:
            _unlink(self.path)
            self._members_changed()
            _close(server)
        for peer in peers:
            peer.kill()
        for connection in inbound:
            _close(connection.sock)
        if self._dir_fd is not None:
            os.close(self._dir_fd)
            self._dir_fd = None


class _Inbound:
    """A peer's connection to this process: its frames come in, replies to them go back on it."""

    def __init__(self, broker: UnixSocketBroker, sock: socket.socket):
        self.broker = broker
        self.sock = sock
        self.pending = bytearray()
        self._write_lock = threading.Lock()

    def fileno(self) -> int:
        return self.sock.fileno()

    def take_in(self) -> None:
        """Read what arrived (the socket was seen readable) and dispatch each complete frame."""
        while True:
            try:
                chunk = self.sock.recv(RECEIVE_SIZE)
            except OSError:
                chunk = b""
            if not chunk:  # the peer closed its end
                self.broker._drop(self)
                return
            self.pending += chunk
            if len(chunk) < RECEIVE_SIZE or not _readable([self.sock]):
                break
        while len(self.pending) >= FRAME_HEADER.size:
            (size,) = FRAME_HEADER.unpack_from(self.pending)
            if size > MAX_FRAME:
                log.warning("realtime: a peer sent a frame of %d bytes (over %d); disconnected", size, MAX_FRAME)
                self.broker._drop(self)
                return
            end = FRAME_HEADER.size + size
            if len(self.pending) < end:
                return
            frame = bytes(self.pending[FRAME_HEADER.size:end])
            del self.pending[:end]
            self.broker._dispatch(frame, self.reply)

    def reply(self, frame: bytes) -> None:
        try:
            with self._write_lock:
                _write_frame(self.sock, frame)
        except OSError:
            log.debug("realtime: a reply could not be sent (the peer went away)")


class _Peer:
    """A connection to another process: frames out (one writer at a time), replies in."""

    def __init__(self, broker: UnixSocketBroker, key: str, sock: socket.socket):
        self.broker = broker
        self.key = key
        self.sock = sock
        self.alive = True
        self._write_lock = threading.Lock()

    def start(self) -> None:
        _spawn(self._read_replies, name=f"realtime-replies-{self.key}")

    def write(self, frame: bytes) -> bool:
        if not self.alive:
            return False
        try:
            with self._write_lock:
                _write_frame(self.sock, frame)
        except OSError:
            log.debug("realtime: peer %s stopped reading; disconnected", self.key)
            self.kill()
            return False
        return True

    def _read_replies(self) -> None:
        try:
            while self.alive:
                frame = _read_frame(self.sock, lambda: self.alive)
                if frame is None:
                    break
                self.broker._dispatch(frame, None)
        except (OSError, ValueError):
            pass
        self.kill()

    def kill(self) -> None:
        if not self.alive:
            return
        self.alive = False
        _close(self.sock)
        self.broker._forget(self)


# ---- framing ---------------------------------------------------------------------------------------
def _write_frame(sock: socket.socket, frame: bytes) -> None:
    if len(frame) > MAX_FRAME:
        raise ValueError(f"realtime frame of {len(frame)} bytes is over the {MAX_FRAME} limit")
    sock.sendall(FRAME_HEADER.pack(len(frame)) + frame)


def _read_frame(sock: socket.socket, alive: Callable[[], bool]) -> bytes | None:
    """The next frame, or None when the connection ended (or `alive()` turned false while idle)."""
    header = _read_exact(sock, FRAME_HEADER.size, alive)
    if header is None:
        return None
    (size,) = FRAME_HEADER.unpack(header)
    if size > MAX_FRAME:
        raise ValueError(f"realtime frame of {size} bytes is over the {MAX_FRAME} limit")
    return _read_exact(sock, size, alive) if size else b""


def _read_exact(sock: socket.socket, size: int, alive: Callable[[], bool]) -> bytes | None:
    buffer = bytearray()
    while len(buffer) < size:
        try:
            chunk = sock.recv(min(size - len(buffer), 1 << 20))
        except TimeoutError:  # the send timeout also bounds reads; waiting for frames is normal
            if not alive():
                return None
            continue
        if not chunk:
            return None
        buffer += chunk
    return bytes(buffer)


def _readable(sources: list, timeout_ms: int = 0) -> list:
    """Which of `sources` (sockets, `_Inbound`s) have something to read (or were closed).

    `poll`, not `select`: a worker holding thousands of SSE streams has descriptors past select's 1024.
    Without a timeout the unpatched `poll` answers at once; with one, the patched `poll` lets the other
    greenlets run while it waits."""
    by_fd = {}
    for source in sources:
        fd = source.fileno()
        if fd >= 0:
            by_fd[fd] = source
    poller = (select.poll if timeout_ms else _unpatched_poll)()
    for fd in by_fd:
        poller.register(fd, select.POLLIN)
    return [by_fd[fd] for fd, _events in poller.poll(timeout_ms)]


def _spawn(target: Callable, *args, name: str) -> threading.Thread:
    """A daemon thread; a greenlet under gevent's monkey-patching."""
    thread = threading.Thread(target=target, args=args, name=name, daemon=True)
    thread.start()
    return thread


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
