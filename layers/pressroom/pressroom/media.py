"""Media files: published by copy with a Content-Type from an allowlist, so media never carry script.

The extension gives the Content-Type. puremagic, a magic-bytes library, names what the first bytes are, and the
file is published only when that agrees with the extension. Markup anywhere in those bytes rejects the file
whatever its type: a page that also passes for a picture must never reach the site.
"""

from __future__ import annotations

import posixpath
from typing import Any, NamedTuple

MEDIA_TYPES = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif", ".webp": "image/webp",
    ".avif": "image/avif", ".pdf": "application/pdf", ".mp3": "audio/mpeg", ".m4a": "audio/mp4",
    ".ogg": "audio/ogg", ".wav": "audio/wav", ".mp4": "video/mp4", ".webm": "video/webm",
}
MAX_MEDIA_BYTES = 200 * 1024 * 1024

# Markup is looked for in the raw bytes and, after a byte order mark, in the text those bytes spell.
MARKUP = (b"<script", b"<html", b"<svg", b"<!doctype", b"<?xml", b"<body", b"<iframe", b"javascript:")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
)
_WHITESPACE = b" \t\r\n\x0b\x0c"

# The library's names for what we publish under our own: aliases, and the kinds of Ogg and Matroska.
_ALIASES = {
    "audio/wave": "audio/wav", "audio/x-wav": "audio/wav", "audio/x-m4a": "audio/mp4",
    "application/x-matroska": "video/webm", "video/x-matroska": "video/webm", "audio/x-matroska": "video/webm",
    "audio/webm": "video/webm", "application/ogg": "audio/ogg", "video/ogg": "audio/ogg",
}
# Types one container serves: an .m4a is an MP4 file, and an .mp4 may hold sound only.
_CONTAINER = {"audio/mp4": "mp4", "video/mp4": "mp4"}

# ISO-BMFF brands (the ftyp box), for files whose brand the library's table lacks.
_AVIF_BRANDS = {b"avif", b"avis"}
_IMAGE_BRANDS = _AVIF_BRANDS | {b"mif1", b"msf1", b"miaf", b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis",
                                b"hevm", b"hevs"}
_MP4_BRANDS = {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9", b"mp41", b"mp42",
               b"mp71", b"avc1", b"dash", b"M4A ", b"M4B ", b"M4V ", b"M4P ", b"f4v ", b"f4a ", b"MSNV", b"cmfc",
               b"cmf2"}


class Identity(NamedTuple):
    """What the library makes of the bytes: the allowed types it names, and a label for a refusal."""

    types: frozenset[str]
    label: str


def media_type(key: str, head: bytes) -> tuple[str | None, str]:
    """The Content-Type for a media key and its first bytes, or None and the reason it is refused."""
    ext = posixpath.splitext(key)[1].lower()
    content_type = MEDIA_TYPES.get(ext)
    if content_type is None:
        return None, f"{ext or 'files without an extension'} is not an allowed media type"
    if has_markup(head):
        return None, "the file contains markup"
    mismatch = _mismatch(content_type, head, identify(head))
    if mismatch:
        return None, f"the file does not look like {content_type} ({mismatch})"
    return content_type, ""


def has_markup(head: bytes) -> bool:
    """Whether the bytes hold HTML, SVG, XML or script: a known opening tag or scheme anywhere, or a tag first."""
    texts = [head]
    for bom, codec in _BOMS:
        if head.startswith(bom):
            texts.append(head[len(bom):].decode(codec, "replace").encode("utf-8", "replace"))
            break
    for text in texts:
        lowered = text.lower()
        if any(mark in lowered for mark in MARKUP):
            return True
        start = lowered.lstrip(_WHITESPACE)
        if start[:1] == b"<" and (start[1:2].isalpha() or start[1:2] in (b"!", b"?", b"/")):
            return True
    return False


