"""The S3 side: source objects in the content bucket, pages in the site bucket, upload reports."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pressroom import cdn, urls

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from pressroom.render import Page
else:
    S3Client = Any

DIGEST_META = "content-sha256"
REDIRECT_META = "location"
TOMBSTONE_META, TOMBSTONE_STATUS = "status", "410"  # a deleted post's URL: the CDN answers 410 Gone
VERSION_META = "listings-version"  # the listings version a listing page was rendered from
# on the home page: the theme's assets it links to, all stored before it (their keys hold their content hash)
ASSETS_META = "theme-assets"


@dataclass(frozen=True)
class SourceObject:
    key: str
    body: bytes
    version_id: str
    etag: str
    size: int


class TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def _missing(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    return code in ("NoSuchKey", "404", "NotFound", "NoSuchVersion")


def report_body(report: dict[str, Any]) -> bytes:
    """An upload report as stored under `_reports/`: indented JSON, keys sorted, UTF-8."""
    return (json.dumps(report, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


class ContentBucket:
    """Reads uploads and writes `_reports/` in the content bucket."""

    def __init__(self, s3: S3Client, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    def get(self, key: str, *, max_bytes: int | None = None) -> SourceObject | None:
        """The current version of `key`, or None when it no longer exists."""
        try:
            response = self.s3.get_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            if _missing(exc):
                return None
            raise
        size = int(response.get("ContentLength", 0))
        version = response.get("VersionId") or "null"
        etag = str(response.get("ETag", "")).strip('"')
        if max_bytes is not None and size > max_bytes:
            response["Body"].close()
            raise TooLarge(size)
        return SourceObject(key, response["Body"].read(), version, etag, size)

    def head(self, key: str) -> tuple[str, str]:
        """The current version id and ETag of `key` (empty strings when it does not exist)."""
        try:
            response = self.s3.head_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            if _missing(exc):
                return "", ""
            raise
        return response.get("VersionId") or "null", str(response.get("ETag", "")).strip('"')

    def put_report(self, content_key: str, report: dict[str, Any]) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=urls.report_key(content_key), Body=report_body(report),
                           ContentType="application/json")

    def first_published(self, content_key: str) -> str:
        """The first publication time a key's report records ("" when there is no report or none in it): the
        reports outlive the posts table, so a site restored from the content bucket keeps its dates."""
        try:
            response = self.s3.get_object(Bucket=self.bucket, Key=urls.report_key(content_key))
        except Exception as exc:
            if _missing(exc):
                return ""
            raise
        try:
            report = json.loads(response["Body"].read())
        except ValueError:
            return ""
        value = report.get("first_published", "") if isinstance(report, dict) else ""
        return value if isinstance(value, str) else ""

    def delete_report(self, content_key: str) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=urls.report_key(content_key))

    def keys(self, prefix: str) -> list[str]:
        paginator = self.s3.get_paginator("list_objects_v2")
        found: list[str] = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            found += [obj["Key"] for obj in page.get("Contents", [])]
        return found


class SiteBucket:
    """Writes pages to the site bucket, skipping writes whose content is already there."""

    def __init__(self, s3: S3Client, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.written: list[str] = []
        self.deleted: list[str] = []

    def stored_metadata(self, key: str) -> dict[str, str] | None:
        """The user metadata of a stored object (None when there is no object)."""
        try:
            head = self.s3.head_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            if _missing(exc):
                return None
            raise
        return dict(head.get("Metadata", {}))

    def _metadata(self, key: str, name: str) -> str | None:
        """One user-metadata value of a stored object (None when the object or the value is missing)."""
        return (self.stored_metadata(key) or {}).get(name)

    @staticmethod
    def _newer(stored: dict[str, str] | None, version: int | None) -> bool:
        """Whether a stored listing page was rendered from a newer listings version than `version`."""
        if version is None or stored is None:
            return False
        try:
            return int(stored.get(VERSION_META, "-1")) > version
        except ValueError:
            return False

    def stored_digest(self, key: str) -> str | None:
        return self._metadata(key, DIGEST_META)

    @staticmethod
    def metadata_for(page: Page, extra_metadata: dict[str, str] | None = None) -> dict[str, str]:
        """The user metadata a page is stored with: its content hash, and whatever else it carries."""
        if page.redirect:
            extra_metadata = {REDIRECT_META: page.redirect, **(extra_metadata or {})}
        metadata = {DIGEST_META: page.digest, **(extra_metadata or {})}
        if extra_metadata:
            # The digest covers the metadata too, so a changed redirect target is a change.
            joined = page.digest + json.dumps(extra_metadata, sort_keys=True)
            metadata[DIGEST_META] = hashlib.sha256(joined.encode()).hexdigest()
        return metadata

    def put(self, page: Page, *, extra_metadata: dict[str, str] | None = None, version: int | None = None) -> bool:
        """Write `page` unless the stored object has the same content hash, or (for a listing page rendered from
        listings `version`) was rendered from a newer version; True when written."""
        return self.write_over(page, self.stored_metadata(page.key), extra_metadata=extra_metadata, version=version)

    def write_over(self, page: Page, stored: dict[str, str] | None, *, extra_metadata: dict[str, str] | None = None,
                   version: int | None = None) -> bool:
        """`put`, given the user metadata of what is stored at the page's key (read before, with other reads)."""
        metadata = self.metadata_for(page, extra_metadata)
        if (stored or {}).get(DIGEST_META) == metadata[DIGEST_META] or self._newer(stored, version):
            return False
        if version is not None:
            metadata[VERSION_META] = str(version)
        self.s3.put_object(Bucket=self.bucket, Key=page.key, Body=page.body, ContentType=page.content_type,
                           CacheControl=page.cache_control, Metadata=metadata)
        self.written.append(page.key)
        cdn.note_changed([page.key])
        return True

    def redirect_target(self, key: str) -> str | None:
        """The target of a redirect object at `key`, or None when there is none (or it is a page)."""
        return self._metadata(key, REDIRECT_META)

    def delete(self, key: str, *, version: int | None = None) -> None:
        """Delete `key`; with a listings `version`, not when a listing page rendered from a newer one is there."""
        self.delete_over(key, self.stored_metadata(key) if version is not None else None, version=version)

    def delete_over(self, key: str, stored: dict[str, str] | None, *, version: int | None = None) -> None:
        """`delete`, given the user metadata of what is stored at `key` (read before, with other reads)."""
        if self._newer(stored, version):
            return
        self.s3.delete_object(Bucket=self.bucket, Key=key)
        self.deleted.append(key)
        cdn.note_changed([key])

    def get(self, key: str) -> bytes | None:
        try:
            return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except Exception as exc:
            if _missing(exc):
                return None
            raise

    def copy_from(self, source_bucket: str, key: str, *, content_type: str, digest: str) -> bool:
        """Publish a media object by server-side copy; skipped when the same content is there."""
        if self.stored_digest(key) == digest:
            return False
        self.s3.copy_object(Bucket=self.bucket, Key=key, CopySource={"Bucket": source_bucket, "Key": key},
                            MetadataDirective="REPLACE", ContentType=content_type,
                            CacheControl=urls.cache_control(key), Metadata={DIGEST_META: digest})
        self.written.append(key)
        cdn.note_changed([key])
        return True
