"""The Flask application factory: configuration, database, migrations, the API, the console and plugins."""

from __future__ import annotations

import atexit
import logging

from flask import Flask
from werkzeug.routing import Rule
from flask_sqlalchemy import SQLAlchemy

from .config import Config, load_config
from .core.app import App
from .db import migrate
from .db.database import Database, build_engine, engine_options, normalize_url, prepare_engine
from .db.tables import metadata
from .hooks.loader import load_plugins

log = logging.getLogger(__name__)

#: flask-sqlalchemy owns the engine's lifecycle in the web process; services get it through `App.db`
sqlalchemy_ext = SQLAlchemy(metadata=metadata)


class LazyBuilderRule(Rule):
    """A URL rule whose URL-builder functions are compiled on first use (`url_for`), not when added.

    werkzeug generates and compiles two builder functions per rule as it is added; with about a hundred
    rules that is most of `create_app`'s time (every test builds an app), while the API never builds URLs.
    """

    def _compile_builder(self, append_unknown: bool = True):
        compiled = []

        def build(rule, *args, **kwargs):
            if not compiled:
                compiled.append(Rule._compile_builder(rule, append_unknown))
            return compiled[0](rule, *args, **kwargs)

        return build


def create_app(config: Config | None = None, *, run_migrations: bool = True, **overrides) -> Flask:
    """Build the WSGI app. `overrides` are `Config` fields (e.g. `data_dir=`, `database_url=`)."""
    config = config or load_config(**overrides)
    flask_app = Flask("baas")
    flask_app.url_rule_class = LazyBuilderRule
    url = normalize_url(config.database_url)
    flask_app.config.update(
        SECRET_KEY=config.secret_key,
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(url),
        JSON_SORT_KEYS=False,
    )
    sqlalchemy_ext.init_app(flask_app)
    with flask_app.app_context():
        engine = prepare_engine(sqlalchemy_ext.engine)
    app = App(config, Database(engine))
    if run_migrations:
        migrate.upgrade(app.db)
    app.refresh()
    flask_app.extensions["baas"] = app

    from .api import register_api

    register_api(flask_app)

    from .admin_ui import init_console  # the console at /_/ (admin_ui/); CSRF applies to it alone

    init_console(flask_app)
    from .api import direct

    direct.mount(flask_app)  # before the plugins: it steps aside if they add app-wide Flask hooks
    start_plugins(app, flask_app)
    return flask_app


def start_plugins(app: App, flask_app: Flask) -> None:
    """Load the plugins, fire `baas_bootstrap` then `baas_serve`, and start the cron scheduler when this
    process serves (`config.cron`). Any failure closes the App and propagates: startup stops."""
    try:
        load_plugins(app)
    except BaseException:
        app.close(terminate=False)
        raise
    try:
        app.hooks.hook.baas_bootstrap(app=app)
        app.hooks.hook.baas_serve(app=app, flask_app=flask_app)
    except BaseException:
        app.close()
        raise
    if app.config.cron:
        app.cron.start()
        atexit.register(app.close)  # a server process exiting fires baas_terminate and stops the scheduler


def check_plugins(config: Config) -> list[str]:
    """Import and validate the plugins `config` asks for without serving anything (`baas serve` does this
    before starting workers, so a broken plugin is one clear `PluginLoadError`); the names found."""
    app = App(config, Database(build_engine(config.database_url, pooled=False)))
    try:
        return load_plugins(app)
    finally:
        app.close(terminate=False)
