"""Site settings: read from `site.yaml` at the content bucket's root, each key with a default."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, fields
from typing import Any

from pressroom import yamlsafe
from pressroom.errors import Problem, Rejected
from pressroom.urls import CONTENT_SITE_SETTINGS


@dataclass(frozen=True)
class Site:
    """The settings every page shares."""

    name: str = "Pressroom"
    base_url: str = "http://localhost:8000"
    about: str = "An independent newsroom publishing with Pressroom."
    logo: str = ""
    language: str = "en"
    timezone: str = "UTC"
    posts_per_page: int = 10
    author: str = ""

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


SITE_KEYS = tuple(f.name for f in fields(Site))


def parse_site(data: bytes | None) -> Site:
    """Settings from the bytes of `site.yaml`; `None` (no file) gives the defaults."""
    if data is None:
        return Site()
    key = CONTENT_SITE_SETTINGS

    def bad(message: str, field: str | None = None, line: int | None = None) -> Rejected:
        return Rejected(key, [Problem(message, field=field, line=line, hint="fix site.yaml and upload it again")])

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise bad("site.yaml is not UTF-8 text") from None
    try:
        raw = yamlsafe.load(text)
    except yamlsafe.YamlError as exc:
        raise bad(str(exc), line=exc.line) from None
    if raw is None:
        return Site()
    if not isinstance(raw, dict):
        raise bad("site.yaml must be a mapping of settings")
    unknown = sorted(str(k) for k in raw if k not in SITE_KEYS)
    if unknown:
        raise bad(f"unknown settings: {', '.join(unknown)}; known settings are {', '.join(SITE_KEYS)}")
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, value in raw.items():
        if name == "posts_per_page":
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
                problems.append(Problem("must be a whole number from 1 to 100", field=name))
                continue
        elif not isinstance(value, str):
            problems.append(Problem("must be text", field=name))
            continue
        values[name] = value.strip() if isinstance(value, str) else value
    if "timezone" in values:
        try:
            zoneinfo.ZoneInfo(values["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(Problem(f"unknown IANA timezone {values['timezone']!r}", field="timezone"))
    if "base_url" in values and not values["base_url"].startswith(("http://", "https://")):
        problems.append(Problem("must start with http:// or https://", field="base_url"))
    if "base_url" in values:
        values["base_url"] = values["base_url"].rstrip("/")
    if problems:
        raise Rejected(key, problems)
    return Site(**values)
