"""Where moto's S3 differs from S3 in a way the pipeline can see, the local stack closes the gap here."""

from __future__ import annotations

from typing import Any

_applied = False


def apply() -> None:
    """Close every gap this module knows of (idempotent)."""
    apply_delete_markers()
    apply_transaction_snapshots()


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
        if marks_delete:
            notifications.send_event(
                self.account_id, notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT,
                bucket, current,
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
