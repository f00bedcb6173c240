"""Index function: a batch of posts-table stream records becomes one rebuild of the listings it touches."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from pressroom.handlers import rebuild_listings
from pressroom.observability import observability

logger, tracer, metrics = observability()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=DynamoDBStreamEvent)
def lambda_handler(event: DynamoDBStreamEvent, context: LambdaContext) -> dict:
    return rebuild_listings(event.records)
