"""Powertools logger and metrics, configured by the template's Globals; the X-Ray SDK only when asked for."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

SERVICE = "pressroom"  # the template's POWERTOOLS_SERVICE_NAME

F = TypeVar("F", bound=Callable[..., Any])


def observability() -> tuple[Any, Any, Any]:
    """Logger, Tracer and Metrics for a handler module (service and namespace come from the environment).

    Lambda's active tracing records every invocation without any SDK in the function. The X-Ray SDK (about
    100 ms of import on a cold start) is loaded only when PRESSROOM_TRACE_CALLS is true, for a subsegment per
    AWS call and per handler; otherwise the tracer is a stand-in whose decorators change nothing.
    """
    from aws_lambda_powertools import Logger, Metrics

    from pressroom.config import trace_calls

    tracer: Any = NoTracer()
    if trace_calls():
        from aws_lambda_powertools import Tracer

        tracer = Tracer()
    return Logger(), tracer, Metrics()


def library_logger(name: str) -> logging.Logger:
    """A library module's logger: records go to the Powertools logger of the service, as structured JSON."""
    return logging.getLogger(f"{SERVICE}.{name}")


class NoTracer:
    """Stands in for the Powertools Tracer when no subsegments are wanted: its decorators return the function."""

    def capture_lambda_handler(self, handler: F) -> F:
        return handler

    def capture_method(self, method: F) -> F:
        return method


class NoMetrics:
    """Stands in for Powertools Metrics where none is wanted (the CLI's offline tools)."""

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        return None
