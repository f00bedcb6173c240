"""Render function: S3 object events from the render queue become article pages and index entries."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from pressroom.handlers import render_batch, render_record
from pressroom.observability import observability

logger, tracer, metrics = observability()
processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def publish_record(record: SQSRecord, lambda_context: LambdaContext) -> Any:
    return render_record(record.body, metrics, receive_count=int(record.attributes.approximate_receive_count or 1),
                         message_id=record.message_id, remaining_ms=lambda_context.get_remaining_time_in_millis)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    with render_batch():  # one CDN invalidation for the pages this batch changed
        return process_partial_response(event=event, record_handler=publish_record, processor=processor,
                                        context=context)
