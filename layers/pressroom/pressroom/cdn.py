"""CloudFront invalidation: changed article pages by path, once per batch; a full rebuild sends one `/*`."""

from __future__ import annotations

import contextvars
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from pressroom import urls

MAX_PATHS = 1000  # more than this in one batch is cheaper as a single wildcard
_pending: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("pressroom_cdn_pending", default=None)


def paths_for(keys: Iterable[str]) -> list[str]:
    """The viewer paths to invalidate for changed site keys; listings and assets are left to their TTLs."""
    found = set()
    for key in keys:
        if key.startswith(("posts/", "media/")):
            # the viewer-request function rewrites /posts/x/ to /posts/x/index.html before the cache lookup
            found.add(urls.encode_path("/" + key))  # AWS: non-ASCII characters in a path are URL-encoded
    return sorted(found)


FRESH_LISTINGS = {"index.html": "/", "recent.json": "/recent.json"}  # what InvalidateListings keeps fresh


def listing_paths(keys: Iterable[str]) -> list[str]:
    """The paths InvalidateListings invalidates after a listings rebuild: the home page and recent.json, when
    they changed (every other listing is left to its 60 s cache)."""
    return sorted(FRESH_LISTINGS[key] for key in set(keys) if key in FRESH_LISTINGS)


def note_changed(keys: Iterable[str]) -> None:
    """Record changed site keys for the batch in progress (ignored outside a batch)."""
    pending = _pending.get()
    if pending is not None:
        pending.update(paths_for(keys))


@contextmanager
def batch(flush: Callable[[list[str]], Any]) -> Iterator[None]:
    """Collect changed paths while a batch runs; hand them to `flush` once at the end."""
    token = _pending.set(set())
    try:
        yield
        pending = _pending.get() or set()
    finally:
        _pending.reset(token)
    if pending:
        flush(sorted(pending))


@contextmanager
def suspended() -> Iterator[None]:
    """Changes made inside are not invalidated one by one (a full rebuild ends with `/*`)."""
    token = _pending.set(None)
    try:
        yield
    finally:
        _pending.reset(token)


def invalidate(cloudfront: Any, distribution_id: str | None, paths: list[str], *, attempts: int = 5,
               sleep: Callable[[float], None] = time.sleep) -> str | None:
    """Create one invalidation (coalesced, unique CallerReference, retried with backoff when throttled).

    Returns the invalidation id, or None when there is nothing to do or no distribution (the local stack).
    """
    if not distribution_id or not paths:
        return None
    if len(paths) > MAX_PATHS:
        paths = ["/*"]
    reference = f"pressroom-{os.urandom(16).hex()}"  # (uuid imports platform: 3 ms)
    for attempt in range(attempts):
        try:
            response = cloudfront.create_invalidation(
                DistributionId=distribution_id,
                InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": reference},
            )
            return str(response["Invalidation"]["Id"])
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
            if code not in ("Throttling", "TooManyInvalidationsInProgress", "ServiceUnavailable") \
                    or attempt == attempts - 1:
                raise
            sleep(min(2 ** attempt * 0.5, 8.0))
    return None  # pragma: no cover - the loop returns or raises

