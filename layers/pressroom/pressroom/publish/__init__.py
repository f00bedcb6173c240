"""Publishing: the rules (`core`, pure) and the shells that carry them out (Lambda on AWS, batch on disk).

Names are loaded on first use, so a reader of statuses alone (`publish.status`) loads no parser or renderer.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "ATTENTION": "status", "Status": "status", "Outcome": "core", "Plan": "core", "decide": "core",
    "CONFLICT": "lambda_shell", "NotStarted": "lambda_shell", "OutOfTime": "lambda_shell", "Publisher": "lambda_shell", "fan_out_rebuild": "lambda_shell",
    "listings_for": "listings", "Affected": "listings", "Listings": "listings", "affected_by": "listings",
    "Services": "services",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'pressroom.publish' has no attribute {name!r}")
    return getattr(importlib.import_module(f"pressroom.publish.{_HOMES[name]}"), name)
