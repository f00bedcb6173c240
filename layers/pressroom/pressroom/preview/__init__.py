"""The local preview: the site bucket served like the CDN serves it, with notices and live reload for authors."""

from __future__ import annotations

from pressroom.preview.cdn import Cdn
from pressroom.preview.server import Preview, PreviewServer, Response

__all__ = ["Cdn", "Preview", "PreviewServer", "Response"]
