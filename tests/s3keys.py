"""A record of every object key the suite hands to S3, to catch a key passed on still URL-encoded.

S3 encodes keys in its event notifications; a code path that forgets to decode (or encodes again) asks S3
for `articles/port+strike.md` when the upload was `articles/port strike.md`. Every S3 call of the suite
goes through botocore, so the log sees them all, and a test fails when one of its calls names a key with a
`+` or `%XX` that no upload's name contained.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

ENCODED = re.compile(r"\+|%[0-9A-Fa-f]{2}")
_UPLOADS = ("PutObject", "CreateMultipartUpload")


@dataclass
class S3KeyLog:
    calls: list[tuple[str, str, str]] = field(default_factory=list)  # (operation, bucket, key)
    uploads: set[str] = field(default_factory=set)  # names put into a content bucket, with an escape-like part
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, operation: str, params: dict[str, Any]) -> None:
        keys = [params["Key"]] if isinstance(params.get("Key"), str) else []
        source = params.get("CopySource")
        if isinstance(source, dict) and isinstance(source.get("Key"), str):
            keys.append(source["Key"])
        keys += [o["Key"] for o in params.get("Delete", {}).get("Objects", []) if isinstance(o.get("Key"), str)]
        bucket = str(params.get("Bucket", ""))
        with self._lock:
            for key in keys:
                if operation in _UPLOADS and "contentbucket" in bucket.lower() and not key.startswith("_reports/") \
                        and ENCODED.search(key):
                    self.uploads.add(key)
                self.calls.append((operation, bucket, key))

    def mistakes(self, since: int = 0) -> list[tuple[str, str, str]]:
        """Calls after the `since`-th naming a key whose `+`/`%XX` comes from no upload's name."""
        with self._lock:
            calls, uploads = self.calls[since:], set(self.uploads)
        return [call for call in calls if ENCODED.search(call[2]) and not any(u in call[2] for u in uploads)]

    def forget(self, since: int) -> None:
        """Drop the calls after the `since`-th (for the test that makes a mistake on purpose)."""
        with self._lock:
            del self.calls[since:]
