"""Where moto's S3 differs from S3 in a way the pipeline can see, the local stack closes the gap here."""

from __future__ import annotations

from typing import Any

_applied = False


def apply() -> None:
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
