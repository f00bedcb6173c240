"""Small builders for the unit tests: articles in each format, parsed with the real parser."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pressroom.content import Article, parse_article
from pressroom.errors import Problem, Rejected
from pressroom.site import Site

SITE = Site(name="Harbour Town Gazette", base_url="https://gazette.example.org", timezone="Europe/Lisbon",
            author="Gazette staff")


def front_matter(body: str = "Body text.", **fields: Any) -> str:
    """A Markdown article whose front matter is written as JSON (a subset of YAML), one field a line."""
    lines = [f"{name}: {json.dumps(value, ensure_ascii=False)}" for name, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


def parse(key: str, text: str | bytes, site: Site = SITE, **options: Any) -> Article:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_article(key, data, site, **options)


def problems(key: str, text: str | bytes, site: Site = SITE, **options: Any) -> list[Problem]:
    """The problems a rejected upload reports (fails the test when it is accepted)."""
    with pytest.raises(Rejected) as caught:
        parse(key, text, site, **options)
    assert caught.value.key == key
    assert caught.value.problems
    return caught.value.problems


def problem_for(field: str, found: list[Problem]) -> Problem:
    matching = [p for p in found if p.field == field]
    assert matching, f"no problem names {field!r}: {found}"
    return matching[0]
