"""What the Lambda handlers call: one function per handler, building its services per configuration.

Each path imports what it needs when it first runs: the index function never loads the article parser, and a
media upload loads neither the parser nor Jinja (cold starts pay only for their own path).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from pressroom import cdn
from pressroom import config as config_module
from pressroom.config import Config
from pressroom.publish.services import Services

if TYPE_CHECKING:
    from logging import Logger

    from pressroom.publish.core import Outcome

_services: dict[Config, Services] = {}


def services(cfg: Config | None = None) -> Services:
    """Services for the current environment, reused across warm invocations with the same settings."""
    cfg = cfg or config_module.from_environ()
    found = _services.get(cfg)
    if found is None:
        found = _services[cfg] = Services(cfg)
    found._site = None  # settings are read once per invocation: a new site.yaml applies at once
    return found


def reset() -> None:
    _services.clear()


@contextmanager
def render_batch() -> Iterator[None]:
    """Around one render batch: the article pages it changed are invalidated in the CDN once, at the end."""
    svc = services()
    with cdn.batch(lambda paths: cdn.invalidate(svc.cloudfront, svc.config.distribution_id, paths)):
        yield


class BatchFailed(RuntimeError):
    """Every message of a render batch failed: the invocation fails, as Lambda expects of a batch with no
    success (the messages go back to the queue and count a delivery each)."""


def render_messages(records: list[dict[str, Any]], metrics: Any, logger: Logger,
                    remaining_ms: Callable[[], int] | None = None) -> dict[str, Any]:
    """Handle one render batch (SQS records as Lambda hands them over) and return the partial batch response:
    the messages that failed go back to the queue, the rest are deleted. One CDN invalidation covers the
    pages the batch changed."""
    failures: list[dict[str, str]] = []
    with render_batch():
        for record in records:
            message_id = str(record.get("messageId", ""))
            receives = int(record.get("attributes", {}).get("ApproximateReceiveCount") or 1)
            try:
                render_record(str(record.get("body", "")), metrics, receive_count=receives, message_id=message_id,
                              remaining_ms=remaining_ms)
            except Exception:  # noqa: BLE001 - the message goes back to the queue, the others go on
                logger.exception("render task failed", extra={"message_id": message_id})
                failures.append({"itemIdentifier": message_id})
    if records and len(failures) == len(records):
        raise BatchFailed(f"all {len(records)} messages of the batch failed; see the log for each")
    return {"batchItemFailures": failures}


def render_record(body: str, metrics: Any = None, *, receive_count: int = 1, message_id: str = "",
                  remaining_ms: Callable[[], int] | None = None) -> Outcome | None:
    """Handle one render-queue message (an S3 object event or a pipeline task).

    On the message's last delivery (its receive count reaches the queue's maxReceiveCount) a failure is
    reported to the newsroom before the message goes to the dead-letter queue; the failure still propagates.
    `remaining_ms` is the invocation's time left: a task too close to the timeout fails alone (OutOfTime)
    rather than letting the timeout fail the whole batch.
    """
    from pressroom.events import parse_body

    event = parse_body(body)
    if event is None:
        return None
    from pressroom.publish.lambda_shell import NotStarted, Publisher

    publisher = Publisher(services(), metrics=metrics, remaining_ms=remaining_ms)
    try:
        return publisher.handle(event)
    except NotStarted:
        publisher.requeue(body)  # not this task's failure: it goes back whole, its delivery count fresh
        return None
    except Exception as exc:
        limit = publisher.config.max_receive_count
        if limit and receive_count >= limit:
            publisher.final_failure(event, exc, message_id)
        raise


def rebuild_listings(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Handle one batch of posts-table stream records (as Lambda hands them over): one rebuild of every
    listing page they touch."""
    from pressroom.publish import listings

    svc = services()
    written = listings.listings_for(svc).rebuild(listings.affected_by(records))
    if svc.config.invalidate_listings:  # the template's InvalidateListings: the home page fresh at the edge
        cdn.invalidate(svc.cloudfront, svc.config.distribution_id, cdn.listing_paths(written))
    return {"written": len(written)}
