"""Render function: S3 object events from the render queue become article pages and index entries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pressroom

pressroom.collect_less()  # before the imports below: a cold start makes a few hundred thousand objects

from pressroom.handlers import render_messages  # noqa: E402
from pressroom.observability import observability  # noqa: E402

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger, tracer, metrics = observability()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    # a partial batch response: the messages that failed go back to the queue, the others are done
    return render_messages(event.get("Records", []), metrics, logger, context.get_remaining_time_in_millis)
