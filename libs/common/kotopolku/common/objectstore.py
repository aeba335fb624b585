"""Object storage for files that do not belong in a database: contract attachments, evidence of
costs, archival packages.

One small interface, two backends chosen by one URL setting (``object_store_url``):

* a directory (``var/objects/contracts`` or ``file:///srv/objects``): the embedded default;
  writes go to a temporary file that is flushed to disk and then renamed, so a reader never sees
  half an object;
* S3-compatible storage (``s3://bucket/optional/prefix``) through boto3, the AWS SDK, in
  production (AWS S3, MinIO, Ceph RGW, …). The endpoint and region come from settings; the
  credentials from boto3's standard chain (``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``,
  a web identity token in Kubernetes, …). Every upload carries its SHA-256, which S3 verifies.

Keys are relative paths of safe segments (``contracts/091/<uuid>/<uuid>``). The store knows
nothing about content types or owners: callers keep that, and the SHA-256 :meth:`put` returns,
in their own database, and check it again when they read (:func:`get_verified`).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol
from urllib.parse import urlparse

_SEGMENT: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
MAX_KEY_LENGTH: Final = 1024
_TEMPORARY_PREFIX: Final = ".tmp-"


class ObjectStoreError(Exception):
    """The store could not do what was asked (unreachable, refused, misconfigured)."""


class ObjectNotFound(ObjectStoreError):
    pass


class ObjectIntegrityError(ObjectStoreError):
    """An object's content does not match the checksum recorded for it."""


@dataclass(frozen=True, slots=True)
class StoredObject:
    key: str
    size: int
    # Lower-case hex SHA-256 of the content.
    sha256: str


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def validate_key(key: str) -> str:
    """A relative key of safe segments; anything that could escape the store is refused."""
    segments = key.split("/")
    if (
        not key
        or len(key) > MAX_KEY_LENGTH
        or not key.isascii()
        or any(not _SEGMENT.fullmatch(s) or s.startswith(_TEMPORARY_PREFIX) for s in segments)
    ):
        raise ValueError(f"not a valid object key: {key!r}")
    return key


class ObjectStore(Protocol):
    async def put(
        self, key: str, data: bytes, *, content_type: str = "application/octet-stream"
    ) -> StoredObject:
        """Stores the object (replacing one with the same key) and returns its checksum."""
        ...

    async def get(self, key: str) -> bytes:
        """The content; :class:`ObjectNotFound` when there is none."""
        ...

    async def delete(self, key: str) -> None:
        """Removes the object; removing a missing object is not an error."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def list_keys(self, prefix: str = "") -> list[str]:
        """Keys that start with ``prefix``, sorted."""
        ...


async def get_verified(store: ObjectStore, key: str, sha256: str) -> bytes:
    """The content, after checking it against the checksum recorded when it was stored."""
    data = await store.get(key)
    if sha256_hex(data) != sha256:
        raise ObjectIntegrityError(f"object {key} does not match its recorded checksum")
    return data


class FilesystemObjectStore:
    """Objects as files under one directory (the embedded default)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*validate_key(key).split("/"))

    def _write(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{_TEMPORARY_PREFIX}{uuid.uuid4().hex}")
        try:
            with temporary.open("wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        # The rename itself is durable only once the directory entry is on disk.
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    async def put(
        self, key: str, data: bytes, *, content_type: str = "application/octet-stream"
    ) -> StoredObject:
        await asyncio.to_thread(self._write, key, data)
        return StoredObject(key, len(data), sha256_hex(data))

    def _read(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(key) from None

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._read, key)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    def _list(self, prefix: str) -> list[str]:
        if not self.root.is_dir():
            return []
        keys = (
            path.relative_to(self.root).as_posix()
            for path in self.root.rglob("*")
            if path.is_file() and not path.name.startswith(_TEMPORARY_PREFIX)
        )
        return sorted(key for key in keys if key.startswith(prefix))

    async def list_keys(self, prefix: str = "") -> list[str]:
        return await asyncio.to_thread(self._list, prefix)


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


class S3ObjectStore:
    """Objects in an S3 bucket, under an optional key prefix, through boto3.

    boto3 is synchronous; its calls run in worker threads so they do not block the event loop.
    The client is thread-safe and keeps its own connection pool.
    """

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    @classmethod
    def connect(
        cls, bucket: str, prefix: str = "", *, endpoint_url: str = "", region: str = ""
    ) -> S3ObjectStore:
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            config=Config(
                retries={"max_attempts": 5, "mode": "standard"},
                connect_timeout=5,
                read_timeout=60,
                # Path-style addressing works with every S3-compatible server.
                s3={"addressing_style": "path"},
            ),
        )
        return cls(client, bucket, prefix)

    def _key(self, key: str) -> str:
        validate_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    async def _call(self, method: Callable[..., Any], **arguments: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return await asyncio.to_thread(method, **arguments)
        except ClientError as error:
            if _error_code(error) in ("NoSuchKey", "404", "NotFound"):
                raise ObjectNotFound(str(arguments.get("Key", ""))) from None
            raise ObjectStoreError(f"S3 refused the request: {_error_code(error)}") from error
        except BotoCoreError as error:
            raise ObjectStoreError(f"S3 is unreachable: {type(error).__name__}") from error

    async def put(
        self, key: str, data: bytes, *, content_type: str = "application/octet-stream"
    ) -> StoredObject:
        digest = hashlib.sha256(data).digest()
        await self._call(
            self._client.put_object,
            Bucket=self.bucket,
            Key=self._key(key),
            Body=data,
            ContentType=content_type,
            ChecksumSHA256=base64.b64encode(digest).decode(),
        )
        return StoredObject(key, len(data), digest.hex())

    async def get(self, key: str) -> bytes:
        response = await self._call(self._client.get_object, Bucket=self.bucket, Key=self._key(key))
        body = response["Body"]
        try:
            return bytes(await asyncio.to_thread(body.read))
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        await self._call(self._client.delete_object, Bucket=self.bucket, Key=self._key(key))

    async def exists(self, key: str) -> bool:
        try:
            await self._call(self._client.head_object, Bucket=self.bucket, Key=self._key(key))
        except ObjectNotFound:
            return False
        return True

    async def list_keys(self, prefix: str = "") -> list[str]:
        base = f"{self.prefix}/" if self.prefix else ""

        def collect() -> list[str]:
            paginator = self._client.get_paginator("list_objects_v2")
            keys: list[str] = []
            for page in paginator.paginate(Bucket=self.bucket, Prefix=base + prefix):
                keys.extend(item["Key"].removeprefix(base) for item in page.get("Contents", []))
            return sorted(keys)

        result: list[str] = await self._call(collect)
        return result


def open_object_store(url: str, *, s3_endpoint_url: str = "", s3_region: str = "") -> ObjectStore:
    """The store a URL names: ``s3://bucket/prefix``, ``file:///path`` or a plain path."""
    if not url:
        raise ValueError("object_store_url is empty")
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise ValueError("an S3 object store URL needs a bucket: s3://bucket/prefix")
        return S3ObjectStore.connect(
            parsed.netloc, parsed.path, endpoint_url=s3_endpoint_url, region=s3_region
        )
    if parsed.scheme == "file":
        return FilesystemObjectStore(Path(parsed.path))
    if parsed.scheme:
        raise ValueError(
            f"unsupported object store {parsed.scheme!r}: use a path, file:// or s3://"
        )
    return FilesystemObjectStore(Path(url))
