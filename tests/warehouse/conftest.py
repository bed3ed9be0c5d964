"""Fixtures of the warehouse tests: a local S3 server (moto) for the staging area."""

from tests.warehouse.s3_server import local_s3, s3_store  # noqa: F401
