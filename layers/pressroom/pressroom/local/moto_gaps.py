"""Where moto's S3 differs from S3 in a way the pipeline can see, the local stack closes the gap here."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

_applied = False


def apply() -> None:
    """Close every gap this module knows of (idempotent)."""
    apply_delete_markers()
    apply_transaction_snapshots()
    apply_s3_event_shape()


# --- S3 events on EventBridge, as S3 sends them --------------------------------------------------------

# Every object event gets the next number: per key that is S3's guarantee (a later change of a key has a
# larger sequencer), and across keys S3 promises nothing, so one counter for the process is faithful.
_sequencers = itertools.count(1)
EMPTY_ETAG = "d41d8cd98f00b204e9800998ecf8427e"  # the MD5 of nothing: what S3 names for a deleted object
_REASONS = {
    "s3:ObjectCreated:Put": "PutObject", "s3:ObjectCreated:Post": "POST Object", "s3:ObjectCreated:Copy": "CopyObject",
    "s3:ObjectCreated:CompleteMultipartUpload": "CompleteMultipartUpload",
    "s3:ObjectRemoved:Delete": "DeleteObject", "s3:ObjectRemoved:DeleteMarkerCreated": "DeleteObject",
    "s3:LifecycleExpiration:Delete": "Lifecycle Expiration",
    "s3:LifecycleExpiration:DeleteMarkerCreated": "Lifecycle Expiration",
}


def next_sequencer() -> str:
    """A sequencer larger than every one handed out before, in S3's form (hexadecimal)."""
    return format(next(_sequencers), "016x")


def encode_key(key: str) -> str:
    """An object key as S3 writes it in event notifications: form-encoded (space -> `+`), `/` kept."""
    return quote_plus(key, safe="/")


def s3_event(detail_type: str, reason: str, *, bucket: str, region: str, account: str, key: str,
             size: int | None = None, etag: str = "", version_id: str | None = None,
             deletion_type: str = "") -> dict[str, Any]:
    """One S3 event on EventBridge, shaped like the examples of the S3 user guide ("EventBridge event
    message structure"): the key URL-encoded, `etag`, a real sequencer, `reason` and `deletion-type`."""
    obj: dict[str, Any] = {"key": encode_key(key)}
    if size is not None:
        obj["size"] = size
    obj["etag"] = etag or EMPTY_ETAG
    if version_id:
        obj["version-id"] = version_id
    obj["sequencer"] = next_sequencer()
    detail: dict[str, Any] = {
        "version": "0", "bucket": {"name": bucket}, "object": obj, "request-id": uuid.uuid4().hex[:16].upper(),
        "requester": account, "source-ip-address": "127.0.0.1", "reason": reason,
    }
    if deletion_type:
        detail["deletion-type"] = deletion_type
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type, "source": "aws.s3", "account": account,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "region": region,
        "resources": [f"arn:aws:s3:::{bucket}"], "detail": detail,
    }


def apply_s3_event_shape() -> None:
    """Send S3's EventBridge events in the shape S3 gives them.

    moto 5.2 sends the key as stored (S3 URL-encodes it), names the field `eTag` (S3: `etag`), gives every
    event the same sequencer and id, and leaves out `deletion-type`. A pipeline tested on that shape
    would never publish `articles/port strike ends.md` on AWS. Idempotent; it changes moto in this process only.
    """
    from moto.s3 import notifications

    if getattr(notifications._send_event_bridge_message, "pressroom_shape", False):
        return
    original = notifications._send_event_bridge_message

    def send(account_id: str, bucket: Any, event_name: str, key: Any) -> None:
        detail_type = notifications._detail_type(event_name)
        if detail_type not in ("Object Created", "Object Deleted"):
            original(account_id, bucket, event_name, key)
            return
        removed = detail_type == "Object Deleted"
        deletion_type = ""
        if removed:
            deletion_type = "Delete Marker Created" if event_name.endswith("DeleteMarkerCreated") else "Permanently Deleted"
        event = s3_event(
            detail_type, _REASONS.get(event_name, event_name.split(":")[-1]), bucket=bucket.name,
            region=bucket.region_name, account=account_id, key=key.name,
            size=None if removed else getattr(key, "size", None),
            etag=str(getattr(key, "etag", "") or "").strip('"') if not removed else "",
            version_id=getattr(key, "version_id", None) if getattr(bucket, "is_versioned", False) else None,
            deletion_type=deletion_type,
        )
        from moto.events.models import events_backends

        # moto's event bus writes `time` itself, from epoch seconds, as S3 does (ISO 8601, no fraction)
        event["time"] = datetime.now(UTC).timestamp()
        backend = events_backends[account_id][bucket.region_name]
        for event_bus in backend.event_buses.values():
            for rule in event_bus.rules.values():
                rule.send_to_targets(event, transform_input=False)

    send.pressroom_shape = True  # type: ignore[attr-defined]
    notifications._send_event_bridge_message = send


