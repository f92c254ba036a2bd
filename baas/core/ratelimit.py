"""Rate limits with PocketBase's rules, counted in memory (one process) or in Redis (every worker and node).

`settings.rateLimits` = `{enabled, excludedIPs, rules: [{label, audience, duration, maxRequests}]}`.
A rule's label is one of

* a path prefix ending in `/` (`/api/`), an exact path (`/api/batch`) or `METHOD /path`;
* `collection:action` or `*:action`, action being one of `ACTIONS`, for the collection routes.

For a request the candidate labels are tried in order (`users:authWithPassword`, `users:auth`,
`*:authWithPassword`, `*:auth`, `POST /api/...`, `/api/...`; only the last two outside collection
routes); within a label the first rule whose audience fits wins (`""` everyone, `@guest`, `@auth`), and
prefix rules are tried after the exact ones. Superusers, excluded IPs and requests without a client IP
are never limited. A window opens with a client's first request and allows `maxRequests` in `duration`
seconds; past that the answer is 429 `Too Many Requests.`.

Counters of the settings' rules live in `MemoryBackend` (one process) or, with `BAAS_REDIS_URL`, in
`RedisBackend`, keyed by a namespace derived from the database, so every worker and node of one deployment
shares them. Settings changes apply on the next request: a rule's counters are keyed by its label,
audience, duration and max.

The auth flows' built-in limits (OTP attempts, failed sign-ins, email resend throttles) must hold however
many workers run, so without Redis they are kept in `SQLiteBackend`, a small file in the data dir that all
workers of a node share.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Protocol

from .. import errors

if TYPE_CHECKING:
    from ..schema.collection import Collection
    from .app import App

log = logging.getLogger("baas.ratelimit")

ACTIONS = (
    "list", "view", "create", "update", "delete", "listAuthMethods", "authRefresh", "auth", "authWithPassword",
    "authWithOAuth2", "authWithOTP", "requestOTP", "requestPasswordReset", "confirmPasswordReset",
    "requestVerification", "confirmVerification", "requestEmailChange", "confirmEmailChange", "file",
)
GUEST_AUDIENCES = ("", "@guest")
AUTH_AUDIENCES = ("", "@auth")


def find_rule(rules: Iterable[dict[str, Any]], labels: list[str], audiences: Iterable[str]) -> dict[str, Any] | None:
    """The first rule matching one of `labels` (in order) for one of `audiences`, PocketBase's way."""
    rules = list(rules)
    audiences = tuple(audiences)
    prefixes = [rule for rule in rules if str(rule.get("label", "")).endswith("/")]
    for label in labels:
        for rule in rules:
            if rule.get("label") == label and (rule.get("audience") or "") in audiences:
                return rule
        for rule in prefixes:
            if (label + "/").startswith(rule["label"]) and (rule.get("audience") or "") in audiences:
                return rule
    return None


