"""Builds the runtime settings of a function from its environment mapping."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from pressroom.errors import ConfigurationError

DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# The environment of the function invocation running in this context, when it is not the process's own: the
# local stack runs several functions, concurrently, in one process. Never set in Lambda.
_invocation_environ: ContextVar[Mapping[str, str] | None] = ContextVar("pressroom_invocation_environ", default=None)


@dataclass(frozen=True)
class Config:
    """What a Pressroom function needs to know about its deployment."""

    content_bucket: str
    site_bucket: str
    posts_table: str
    render_queue_url: str | None = None
    distribution_id: str | None = None
    scheduler_group: str | None = None
    scheduler_role_arn: str | None = None
    scheduler_target_arn: str | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    fixed_now: datetime | None = None
    theme_dir: str | None = None  # a theme folder over the default theme (local builds); None: the default
    max_receive_count: int | None = None  # the render queue's redrive policy: the last delivery of a task
    dead_letter_queue: str | None = None  # where a task goes after its last delivery
    invalidate_listings: bool = False  # the template's InvalidateListings: / and recent.json on each rebuild

    def now(self) -> datetime:
        """The pipeline's clock: real UTC time, or the fixed instant a local stack injects."""
        return self.fixed_now or datetime.now(UTC)


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is not set; the template sets it for each function")
    return value


def _optional(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value not in ("", "true", "false"):
        raise ConfigurationError(f"{name} must be true or false, got {value!r}")
    return value == "true"


def trace_calls(env: Mapping[str, str] | None = None) -> bool:
    """Whether the functions load the X-Ray SDK for a subsegment per AWS call (the template's TraceAwsCalls).

    Read when a handler module is imported, before any invocation: from the process environment."""
    return _flag(os.environ if env is None else env, "PRESSROOM_TRACE_CALLS")


@contextmanager
def invocation_environ(env: Mapping[str, str]) -> Iterator[None]:
    """Inside (in this thread or task only), `from_environ()` reads `env` instead of the process environment."""
    token = _invocation_environ.set(env)
    try:
        yield
    finally:
        _invocation_environ.reset(token)


def from_environ(env: Mapping[str, str] | None = None) -> Config:
    """Settings from an environment mapping (default: the running invocation's, else the process environment)."""
    if env is None:
        env = _invocation_environ.get()
    if env is None:
        env = os.environ
    raw_limit = env.get("MAX_UPLOAD_BYTES", "").strip()
    try:
        limit = int(raw_limit) if raw_limit else DEFAULT_MAX_UPLOAD_BYTES
    except ValueError as exc:
        raise ConfigurationError(f"MAX_UPLOAD_BYTES must be a whole number, got {raw_limit!r}") from exc
    raw_now = _optional(env, "PRESSROOM_NOW")
    fixed_now = None
    if raw_now:
        try:
            fixed_now = datetime.fromisoformat(raw_now)
        except ValueError as exc:
            raise ConfigurationError(f"PRESSROOM_NOW must be an ISO 8601 instant, got {raw_now!r}") from exc
        if fixed_now.tzinfo is None:
            fixed_now = fixed_now.replace(tzinfo=UTC)
    raw_receives = env.get("MAX_RECEIVE_COUNT", "").strip()
    try:
        receives = int(raw_receives) if raw_receives else None
    except ValueError as exc:
        raise ConfigurationError(f"MAX_RECEIVE_COUNT must be a whole number, got {raw_receives!r}") from exc
    return Config(
        content_bucket=_required(env, "CONTENT_BUCKET"),
        site_bucket=_required(env, "SITE_BUCKET"),
        posts_table=_required(env, "POSTS_TABLE"),
        render_queue_url=_optional(env, "RENDER_QUEUE_URL"),
        distribution_id=_optional(env, "DISTRIBUTION_ID"),
        scheduler_group=_optional(env, "SCHEDULER_GROUP"),
        scheduler_role_arn=_optional(env, "SCHEDULER_ROLE_ARN"),
        scheduler_target_arn=_optional(env, "SCHEDULER_TARGET_ARN"),
        max_upload_bytes=limit,
        fixed_now=fixed_now,
        theme_dir=_optional(env, "PRESSROOM_THEME_DIR"),
        max_receive_count=receives,
        dead_letter_queue=_optional(env, "DEAD_LETTER_QUEUE"),
        invalidate_listings=_flag(env, "INVALIDATE_LISTINGS"),
    )
