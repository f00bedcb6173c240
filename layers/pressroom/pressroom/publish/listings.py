"""Listing pages, feeds, recent.json and sitemaps, rendered from a posts index into a site (S3 or memory)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, cast

from pressroom import render, urls
from pressroom.model import Post
from pressroom.site import Site
from pressroom.storage import ASSETS_META
from pressroom.urls import tag_slug as tag_slug_of

if TYPE_CHECKING:
    from pressroom.publish.services import Services


class ListingIndex(Protocol):
    """The reads listings need: PostsIndex answers them from DynamoDB, MemoryIndex from a built site."""

    def newest(self, limit: int) -> list[Post]: ...
    def months(self) -> list[tuple[int, int]]: ...
    def month(self, year: int, month: int) -> list[Post]: ...
    def tag(self, tag_slug: str, *, limit: int | None = None, year: int | None = None) -> tuple[str, list[Post]]: ...
    def tag_years(self, tag_slug: str) -> list[int]: ...
    def all_tag_years(self, *, former: bool = False) -> list[tuple[str, int]]: ...
    def tag_name(self, tag_slug: str) -> str: ...


class VersionedIndex(ListingIndex, Protocol):
    """An index that changes while listings are rendered from it (DynamoDB): its listings version grows with
    every change."""

    def listings_version(self) -> int: ...


class SiteWriter(Protocol):
    """Where pages go: the site bucket, or a folder."""

    def put(self, page: render.Page, *, extra_metadata: dict[str, str] | None = None) -> bool: ...
    def delete(self, key: str) -> None: ...


class VersionedWriter(Protocol):
    """A site that keeps, with each listing page, the listings version it was rendered from (the site bucket)."""

    def put(self, page: render.Page, *, extra_metadata: dict[str, str] | None = None,
            version: int | None = None) -> bool: ...
    def delete(self, key: str, *, version: int | None = None) -> None: ...
    def stored_metadata(self, key: str) -> dict[str, str] | None: ...
    def write_over(self, page: render.Page, stored: dict[str, str] | None, *,
                   extra_metadata: dict[str, str] | None = None, version: int | None = None) -> bool: ...
    def delete_over(self, key: str, stored: dict[str, str] | None, *, version: int | None = None) -> None: ...


MAX_PASSES = 5  # renders of one batch while the index keeps changing under it, before the batch is retried


class ListingsKeptChanging(RuntimeError):
    """The index changed during every pass of a rebuild: the batch fails, and its retry renders again."""


@dataclass
class Affected:
    """The listing pages a batch of post changes touches."""

    months: set[tuple[int, int]] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)
    tag_years: set[tuple[str, int]] = field(default_factory=set)
    any_change: bool = False

    def add(self, post: Post) -> None:
        self.any_change = True
        self.months.add(post.month)
        for slug in post.tag_slugs:
            self.tags.add(slug)
            self.tag_years.add((slug, post.date.year))

    @classmethod
    def everything(cls, index: ListingIndex) -> Affected:
        """Every listing page (after a settings or theme change, or for a whole-site build)."""
        found = cls(any_change=True)
        found.months = set(index.months())
        # with the tags that once had posts: a page of one whose URL moved redirects, any other is gone
        found.tag_years = set(index.all_tag_years()) | set(index.all_tag_years(former=True))
        found.tags = {tag_slug for tag_slug, _ in found.tag_years}
        return found


def affected_by(records: Iterable[dict[str, Any]]) -> Affected:
    """Which pages a batch of DynamoDB stream records on POST# items changes (old and new images both count).

    The records are as Lambda hands them over: images in DynamoDB's attribute-value JSON."""
    from pressroom.index import from_item

    found = Affected()
    for record in records:
        images = record.get("dynamodb") or {}
        for image in (images.get("OldImage"), images.get("NewImage")):
            if image and str(image.get("pk", {}).get("S", "")).startswith("POST#"):
                found.add(Post.from_dict(from_item(image)))
    return found


