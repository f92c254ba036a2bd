"""The avatar of a new OAuth2 account: downloaded into the file field `mappedFields.avatarURL` names.

The download is best effort, as PocketBase's: an unreachable URL, an answer over the field's size limit
or of a type the field does not accept leaves the field empty (with a warning in the log) rather than
failing the sign-up. It runs before the sign-up's transaction opens, so no database lock waits on it.
"""

from __future__ import annotations

import logging
import posixpath
import tempfile
from urllib.parse import urlsplit

import requests

from ...schema.fields.file import DEFAULT_MAX_SIZE
from ..files import InvalidUpload, Upload
from .base import HTTP_TIMEOUT

log = logging.getLogger("baas.auth.oauth2")

CHUNK = 64 * 1024


def download(url: str, field, *, timeout: float = HTTP_TIMEOUT) -> Upload | None:
    """`url` as an `Upload` fit for the file `field`, or None."""
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    limit = getattr(field, "maxSize", 0) or DEFAULT_MAX_SIZE
    buffer = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
    try:
        with requests.get(url, stream=True, timeout=timeout) as response:
            response.raise_for_status()
            size = 0
            for chunk in response.iter_content(CHUNK):
                size += len(chunk)
                if size > limit:
                    log.warning("OAuth2 avatar %s is over %s bytes; skipped", url, limit)
                    buffer.close()
                    return None
                buffer.write(chunk)
        name = posixpath.basename(urlsplit(url).path).strip() or "avatar"
        upload = Upload.from_stream(name if name.strip(".") else "avatar", buffer)
    except (requests.RequestException, InvalidUpload, OSError) as error:
        log.warning("failed to retrieve the OAuth2 avatar %s: %s", url, error)
        buffer.close()
        return None
    accepted = [mime.lower() for mime in getattr(field, "mimeTypes", None) or []]
    if accepted and upload.content_type.lower() not in accepted:
        log.warning("OAuth2 avatar %s is %s, which the field does not accept; skipped", url, upload.content_type)
        buffer.close()
        return None
    return upload
