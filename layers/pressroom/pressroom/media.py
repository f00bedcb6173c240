"""Media files: published by copy with a Content-Type from an allowlist, so media never carry script."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Any

from pressroom.errors import Problem

if TYPE_CHECKING:
    from pressroom.events import ObjectEvent
    from pressroom.pipeline import Outcome, Services

MEDIA_TYPES = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif", ".webp": "image/webp",
    ".avif": "image/avif", ".pdf": "application/pdf", ".mp3": "audio/mpeg", ".m4a": "audio/mp4",
    ".ogg": "audio/ogg", ".wav": "audio/wav", ".mp4": "video/mp4", ".webm": "video/webm",
}
MAX_MEDIA_BYTES = 200 * 1024 * 1024

# Leading bytes of each allowed type: a file must be what its extension says.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",), "audio/ogg": (b"OggS",),
}


def media_type(key: str, head: bytes) -> tuple[str | None, str]:
    """The Content-Type for a media key and its first bytes, or None and the reason it is refused."""
    ext = posixpath.splitext(key)[1].lower()
    content_type = MEDIA_TYPES.get(ext)
    if content_type is None:
        return None, f"{ext or 'files without an extension'} is not an allowed media type"
    signatures = _SIGNATURES.get(content_type)
    if signatures and not head.startswith(signatures):
        return None, f"the file does not look like {content_type}"
    container = {".webp": b"RIFF", ".wav": b"RIFF"}.get(ext)
    if container and not head.startswith(container):
        return None, f"the file does not look like {content_type}"
    if ext in (".avif", ".mp4", ".m4a") and head[4:8] != b"ftyp":
        return None, f"the file does not look like {content_type}"
    lowered = head[:1024].lower()
    if b"<script" in lowered or b"<html" in lowered or b"<svg" in lowered:
        return None, "the file contains markup"
    return content_type, ""


def publish_media(svc: Services, event: ObjectEvent, metrics: Any) -> Outcome:
    """Copy one media file to the site bucket (or remove it when it was deleted or is refused)."""
    from pressroom.pipeline import PUBLISHED, REJECTED, Outcome, logger
    from pressroom.urls import media_site_key

    key = event.key
    site_key = media_site_key(key)
    try:
        head = svc.s3.get_object(Bucket=svc.config.content_bucket, Key=key, Range="bytes=0-1023")
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        if code in ("NoSuchKey", "404", "InvalidRange"):
            svc.site_bucket.delete(site_key)
            svc.content.delete_report(key)
            return Outcome(key, "deleted")
        raise
    data = head["Body"].read()
    size = int(str(head.get("ContentRange", "/0")).rsplit("/", 1)[-1] or 0) or len(data)
    etag = str(head.get("ETag", "")).strip('"')
    version = head.get("VersionId") or "null"
    content_type, reason = media_type(key, data)
    if content_type is None or size > MAX_MEDIA_BYTES:
        reason = reason or f"the file is larger than {MAX_MEDIA_BYTES // (1024 * 1024)} MB"
        svc.site_bucket.delete(site_key)
        problem = Problem(reason, hint="upload images, PDF, audio or video with the matching extension")
        report = {"key": key, "version_id": version, "etag": etag, "status": REJECTED, "url": "",
                  "errors": [problem.as_dict()], "time": svc.config.now().isoformat()}
        svc.content.put_report(key, report)
        metrics.add_metric(name="MediaRejected", unit="Count", value=1)
        logger.warning("rejected", extra={"key": key, "reason": reason})
        return Outcome(key, REJECTED, "", [problem])
    svc.site_bucket.copy_from(svc.config.content_bucket, key, content_type=content_type, digest=f"{etag}:{version}")
    url = "/" + site_key
    svc.content.put_report(key, {"key": key, "version_id": version, "etag": etag, "status": PUBLISHED, "url": url,
                                 "errors": [], "time": svc.config.now().isoformat()})
    return Outcome(key, PUBLISHED, url)
