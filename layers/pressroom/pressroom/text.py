"""Characters no HTML or XML document may hold, removed from any text that reaches a page or a feed."""

from __future__ import annotations

import re

# C0 and C1 controls (except tab and newline), surrogates and noncharacters: never text in HTML or XML.
_NONCHARACTERS = "".join(chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(17))
_STRAY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef" + re.escape(_NONCHARACTERS) + "]")
_STRAY_ASCII = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Text without characters that are never valid in HTML or XML (controls, surrogates, noncharacters)."""
    # the full class spans every plane and costs ten times more per character: most articles are ASCII
    return _STRAY_ASCII.sub("", text) if text.isascii() else _STRAY.sub("", text)