def identify(head: bytes) -> Identity:
    """The allowed types the library finds in the bytes, from its most specific matches.

    Matches at the end of the data are left out (the head is not the end of the file), and so are bare container
    headers ("RIFF", a box size and "ftyp"): they say nothing of what the container holds, and the library has
    longer matches for the kinds it knows.
    """
    if not head:
        return Identity(frozenset(), "it is empty")
    import puremagic  # imported on first use: every cold start would pay for it otherwise

    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:  # older versions raise when nothing matches
        matches = []
    matches = [m for m in matches if m.offset >= 0 and m.byte_match]
    if not matches:
        return Identity(frozenset(), "it matches no known file type")
    if all(_bare_container(m.byte_match) for m in matches):
        return Identity(frozenset(), "it is a container of a kind not allowed")
    matches = [m for m in matches if not _bare_container(m.byte_match)]
    longest = max(len(m.byte_match) for m in matches)
    kinds = [_kind(m) for m in matches if len(m.byte_match) == longest]
    allowed = frozenset(kind for kind in kinds if kind in MEDIA_TYPES.values())
    shown = sorted(allowed) or [kind for kind in kinds if kind] or ["a file type with no MIME type"]
    return Identity(allowed, f"it looks like {shown[0]}")


def _kind(match: Any) -> str:
    """A library match as a MIME type, ours where it is one of ours under another name."""
    extension = match.extension if isinstance(match.extension, str) else ""
    kind = match.mime_type or MEDIA_TYPES.get(extension, "")  # Apple's M4A and one Ogg entry have no MIME type
    return "audio/ogg" if kind.endswith("+ogg") else _ALIASES.get(kind, kind)


def _mismatch(content_type: str, head: bytes, found: Identity) -> str:
    """Why the bytes are not of the declared type, or "" when they are."""
    if not found.types:
        return "" if _fallback(content_type, head) else found.label
    if not any(_same_kind(content_type, kind) for kind in found.types):
        return found.label
    if content_type == "audio/mpeg" and not _mpeg_audio(head):
        return "its MPEG audio frame header is not valid"
    return ""


def _same_kind(declared: str, found: str) -> bool:
    return _CONTAINER.get(declared, declared) == _CONTAINER.get(found, found)


def _bare_container(match: bytes) -> bool:
    return match == b"RIFF" or (len(match) == 8 and match[4:] == b"ftyp")


def _fallback(content_type: str, head: bytes) -> bool:
    """Our own check where the library names none of the allowed types for genuine files.

    MPEG audio without an ID3 tag: older tables know one frame header of many. MP4 and AVIF: the library knows
    a few brands, so the ftyp box's brands decide, and an image brand never passes for video.
    """
    if content_type == "audio/mpeg":
        return _mpeg_audio(head)
    brands = _brands(head)
    if content_type == "image/avif":
        return bool(brands & _AVIF_BRANDS)
    if content_type in ("audio/mp4", "video/mp4"):
        return bool(brands & _MP4_BRANDS) and not brands & _IMAGE_BRANDS
    return False


def _brands(head: bytes) -> set[bytes]:
    """The major and compatible brands of an ISO-BMFF file's leading ftyp box (none when it has none)."""
    size = int.from_bytes(head[:4], "big")
    if head[4:8] != b"ftyp" or size < 16:
        return set()
    box = head[:size]
    return {box[8:12]} | {box[i:i + 4] for i in range(16, len(box) - 3, 4)}


def _mpeg_audio(head: bytes) -> bool:
    """An ID3 tag, or a valid MPEG audio frame header: the library matches only the first two bytes of one.

    The header: 11 sync bits, a version and a layer that are not reserved, a bitrate that is not 'bad' and a
    sample rate that is not reserved.
    """
    if head.startswith(b"ID3"):
        return True
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 0b11, (head[1] >> 1) & 0b11
    bitrate, sample_rate = head[2] >> 4, (head[2] >> 2) & 0b11
    return version != 0b01 and layer != 0b00 and bitrate != 0b1111 and sample_rate != 0b11
