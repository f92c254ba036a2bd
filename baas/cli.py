"""The `baas` command: `serve`, `superuser upsert|delete`, `migrate up|down|history`.

Every command builds its configuration with `load_config`, so flags win over `BAAS_*` environment
variables, which win over defaults. Commands print short messages and never the secret key or URLs with
credentials; a failure is one line on stderr and a non-zero exit status.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import click

from . import __version__, log_config, server
from .app import check_plugins, create_app
from .config import load_config
from .core.app import App
from .db import migrate
from .db.database import Database, build_engine
from .errors import ApiError
from .hooks.loader import PluginLoadError

dir_option = click.option(
    "--dir",
    "data_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Data directory (database, files, secret key). Env: BAAS_DATA_DIR. Default: ./baas_data",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="baas")
def main() -> None:
    """baas: a self-hosted backend with a PocketBase-compatible REST API."""


@main.command()
@click.option("--http", default=None, help="Address to listen on. Env: BAAS_HTTP. Default: 127.0.0.1:8090")
@dir_option
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True, help="gunicorn worker processes.")
@click.option("--dev", is_flag=True, default=False, help="Flask's reloader and debugger, with automigrate. Env: BAAS_DEV")
@click.option("--plugins-dir", type=click.Path(file_okay=False), default=None, help="Plugins folder. Env: BAAS_PLUGINS_DIR")
@click.option("--log-format", type=click.Choice(log_config.FORMATS), default=None, help="Env: BAAS_LOG_FORMAT. Default: text")
def serve(http, data_dir, workers, dev, plugins_dir, log_format) -> None:
    """Start the web server (gunicorn with gevent workers)."""
    overrides = {"http": http, "plugins_dir": plugins_dir, "log_format": log_format, "serving": True}
    if dev:
        overrides.update(dev=True, automigrate=True)
    config = load_config(data_dir, **overrides)
    try:
        server.parse_http(config.http)
        log_config.configure(config.log_format)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    try:  # before any worker starts: a broken plugin is one clear message, not a crash loop of workers
        check_plugins(config)
    except PluginLoadError as error:
        raise click.ClickException(str(error)) from error
    if config.dev:
        server.serve_dev(config)
    else:
        server.serve(config, workers)


@main.group()
def superuser() -> None:
    """Manage superuser accounts."""


@superuser.command("upsert")
@click.argument("email")
@click.argument("password")
@dir_option
def superuser_upsert(email: str, password: str, data_dir: str | None) -> None:
    """Create a superuser, or set the password of an existing one."""
    from .core import superusers

    with running_app(data_dir) as app:
        try:
            superusers.upsert(app, email, password)
        except ApiError as error:
            raise click.ClickException(describe(error)) from error
    click.echo(f'Successfully saved superuser "{email}".')


@superuser.command("delete")
@click.argument("email")
@dir_option
def superuser_delete(email: str, data_dir: str | None) -> None:
    """Delete a superuser."""
    from .core import superusers

    with running_app(data_dir) as app:
        try:
            deleted = superusers.delete(app, email)
        except ApiError as error:
            raise click.ClickException(describe(error)) from error
    if deleted:
        click.echo(f'Successfully deleted superuser "{email}".')
    else:
        click.echo(f'Superuser "{email}" is missing or already deleted.')


@main.group("migrate")
def migrate_group() -> None:
    """Apply, revert or list the migrations of the system tables."""


@migrate_group.command("up")
@dir_option
def migrate_up(data_dir: str | None) -> None:
    """Apply every pending migration."""
    with system_database(data_dir) as database:
        before = migrate.current_revision(database)
        migrate.upgrade(database)
        after = migrate.current_revision(database)
    if before == after:
        click.echo(f"No new migrations to apply (at {after}).")
    else:
        click.echo(f"Applied migrations {before or 'base'} -> {after}.")


@migrate_group.command("down")
@click.argument("count", type=click.IntRange(min=1), default=1)
@dir_option
def migrate_down(count: int, data_dir: str | None) -> None:
    """Revert the last COUNT applied migrations (default 1)."""
    with system_database(data_dir) as database:
        applied = [rev for rev, _doc, done in migrate.history(database) if done]
        if not applied:
            click.echo("No migrations to revert.")
            return
        target = applied[-count - 1] if count < len(applied) else "base"
        migrate.downgrade(database, target)
    click.echo(f"Reverted {', '.join(reversed(applied[-count:]))} (now at {target}).")


@migrate_group.command("history")
@dir_option
def migrate_history(data_dir: str | None) -> None:
    """List every migration, oldest first; [x] marks the applied ones."""
    with system_database(data_dir) as database:
        rows = migrate.history(database)
    for revision, doc, applied in rows:
        title = doc.strip().splitlines()[0] if doc.strip() else ""
        click.echo(f"[{'x' if applied else ' '}] {revision}  {title}")


@contextmanager
def running_app(data_dir: str | None) -> Iterator[App]:
    """The same `App` a server worker builds (migrated, plugins loaded), closed afterwards."""
    try:
        flask_app = create_app(load_config(data_dir, cron=False))
    except PluginLoadError as error:
        raise click.ClickException(str(error)) from error
    app: App = flask_app.extensions["baas"]
    try:
        yield app
    finally:
        app.close()


@contextmanager
def system_database(data_dir: str | None) -> Iterator[Database]:
    """A bare database for migrations: building the app would need the very tables being migrated."""
    database = Database(build_engine(load_config(data_dir).database_url, pooled=False))
    try:
        yield database
    finally:
        database.dispose()


def describe(error: ApiError) -> str:
    """One line: the message, then each invalid field as `field: message`."""
    fields = error.to_json().get("data") or {}
    details = "; ".join(f"{name}: {value.get('message', value)}" for name, value in fields.items() if isinstance(value, dict))
    return f"{error.message} ({details})" if details else error.message


if __name__ == "__main__":
    main()
