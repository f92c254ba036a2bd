"""baas: a self-hosted Backend-as-a-Service with a PocketBase 0.40 compatible REST API."""

from __future__ import annotations

from .app import create_app
from .config import Config, load_config
from .errors import ApiError, FieldError

__version__ = "0.1.0"
__all__ = ["ApiError", "Config", "FieldError", "create_app", "load_config", "__version__"]
