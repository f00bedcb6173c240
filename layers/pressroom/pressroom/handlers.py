"""What the Lambda handlers call: one function per handler, building its services per configuration."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from pressroom import cdn
from pressroom import config as config_module
from pressroom.config import Config
from pressroom.events import parse_body
from pressroom.publish import NotStarted, Outcome, Publisher, Services, affected_by, listings_for

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

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


def render_record(body: str, metrics: Any = None, *, receive_count: int = 1, message_id: str = "",
                  remaining_ms: Callable[[], int] | None = None) -> Outcome | None:
    """Handle one render-queue message (an S3 object event or a pipeline task).

    On the message's last delivery (its receive count reaches the queue's maxReceiveCount) a failure is
    reported to the newsroom before the message goes to the dead-letter queue; the failure still propagates.
    `remaining_ms` is the invocation's time left: a task too close to the timeout fails alone (OutOfTime)
    rather than letting the timeout fail the whole batch.
    """
    event = parse_body(body)
    if event is None:
        return None
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


def rebuild_listings(records: Iterable[DynamoDBRecord]) -> dict[str, Any]:
    """Handle one batch of posts-table stream records: one rebuild of every listing page they touch."""
    written = listings_for(services()).rebuild(affected_by(records))
    return {"written": len(written)}
