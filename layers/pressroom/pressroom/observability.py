"""Powertools logger, tracer and metrics, configured by the template's Globals."""

from __future__ import annotations

from typing import Any


def observability() -> tuple[Any, Any, Any]:
    """Logger, Tracer and Metrics for a handler module (service and namespace come from the environment)."""
    from aws_lambda_powertools import Logger, Metrics, Tracer

    return Logger(), Tracer(), Metrics()


def library_logger() -> Any:
    from aws_lambda_powertools import Logger

    return Logger(child=True)


class NoMetrics:
    """Stands in for Powertools Metrics where none is wanted (the CLI's offline tools)."""

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        return None
