"""Server configuration: one frozen object built from flags, environment variables and defaults.

Precedence is flag > environment variable > default, so `baas serve --dir X` wins over `BAAS_DATA_DIR`.
Every variable is documented in README.md ("Configuration"); keep the two in step.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

SECRET_FILE_NAME = ".secret_key"
DEFAULT_HTTP = "127.0.0.1:8090"


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database_url: str
    secret_key: str = field(repr=False)
    redis_url: str | None = None
    http: str = DEFAULT_HTTP
    dev: bool = False
    log_format: str = "text"
    plugins_dir: Path | None = None
    plugins_disabled: tuple[str, ...] = ()
    plugins_enabled: tuple[str, ...] = ()  # bundled plugins (baas.plugins.<name>) to load; they are opt-in
    cron: bool = False  # run the cron scheduler in this process (on by default for `baas serve`)
    automigrate: bool = False
    migrations_dir: Path | None = None
    extra: dict = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def storage_dir(self) -> Path:
        return self.data_dir / "storage"

    def with_overrides(self, **changes) -> "Config":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def load_config(
    data_dir: str | os.PathLike | None = None,
    database_url: str | None = None,
    *,
    env: dict[str, str] | None = None,
    **overrides,
) -> Config:
    """Build the configuration, creating the data dir and the secret key file on first use."""
    env = os.environ if env is None else env
    data_path = Path(data_dir or env.get("BAAS_DATA_DIR") or "baas_data").resolve()
    data_path.mkdir(parents=True, exist_ok=True)
    url = database_url or env.get("BAAS_DATABASE_URL") or f"sqlite:///{data_path / 'data.db'}"
    dev = bool(overrides.pop("dev", False)) or env.get("BAAS_DEV", "") in ("1", "true")
    automigrate_env = env.get("BAAS_AUTOMIGRATE")
    automigrate = dev if automigrate_env is None else automigrate_env in ("1", "true")
    plugins_dir = overrides.pop("plugins_dir", None) or env.get("BAAS_PLUGINS_DIR")
    migrations_dir = env.get("BAAS_MIGRATIONS_DIR")
    disabled = env.get("BAAS_PLUGINS_DISABLED", "")
    enabled = env.get("BAAS_PLUGINS_ENABLED", "")
    serving = bool(overrides.pop("serving", False))
    cron_env = env.get("BAAS_CRON", "").strip().lower()
    config = Config(
        data_dir=data_path,
        database_url=url,
        secret_key=env.get("BAAS_SECRET_KEY") or _stored_secret(data_path),
        redis_url=env.get("BAAS_REDIS_URL") or None,
        http=env.get("BAAS_HTTP") or DEFAULT_HTTP,
        dev=dev,
        log_format=env.get("BAAS_LOG_FORMAT") or "text",
        plugins_dir=Path(plugins_dir).resolve() if plugins_dir else data_path.parent / "baas_plugins",
        plugins_disabled=_names(disabled),
        plugins_enabled=_names(enabled),
        cron=cron_env in ("1", "true") if cron_env else serving,
        automigrate=automigrate,
        migrations_dir=Path(migrations_dir).resolve() if migrations_dir else data_path / "migrations",
    )
    return config.with_overrides(**overrides)


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _stored_secret(data_dir: Path) -> str:
    """Read the instance secret, generating it (mode 0600) on first start; it is never printed."""
    path = data_dir / SECRET_FILE_NAME
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
