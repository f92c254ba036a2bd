"""WSGI entry point for running baas under any WSGI server: `gunicorn -k gevent wsgi:app`.

Configuration comes from the `BAAS_*` environment variables (see README.md). Each worker runs the
migrations on start; they take a lock, so concurrent workers are safe. `baas serve` is the usual way.
"""

from __future__ import annotations

from baas import create_app

app = create_app()
