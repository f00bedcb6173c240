"""The pipeline's upload reports (`_reports/<key>.json` in the content bucket), followed as they change."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from pressroom import urls
from pressroom.errors import Problem
from pressroom.publish.status import ATTENTION as NEEDS_ATTENTION
from pressroom.publish.status import NOT_PUBLIC

__all__ = ["NEEDS_ATTENTION", "NOT_PUBLIC", "Change", "ReportBook", "describe_errors", "read_report"]


@dataclass(frozen=True)
class Change:
    """A report that appeared, changed (report is the new one) or went away (report is None)."""

    key: str
    report: dict[str, Any] | None


def describe_errors(report: dict[str, Any]) -> list[str]:
    """One line per problem of a report, in the words `pressroom check` and the build use."""
    fields = ("message", "field", "line", "hint")
    return [("warning: " if e.get("severity") == "warning" else "") + Problem(**{f: e.get(f) for f in fields}).describe()
            for e in report.get("errors", []) if e.get("message")]


def read_report(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    """The report of the upload `key` in the content bucket, or None when there is none (or it is unreadable)."""
    try:
        body = s3.get_object(Bucket=bucket, Key=urls.report_key(key))["Body"].read()
    except Exception as exc:
        if getattr(exc, "response", {}).get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    try:
        report = json.loads(body)
    except ValueError:
        return None
    return report if isinstance(report, dict) else None


class ReportBook:
    """The current report of every upload; `refresh()` reads only the reports whose ETag changed.

    A book may start without a bucket (`pressroom dev` before its stack is up), holding what a build decided
    (`take_in_decided`); `connect` gives it the bucket."""

    def __init__(self, s3: Any = None, bucket: str = "", *, min_interval: float = 0.0) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.min_interval = min_interval
        self._etags: dict[str, str] = {}  # content key -> ETag of its report
        self._reports: dict[str, dict[str, Any]] = {}
        self._decided: dict[str, dict[str, Any]] = {}  # a build's reports, until written ones are known
        self._lock = threading.Lock()
        self._checked = float("-inf")

    def connect(self, s3: Any, bucket: str) -> None:
        """Follow the reports of this content bucket from now on."""
        with self._lock:
            self.s3, self.bucket = s3, bucket

    def refresh(self) -> list[Change]:
        """Catch up with the bucket (at most once per `min_interval` seconds); returns what changed."""
        with self._lock:
            if self.s3 is None or time.monotonic() - self._checked < self.min_interval:
                return []
            listed: dict[str, str] = {}
            paginator = self.s3.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=urls.CONTENT_REPORTS):
                for obj in page.get("Contents", []):
                    name = obj["Key"][len(urls.CONTENT_REPORTS) :]
                    if name.endswith(".json"):
                        listed[name[: -len(".json")]] = obj["ETag"]
            changes = [Change(key, None) for key in sorted(self._etags.keys() - listed.keys())]
            for gone in changes:
                del self._etags[gone.key], self._reports[gone.key]
            for key, etag in sorted(listed.items()):
                if self._etags.get(key) == etag:
                    continue
                report = read_report(self.s3, self.bucket, key)
                if report is None:
                    continue  # deleted between the listing and the read
                self._etags[key], self._reports[key] = etag, report
                changes.append(Change(key, report))
            self._checked = time.monotonic()
            self._decided = {}
            return changes

    def take_in(self, written: dict[str, tuple[str, bytes]]) -> list[Change]:
        """Reports written in bulk (content key -> ETag, as a listing quotes it, and body), taken in without
        reading them back: a later refresh reads only those that changed since. Returns them as changes."""
        taken = []
        with self._lock:
            for key, (etag, body) in sorted(written.items()):
                report = json.loads(body)
                if isinstance(report, dict):
                    self._etags[key], self._reports[key] = etag, report
                    taken.append(Change(key, report))
            if written:
                self._decided = {}
        return taken

    def take_in_decided(self, reports: dict[str, dict[str, Any]]) -> None:
        """Reports a build decided (content key -> report), before any is written: shown until written
        reports are taken in or read from the bucket, which then replace them all."""
        with self._lock:
            self._decided = dict(reports)

    def with_status(self, *statuses: str) -> list[dict[str, Any]]:
        """The current reports in the given statuses, by content key."""
        with self._lock:
            reports = {**self._decided, **self._reports}
            return [r for _, r in sorted(reports.items()) if r.get("status") in statuses]
