"""Index function: a batch of posts-table stream records becomes one rebuild of the listings it touches."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pressroom

pressroom.collect_less()  # before the imports below: a cold start makes a few hundred thousand objects

from pressroom.handlers import rebuild_listings  # noqa: E402
from pressroom.observability import observability  # noqa: E402

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger, tracer, _ = observability()  # the listings publish no metric of their own


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return rebuild_listings(event.get("Records", []))
