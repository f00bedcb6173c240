"""Media uploads: the extension gives the Content-Type, the bytes must be of that type, and markup is refused
in every type. Each file is the head of a genuine one, built here byte by byte."""

from __future__ import annotations

import struct

import pytest

from pressroom.media import MARKUP, MEDIA_TYPES, media_type

MARKUP_REASON = "the file contains markup"


def _box(kind: bytes, payload: bytes) -> bytes:
    """An ISO-BMFF box: its size, its type, its payload."""
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    return _box(b"ftyp", major + b"\x00\x00\x02\x00" + b"".join(compatible))


def _riff(form: bytes, chunk: bytes) -> bytes:
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + form + chunk


def _ebml(doc_type: bytes) -> bytes:
    """A Matroska/WebM EBML header (versions, limits, DocType) and the start of its Segment."""
    body = (b"\x42\x86\x81\x01" + b"\x42\xf7\x81\x01" + b"\x42\xf2\x81\x04" + b"\x42\xf3\x81\x08"
            + b"\x42\x82" + bytes([0x80 | len(doc_type)]) + doc_type + b"\x42\x87\x81\x04" + b"\x42\x85\x81\x02")
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(body)]) + body + b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff"


def _ogg(packet: bytes) -> bytes:
    """The first page of an Ogg stream: beginning of stream, granule 0, one segment."""
    return (b"OggS\x00\x02" + b"\x00" * 8 + b"\x01\x00\x00\x00" + b"\x00" * 4 + b"\x5a\x3c\x11\x8e"
            + bytes([1, len(packet)]) + packet)


MP3_FRAME = b"\xff\xfb\x90\x64" + b"\x00" * 32  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00\x43\x00" + b"\x08" * 64
PNG = (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"
       + b"\x00\x00\x00\x0cIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01")
WAV_FMT = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 44100, 88200, 2, 16) + b"data" + struct.pack("<I", 0)

GENUINE = {
    ".jpg": JPEG,
    ".jpeg": b"\xff\xd8\xff\xe1\x00\x16Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00\xff\xdb\x00\x43\x00" + b"\x08" * 64,
    ".png": PNG,
    ".gif": b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,",
    ".webp": _riff(b"WEBP", b"VP8 \x18\x00\x00\x00\x30\x01\x00\x9d\x01\x2a\x01\x00\x01\x00"),
    ".avif": _ftyp(b"avif", b"avif", b"mif1", b"miaf", b"MA1B") + _box(b"meta", b"\x00" * 4),
    ".pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
    ".mp3": b"ID3\x04\x00\x00\x00\x00\x00\x15TIT2\x00\x00\x00\x0b\x00\x00\x03Harbour day" + MP3_FRAME,
    ".m4a": _ftyp(b"M4A ", b"M4A ", b"mp42", b"isom") + _box(b"free", b""),
    ".ogg": _ogg(b"\x01vorbis\x00\x00\x00\x00\x01\x44\xac\x00\x00" + b"\x00" * 12 + b"\xb8\x01"),
    ".wav": _riff(b"WAVE", WAV_FMT),
    ".mp4": _ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41") + _box(b"free", b""),
    ".webm": _ebml(b"webm"),
}

