"""The post as listings see it: what the posts index stores and every listing page renders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pressroom.urls import post_url, tag_slug

if TYPE_CHECKING:
    from pressroom.content import Article


@dataclass(frozen=True)
class Post:
    """A published post's metadata (no body)."""

    slug: str
    title: str
    date: datetime
    summary: str = ""
    author: str = ""
    tags: tuple[str, ...] = ()
    image: str = ""
    updated: datetime | None = None
    source_key: str = ""
    tag_slugs: tuple[str, ...] = ()  # one per tag, as the article's site named them (ASCII rules when not given)

    def __post_init__(self) -> None:
        if len(self.tag_slugs) != len(self.tags):
            object.__setattr__(self, "tag_slugs", tuple(tag_slug(t) for t in self.tags))

    @property
    def url(self) -> str:
        return post_url(self.slug)

    @property
    def month(self) -> tuple[int, int]:
        return self.date.year, self.date.month

    @classmethod
    def from_article(cls, article: Article) -> Post:
        if article.date is None:
            raise ValueError("an article is dated before it becomes a post")
        return cls(slug=article.slug, title=article.title, date=article.date, summary=article.summary,
                   author=article.author, tags=article.tags, image=article.image, updated=article.updated,
                   source_key=article.source_key, tag_slugs=article.tag_slugs)

    def to_dict(self) -> dict[str, Any]:
        data = {
            "slug": self.slug, "title": self.title, "date": self.date.isoformat(), "summary": self.summary,
            "author": self.author, "tags": list(self.tags), "image": self.image,
            "updated": self.updated.isoformat() if self.updated else "", "source_key": self.source_key,
        }
        if self.tag_slugs != tuple(tag_slug(t) for t in self.tags):
            data["tag_slugs"] = list(self.tag_slugs)  # stored only when not the ASCII rules' (items stay as before)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Post:
        return cls(
            slug=str(data["slug"]), title=str(data["title"]), date=datetime.fromisoformat(str(data["date"])),
            summary=str(data.get("summary", "")), author=str(data.get("author", "")),
            tags=tuple(str(t) for t in data.get("tags", []) or []), image=str(data.get("image", "")),
            updated=datetime.fromisoformat(str(data["updated"])) if data.get("updated") else None,
            source_key=str(data.get("source_key", "")),
            tag_slugs=tuple(str(t) for t in data.get("tag_slugs", []) or []),
        )
