"""S3-compatible object storage through boto3 (AWS, MinIO, R2, moto, ...).

Uploads go through `upload_fileobj`, which sends large files as a multipart upload in chunks; reads ask
for byte ranges and stream the body, so neither direction holds a whole file in memory.

boto3 is imported on first use, not with this module: `baas serve` imports the app in gunicorn's master
before gevent patches `ssl` in the workers, and urllib3 imported that early keeps the unpatched SSLContext,
which then fails with a RecursionError as soon as a boto3 client is made in a worker.
"""

from __future__ import annotations

from datetime import timezone
from functools import cache
from typing import Any, BinaryIO, Iterator

from .base import CHUNK_SIZE, FileInfo, Storage, StorageError
from .paths import check_key

#: large uploads go as a multipart upload of 8 MB parts, two in flight and two read ahead: about 16-32 MB of
#: buffers per upload (boto3's defaults, ten parts in flight and ten read ahead, held 90 MB for a 200 MB file)
PART_SIZE = 8 * 1024 * 1024
MAX_CONCURRENCY = 2


@cache
def _boto():
    """(boto3, TransferConfig, BotoConfig, the exceptions a call may raise, ClientError)."""
    import boto3
    from boto3.exceptions import Boto3Error
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config as BotoConfig
    from botocore.exceptions import BotoCoreError, ClientError

    transfer = TransferConfig(multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE, max_concurrency=MAX_CONCURRENCY)
    transfer.max_in_memory_upload_chunks = MAX_CONCURRENCY  # parts read ahead into memory (default 10: 80 MB)
    # S3UploadFailedError (from upload_fileobj) is a Boto3Error, not a BotoCoreError
    return boto3, transfer, BotoConfig, (BotoCoreError, ClientError, Boto3Error), ClientError


class S3Storage(Storage):
    def __init__(self, settings: dict[str, Any]):
        boto3, self._transfer, BotoConfig, self._errors, self._client_error = _boto()
        self.bucket = settings.get("bucket", "")
        config = BotoConfig(
            s3={"addressing_style": "path" if settings.get("forcePathStyle") else "auto"},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
        )
        try:  # a session of its own: boto3's default session is not safe to share between threads
            self.client = boto3.session.Session().client(
                "s3",
                endpoint_url=settings.get("endpoint") or None,
                region_name=settings.get("region") or None,
                aws_access_key_id=settings.get("accessKey") or None,
                aws_secret_access_key=settings.get("secret") or None,
                config=config,
            )
        except (ValueError, *self._errors) as error:  # e.g. an endpoint that is no URL
            raise StorageError(str(error)) from error

    def save(self, key: str, source: BinaryIO, content_type: str = "") -> None:
        extra = {"ContentType": content_type} if content_type else {}
        try:
            self.client.upload_fileobj(source, self.bucket, check_key(key), ExtraArgs=extra, Config=self._transfer)
        except self._errors as error:
            raise StorageError(str(error)) from error

    def stat(self, key: str) -> FileInfo | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=check_key(key))
        except self._client_error as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise StorageError(str(error)) from error
        except self._errors as error:
            raise StorageError(str(error)) from error
        modified = head["LastModified"].astimezone(timezone.utc)
        return FileInfo(size=int(head["ContentLength"]), modified=modified, content_type=head.get("ContentType", ""))

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        arguments: dict[str, Any] = {"Bucket": self.bucket, "Key": check_key(key)}
        if start or end is not None:
            arguments["Range"] = f"bytes={start}-{'' if end is None else end}"
        try:
            body = self.client.get_object(**arguments)["Body"]
        except self._client_error as error:
            if error.response.get("Error", {}).get("Code") == "InvalidRange":  # nothing at `start` (an empty file)
                return
            raise StorageError(str(error)) from error
        except self._errors as error:
            raise StorageError(str(error)) from error
        try:
            yield from body.iter_chunks(CHUNK_SIZE)
        finally:
            body.close()

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=check_key(key))
        except self._errors as error:
            raise StorageError(str(error)) from error

    def delete_prefix(self, prefix: str) -> None:
        keys = [{"Key": key} for key in self.list(prefix)]
        for start in range(0, len(keys), 1000):  # the DeleteObjects limit
            try:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys[start:start + 1000]})
            except self._errors as error:
                raise StorageError(str(error)) from error

    def list(self, prefix: str = "") -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield item["Key"]
        except self._errors as error:
            raise StorageError(str(error)) from error
