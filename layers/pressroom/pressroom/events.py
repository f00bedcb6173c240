"""Object events as the render function receives them: EventBridge S3 events, or the pipeline's own tasks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

SEQUENCER_WIDTH = 32


@dataclass(frozen=True)
class ObjectEvent:
    """Something happened to `key`: an upload or delete (with S3's sequencer), or a task of the pipeline."""

    key: str
    action: str  # "put" | "delete" | "publish" (a schedule fired) | "rebuild" (full re-render) | "listing"
    # | "repair" (one anti-entropy run)
    sequencer: str = ""
    version_id: str = ""
    etag: str = ""
    rebuild: str = ""  # the full rebuild a task belongs to
    options: str = ""  # a repair task's options, as JSON: dry_run, cursor, request

    @property
    def forced(self) -> bool:
        """Tasks carry no sequencer: they re-run the key's current state."""
        return self.action in ("publish", "rebuild", "listing")


def normalize_sequencer(value: str) -> str:
    """S3 sequencers are hexadecimal numbers of varying length: pad so string order is numeric order."""
    value = (value or "").strip().lower()
    if not value:
        return ""
    int(value, 16)  # a malformed sequencer is an error, not an order
    return value.rjust(SEQUENCER_WIDTH, "0")


def task_message(key: str, action: str = "publish", rebuild: str = "", **options: Any) -> str:
    """The body of a queue message asking the render function to re-run `key` (or, with action "repair", to
    run one anti-entropy pass with `options`)."""
    body: dict[str, Any] = {"source": "pressroom", "action": action, "key": key}
    if rebuild:
        body["rebuild"] = rebuild
    if options:
        body["options"] = options
    return json.dumps(body, sort_keys=True)


REPAIR_TASK = task_message("*", "repair")  # what the hourly schedule sends


_S3_ACTIONS = {"Object Created": "put", "Object Deleted": "delete"}


def decode_key(raw: str) -> str:
    """The object key an S3 event names. S3 URL-encodes keys in its event notifications, a space as `+`
    (`port strike.md` arrives as `port+strike.md`, `c++.md` as `c%2B%2B.md`); decoded exactly once, as
    Powertools' S3 event classes decode it, so a literal `%2B` in a name survives."""
    return unquote_plus(raw)


def parse_body(body: str | dict[str, Any]) -> ObjectEvent | None:
    """An ObjectEvent from an SQS message body; None for events that are not inputs (tags, test events).

    An S3 event's key is decoded here (`decode_key`), so every later step sees the real key. Powertools'
    data classes would decode it the same way, but importing them loads every event class it has, about
    15 ms of each cold start.
    """
    data = json.loads(body) if isinstance(body, str) else body
    if not isinstance(data, dict):
        return None
    if data.get("source") == "pressroom":
        options = data.get("options")
        return ObjectEvent(key=str(data["key"]), action=str(data.get("action", "publish")),
                           rebuild=str(data.get("rebuild", "")),
                           options=json.dumps(options, sort_keys=True) if isinstance(options, dict) else "")
    action = _S3_ACTIONS.get(str(data.get("detail-type", ""))) if data.get("source") == "aws.s3" else None
    if action is None:
        return None
    detail = data.get("detail")
    obj = detail.get("object") if isinstance(detail, dict) else None
    if not isinstance(obj, dict) or not isinstance(obj.get("key"), str):
        raise ValueError(f"an S3 {data.get('detail-type')} event without detail.object.key")
    return ObjectEvent(
        key=decode_key(obj["key"]), action=action, sequencer=normalize_sequencer(str(obj.get("sequencer") or "")),
        version_id=str(obj.get("version-id") or ""), etag=str(obj.get("etag") or ""),
    )
