"""boto3 clients: created lazily, cached per service and endpoint, never at import time."""

from __future__ import annotations

import os
import threading
from typing import Any

_lock = threading.Lock()
_clients: dict[tuple[str, str, str], Any] = {}
_session: list[Any] = []  # one boto3 session for every client: it loads botocore's data files once


def client(service: str) -> Any:
    """A cached client for `service`, keyed by region and endpoint so stacks never share one by mistake."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    cache_key = (service, region, endpoint)
    with _lock:
        found = _clients.get(cache_key)
        if found is None:
            import boto3  # provided by the Lambda runtime; imported late to keep cold starts light
            from botocore.config import Config

            from pressroom.parallel import POOL_SIZE

            if not _session:
                _session.append(boto3.session.Session())
            # as many connections as calls made at once (`pressroom.parallel`): none waits for a free one
            found = _session[0].client(service, region_name=region, endpoint_url=endpoint or None,
                                       config=Config(max_pool_connections=POOL_SIZE))
            _clients[cache_key] = found
        return found


def reset_clients() -> None:
    """Forget every cached client (the local stack calls this between deployments)."""
    with _lock:
        _clients.clear()
        _session.clear()
