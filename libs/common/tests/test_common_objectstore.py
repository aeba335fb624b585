"""The object store on both backends: a directory, and a real S3 API server (moto's server mode,
an S3-compatible HTTP server in Python) reached through boto3 over loopback."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from kotopolku.common.objectstore import (
    FilesystemObjectStore,
    ObjectIntegrityError,
    ObjectNotFound,
    ObjectStore,
    S3ObjectStore,
    get_verified,
    open_object_store,
    validate_key,
)

BUCKET = "kotopolku-test"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server_module = pytest.importorskip("moto.server")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "kotopolku-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "kotopolku-test-secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def _s3_store(endpoint: str, prefix: str) -> S3ObjectStore:
    store = open_object_store(
        f"s3://{BUCKET}/{prefix}", s3_endpoint_url=endpoint, s3_region="eu-north-1"
    )
    assert isinstance(store, S3ObjectStore)
    client = store._client
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if BUCKET not in existing:
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"}
        )
    return store


@pytest.fixture(params=["filesystem", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path, s3_credentials: None) -> ObjectStore:
    if request.param == "filesystem":
        return open_object_store(str(tmp_path / "objects"))
    endpoint = request.getfixturevalue("s3_endpoint")
    return _s3_store(endpoint, f"t-{tmp_path.name}")


async def test_put_get_list_delete(store: ObjectStore) -> None:
    data = b"%PDF-1.7\n" + bytes(range(256)) * 40
    stored = await store.put("contracts/091/a/b", data, content_type="application/pdf")
    assert (stored.key, stored.size) == ("contracts/091/a/b", len(data))
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert await store.get("contracts/091/a/b") == data
    assert await store.exists("contracts/091/a/b")
    assert not await store.exists("contracts/091/a/c")

    await store.put("contracts/091/a/c", b"second")
    await store.put("contracts/837/x/y", b"other municipality")
    assert await store.list_keys("contracts/091/") == ["contracts/091/a/b", "contracts/091/a/c"]
    assert len(await store.list_keys()) == 3

    replaced = await store.put("contracts/091/a/c", b"replaced")
    assert await get_verified(store, "contracts/091/a/c", replaced.sha256) == b"replaced"

    await store.delete("contracts/091/a/b")
    await store.delete("contracts/091/a/b")  # deleting twice is fine
    with pytest.raises(ObjectNotFound):
        await store.get("contracts/091/a/b")
    assert await store.list_keys("contracts/091/") == ["contracts/091/a/c"]


async def test_empty_object_round_trips(store: ObjectStore) -> None:
    stored = await store.put("empty", b"")
    assert stored.size == 0
    assert await store.get("empty") == b""


@pytest.mark.parametrize(
    "key",
    ["", "/abs", "a//b", "../escape", "a/../b", "a/./b", "a/", "ä", "a b", ".tmp-x", "a/.hidden"],
)
async def test_unsafe_keys_are_refused(store: ObjectStore, key: str) -> None:
    with pytest.raises(ValueError, match="not a valid object key"):
        await store.put(key, b"x")


def test_key_length_is_bounded() -> None:
    assert validate_key("a" * 100 + "/" + "b" * 100)
    with pytest.raises(ValueError, match="not a valid object key"):
        validate_key("/".join(["a" * 150] * 7))


async def test_a_corrupted_file_fails_verification(tmp_path: Path) -> None:
    store = FilesystemObjectStore(tmp_path)
    stored = await store.put("k/1", b"original content")
    (tmp_path / "k" / "1").write_bytes(b"original c0ntent")
    with pytest.raises(ObjectIntegrityError):
        await get_verified(store, "k/1", stored.sha256)


async def test_a_corrupted_s3_object_fails_verification(
    s3_endpoint: str, s3_credentials: None
) -> None:
    store = _s3_store(s3_endpoint, "corruption")
    stored = await store.put("k/1", b"original content")
    store._client.put_object(Bucket=BUCKET, Key="corruption/k/1", Body=b"tampered")
    with pytest.raises(ObjectIntegrityError):
        await get_verified(store, "k/1", stored.sha256)


async def test_s3_prefixes_keep_stores_apart(s3_endpoint: str, s3_credentials: None) -> None:
    first, second = _s3_store(s3_endpoint, "one"), _s3_store(s3_endpoint, "two")
    await first.put("same/key", b"1")
    await second.put("same/key", b"2")
    assert await first.get("same/key") == b"1"
    assert await first.list_keys() == ["same/key"]


async def test_an_unreachable_s3_endpoint_is_a_store_error(s3_credentials: None) -> None:
    from kotopolku.common.objectstore import ObjectStoreError

    store = open_object_store("s3://nowhere", s3_endpoint_url="http://127.0.0.1:1")
    assert isinstance(store, S3ObjectStore)
    store._client.meta.config.retries = {"max_attempts": 1}
    with pytest.raises(ObjectStoreError, match="unreachable"):
        await store.get("k")


def test_store_urls() -> None:
    assert isinstance(open_object_store("var/objects"), FilesystemObjectStore)
    file_store = open_object_store("file:///srv/objects")
    assert isinstance(file_store, FilesystemObjectStore)
    assert file_store.root == Path("/srv/objects")
    with pytest.raises(ValueError, match="bucket"):
        open_object_store("s3://")
    with pytest.raises(ValueError, match="unsupported"):
        open_object_store("ftp://host/x")
    with pytest.raises(ValueError, match="empty"):
        open_object_store("")