def apply_delete_markers() -> None:
    """Send the "Object Deleted" event S3 sends when a delete marker is created in a versioned bucket.

    moto sends it only for unversioned buckets or when the last version is removed; the content bucket is
    versioned, so without this a delete made through any client would never reach the pipeline.
    Idempotent; it changes moto in this process only.
    """
    global _applied
    if _applied:
        return
    from moto.s3 import models, notifications

    original = models.S3Backend.delete_object

    def delete_object(self: Any, bucket_name: str, key_name: str, version_id: str | None = None,
                      bypass: bool = False) -> tuple[bool, dict[str, Any]]:
        bucket = self.get_bucket(bucket_name)
        current = bucket.keys.get(key_name) if hasattr(bucket, "keys") else None
        marks_delete = getattr(bucket, "is_versioned", False) and version_id is None and current is not None \
            and not isinstance(current, models.FakeDeleteMarker)
        result = original(self, bucket_name, key_name, version_id=version_id, bypass=bypass)
        marker = bucket.keys.get(key_name) if marks_delete else None
        if isinstance(marker, models.FakeDeleteMarker):
            notifications.send_event(
                self.account_id, notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT,
                bucket, marker,
            )
        return result

    models.S3Backend.delete_object = delete_object  # type: ignore[method-assign]
    _applied = True


_transactions_applied = False


def apply_transaction_snapshots() -> None:
    """Make moto's TransactWriteItems cost what the transaction touches, not what the table holds.

    moto backs up a whole table (items and stream records) with a deep copy before every transaction,
    so each one costs time and memory in proportion to the table: a 1,000-post site stops being testable.
    Here the backup keeps only the items the transaction names and the stream's length, and restores
    those when the transaction is cancelled, which is all a cancelled transaction can have changed.
    """
    global _transactions_applied
    if _transactions_applied:
        return
    import copy

    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    class _NoTableCopy:
        """Stands in for the `copy` module inside moto's DynamoDB backend: tables are not copied."""

        def __getattr__(self, name: str) -> Any:
            return getattr(copy, name)

        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved: list[tuple[Any, Any, Any, Any]] = []
        streams: dict[int, tuple[Any, int]] = {}
        for entry in transact_items:
            _, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName"))
            if table is None:
                continue
            raw = op.get("Key") or op.get("Item") or {}
            if table.hash_key_attr not in raw:
                continue
            hash_key = DynamoType(raw[table.hash_key_attr])
            range_key = DynamoType(raw[table.range_key_attr]) if table.range_key_attr in raw else None
            current = table.get_item(hash_key, range_key)
            saved.append((table, hash_key, range_key, copy.deepcopy(current)))
            if table.stream_shard is not None:
                streams[id(table)] = (table, len(table.stream_shard.items))
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_key, range_key, item in reversed(saved):
                if range_key is None:
                    if item is None:
                        table.items.pop(hash_key, None)
                    else:
                        table.items[hash_key] = item
                elif item is None:
                    table.items[hash_key].pop(range_key, None)
                    if not table.items[hash_key]:
                        table.items.pop(hash_key, None)
                else:
                    table.items[hash_key][range_key] = item
            for table, length in streams.values():
                del table.stream_shard.items[length:]
            raise

    models.copy = _NoTableCopy()  # type: ignore[assignment]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _transactions_applied = True


def check_s3_event_shape(body: str) -> None:
    """Refuse an S3 object event in moto's shape (`eTag`, no sequencer): AWS never sends one."""
    import json

    try:
        data = json.loads(body)
    except ValueError:
        return  # not an event at all: the function under test decides what that gets
    if not isinstance(data, dict) or data.get("source") != "aws.s3" \
            or data.get("detail-type") not in ("Object Created", "Object Deleted"):
        return
    obj = data.get("detail", {}).get("object")
    if isinstance(obj, dict) and ("eTag" in obj or "sequencer" not in obj):
        raise ValueError("an S3 event in moto's shape, not AWS's: take events with Stack.take_events() "
                         "or build them with pressroom.local.moto_gaps.s3_event()")
