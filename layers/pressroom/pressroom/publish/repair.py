"""Anti-entropy: find where the site bucket drifted from what the posts index says it should hold, and repair it.

Events repair what they see; this pass repairs what happened outside any event (a page deleted by hand, an
orphan an old bug left, a lost event, a restored backup). Each run covers one slice: a page of keys of the site
bucket and a page of keys of the content bucket, after a cursor kept in the table, so successive runs walk
both buckets and start again. Nothing is scanned: site and content keys come from ListObjectsV2, table items
by key.

Every repair goes through an effect the pipeline itself applies: an article published again from its source
(which rewrites its page, redirects, tombstones, claims and report), a media file copied again, a listing
rebuild, or the delete of an object no key owns. So a repair can never disagree with a publish.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from pressroom import urls
from pressroom.events import ObjectEvent
from pressroom.index import from_item, to_item
from pressroom.observability import library_logger
from pressroom.publish.listings import Affected, Listings
from pressroom.publish.status import Status
from pressroom.render import without_recent
from pressroom.storage import DIGEST_META, REDIRECT_META, TOMBSTONE_META, TOMBSTONE_STATUS

if TYPE_CHECKING:
    from pressroom.publish.lambda_shell import Publisher

logger = library_logger("repair")

MIN_SLICE = 200  # keys of each bucket per run, at least
MAX_SLICE = 10_000  # keys of each bucket a run may be asked to look at (`slice`)
RUNS_PER_CYCLE = 24  # the slice grows with the site so that a day of hourly runs covers it
MAX_LISTED = 50  # repairs listed in a run's result (all are counted)
CURSOR = {"pk": "REPAIR", "sk": "CURSOR"}
# The cursor of a bucket the pass has walked to its end: past every key. A bucket that ends first waits there
# for the other, so a pass over buckets of different sizes walks each once.
WALKED = "\U0010ffff"

# kinds of drift, as counted in the DriftRepaired metric and in `pressroom repair`
MISSING_PAGE, ORPHAN_PAGE, ORPHAN_REDIRECT, LISTING, REPORT, UNPUBLISHED_UPLOAD, MEDIA = (
    "missing page", "orphan page", "orphan redirect", "listing", "report", "unpublished upload", "media")


@dataclass(frozen=True)
class Drift:
    kind: str
    key: str  # the site or content key where it was found
    repair: str  # what was (or, in a dry run, would be) done

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "key": self.key, "repair": self.repair}


@dataclass
class RepairResult:
    """What one run found and repaired, and where the next run starts."""

    dry_run: bool
    drift: list[Drift] = field(default_factory=list)
    covered: dict[str, int] = field(default_factory=dict)  # keys looked at, per bucket
    cursor: dict[str, str] = field(default_factory=dict)  # where the next slice starts, per bucket
    wrapped: bool = False  # both buckets were walked to their end: a whole pass is complete

    @property
    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(d.kind for d in self.drift).items()))

    def as_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "drift": self.counts, "total": len(self.drift),
                "repairs": [d.as_dict() for d in self.drift[:MAX_LISTED]], "covered": self.covered,
                "cursor": self.cursor, "wrapped": self.wrapped}


class Reconciler:
    """One run of the anti-entropy pass over a slice of the site and of the content bucket."""

    def __init__(self, publisher: Publisher, *, dry_run: bool = False) -> None:
        self.publisher = publisher
        self.svc = publisher.svc
        self.dry_run = dry_run
        self.result = RepairResult(dry_run)
        self._republished: set[str] = set()

    # --- the run --------------------------------------------------------------------------------------

    def run(self, cursor: dict[str, str] | None = None, *, size: int | None = None) -> RepairResult:
        """Check and repair one slice. `cursor` None: start where the last scheduled run stopped, and move the
        stored cursor on; given (`pressroom repair --all`), start there and leave the stored one alone.
        `size`: the keys of each bucket to look at (1 to MAX_SLICE), instead of the slice the site's size
        gives (shorter runs, for a caller that wants other work to go between them)."""
        stored = self._stored_cursor()
        start = cursor if cursor is not None else stored
        size = min(max(1, size), MAX_SLICE) if size else max(
            MIN_SLICE, math.ceil(int(stored.get("last_total", 0) or 0) / RUNS_PER_CYCLE))
        site_after, content_after = str(start.get("site", "")), str(start.get("content", ""))
        site_keys, site_next = self._slice(self.svc.config.site_bucket, site_after, size)
        content_keys, content_next = self._slice(self.svc.config.content_bucket, content_after, size)
        self.result.covered = {"site": len(site_keys), "content": len(content_keys)}
        self._check_content(content_keys)
        if site_after != WALKED:
            self._check_site(site_keys, site_after, site_next)
        self.result.cursor = {"site": site_next or WALKED, "content": content_next or WALKED}
        self.result.wrapped = site_next == content_next == ""
        if cursor is None and not self.dry_run:
            self._store_cursor(stored, self.result.cursor, len(site_keys) + len(content_keys))
        if self.result.drift and not self.dry_run:
            self._tell_metrics()
        logger.info("repair pass", extra={"dry_run": self.dry_run, "drift": self.result.counts,
                                          "covered": self.result.covered, "wrapped": self.result.wrapped})
        return self.result

    def _tell_metrics(self) -> None:
        """DriftRepaired: the total (what the alarm watches), and one more datum per kind, with a `kind`
        dimension, where the function emits Powertools metrics."""
        metrics = self.publisher.metrics
        metrics.add_metric(name="DriftRepaired", unit="Count", value=len(self.result.drift))
        namespace = getattr(metrics, "namespace", None)
        if not namespace:
            return  # the CLI's offline tools: no metrics
        from aws_lambda_powertools.metrics import MetricUnit, single_metric

        for kind, count in self.result.counts.items():
            with single_metric(name="DriftRepaired", unit=MetricUnit.Count, value=count, namespace=namespace,
                               default_dimensions={"kind": kind}):
                pass

    def _found(self, kind: str, key: str, repair: str) -> bool:
        """Record one drift; True when it is to be repaired now (not a dry run)."""
        self.result.drift.append(Drift(kind, key, repair))
        logger.warning("drift found" if self.dry_run else "drift repaired",
                       extra={"kind": kind, "key": key, "repair": repair})
        return not self.dry_run

    def _slice(self, bucket: str, after: str, size: int) -> tuple[list[tuple[str, str]], str]:
        """Up to `size` (key, ETag) after `after`, and the key the next slice starts after ("" at the end)."""
        if after == WALKED:
            return [], ""  # walked to its end in this pass: no call needed to find nothing
        found: list[tuple[str, str]] = []
        kwargs: dict[str, Any] = {"Bucket": bucket, "MaxKeys": min(size, 1000)}
        if after:
            kwargs["StartAfter"] = after
        while len(found) < size:
            page = self.svc.s3.list_objects_v2(**kwargs)
            found += [(str(o["Key"]), str(o.get("ETag", "")).strip('"')) for o in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return found[:size], "" if len(found) <= size else found[size - 1][0]
            kwargs["ContinuationToken"] = page["NextContinuationToken"]
            kwargs["MaxKeys"] = min(size - len(found), 1000) or 1
        return found[:size], found[:size][-1][0] if found else ""

    # --- the content side: every upload has its effects ------------------------------------------------

    def _check_content(self, keys: list[tuple[str, str]]) -> None:
        for key, etag in keys:
            if urls.is_article_key(key):
                self._check_article(key, etag)
            elif urls.is_media_key(key):
                self._check_media(key, etag)
            elif key.startswith(urls.CONTENT_REPORTS) and key.endswith(".json"):
                self._check_report_owner(key[len(urls.CONTENT_REPORTS):-len(".json")])

    def _check_article(self, key: str, etag: str) -> None:
        state = self.svc.index.source(key)
        if not state.exists or (state.etag and etag and state.etag != etag):
            self._republish(UNPUBLISHED_UPLOAD, key, key)
            return
        report = self._report(key)
        if report is None or report.get("status") != state.status or report.get("etag") != state.etag:
            self._republish(REPORT, urls.report_key(key), key)
            return
        if state.status != Status.PUBLISHED:
            return
        page = urls.post_key(state.slug)
        post = self.svc.index.post(state.slug)
        meta = self._head(page)
        if post is None or post.source_key != key or meta is None or _is_redirect_or_tombstone(meta):
            self._republish(MISSING_PAGE, page, key)
            return
        for redirect in state.redirects:
            found = self._head(redirect)
            if found is None or found.get(REDIRECT_META) != post.url:
                self._republish(MISSING_PAGE, redirect, key)
                return

    def _check_media(self, key: str, etag: str) -> None:
        report = self._report(key)
        if report is None or report.get("etag") != etag:
            self._media_again(MEDIA, key)
        elif report.get("status") == Status.PUBLISHED and self._head(urls.media_site_key(key)) is None:
            self._media_again(MEDIA, key)

    def _check_report_owner(self, key: str) -> None:
        """A report whose upload is gone must be gone too (its delete was never carried out)."""
        if not urls.is_input_key(key) or key == urls.CONTENT_SITE_SETTINGS:
            return
        if self.svc.content.head(key) != ("", ""):
            return
        if urls.is_media_key(key):
            self._media_again(REPORT, key)
        elif self.svc.index.source(key).exists:
            self._republish(REPORT, urls.report_key(key), key)
        elif self._found(REPORT, urls.report_key(key), "delete"):
            self.svc.content.delete_report(key)  # no upload and no state: nothing to publish again

    # --- the site side: every object has an owner, every listing equals the table ----------------------

    def _check_site(self, keys: list[tuple[str, str]], start: str, end: str) -> None:
        affected = Affected(any_change=True)
        listed: set[str] = set()
        for key, _etag in keys:
            listed.add(key)
            if urls.slug_of_post_key(key) is not None:
                self._check_post_page(key)
            elif _listing_of(key, affected):
                continue
            elif urls.is_media_key(key):
                if self.svc.content.head(key) == ("", ""):
                    self._media_again(ORPHAN_PAGE, key)
            elif not urls.is_generated_key(key):
                self._check_other(key)
        index = self.svc.index
        # tombstones the table wants in the slice's key range, whether or not the bucket has them
        for site_key, owner in index.tombstones_between(start, end):
            if site_key not in listed:
                state = index.source(owner)
                slug = urls.slug_of_post_key(site_key)
                if site_key in state.tombstones and (slug is None or index.post(slug) is None):
                    self._republish(MISSING_PAGE, site_key, owner)
        # listing pages the table wants in the slice's key range, whether or not the bucket has them
        for year, month in index.months():
            for key in (urls.month_archive_key(date(year, month, 1)), urls.sitemap_part_key(year, month)):
                if _in_range(key, start, end):
                    affected.months.add((year, month))
        for tag_slug, year in index.all_tag_years():
            if _in_range(urls.tag_key(tag_slug), start, end) or _in_range(urls.tag_year_key(tag_slug, year),
                                                                         start, end):
                affected.tags.add(tag_slug)
                affected.tag_years.add((tag_slug, year))
        self._check_listings(affected, listed)

    def _check_post_page(self, key: str) -> None:
        slug = urls.slug_of_post_key(key) or ""
        post = self.svc.index.post(slug)
        meta = self._head(key)
        if meta is None:
            return  # deleted since it was listed
        if post is not None:
            if _is_redirect_or_tombstone(meta) or not self._body_matches(key, meta):
                if self._found(MISSING_PAGE, key, f"publish {post.source_key} again"):
                    self.svc.site_bucket.delete(key)  # the page as it should be is written afresh
                    self._publish_again(post.source_key)
            return
        self._check_unowned(key, meta)

    def _check_other(self, key: str) -> None:
        meta = self._head(key)
        if meta is not None:
            self._check_unowned(key, meta)

    def _check_unowned(self, key: str, meta: dict[str, str]) -> None:
        """An object no post holds: a redirect its article still wants, a tombstone, or an orphan."""
        target = meta.get(REDIRECT_META)
        if target is not None:
            slug = urls.slug_of_post_key(urls.url_to_key(target)) if target.startswith("/") else None
            post = self.svc.index.post(slug) if slug else None
            if post is None or key not in self.svc.index.source(post.source_key).redirects:
                if self._found(ORPHAN_REDIRECT, key, "delete"):
                    self.svc.site_bucket.delete(key)
            return
        if meta.get(TOMBSTONE_META) == TOMBSTONE_STATUS:
            return
        if DIGEST_META in meta or key.startswith("posts/"):
            # written by the pipeline (or a post page) and owned by no key: left by a bug or restored by hand
            if self._found(ORPHAN_PAGE, key, "delete"):
                self.svc.site_bucket.delete(key)

    def _check_listings(self, affected: Affected, listed: set[str]) -> None:
        listings = Listings(self.svc.index, self.svc.site_bucket, None, self.publisher.theme,
                            settings=self.svc.reload_site)
        pages, gone = listings.pages(affected)
        stale = []
        for page in pages:
            meta = self._head(page.key)
            expected = self.svc.site_bucket.metadata_for(page, listings.metadata_of(page))[DIGEST_META]
            if meta is not None and meta.get(DIGEST_META) == expected:
                continue
            stored = self.svc.site_bucket.get(page.key) if meta is not None else None
            # a page rewritten only when its own content changes keeps an older Recent Posts snapshot
            if stored is None or without_recent(stored) != without_recent(page.body):
                stale.append(page.key)
        stale += [key for key in gone if key in listed or self._head(key) is not None]
        if not stale:
            return
        for key in stale:
            self._found(LISTING, key, "rebuild the listings")
        if not self.dry_run:
            # a listings pass takes the theme's assets for stored once the home page names them: those are
            # written here
            for asset in self.publisher.theme.assets.values():
                if asset.key in stale:
                    self.svc.site_bucket.put(asset)
            listings.rebuild(affected)

    # --- reads and repairs -----------------------------------------------------------------------------

    def _head(self, key: str) -> dict[str, str] | None:
        return self.svc.site_bucket.stored_metadata(key)

    def _body_matches(self, key: str, meta: dict[str, str]) -> bool:
        """Whether a page's body is still what the pipeline wrote (its recorded content hash)."""
        recorded = meta.get(DIGEST_META)
        if recorded is None:
            return False
        body = self.svc.site_bucket.get(key)
        return body is not None and hashlib.sha256(body).hexdigest() == recorded

    def _report(self, key: str) -> dict[str, Any] | None:
        try:
            response = self.svc.s3.get_object(Bucket=self.svc.config.content_bucket, Key=urls.report_key(key))
        except Exception as exc:  # noqa: BLE001 - a missing report is drift, any other error is raised
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "NotFound"):
                return None
            raise
        try:
            found = json.loads(response["Body"].read())
        except ValueError:
            return None
        return found if isinstance(found, dict) else None

    def _republish(self, kind: str, where: str, key: str) -> None:
        if self._found(kind, where, f"publish {key} again"):
            self._publish_again(key)

    def _publish_again(self, key: str) -> None:
        if key not in self._republished:
            self._republished.add(key)
            self.publisher.article(ObjectEvent(key, "publish"))

    def _media_again(self, kind: str, key: str) -> None:
        if self._found(kind, key, f"copy {key} again") and key not in self._republished:
            self._republished.add(key)
            self.svc.site_bucket.delete(urls.media_site_key(key))
            self.publisher.media(ObjectEvent(key, "put"))

    # --- the cursor ------------------------------------------------------------------------------------

    def _stored_cursor(self) -> dict[str, Any]:
        item = self.svc.dynamodb.get_item(TableName=self.svc.config.posts_table, Key=to_item(CURSOR),
                                          ConsistentRead=True).get("Item")
        return from_item(item) if item else {}

    def _store_cursor(self, stored: dict[str, Any], following: dict[str, str], seen: int) -> None:
        walked = int(stored.get("seen", 0) or 0) + seen
        item = {**CURSOR, **following, "seen": walked, "last_total": stored.get("last_total", 0) or 0}
        if following["site"] == following["content"] == WALKED:
            # a whole pass: the next starts over, and this one's size sets its slices
            item.update(site="", content="", seen=0, last_total=walked)
        self.svc.dynamodb.put_item(TableName=self.svc.config.posts_table, Item=to_item(item))


def _is_redirect_or_tombstone(meta: dict[str, str]) -> bool:
    return REDIRECT_META in meta or meta.get(TOMBSTONE_META) == TOMBSTONE_STATUS


def _in_range(key: str, start: str, end: str) -> bool:
    """Whether `key` falls in a slice that starts after `start` and ends at `end` ("": the bucket's end)."""
    return key > start and (not end or key <= end)


def _listing_of(key: str, affected: Affected) -> bool:
    """Add the listing page at `key` (a month, tag or tag-year page, or a sitemap part) to `affected`; True
    when `key` is a listing page of any kind (global ones are always checked)."""
    found = urls.listing_of_key(key)
    if found is None:
        return False
    kind, value = found
    if kind == "month":
        affected.months.add(value)
    elif kind == "tag":
        affected.tags.add(value)
    elif kind == "tag-year":
        affected.tags.add(value[0])
        affected.tag_years.add(value)
    return True
