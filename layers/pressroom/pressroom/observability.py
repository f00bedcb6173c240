"""Powertools logger, tracer and metrics, configured by the template's Globals."""

from __future__ import annotations

import logging
from typing import Any

SERVICE = "pressroom"  # the template's POWERTOOLS_SERVICE_NAME


def observability() -> tuple[Any, Any, Any]:
    """Logger, Tracer and Metrics for a handler module (service and namespace come from the environment)."""
    from aws_lambda_powertools import Logger, Metrics, Tracer

    return Logger(), Tracer(), Metrics()


def library_logger(name: str) -> logging.Logger:
    """A library module's logger: records go to the Powertools logger of the service, as structured JSON."""
    return logging.getLogger(f"{SERVICE}.{name}")


class NoMetrics:
    """Stands in for Powertools Metrics where none is wanted (the CLI's offline tools)."""

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        return None
