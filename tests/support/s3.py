"""A real S3-compatible server for tests: moto's standalone server on a free loopback port."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest


@dataclass(frozen=True)
class S3Server:
    endpoint: str

    def settings(self, bucket: str) -> dict:
        """The `s3` settings block pointing at a fresh bucket on this server."""
        client = boto3.client(
            "s3", endpoint_url=self.endpoint, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )
        client.create_bucket(Bucket=bucket)
        return {
            "enabled": True, "bucket": bucket, "region": "us-east-1", "endpoint": self.endpoint,
            "accessKey": "testing", "secret": "testing", "forcePathStyle": True,
        }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        server.stop()


@pytest.fixture
def s3_settings(s3_server: S3Server) -> dict:
    """Settings for a new, empty bucket (one per test)."""
    return s3_server.settings(f"baas-test-{uuid.uuid4().hex[:12]}")