class Listings:
    """Renders listing pages, feeds, recent.json and sitemaps from an index: `pages` for a built site, `rebuild`
    into the site bucket while other invocations change the index and write the same pages."""

    def __init__(self, index: ListingIndex, site_writer: SiteWriter, site: Site | None, theme: render.Theme, *,
                 settings: Callable[[], Site] | None = None,
                 snapshot: Callable[[], tuple[int, Site]] | None = None, concurrent: bool = False) -> None:
        self.index = index
        self.bucket = site_writer
        self._site = site
        self.settings = settings  # reads the settings afresh (each pass of a rebuild reads them again)
        self.snapshot = snapshot  # reads the listings version and its settings together (one request)
        self.concurrent = concurrent  # index reads and page writes over the network: made at once
        self.theme = theme

    @property
    def site(self) -> Site:
        if self._site is None:
            if self.settings is None:
                raise ValueError("listings need the site settings, or a way to read them")
            self._site = self.settings()
        return self._site

    def _all(self, tasks: list[Callable[[], Any]]) -> list[Any]:
        """Independent reads or writes: at once over the network, one after the other in memory."""
        if self.concurrent:
            from pressroom.parallel import run_all

            return run_all(tasks)
        return [task() for task in tasks]

    def pages(self, affected: Affected) -> tuple[list[render.Page], list[str]]:
        """The pages to write and the keys to delete for these changes."""
        if not affected.any_change:
            return [], []
        reads = self._reads(affected)
        return self._compose(affected, self._all(reads))

    def metadata_of(self, page: render.Page) -> dict[str, str] | None:
        """What a listing page is stored with beside its content: the home page names the theme's assets.

        An asset's key holds its content hash, so an asset once stored stays right: a pass that finds them
        named on the stored home page does not look for them again (two requests fewer a publish)."""
        return {ASSETS_META: self._assets_named()} if page.key == urls.HOME_KEY else None

    def _assets_named(self) -> str:
        named = ",".join(sorted(asset.key for asset in self.theme.assets.values()))
        return hashlib.sha256(named.encode()).hexdigest()[:16]

    def keys(self, affected: Affected) -> list[str]:
        """Every key a pass over these changes writes or deletes but the theme's assets, known before the index
        is read: a month's archive and sitemap part, a tag's pages, are written or deleted (or, for a tag,
        redirected) at the same keys whatever the index holds."""
        if not affected.any_change:
            return []
        fixed = [urls.HOME_KEY, urls.RECENT_KEY, urls.ATOM_KEY, urls.RSS_KEY, urls.JSON_FEED_KEY,
                 urls.SITEMAP_INDEX_KEY, urls.ROBOTS_KEY, urls.NOT_FOUND_KEY]
        return [*fixed,
                *(key for year, month in sorted(affected.months)
                  for key in (urls.month_archive_key(date(year, month, 1)), urls.sitemap_part_key(year, month))),
                *(urls.tag_key(tag_slug) for tag_slug in sorted(affected.tags)),
                *(urls.tag_year_key(tag_slug, year) for tag_slug, year in sorted(affected.tag_years))]

    def _reads(self, affected: Affected) -> list[Callable[[], Any]]:
        """Every read of the index the pages need, to be made together: one round trip rather than one per
        listing."""
        index, site = self.index, self.site
        return [
            partial(index.newest, max(site.posts_per_page, render.FEED_COUNT, render.RECENT_COUNT)), index.months,
            *(partial(index.month, year, month) for year, month in sorted(affected.months)),
            *(partial(index.tag, tag_slug, limit=site.posts_per_page) for tag_slug in sorted(affected.tags)),
            *(partial(index.tag_years, tag_slug) for tag_slug in sorted(affected.tags)),
            *(partial(index.tag, tag_slug, year=year) for tag_slug, year in sorted(affected.tag_years))]

    def _compose(self, affected: Affected, read: list[Any]) -> tuple[list[render.Page], list[str]]:
        """The pages and the keys to delete, from what `_reads` returned."""
        index, site, theme = self.index, self.site, self.theme
        self._moves: dict[str, str] = {}  # per render: the index is read afresh by every pass
        months_touched, tags, tag_years = sorted(affected.months), sorted(affected.tags), sorted(affected.tag_years)
        found = iter(read)
        newest, months = next(found), next(found)
        of_month = {key: next(found) for key in months_touched}
        of_tag = {tag_slug: next(found) for tag_slug in tags}
        years_of = {tag_slug: next(found) for tag_slug in tags}
        of_tag_year = {key: next(found) for key in tag_years}
        recent = newest[: render.RECENT_COUNT]
        described = render.localized(theme, site)  # the feeds' description, as the pages' About Us reads
        pages = [
            render.home_page(theme, site, newest, months), render.recent_document(newest),
            render.atom_feed(described, newest), render.rss_feed(described, newest),
            render.json_feed(described, newest),
            render.sitemap_index(site, months), render.robots_txt(site), render.not_found_page(theme, site, recent),
            *theme.assets.values(),
        ]
        gone: list[str] = []
        for year, month in months_touched:
            posts = of_month[(year, month)]
            if posts:
                pages.append(render.month_page(theme, site, year, month, posts, recent))
                pages.append(render.sitemap_part(site, year, month, posts))
            else:
                gone += [urls.month_archive_key(date(year, month, 1)), urls.sitemap_part_key(year, month)]
        for tag_slug in tags:
            name, posts = of_tag[tag_slug]
            if posts:
                pages.append(render.tag_page(theme, site, tag_slug, name, posts, years_of[tag_slug], recent))
            elif moved := self._moved_tag(tag_slug):
                pages.append(render.redirect_page(urls.tag_key(tag_slug), urls.tag_url(moved), self.theme, self.site))
            else:
                gone.append(urls.tag_key(tag_slug))
        for tag_slug, year in tag_years:
            name, posts = of_tag_year[(tag_slug, year)]
            if posts:
                pages.append(render.tag_year_page(theme, site, tag_slug, name, year, posts, recent))
            elif moved := self._moved_tag(tag_slug):
                target = urls.tag_year_url(moved, year) if year in index.tag_years(moved) else urls.tag_url(moved)
                pages.append(render.redirect_page(urls.tag_year_key(tag_slug, year), target, self.theme, self.site))
            else:
                gone.append(urls.tag_year_key(tag_slug, year))
        return pages, gone

    def _moved_tag(self, tag_slug: str) -> str:
        if tag_slug not in self._moves:
            self._moves[tag_slug] = self._find_move(tag_slug)
        return self._moves[tag_slug]

    def _find_move(self, tag_slug: str) -> str:
        """Where the posts of a tag with none left went: the slug its name has under the site's slug rules now,
        when that differs and has posts ("" otherwise: its pages are gone)."""
        name = self.index.tag_name(tag_slug)
        moved = tag_slug_of(name, self.site.slugs) if name else ""
        return moved if moved and moved != tag_slug and self.index.tag_years(moved) else ""

    def rebuild(self, affected: Affected) -> list[str]:
        """Write the pages these changes touch, from the newest state; returns the keys whose content changed.

        Several invocations may render the same pages at once (two stream shards, a rebuild's listing task),
        each from what the index held when it read it. Each pass reads the listings version first, then the
        settings, then the index together with what is stored at every key it may write, so its pages show at
        least every change up to that version. Every page is
        stored with the version it was rendered from, and a write is refused where a newer one is stored, so
        an invocation that read earlier never replaces a newer render (as far as a read before the write can
        tell: S3 has no atomic compare on user metadata).

        What the comparison cannot catch, a late write racing a newer one or a page that a newer pass
        deleted, the end of the pass does: the version is read again, and if any change committed since the
        pass began, the pass runs again from the new version. So the last pass of every invocation began after
        every change it could have missed, and after quiescence every page it touches equals the render of the
        final table; a change made after it has its own stream record, whose invocation begins later still.
        """
        index, bucket = cast("VersionedIndex", self.index), cast("VersionedWriter", self.bucket)
        changed: list[str] = []
        for _ in range(MAX_PASSES):
            if self.snapshot is not None:
                version, self._site = self.snapshot()  # the settings a change of them bumped the version with
            else:
                version = index.listings_version()
                if self.settings is not None:
                    self._site = self.settings()  # read after the version: a settings change bumps it
            if not affected.any_change:
                return sorted(set(changed))
            # what is stored at every key the pass may write is read with the index, in the same round trip:
            # reading it earlier in the pass changes nothing the version check below does not already cover
            reads, keys = self._reads(affected), self.keys(affected)
            found = self._all([*reads, *(partial(bucket.stored_metadata, key) for key in keys)])
            stored = dict(zip(keys, found[len(reads):], strict=True))
            pages, gone = self._compose(affected, found[: len(reads)])
            assets = list(self.theme.assets.values())
            if (stored[urls.HOME_KEY] or {}).get(ASSETS_META) != self._assets_named():
                # the stored home page does not name these assets: each is stored (when it is not) before it
                changed += [a.key for a, done in zip(assets, self._all([partial(bucket.put, a) for a in assets]),
                                                      strict=True) if done]
            pages = [page for page in pages if page not in assets]
            # the writes of one pass are independent (distinct keys), so they go together; all have ended
            # before the version is read again
            written = self._all([
                *(partial(bucket.delete_over, key, stored[key], version=version) if key in stored
                  else partial(bucket.delete, key, version=version) for key in gone),
                *(partial(bucket.write_over, page, stored[page.key], extra_metadata=self.metadata_of(page),
                          version=version) if page.key in stored
                  else partial(bucket.put, page, extra_metadata=self.metadata_of(page), version=version)
                  for page in pages)])
            changed += [page.key for page, done in zip(pages, written[len(gone):], strict=True) if done]
            if index.listings_version() == version:
                return sorted(set(changed))
        raise ListingsKeptChanging(f"the posts index changed during each of {MAX_PASSES} renders of the listings; "
                                   "the batch will be retried")

    def rebuild_all(self) -> list[str]:
        """Every listing page (after a settings or theme change); the cost grows with the site, by design."""
        return self.rebuild(Affected.everything(self.index))


def listings_for(svc: Services, theme: render.Theme | None = None) -> Listings:
    """Listings over the posts table and the site bucket, with the deployment's settings and theme."""
    return Listings(svc.index, svc.site_bucket, None, theme or render.load_theme(svc.config.theme_dir),
                    settings=svc.reload_site, snapshot=svc.listings_snapshot, concurrent=True)
