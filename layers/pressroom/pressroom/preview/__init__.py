"""The local preview: the site bucket served like the CDN serves it, with notices and live reload for authors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pressroom.preview.cdn import Cdn
    from pressroom.preview.server import Preview, PreviewServer, Response

__all__ = ["Cdn", "Preview", "PreviewServer", "Response"]
_HOMES = {"Cdn": "cdn", "Preview": "server", "PreviewServer": "server", "Response": "server"}


def __getattr__(name: str) -> Any:
    # imported on first use: the CLI loads every command module at start, and most commands need no preview
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
