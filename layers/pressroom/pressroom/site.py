"""Site settings: read from `site.yaml` at the content bucket's root, each key with a default."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from pressroom.errors import Problem, Rejected
from pressroom.text import clean_text
from pressroom.urls import CONTENT_SITE_SETTINGS

SLUG_MODES = ("ascii", "unicode")
HINT = "fix site.yaml and upload it again"
MAX_TEXT = {"name": 200, "about": 2000, "author": 200, "logo": 2000, "base_url": 500}
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
# The root of a host: pages link to each other root-relatively, so a site cannot live under a path.
_BASE_URL = re.compile(r"https?://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?", flags=re.IGNORECASE)


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
    slugs: str = "ascii"  # "ascii": transliterated URLs; "unicode": URLs in the article's own script

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


SITE_KEYS = tuple(f.name for f in fields(Site))


def parse_site(data: bytes | None, key: str = CONTENT_SITE_SETTINGS) -> Site:
    """Settings from the bytes of `site.yaml`; `None` (no file) gives the defaults.

    Raises `Rejected` naming every unknown key and every invalid value, with its line.
    """
    if data is None:
        return Site()
    from pressroom import yamlsafe  # parsing only: reading stored settings needs no YAML

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Rejected(key, [Problem("site.yaml is not UTF-8 text", line=data[: exc.start].count(b"\n") + 1,
                                     hint="save it as UTF-8")]) from None
    try:
        document = yamlsafe.load_document(text)
    except yamlsafe.YamlError as exc:
        raise Rejected(key, [Problem(str(exc), field=exc.key, line=exc.line, hint=HINT)]) from None
    raw = document.value
    if raw is None:
        return Site()
    if not isinstance(raw, dict):
        raise Rejected(key, [Problem("site.yaml must be a mapping of settings", line=1,
                                     hint="write one setting a line, like name: Harbour Town Gazette")])
    problems: list[Problem] = []

    def problem(name: str, message: str, hint: str = HINT) -> None:
        problems.append(Problem(message, field=name, line=document.lines.get(name), hint=hint))

    for name in sorted(str(k) for k in raw if k not in SITE_KEYS):
        import difflib  # only when a name is unknown

        close = difflib.get_close_matches(name.lower(), SITE_KEYS, n=1)
        problem(name, f"unknown setting {name!r}",
                f"did you mean {close[0]!r}?" if close else f"known settings are {', '.join(SITE_KEYS)}")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in SITE_KEYS:
            continue
        if name == "posts_per_page":
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
                problem(name, "posts_per_page must be a whole number from 1 to 100", "write e.g. posts_per_page: 10")
            else:
                values[name] = value
            continue
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            problem(name, f"{name} must be text", "write it as plain text")
            continue
        text_value = clean_text(str(value)).strip()
        if name != "about":
            text_value = " ".join(text_value.split())
        if len(text_value) > MAX_TEXT.get(name, 100):
            problem(name, f"{name} is longer than {MAX_TEXT.get(name, 100)} characters", "shorten it")
            continue
        values[name] = text_value
    _check_values(values, problem)
    if problems:
        raise Rejected(key, problems)
    return Site(**values)


def _check_values(values: dict[str, Any], problem: Callable[[str, str, str], None]) -> None:
    """Per-setting rules; an invalid value is reported and dropped."""
    if "timezone" in values:
        try:
            zoneinfo.ZoneInfo(values["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            problem("timezone", f"{values['timezone']!r} is not an IANA timezone", "write e.g. Europe/Lisbon or UTC")
    if "base_url" in values:
        values["base_url"] = values["base_url"].rstrip("/")
        if not _BASE_URL.fullmatch(values["base_url"]):
            problem("base_url", f"{values['base_url']!r} is not the address of a site's root",
                    "write the address readers use, with no path, like https://news.example.org")
    if "slugs" in values and values["slugs"] not in SLUG_MODES:
        problem("slugs", f"slugs must be ascii or unicode, not {values['slugs']!r}",
                "write slugs: ascii (transliterated URLs) or slugs: unicode (URLs in the article's script)")
        del values["slugs"]
    if "language" in values and not _LANGUAGE.fullmatch(values["language"]):
        problem("language", f"{values['language']!r} is not a language tag", "write e.g. en, pt or en-GB")
    if values.get("logo"):
        from pressroom.markup import is_safe_url

        logo = values["logo"]
        if any(ch in logo for ch in ' "<>\\`') or not is_safe_url(logo) or logo.lower().startswith("mailto:"):
            problem("logo", f"{logo!r} is not a usable image address",
                    "upload the logo to media/ and write logo: /media/logo.png")
        elif not re.match(r"(?i)(https?:)?/", logo):
            values["logo"] = "/" + logo
    for name in ("name",):
        if name in values and not values[name]:
            problem(name, f"{name} is empty", "give the site a name")
