"""S3-compatible object storage through boto3 (AWS, MinIO, R2, moto, ...).

Uploads go through `upload_fileobj`, which sends large files as a multipart upload in chunks; reads ask
for byte ranges and stream the body, so neither direction holds a whole file in memory.
"""

from __future__ import annotations

from datetime import timezone
from typing import Any, BinaryIO, Iterator

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from .base import CHUNK_SIZE, FileInfo, Storage, StorageError
from .paths import check_key


class S3Storage(Storage):
    def __init__(self, settings: dict[str, Any]):
        self.bucket = settings.get("bucket", "")
        config = BotoConfig(
            s3={"addressing_style": "path" if settings.get("forcePathStyle") else "auto"},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
        )
        self.client = boto3.client(
            "s3",
            endpoint_url=settings.get("endpoint") or None,
            region_name=settings.get("region") or None,
            aws_access_key_id=settings.get("accessKey") or None,
            aws_secret_access_key=settings.get("secret") or None,
            config=config,
        )

    def save(self, key: str, source: BinaryIO, content_type: str = "") -> None:
        extra = {"ContentType": content_type} if content_type else {}
        try:
            self.client.upload_fileobj(source, self.bucket, check_key(key), ExtraArgs=extra)
        except (BotoCoreError, ClientError) as error:
            raise StorageError(str(error)) from error

    def stat(self, key: str) -> FileInfo | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise StorageError(str(error)) from error
        except BotoCoreError as error:
            raise StorageError(str(error)) from error
        modified = head["LastModified"].astimezone(timezone.utc)
        return FileInfo(size=int(head["ContentLength"]), modified=modified, content_type=head.get("ContentType", ""))

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        arguments: dict[str, Any] = {"Bucket": self.bucket, "Key": check_key(key)}
        if start or end is not None:
            arguments["Range"] = f"bytes={start}-{'' if end is None else end}"
        try:
            body = self.client.get_object(**arguments)["Body"]
        except (BotoCoreError, ClientError) as error:
            raise StorageError(str(error)) from error
        try:
            yield from body.iter_chunks(CHUNK_SIZE)
        finally:
            body.close()

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=check_key(key))
        except (BotoCoreError, ClientError) as error:
            raise StorageError(str(error)) from error

    def delete_prefix(self, prefix: str) -> None:
        keys = [{"Key": key} for key in self.list(prefix)]
        for start in range(0, len(keys), 1000):  # the DeleteObjects limit
            try:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys[start:start + 1000]})
            except (BotoCoreError, ClientError) as error:
                raise StorageError(str(error)) from error

    def list(self, prefix: str = "") -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield item["Key"]
        except (BotoCoreError, ClientError) as error:
            raise StorageError(str(error)) from error
