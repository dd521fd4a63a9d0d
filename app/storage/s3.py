"""Documents in an S3-compatible bucket (AWS S3, MinIO, Ceph, …) through boto3. Credentials
and region come from the environment as boto3 reads them (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, or an instance role)."""

from __future__ import annotations

from typing import BinaryIO

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from app.storage import StorageError

MISSING = {"404", "NoSuchKey", "NotFound"}


class S3Storage:
    def __init__(self, bucket: str, *, endpoint_url: str | None = None, prefix: str = "") -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            # Bounded waits: a request must not hang on an unreachable store.
            config=BotoConfig(
                connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"}
            ),
        )

    def _key(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._key(key),
                Body=data,
                ContentType=content_type,
                # Never overwrite: keys are new and random; a clash is refused by the store.
                IfNoneMatch="*",
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"could not write document {key}: {exc}") from exc

    def open(self, key: str) -> BinaryIO:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"could not read document {key}: {exc}") from exc

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in MISSING:
                return False
            raise StorageError(f"could not look up document {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"could not look up document {key}: {exc}") from exc
        return True

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"could not delete document {key}: {exc}") from exc

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"bucket {self.bucket} unreachable: {exc}") from exc