def ip_excluded(ip: str, excluded: Iterable[str]) -> bool:
    """Whether `ip` is one of the excluded addresses or networks (`10.0.0.0/8`)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip in excluded
    for item in excluded:
        try:
            if address in ipaddress.ip_network(str(item).strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


# ---- counters -------------------------------------------------------------------------------------
class Backend(Protocol):
    def incr(self, key: str, window: float) -> int:
        """Count one more event in the window of `key` (opened by the first one); return the count."""

    def count(self, key: str) -> int:
        """The events counted in the current window of `key` (0 when none is open)."""

    def add_once(self, key: str, ttl: float) -> bool:
        """Mark `key` for `ttl` seconds; False when it was marked already."""

    def delete(self, key: str) -> None: ...


class MemoryBackend:
    """Fixed windows in a dict, for one process; expired windows are dropped as they are touched."""

    PURGE_EVERY = 1024

    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()
        self._touches = 0

    def incr(self, key: str, window: float) -> int:
        now = time.monotonic()
        with self._lock:
            self._maybe_purge(now)
            ends, count = self._windows.get(key, (0.0, 0))
            if now >= ends:
                ends, count = now + window, 0
            self._windows[key] = (ends, count + 1)
            return count + 1

    def count(self, key: str) -> int:
        with self._lock:
            ends, count = self._windows.get(key, (0.0, 0))
            return count if time.monotonic() < ends else 0

    def add_once(self, key: str, ttl: float) -> bool:
        now = time.monotonic()
        with self._lock:
            ends, _ = self._windows.get(key, (0.0, 0))
            if now < ends:
                return False
            self._windows[key] = (now + ttl, 1)
            return True

    def delete(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)

    def _maybe_purge(self, now: float) -> None:
        self._touches += 1
        if self._touches % self.PURGE_EVERY == 0:
            for key in [key for key, (ends, _) in self._windows.items() if ends <= now]:
                del self._windows[key]


_INCR = """
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
"""


class RedisBackend:
    """The same windows in Redis (INCR + PEXPIRE in one script), shared by every worker and node.

    A Redis failure is logged and lets the request through: rate limits fail open."""

    def __init__(self, url: str, namespace: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = f"baas:rl:{namespace}:"
        self._incr = self.client.register_script(_INCR)
        self._error = redis.RedisError

    def incr(self, key: str, window: float) -> int:
        try:
            return int(self._incr(keys=[self.prefix + key], args=[max(1, int(window * 1000))]))
        except (self._error, OSError) as error:
            log.error("rate limit counter unavailable: %s", error)
            return 0

    def count(self, key: str) -> int:
        try:
            value = self.client.get(self.prefix + key)
        except (self._error, OSError) as error:
            log.error("rate limit counter unavailable: %s", error)
            return 0
        return int(value or 0)

    def add_once(self, key: str, ttl: float) -> bool:
        try:
            return bool(self.client.set(self.prefix + key, 1, nx=True, px=max(1, int(ttl * 1000))))
        except (self._error, OSError) as error:
            log.error("rate limit store unavailable: %s", error)
            return True

    def delete(self, key: str) -> None:
        try:
            self.client.delete(self.prefix + key)
        except (self._error, OSError) as error:
            log.error("rate limit store unavailable: %s", error)


class SQLiteBackend:
    """The same windows in a SQLite file, shared by the worker processes of one node (wall-clock times).

    A connection per operation keeps it safe for threads, greenlets and forked workers alike; a failure
    is logged and lets the request through."""

    PURGE_EVERY = 256

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._touches = 0
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("CREATE TABLE IF NOT EXISTS windows (key TEXT PRIMARY KEY, ends REAL NOT NULL, count INTEGER NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=5, isolation_level=None)
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    def _write(self, operation) -> Any:
        connection = self._connect()
        try:
            connection.execute("BEGIN IMMEDIATE")
            result = operation(connection, time.time())
            self._touches += 1
            if self._touches % self.PURGE_EVERY == 0:
                connection.execute("DELETE FROM windows WHERE ends <= ?", (time.time(),))
            connection.execute("COMMIT")
            return result
        finally:
            connection.close()

    def incr(self, key: str, window: float) -> int:
        def operation(connection: sqlite3.Connection, now: float) -> int:
            row = connection.execute("SELECT ends, count FROM windows WHERE key = ?", (key,)).fetchone()
            ends, count = (now + window, 1) if row is None or now >= row[0] else (row[0], row[1] + 1)
            connection.execute("INSERT OR REPLACE INTO windows (key, ends, count) VALUES (?, ?, ?)", (key, ends, count))
            return count

        try:
            return self._write(operation)
        except sqlite3.Error as error:
            log.error("rate limit counter unavailable: %s", error)
            return 0

    def count(self, key: str) -> int:
        try:
            connection = self._connect()
            try:
                row = connection.execute("SELECT ends, count FROM windows WHERE key = ?", (key,)).fetchone()
            finally:
                connection.close()
        except sqlite3.Error as error:
            log.error("rate limit counter unavailable: %s", error)
            return 0
        return row[1] if row is not None and time.time() < row[0] else 0

    def add_once(self, key: str, ttl: float) -> bool:
        def operation(connection: sqlite3.Connection, now: float) -> bool:
            row = connection.execute("SELECT ends FROM windows WHERE key = ?", (key,)).fetchone()
            if row is not None and now < row[0]:
                return False
            connection.execute("INSERT OR REPLACE INTO windows (key, ends, count) VALUES (?, ?, 1)", (key, now + ttl))
            return True

        try:
            return self._write(operation)
        except sqlite3.Error as error:
            log.error("rate limit store unavailable: %s", error)
            return True

    def delete(self, key: str) -> None:
        try:
            self._write(lambda connection, now: connection.execute("DELETE FROM windows WHERE key = ?", (key,)))
        except sqlite3.Error as error:
            log.error("rate limit store unavailable: %s", error)


def database_namespace(database_url: str) -> str:
    """Same database, same counters: a short hash of the URL without credentials."""
    from sqlalchemy.engine import make_url

    try:
        url = make_url(database_url)
        identity = f"{url.get_backend_name()}://{url.host or ''}:{url.port or ''}/{url.database or ''}"
    except Exception:  # an unparsable URL still needs a stable namespace
        identity = database_url
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


# ---- the service ----------------------------------------------------------------------------------
class RateLimits:
    """The rate limits of one App: the settings' rules plus the built-in limits of the auth flows."""

    #: the node-local file of the built-in limits when there is no Redis
    SHARED_FILE = "ratelimits.db"

    def __init__(self, app: "App"):
        self.app = app
        redis_url = app.config.redis_url
        if redis_url:
            self.backend: Backend = RedisBackend(redis_url, database_namespace(app.config.database_url))
            self.shared: Backend = self.backend
        else:
            self.backend = MemoryBackend()
            self.shared = SQLiteBackend(Path(app.config.data_dir) / self.SHARED_FILE)

    def settings(self) -> dict[str, Any]:
        return self.app.settings.get().get("rateLimits") or {}

    def check_request(
        self,
        *,
        method: str,
        path: str,
        ip: str,
        authenticated: bool,
        superuser: bool,
        collection: "Collection | None" = None,
        actions: Iterable[str] = (),
        route: str = "",
    ) -> None:
        """Apply the settings' rules to one request; raise the 429 ApiError when over the limit."""
        config = self.settings()
        if not config.get("enabled") or superuser or not ip or ip_excluded(ip, config.get("excludedIPs") or ()):
            return
        audiences = AUTH_AUDIENCES if authenticated else GUEST_AUDIENCES
        path_labels = [f"{method} {path}", path]
        actions = list(actions)
        if collection is not None and actions:
            labels = [f"{collection.name}:{action}" for action in actions] + [f"*:{action}" for action in actions]
            rule = find_rule(config.get("rules") or (), labels + path_labels, audiences)
            bucket = f"{collection.id}{route}{''.join(actions)}"
        else:
            rule = find_rule(config.get("rules") or (), path_labels, audiences)
            bucket = rule["label"] if rule else ""
        if rule is None:
            return
        duration, limit = int(rule.get("duration") or 0), int(rule.get("maxRequests") or 0)
        if duration <= 0 or limit <= 0:
            return
        key = f"{bucket}|{rule.get('audience') or ''}|{duration}|{limit}|{ip}"
        if self.backend.incr(key, duration) > limit:
            raise errors.too_many_requests()

    # ---- the built-in limits of the auth flows (shared by every worker) ----------------------------
    def attempt(self, key: str, *, limit: int, duration: float) -> bool:
        """Count one attempt under `key`; False once more than `limit` were made within `duration`."""
        count = self.shared.incr(key, duration)
        return count == 0 or count <= limit

    def exceeded(self, key: str, *, limit: int) -> bool:
        return self.shared.count(key) >= limit

    def record_failure(self, key: str, *, duration: float) -> None:
        self.shared.incr(key, duration)

    def once(self, key: str, ttl: float) -> bool:
        """True the first time within `ttl` seconds (e.g. one verification email per 2 minutes)."""
        return self.shared.add_once(key, ttl)

    def forget(self, key: str) -> None:
        self.shared.delete(key)
