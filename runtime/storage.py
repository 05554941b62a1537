"""Storage: S3 buckets on AWS, a directory tree (`<lake>/<zone>/<key>`) locally.

Both implementations speak in (zone, key): zones are raw, processed, curated, temp. Spark reads
and writes through `uri()`; the runtime lists, moves and deletes through the methods here.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class ObjectInfo:
    """One stored object; `version` changes whenever the content at `key` is replaced."""

    key: str
    size: int
    version: str
    # The UTC day the object was last written (S3's LastModified): a raw file's landing date.
    landed: str = field(default="", compare=False)

    @property
    def object_id(self) -> str:
        return f"{self.key}#{self.version}"


class Storage(Protocol):
    def uri(self, zone: str, key: str = "") -> str: ...
    def list(self, zone: str, prefix: str) -> list[ObjectInfo]: ...
    def head(self, zone: str, key: str) -> ObjectInfo | None: ...
    def read_bytes(self, zone: str, key: str, length: int | None = None) -> bytes: ...
    def write_bytes(self, zone: str, key: str, data: bytes) -> None: ...
    def move(self, zone: str, key: str, to_zone: str, to_key: str) -> None: ...
    def copy(self, zone: str, key: str, to_key: str) -> None: ...
    def delete(self, zone: str, key: str) -> None: ...
    def delete_prefix(self, zone: str, prefix: str) -> None: ...


class LocalStorage:
    """A local lake: every zone is a folder under `root`."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    def path(self, zone: str, key: str = "") -> Path:
        # Lexical, not resolve(): keys must not climb out with '..', but a user may link
        # data files into the lake.
        path = Path(os.path.normpath(self.root / zone / key))
        if path != self.root / zone and (self.root / zone) not in path.parents:
            raise ValueError(f"key {key!r} escapes the {zone} zone")
        return path

    def uri(self, zone: str, key: str = "") -> str:
        # Not Path.as_uri(): it escapes '=' (partition folders), which Spark does not unescape.
        return (
            "file://"
            + self.path(zone, key).as_posix()
            + ("/" if key.endswith("/") or not key else "")
        )

    def list(self, zone: str, prefix: str) -> list[ObjectInfo]:
        base = self.path(zone, prefix)
        if not base.exists():
            return []
        files = [base] if base.is_file() else [p for p in base.rglob("*") if p.is_file()]
        return sorted((self._info(zone, p) for p in files), key=lambda o: o.key)

    def _info(self, zone: str, path: Path) -> ObjectInfo:
        stat = path.stat()
        key = path.relative_to(self.root / zone).as_posix()
        landed = _day(datetime.fromtimestamp(stat.st_mtime, UTC))
        if zone == "raw":
            # Like S3's ETag, the version of an arriving file comes from its content: the
            # same files always form the same batch, and a rewrite with new content is new.
            return ObjectInfo(key, stat.st_size, _content_hash(path), landed)
        return ObjectInfo(key, stat.st_size, f"{stat.st_mtime_ns}-{stat.st_size}", landed)

    def head(self, zone: str, key: str) -> ObjectInfo | None:
        path = self.path(zone, key)
        return self._info(zone, path) if path.is_file() else None

    def read_bytes(self, zone: str, key: str, length: int | None = None) -> bytes:
        with self.path(zone, key).open("rb") as handle:
            return handle.read() if length is None else handle.read(length)

    def write_bytes(self, zone: str, key: str, data: bytes) -> None:
        path = self.path(zone, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        temporary.write_bytes(data)
        os.replace(temporary, path)

    def move(self, zone: str, key: str, to_zone: str, to_key: str) -> None:
        target = self.path(to_zone, to_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.path(zone, key), target)

    def copy(self, zone: str, key: str, to_key: str) -> None:
        target = self.path(zone, to_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        shutil.copyfile(self.path(zone, key), temporary)
        os.replace(temporary, target)

    def delete(self, zone: str, key: str) -> None:
        self.path(zone, key).unlink(missing_ok=True)

    def delete_prefix(self, zone: str, prefix: str) -> None:
        path = self.path(zone, prefix)
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def _content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:32]


class S3Storage:
    """The pipeline's buckets, one per zone."""

    def __init__(self, buckets: dict[str, str], client=None):
        import boto3

        self.buckets = buckets
        self.s3 = client or boto3.client("s3")

    def uri(self, zone: str, key: str = "") -> str:
        return f"s3://{self.buckets[zone]}/{key}"

    def list(self, zone: str, prefix: str) -> list[ObjectInfo]:
        paginator = self.s3.get_paginator("list_objects_v2")
        found = []
        for page in paginator.paginate(Bucket=self.buckets[zone], Prefix=prefix):
            for item in page.get("Contents", []):
                version = item["ETag"].strip('"')
                landed = _day(item["LastModified"])
                found.append(ObjectInfo(item["Key"], item["Size"], version, landed))
        return sorted(found, key=lambda o: o.key)

    def head(self, zone: str, key: str) -> ObjectInfo | None:
        try:
            item = self.s3.head_object(Bucket=self.buckets[zone], Key=key)
        except self.s3.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        version = item.get("VersionId") or item["ETag"].strip('"')
        return ObjectInfo(key, item["ContentLength"], version, _day(item["LastModified"]))

    def read_bytes(self, zone: str, key: str, length: int | None = None) -> bytes:
        extra = {"Range": f"bytes=0-{length - 1}"} if length else {}
        return self.s3.get_object(Bucket=self.buckets[zone], Key=key, **extra)["Body"].read()

    def write_bytes(self, zone: str, key: str, data: bytes) -> None:
        self.s3.put_object(Bucket=self.buckets[zone], Key=key, Body=data)

    def move(self, zone: str, key: str, to_zone: str, to_key: str) -> None:
        source = {"Bucket": self.buckets[zone], "Key": key}
        self.s3.copy_object(Bucket=self.buckets[to_zone], Key=to_key, CopySource=source)
        self.s3.delete_object(**source)

    def copy(self, zone: str, key: str, to_key: str) -> None:
        bucket = self.buckets[zone]
        self.s3.copy_object(Bucket=bucket, Key=to_key, CopySource={"Bucket": bucket, "Key": key})

    def delete(self, zone: str, key: str) -> None:
        self.s3.delete_object(Bucket=self.buckets[zone], Key=key)

    def delete_prefix(self, zone: str, prefix: str) -> None:
        keys = [o.key for o in self.list(zone, prefix)]
        for start in range(0, len(keys), 1000):
            chunk = [{"Key": k} for k in keys[start : start + 1000]]
            self.s3.delete_objects(Bucket=self.buckets[zone], Delete={"Objects": chunk})
