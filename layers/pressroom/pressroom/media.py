"""Media files: published by copy with a Content-Type from an allowlist, so media never carry script."""

from __future__ import annotations

import posixpath

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