# More genuine heads: the other brands, frame headers and codecs the same types come with.
VARIANTS = [
    ("media/a.JPG", JPEG),
    ("media/raw.jpg", b"\xff\xd8\xff\xdb\x00\x43\x00" + b"\x08" * 64),
    ("media/old.gif", b"GIF87a\x01\x00\x01\x00\x80\x00\x00"),
    ("media/lossless.webp", _riff(b"WEBP", b"VP8L\x0a\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88")),
    ("media/extended.webp", _riff(b"WEBP", b"VP8X\x0a\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00")),
    ("media/heif-brand.avif", _ftyp(b"mif1", b"avif", b"mif1", b"miaf")),  # an AVIF whose major brand is HEIF's
    ("media/sequence.avif", _ftyp(b"avis", b"avis", b"msf1", b"iso8", b"mif1", b"miaf")),
    ("media/mpeg1.mp3", MP3_FRAME),
    ("media/mpeg2.mp3", b"\xff\xf3\x64\xc4" + b"\x00" * 32),  # MPEG-2 Layer III, no ID3 tag
    ("media/mpeg25.mp3", b"\xff\xe3\x18\xc4" + b"\x00" * 32),  # MPEG-2.5 Layer III
    ("media/id3v3.mp3", b"ID3\x03\x00\x00\x00\x00\x00\x00" + MP3_FRAME),
    ("media/isom.m4a", _ftyp(b"isom", b"isom", b"M4A ", b"mp42")),  # ffmpeg's brands
    ("media/sound-only.mp4", GENUINE[".m4a"]),  # one container serves both
    ("media/mp42.mp4", _ftyp(b"mp42", b"mp42", b"isom")),
    ("media/mp41.mp4", _ftyp(b"mp41", b"mp41", b"isom", b"avc1")),  # a brand the library's table lacks
    ("media/dash.mp4", _ftyp(b"iso5", b"iso5", b"iso6", b"dash")),
    ("media/matroska.webm", _ebml(b"matroska")),
    ("media/opus.ogg", _ogg(b"OpusHead\x01\x02\x38\x01\x80\xbb\x00\x00\x00\x00\x00")),
    ("media/maths.pdf", b"%PDF-1.4\n1 0 obj\n<< /Length 5 >>\nstream\n(1 < 2)\nendstream\n"),
]

HTML = b"<!DOCTYPE html><html><head><title>x</title></head><body><script>alert(1)</script></body></html>"
SVG = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'><circle r='1'/></svg>"
MARKUP_FILES = {
    "html": HTML,
    "svg": SVG,
    "xml-svg": b"<?xml version='1.0' encoding='UTF-8'?>\n" + SVG,
    "script": b"<script>alert(document.cookie)</script>",
    "iframe": b"<iframe src='https://evil.example'></iframe>",
    "upper-case": b"<HTML><BODY ONLOAD=alert(1)>",
    "leading-space": b" \r\n\t <html>",
    "utf-8-bom": b"\xef\xbb\xbf<html><body>",
    "utf-16-bom": "\ufeff<html><script>alert(1)</script>".encode("utf-16-le"),
    "utf-16-be-bom": "\ufeff<svg onload=alert(1)>".encode("utf-16-be"),
    "other-tag-first": b"\n<a href='x'>click</a>",
    "comment-first": b"<!-- a page -->",
}


@pytest.mark.parametrize("ext", sorted(MEDIA_TYPES))
def test_a_genuine_header_of_each_allowed_type_is_accepted(ext: str) -> None:
    assert media_type(f"media/file{ext}", GENUINE[ext]) == (MEDIA_TYPES[ext], "")


def test_every_allowed_extension_has_a_genuine_header_here() -> None:
    assert set(GENUINE) == set(MEDIA_TYPES)


@pytest.mark.parametrize("key, data", VARIANTS, ids=[key for key, _ in VARIANTS])
def test_other_genuine_heads_of_the_allowed_types_are_accepted(key: str, data: bytes) -> None:
    ext = "." + key.rsplit(".", 1)[1].lower()
    assert media_type(key, data) == (MEDIA_TYPES[ext], "")


@pytest.mark.parametrize("kind", sorted(MARKUP_FILES))
@pytest.mark.parametrize("ext", sorted(MEDIA_TYPES))
def test_an_html_svg_or_xml_document_is_rejected_in_every_type(ext: str, kind: str) -> None:
    assert media_type(f"media/file{ext}", MARKUP_FILES[kind]) == (None, MARKUP_REASON)


@pytest.mark.parametrize("ext", sorted(MEDIA_TYPES))
def test_a_genuine_header_followed_by_markup_is_rejected(ext: str) -> None:
    # the bytes pass for the type: only the markup check stands in the way
    for tail in (b"<script>alert(1)</script>", b"<svg onload=alert(1)>", b"<IFRAME src=x>", b"<a href='javascript:x'>"):
        assert media_type(f"media/file{ext}", GENUINE[ext] + tail) == (None, MARKUP_REASON)


@pytest.mark.parametrize("mark", MARKUP)
def test_each_mark_of_markup_is_found_anywhere_in_the_head_in_any_case(mark: bytes) -> None:
    assert media_type("media/a.png", PNG + b"\x00" * 100 + mark.upper() + b" x") == (None, MARKUP_REASON)
    assert media_type("media/a.png", PNG + mark + b" x") == (None, MARKUP_REASON)


