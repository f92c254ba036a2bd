"""The console at `/_/`: a server-rendered Flask blueprint over the same services as the REST API.

Organised like Django's admin: `site.py` plays `AdminSite` (the shared page context, the one place that
adds sign-in, CSRF and no-cache to every view), `views/` holds one module per screen, `forms.py` the
Flask-WTF forms, and `templates/admin_ui/` has `base.html` with named blocks, one template per screen,
`includes/` for fragments and `widgets/<field type>.html` for record inputs. Templates resolve per
collection first (`admin_ui/collections/<name>/<template>`), then globally.

`init_console(flask_app)` is all `create_app` calls. CSRF is checked only for the console's own requests:
the JSON API under `/api/` authenticates with tokens, not cookies, and is never subject to it.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_bootstrap import Bootstrap5

from . import auth, site
from .views import collections, home, logs, preview, records, settings

__all__ = ["URL_PREFIX", "create_blueprint", "init_console"]

URL_PREFIX = "/_"


def create_blueprint() -> Blueprint:
    """The console blueprint with every screen's routes; mount it with `init_console`."""
    bp = Blueprint(
        "admin_ui",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/static",
    )
    site.install(bp)
    for module in (auth, home, collections, records, settings, preview, logs):
        module.register(bp)
    return bp


def init_console(flask_app: Flask) -> None:
    """Mount the console at `/_/` with its sign-in, CSRF protection and Bootstrap served locally."""
    flask_app.config.setdefault("BOOTSTRAP_SERVE_LOCAL", True)
    flask_app.config["BOOTSTRAP_SERVE_LOCAL"] = True  # the server may be offline: never a CDN
    Bootstrap5(flask_app)
    site.init_app(flask_app)
    auth.init_app(flask_app)
    flask_app.register_blueprint(create_blueprint(), url_prefix=URL_PREFIX)
