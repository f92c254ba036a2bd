"""The `baas` command: `serve`, `superuser upsert|delete`, `migrate up|down|history`, `collections export|import`.

Every command builds its configuration with `load_config`, so flags win over `BAAS_*` environment
variables, which win over defaults. Commands print short messages and never the secret key or URLs with
credentials; a failure is one line on stderr and a non-zero exit status.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy import inspect, select

from . import __version__, log_config, server
from .app import check_plugins, create_app
from .config import load_config
from .core import schema_migrations
from .core.app import App
from .db import migrate
from .db.database import Database, build_engine
from .db.tables import migrations_table
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
    """Apply, revert or list the migrations: the system tables', then the collection migration files."""


@migrate_group.command("up")
@dir_option
def migrate_up(data_dir: str | None) -> None:
    """Apply every pending migration: the system tables', then the collection migration files."""
    with system_database(data_dir) as database:
        before = migrate.current_revision(database)
        migrate.upgrade(database)
        after = migrate.current_revision(database)
    if before == after:
        click.echo(f"No new migrations to apply (at {after}).")
    else:
        click.echo(f"Applied migrations {before or 'base'} -> {after}.")
    if not _collection_migration_files(data_dir):
        return
    with running_app(data_dir) as app:
        try:
            applied = schema_migrations.apply_pending(app)
        except ApiError as error:
            raise click.ClickException(one_line(describe(error))) from error
    for name in applied:
        click.echo(f"Applied collection migration {name}.")
    if not applied:
        click.echo("No new collection migrations to apply.")


@migrate_group.command("down")
@click.argument("count", type=click.IntRange(min=1), default=1)
@dir_option
def migrate_down(count: int, data_dir: str | None) -> None:
    """Revert the last COUNT applied migrations (default 1): collection migration files first, newest first,
    then the system tables'."""
    if _applied_collection_migrations(data_dir):
        with running_app(data_dir) as app:
            while count and schema_migrations.applied(app):
                try:
                    name = schema_migrations.revert_last(app)
                except ApiError as error:
                    raise click.ClickException(one_line(describe(error))) from error
                click.echo(f"Reverted collection migration {name}.")
                count -= 1
        if not count:
            return
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
    """List every migration, oldest first, then the collection migration files; [x] marks the applied ones."""
    with system_database(data_dir) as database:
        rows = migrate.history(database)
    for revision, doc, applied in rows:
        title = doc.strip().splitlines()[0] if doc.strip() else ""
        click.echo(f"[{'x' if applied else ' '}] {revision}  {title}")
    applied_files = set(_applied_collection_migrations(data_dir))
    for name in sorted(applied_files | {path.name for path in _collection_migration_files(data_dir)}):
        click.echo(f"[{'x' if name in applied_files else ' '}] {name}")


def _collection_migration_files(data_dir: str | None) -> list[Path]:
    directory = load_config(data_dir).migrations_dir
    return sorted(Path(directory).glob("*.json")) if directory is not None and Path(directory).is_dir() else []


def _applied_collection_migrations(data_dir: str | None) -> list[str]:
    """Names of the applied collection migration files (none before the system tables have `_migrations`)."""
    with system_database(data_dir) as database, database.read() as connection:
        if not inspect(connection).has_table(migrations_table.name):
            return []
        return list(connection.execute(select(migrations_table.c.file).order_by(migrations_table.c.file)).scalars())


@main.group("collections")
def collections_group() -> None:
    """Export or import the collection definitions (schema as code)."""


@collections_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True), required=False)
@dir_option
def collections_export(file: str | None, data_dir: str | None) -> None:
    """Write every collection definition as JSON to FILE (or stdout), as `PUT /api/collections/import` takes it."""
    with running_app(data_dir) as app:
        items = app.collections_service.export()
    text = json.dumps(items, indent=2, ensure_ascii=False) + "\n"
    if file is None:
        click.echo(text, nl=False)
        return
    Path(file).write_text(text, encoding="utf-8")
    click.echo(f"Exported {len(items)} collections to {file}.", err=True)


@collections_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@dir_option
def collections_import(file: str, data_dir: str | None) -> None:
    """Create or update the collections of FILE (an export, or the body of `PUT /api/collections/import`).

    Collections and fields the file does not mention are kept, so importing the same file twice changes nothing."""
    try:
        data = json.loads(Path(file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise click.ClickException(f"{file} is not a JSON file: {error}") from error
    items = data.get("collections") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items or not all(isinstance(item, dict) for item in items):
        raise click.ClickException(f"{file} holds no list of collections.")
    with running_app(data_dir) as app:
        try:
            app.collections_service.import_collections(items, delete_missing=False)
        except ApiError as error:
            raise click.ClickException(one_line(describe(error))) from error
    click.echo(f"Imported {len(items)} collections from {file}.")


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


def one_line(text: str) -> str:
    """`text` with its line breaks and runs of spaces folded into single spaces (errors are one line)."""
    return " ".join(text.split())


def describe(error: ApiError) -> str:
    """One line: the message, then each invalid field as `field: message`."""
    fields = error.to_json().get("data") or {}
    details = "; ".join(f"{name}: {value.get('message', value)}" for name, value in fields.items() if isinstance(value, dict))
    return f"{error.message} ({details})" if details else error.message


if __name__ == "__main__":
    main()
