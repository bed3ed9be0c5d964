"""A real S3 protocol server on loopback for the staging tests: moto's server mode.

Each test gets a bucket of its own in one server per session. The variables `environ()`
gives are the usual AWS ones, so child processes reach the same server the way a worker
would reach a real store; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from warehouse.staging_store import S3Options, S3Store

REGION = "us-east-1"
KEY_ID, SECRET = "newswatch-test-key", "newswatch-test-secret-do-not-log"


@dataclass(frozen=True)
class LocalS3:
    endpoint: str        # http://127.0.0.1:<port>

    def options(self) -> S3Options:
        return S3Options(endpoint_url=self.endpoint, region=REGION, access_key_id=KEY_ID,
                         secret_access_key=SECRET)

    def environ(self) -> dict[str, str]:
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_REGION": REGION,
                "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET,
                "AWS_EC2_METADATA_DISABLED": "true"}

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)

    def new_bucket(self) -> str:
        name = f"staging-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name


@pytest.fixture(scope="session")
def local_s3() -> Iterator[LocalS3]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield LocalS3(f"http://{host}:{port}")
    finally:
        server.stop()


@pytest.fixture
def s3_store(local_s3: LocalS3) -> S3Store:
    """A fresh bucket, as the staging area `s3://<bucket>/staging`."""
    return S3Store(f"s3://{local_s3.new_bucket()}/staging", local_s3.options())
