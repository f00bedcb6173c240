"""What became of one input: the words reports, `check`, `status`, `publish` and the preview share."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    PUBLISHED = "published"
    REJECTED = "rejected"
    HELD = "held"
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    DELETED = "deleted"
    IGNORED = "ignored"
    FAILED = "failed"  # the pipeline could not finish it, even after retries: the task is dead-lettered


ATTENTION = (Status.REJECTED, Status.HELD, Status.FAILED)  # what a newsroom has to act on
NOT_PUBLIC = (Status.DRAFT, Status.SCHEDULED)  # accepted, but not on the site yet