def test_a_webm_holding_an_html_page_is_rejected_for_its_markup() -> None:
    assert media_type("media/page.webm", HTML) == (None, MARKUP_REASON)
    assert media_type("media/page.webm", _ebml(b"webm") + HTML) == (None, MARKUP_REASON)


def test_a_png_declared_as_jpeg_is_rejected_with_what_it_looks_like() -> None:
    assert media_type("media/photo.jpg", PNG) == (None, "the file does not look like image/jpeg (it looks like image/png)")


@pytest.mark.parametrize("ext", sorted(MEDIA_TYPES))
def test_a_picture_of_another_type_is_rejected_in_every_type(ext: str) -> None:
    other = JPEG if ext == ".png" else PNG
    content_type, reason = media_type(f"media/file{ext}", other)
    assert content_type is None and reason.startswith(f"the file does not look like {MEDIA_TYPES[ext]} (it looks like")


def _same_kind(a: str, b: str) -> bool:
    return MEDIA_TYPES[a] == MEDIA_TYPES[b] or {MEDIA_TYPES[a], MEDIA_TYPES[b]} == {"audio/mp4", "video/mp4"}


CROSSED = [(declared, actual) for declared in sorted(MEDIA_TYPES) for actual in sorted(MEDIA_TYPES)
           if not _same_kind(declared, actual)]


@pytest.mark.parametrize("declared, actual", CROSSED, ids=[f"{a}-as-{d}" for d, a in CROSSED])
def test_each_type_is_rejected_under_the_extension_of_another(declared: str, actual: str) -> None:
    assert media_type(f"media/file{declared}", GENUINE[actual]) == (
        None, f"the file does not look like {MEDIA_TYPES[declared]} (it looks like {MEDIA_TYPES[actual]})")


@pytest.mark.parametrize("key, data, looks", [
    ("media/a.wav", _riff(b"XXXX", WAV_FMT), "it is a container of a kind not allowed"),
    ("media/a.webp", _riff(b"XXXX", WAV_FMT), "it is a container of a kind not allowed"),
    ("media/a.webp", _riff(b"AVI ", b"LIST\x04\x00\x00\x00hdrl"), "it looks like video/avi"),
    ("media/a.avif", _ftyp(b"heic", b"mif1", b"heic"), "it looks like image/heif"),
    ("media/a.mp4", _ftyp(b"qt  ", b"qt  "), "it looks like video/quicktime"),
    ("media/a.mp3", b"\xff\xf1\x50\x80\x02\x1f\xfc" + b"\x00" * 16, None),  # AAC in ADTS frames
    ("media/a.mp3", b"\xff\xff\xff\xff" + b"\x00" * 16, None),  # sync bits, then a bad bitrate
    ("media/a.pdf", b"PK\x03\x04\x14\x00\x00\x00\x08\x00", None),
    ("media/a.ogg", b"hello, this is text", "it matches no known file type"),
    ("media/a.gif", b"", "it is empty"),
])
def test_bytes_the_library_names_as_something_else_or_nothing_are_rejected(key: str, data: bytes,
                                                                           looks: str | None) -> None:
    content_type, reason = media_type(key, data)
    expected = MEDIA_TYPES["." + key.rsplit(".", 1)[1]]
    assert content_type is None and reason.startswith(f"the file does not look like {expected} (")
    if looks:
        assert reason.endswith(f"({looks})")


@pytest.mark.parametrize("brands", [
    (b"mif1", b"avif", b"mif1", b"miaf", b"iso8"),  # an AVIF image
    (b"avis", b"avis", b"msf1", b"iso8"),  # an AVIF sequence
    (b"heic", b"mif1", b"heic", b"iso8"),
])
def test_an_image_in_an_iso_bmff_box_never_passes_for_mp4(brands: tuple[bytes, ...]) -> None:
    for key in ("media/a.mp4", "media/a.m4a"):
        content_type, reason = media_type(key, _ftyp(*brands))
        assert content_type is None and reason.startswith("the file does not look like")


@pytest.mark.parametrize("key, reason", [
    ("media/logo.svg", ".svg is not an allowed media type"),
    ("media/page.html", ".html is not an allowed media type"),
    ("media/noext", "files without an extension is not an allowed media type"),
])
def test_an_extension_outside_the_allowlist_is_rejected_whatever_the_bytes(key: str, reason: str) -> None:
    assert media_type(key, PNG) == (None, reason)
