"""One synthetic newsroom, written out as a Pressroom content folder, a Hugo site and a Pelican project."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
YEARS = 5  # the articles' dates are spread evenly over this many years before NOW
TAGS = ("port", "council", "transport", "business", "culture", "weather")
SITE_YAML = """\
name: Harbour Town Gazette
base_url: https://gazette.example.org
about: An independent newsroom covering the port, the council and the people who keep the town running.
language: en
timezone: UTC
posts_per_page: 10
author: Gazette staff
"""
PARAGRAPH = ("The harbour authority confirmed on Tuesday that the north quay will close for repairs, and "
             "traders said they had been given too little notice to move their stalls before the season. ")


def body(paragraphs: int = 8) -> str:
    return "\n\n".join(PARAGRAPH * 3 for _ in range(paragraphs))


def markdown(title: str, day: datetime, tags: list[str]) -> bytes:
    """A Pressroom article: YAML front matter with title, date and tags, then the body."""
    return (f"---\ntitle: {title}\ndate: {day.date().isoformat()}\ntags: [{', '.join(tags)}]\n---\n"
            f"{body()}\n").encode()


@dataclass(frozen=True)
class Story:
    """One article of the corpus, independent of any tool's file format."""

    slug: str
    title: str
    day: datetime
    tags: tuple[str, str]

    @property
    def month(self) -> str:
        return f"{self.day.year:04d}-{self.day.month:02d}"


def stories(count: int) -> Iterator[Story]:
    """`count` articles, newest first, each with two of a handful of tags, dated over several years."""
    step = timedelta(days=365 * YEARS) / max(count, 1)
    for i in range(count):
        # the second tag is 1..5 places after the first, so the two always differ
        first = i % len(TAGS)
        second = (first + 1 + (i // len(TAGS)) % (len(TAGS) - 1)) % len(TAGS)
        tags = (TAGS[first], TAGS[second])
        yield Story(f"story-{i:05d}", f"Quay report number {i}", NOW - step * (i + 1), tags)


def write_pressroom(folder: Path, count: int) -> Path:
    """A content folder as the content bucket holds it: `site.yaml` and `articles/*.md`."""
    (folder / "articles").mkdir(parents=True)
    (folder / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    for story in stories(count):
        article = markdown(story.title, story.day, list(story.tags))
        (folder / "articles" / f"{story.slug}.md").write_bytes(article)
    return folder


SKELETON_LEFTOVERS = shutil.ignore_patterns("__pycache__", ".hugo_build.lock", "public", "output")


def write_hugo(folder: Path, count: int) -> Path:
    """A Hugo site: the checked-in `benchmarks/hugo` skeleton plus `content/posts/*.md`."""
    shutil.copytree(HERE / "hugo", folder, ignore=SKELETON_LEFTOVERS)
    posts = folder / "content" / "posts"
    posts.mkdir(parents=True)
    text = body()
    for story in stories(count):
        # `months` is a taxonomy of the skeleton's config: Hugo's way to a page per month
        (posts / f"{story.slug}.md").write_text(
            f"---\ntitle: {story.title}\ndate: {story.day.isoformat()}\ntags: [{', '.join(story.tags)}]\n"
            f"months: ['{story.month}']\n---\n{text}\n", encoding="utf-8")
    return folder


def write_pelican(folder: Path, count: int) -> Path:
    """A Pelican project: the checked-in `benchmarks/pelican` skeleton plus `content/*.md`."""
    shutil.copytree(HERE / "pelican", folder, ignore=SKELETON_LEFTOVERS)
    content = folder / "content"
    content.mkdir()
    text = body()
    for story in stories(count):
        (content / f"{story.slug}.md").write_text(
            f"Title: {story.title}\nDate: {story.day:%Y-%m-%d %H:%M}\nTags: {', '.join(story.tags)}\n"
            f"\n{text}\n",
            encoding="utf-8")
    return folder
