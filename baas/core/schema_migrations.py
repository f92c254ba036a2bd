"""Schema as code: collection migration files, written by automigrate and replayed by `baas migrate up`.

With automigrate on (the default under `--dev`), every collection change made through the API or the
console writes `<unix time>_<action>_<name>.json` into the migrations folder once the change commits:

    {"up":   {"upsert": [<definitions after>], "delete": [<ids>]},
     "down": {"upsert": [<definitions before>], "delete": [<ids>]}}

The file is recorded as applied in `_migrations` in the same transaction, so the deployment that wrote it
never replays it; another deployment's `baas migrate up` applies every file it has not seen, in name order.
Files hold no secrets (token secrets, OAuth2 client secrets): they are meant for version control, and each
deployment keeps or generates its own.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from .. import errors
from ..dates import now_text
from ..db.tables import migrations_table
from ..schema.collection import Collection

if TYPE_CHECKING:
    from .app import App

_UNSAFE = re.compile(r"[^\w-]")


def record_change(app: "App", before: Collection | None, after: Collection | None) -> None:
    """Write the migration file for one committed change (call inside the change's transaction).

    A change that leaves the definition as it was (timestamps aside) writes nothing."""
    if not app.config.automigrate or app.config.migrations_dir is None:
        return
    if before is not None and after is not None and _definition(before) == _definition(after):
        return
    action = "created" if before is None else "deleted" if after is None else "updated"
    name = _UNSAFE.sub("_", (after or before).name)
    file_name = f"{time.time_ns() // 1000}_{action}_{name}.json"
    content = {
        "up": {"upsert": [after.to_json()] if after else [], "delete": [] if after else [before.id]},
        "down": {"upsert": [before.to_json()] if before else [], "delete": [] if before else [after.id]},
    }
    tx = app.db.current
    tx.connection.execute(insert(migrations_table).values(file=file_name, applied=now_text()))
    directory = Path(app.config.migrations_dir)

    def write() -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / file_name).write_bytes(orjson.dumps(content, option=orjson.OPT_INDENT_2))

    tx.on_commit(write)


def _definition(collection: Collection) -> dict[str, Any]:
    """What a migration file says about `collection` (no timestamps, no secrets)."""
    data = collection.to_json()
    data.pop("created", None)
    data.pop("updated", None)
    return data


def pending(app: "App") -> list[Path]:
    directory = app.config.migrations_dir
    if directory is None or not Path(directory).is_dir():
        return []
    with app.db.read() as connection:
        applied = set(connection.execute(select(migrations_table.c.file)).scalars())
    return [path for path in sorted(Path(directory).glob("*.json")) if path.name not in applied]


def applied(app: "App") -> list[str]:
    with app.db.read() as connection:
        return list(connection.execute(select(migrations_table.c.file).order_by(migrations_table.c.file)).scalars())


def apply_pending(app: "App") -> list[str]:
    """Apply every file not yet applied here, each in its own transaction; return their names."""
    done = []
    for path in pending(app):
        _apply(app, orjson.loads(path.read_bytes())["up"], path.name, mark=True)
        done.append(path.name)
    return done


def revert_last(app: "App") -> str | None:
    """Undo the most recently applied file (its `down` part); None when there is none."""
    names = applied(app)
    if not names:
        return None
    name = names[-1]
    path = Path(app.config.migrations_dir) / name
    _apply(app, orjson.loads(path.read_bytes())["down"], name, mark=False)
    return name


def _apply(app: "App", step: dict[str, Any], name: str, *, mark: bool) -> None:
    """One side of a migration file in one transaction; any failure is an ApiError naming the file."""
    service = app.collections_service
    try:
        with app.db.transaction() as tx:
            if step.get("upsert"):
                service.import_collections(step["upsert"], delete_missing=False, record=False, replace_fields=True)
            for collection_id in step.get("delete", []):
                app.refresh()
                found = app.collections.get(collection_id)
                if found is not None:
                    service.store_removal(found, record=False)
            if mark:
                tx.connection.execute(insert(migrations_table).values(file=name, applied=now_text()))
            else:
                tx.connection.execute(delete(migrations_table).where(migrations_table.c.file == name))
    except errors.ApiError as error:
        raise errors.bad_request(f"Failed to apply {name}: {error.message}", error.data, error) from error
    except SQLAlchemyError as error:
        raw = (str(getattr(error, "orig", error)).strip().splitlines() or [""])[0]
        raise errors.bad_request(f"Failed to apply {name}. Raw error: {raw}", cause=error) from error
