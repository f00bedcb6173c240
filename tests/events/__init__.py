"""AWS-documented event fixtures (see README.md for where each comes from)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def load(name: str) -> dict[str, Any]:
    """A fresh copy of one fixture (`s3_object_created`, `sqs_record`, ...)."""
    return json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))
