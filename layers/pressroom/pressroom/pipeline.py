"""The publishing pipeline: object events in, pages and index entries out (the render and index functions)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from pressroom import aws, cdn, render, urls
from pressroom.config import Config
from pressroom.content import Article, parse_article, parse_when
from pressroom.errors import Problem, Rejected
from pressroom.events import ObjectEvent, task_message
from pressroom.index import PostsIndex, SourceState, from_item, to_item
from pressroom.model import Post
from pressroom.observability import NoMetrics, library_logger
from pressroom.site import Site, parse_site
from pressroom.storage import REDIRECT_META, ContentBucket, SiteBucket, TooLarge

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

logger = library_logger("pipeline")

PUBLISHED, REJECTED, HELD, DRAFT, SCHEDULED, DELETED = "published", "rejected", "held", "draft", "scheduled", "deleted"
CONFLICT = "conflict"  # another delivery for the same key committed first
MAX_ATTEMPTS = 5
SITE_SETTINGS_KEY = {"pk": "SITE", "sk": "SETTINGS"}


@dataclass
class Outcome:
    """What one event did."""

    key: str
    status: str
    url: str = ""
    problems: list[Problem] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    sequencer: str = ""


class Services:
    """The AWS side of one function invocation, built from its config (clients may be passed in)."""

    def __init__(self, config: Config, *, s3: Any = None, dynamodb: Any = None, sqs: Any = None,
                 scheduler: Any = None, cloudfront: Any = None) -> None:
        self.config = config
        self.s3 = s3 or aws.client("s3")
        self.dynamodb = dynamodb or aws.client("dynamodb")
        self._sqs = sqs
        self._scheduler = scheduler
        self._cloudfront = cloudfront
        self.content = ContentBucket(self.s3, config.content_bucket)
        self.site_bucket = SiteBucket(self.s3, config.site_bucket)
        self.index = PostsIndex(self.dynamodb, config.posts_table)
        self._site: Site | None = None

    @property
    def sqs(self) -> Any:
        self._sqs = self._sqs or aws.client("sqs")
        return self._sqs

    @property
    def cloudfront(self) -> Any:
        self._cloudfront = self._cloudfront or aws.client("cloudfront")
        return self._cloudfront

    @property
    def scheduler(self) -> Any:
        self._scheduler = self._scheduler or aws.client("scheduler")
        return self._scheduler

    def site(self) -> Site:
        """The last valid site settings (stored in the index when site.yaml was accepted)."""
        if self._site is None:
            item = self.dynamodb.get_item(TableName=self.config.posts_table, Key=to_item(SITE_SETTINGS_KEY),
                                          ConsistentRead=True).get("Item")
            self._site = Site(**json.loads(from_item(item)["settings"])) if item else Site()
        return self._site

    def store_site(self, site: Site) -> None:
        from dataclasses import asdict

        self.dynamodb.put_item(TableName=self.config.posts_table,
                               Item=to_item({**SITE_SETTINGS_KEY, "settings": json.dumps(asdict(site), sort_keys=True)}))
        self._site = site


# --- the render function ------------------------------------------------------------------------------


class Publisher:
    """Turns one object event into the state of its article (or media file, or site settings)."""

    def __init__(self, services: Services, *, theme: render.Theme | None = None, metrics: Any = None) -> None:
        self.svc = services
        self.config = services.config
        self.theme = theme or render.load_theme(services.config.theme_dir)
        self.metrics = metrics or NoMetrics()

    def handle(self, event: ObjectEvent) -> Outcome | None:
        outcome = self._dispatch(event)
        if event.rebuild and self.svc.index.rebuild_task_done(event.rebuild, event.key):
            # the last task of a full rebuild: one wildcard invalidation instead of a path per page
            cdn.invalidate(self.svc.cloudfront, self.config.distribution_id, ["/*"])
            logger.info("full rebuild finished", extra={"rebuild": event.rebuild})
        return outcome

    def _dispatch(self, event: ObjectEvent) -> Outcome | None:
        if event.action == "listing":
            Listings(self.svc, theme=self.theme).rebuild_all()
            return None
        if event.key == urls.CONTENT_SITE_SETTINGS:
            return self.site_settings(event)
        if urls.is_article_key(event.key):
            if event.rebuild:
                with cdn.suspended():
                    return self.article(event)
            return self.article(event)
        if urls.is_media_key(event.key):
            from pressroom.media import publish_media

            return publish_media(self.svc, event, self.metrics)
        return None  # not an input: nothing outside site.yaml, articles/ and media/ is ever read

    # --- articles -------------------------------------------------------------------------------------

    def article(self, event: ObjectEvent) -> Outcome | None:
        """Bring one article key to the state of its newest version.

        Two deliveries for one key may run at once. The index commit is a compare-and-set on the stored
        sequencer: the one that loses re-reads and runs again (and stops there when the winner was newer).
        A page written after a newer version committed is rewritten from the newest version.
        """
        for _ in range(MAX_ATTEMPTS):
            outcome = self._article_once(event)
            if outcome is None or outcome.status != CONFLICT:
                break
        else:
            raise RuntimeError(f"{event.key} kept changing while it was being published; the event will be retried")
        if outcome is not None and outcome.status == PUBLISHED and self._overtaken(event.key, outcome):
            return self.article(ObjectEvent(event.key, "publish"))
        return outcome

    def _overtaken(self, key: str, outcome: Outcome) -> bool:
        """Whether a newer version committed while this one's page was being written."""
        return self.svc.index.source(key).sequencer != outcome.sequencer

    def _article_once(self, event: ObjectEvent) -> Outcome | None:
        index = self.svc.index
        state = index.source(event.key)
        if not event.forced and event.sequencer and state.sequencer and event.sequencer <= state.sequencer:
            logger.info("stale event skipped", extra={"key": event.key, "sequencer": event.sequencer, "stored": state.sequencer})
            return None
        expected = state.sequencer if state.exists else None
        sequencer = state.sequencer if event.forced or not event.sequencer else event.sequencer
        try:
            source = self.svc.content.get(event.key, max_bytes=self.config.max_upload_bytes)
        except TooLarge as exc:
            return self._rejected(state, expected, sequencer, None, Rejected(event.key, [Problem(
                f"the file is {exc.size:,} bytes, more than the limit of {self.config.max_upload_bytes:,} bytes",
                hint="split the article or move large media to media/")]))
        if source is None:
            return self._unpublish(state, expected, sequencer, DELETED, version_id="", etag="")
        site = self.svc.site()
        try:
            article = parse_article(event.key, source.body, site, max_bytes=self.config.max_upload_bytes)
        except Rejected as rejected:
            return self._rejected(state, expected, sequencer, source, rejected)
        now = self.config.now()
        when = article.date or (parse_when(state.first_published, site) if state.first_published else now)
        article = article.dated(when)
        meta = {"version_id": source.version_id, "etag": source.etag}
        if article.draft:
            return self._unpublish(state, expected, sequencer, DRAFT, slug=article.slug, **meta)
        if when > now:
            outcome = self._unpublish(state, expected, sequencer, SCHEDULED, slug=article.slug,
                                      scheduled_for=when.isoformat(), **meta)
            if outcome.status == SCHEDULED:
                self._schedule(event.key, when)
            return outcome
        self._unschedule(event.key)
        return self._publish(state, expected, sequencer, article, **meta)

    def _publish(self, state: SourceState, expected: str | None, sequencer: str, article: Article,
                 *, version_id: str, etag: str) -> Outcome:
        index, key, slug = self.svc.index, state.key, article.slug
        index.claim(slug, key)
        owner = index.claimants(slug, 1)[0]
        first = state.first_published or (article.date.isoformat() if article.date else "")
        new_state = SourceState(key, sequencer=sequencer, slug=slug, first_published=first,
                                version_id=version_id, etag=etag)
        previous = self._own_post(state)
        if owner != key:
            new_state.status, new_state.winner = HELD, owner
            problem = Problem(f"the URL {urls.post_url(slug)} belongs to {owner}, which sorts first",
                              field="slug", hint="choose another slug; this article is published when that one goes")
            new_state.errors = [problem.as_dict()]
            if not index.commit(new_state, expected_sequencer=expected, old=previous, new=None):
                return Outcome(key, CONFLICT)
            self._after_unpublish(state, previous, keep_slug=slug)
            return self._report(new_state, Outcome(key, HELD, urls.post_url(slug), [problem]), winner=owner)
        occupant = index.post(slug)
        if occupant and occupant.source_key != key:
            self._displace(occupant, winner=key)
        post = Post.from_article(article)
        new_state.status = PUBLISHED
        wanted = self._redirect_keys(state, previous, article)
        new_state.redirects = sorted(wanted)
        if not index.commit(new_state, expected_sequencer=expected, old=previous, new=post):
            return Outcome(key, CONFLICT)
        recent = index.newest(render.RECENT_COUNT)
        page = render.article_page(self.theme, self.svc.site(), article, recent)
        self._write_assets()
        self.svc.site_bucket.put(page)
        for redirect_key in sorted(wanted):
            self._redirect(redirect_key, post.url)
        self._drop_redirects(set(state.redirects) - wanted, except_key=page.key)
        if previous and previous.slug != slug:
            self._release(previous.slug, key)
        self.metrics.add_metric(name="ArticlesPublished", unit="Count", value=1)
        logger.info("published", extra={"key": key, "slug": slug, "url": post.url})
        return self._report(new_state, Outcome(key, PUBLISHED, post.url, changed=[page.key], sequencer=sequencer))

    def _own_post(self, state: SourceState) -> Post | None:
        """The post this key has online now (a rejected re-upload leaves the last good one there)."""
        if not state.slug:
            return None
        post = self.svc.index.post(state.slug)
        return post if post and post.source_key == state.key else None

    def _displace(self, occupant: Post, *, winner: str) -> None:
        """A key that sorts first takes the slug: the current holder goes back to held."""
        index = self.svc.index
        held = index.source(occupant.source_key)
        problem = Problem(f"the URL {occupant.url} now belongs to {winner}, which sorts first", field="slug",
                          hint="choose another slug; this article is published when that one goes")
        new_state = SourceState(held.key, sequencer=held.sequencer, status=HELD, slug=held.slug,
                                first_published=held.first_published, version_id=held.version_id, etag=held.etag,
                                errors=[problem.as_dict()], winner=winner)
        if index.commit(new_state, expected_sequencer=held.sequencer if held.exists else None, old=occupant, new=None):
            self._report(new_state, Outcome(held.key, HELD, occupant.url, [problem]), winner=winner)

    def _unpublish(self, state: SourceState, expected: str | None, sequencer: str, status: str, *,
                   version_id: str, etag: str, slug: str = "", scheduled_for: str = "") -> Outcome:
        index, key = self.svc.index, state.key
        previous = self._own_post(state)
        new_state = SourceState(key, sequencer=sequencer, status=status, slug=slug or state.slug,
                                first_published=state.first_published, version_id=version_id, etag=etag,
                                scheduled_for=scheduled_for)
        if not index.commit(new_state, expected_sequencer=expected, old=previous, new=None):
            return Outcome(key, CONFLICT)
        self._after_unpublish(state, previous)
        logger.info("unpublished", extra={"key": key, "reason": status})
        if status == DELETED:
            self._unschedule(key)
            self.svc.content.delete_report(key)
            return Outcome(key, DELETED)
        return self._report(new_state, Outcome(key, status, urls.post_url(new_state.slug) if new_state.slug else ""))

    def _after_unpublish(self, state: SourceState, previous: Post | None, keep_slug: str = "") -> None:
        """Remove the page and redirects of a post that went, and hand its slug to the next claimant."""
        if previous is not None:
            self.svc.site_bucket.delete(urls.post_key(previous.slug))
        self._drop_redirects(state.redirects)
        if state.slug and state.slug != keep_slug:
            self._release(state.slug, state.key)

    def _release(self, slug: str, key: str) -> None:
        index = self.svc.index
        index.release(slug, key)
        waiting = index.claimants(slug, 1)
        if waiting and waiting[0] != key:
            held = index.source(waiting[0])
            if held.status == HELD and index.post(slug) is None:
                logger.info("releasing held article", extra={"key": waiting[0], "slug": slug})
                self.article(ObjectEvent(waiting[0], "publish"))

    def _redirect(self, key: str, target: str) -> None:
        page = render.Page(key, redirect_html(target), render.HTML)
        self.svc.site_bucket.put(page, extra_metadata={REDIRECT_META: target})

    def _redirect_keys(self, state: SourceState, previous: Post | None, article: Article) -> set[str]:
        """Site keys that should send readers to this article: its old URLs and its aliases."""
        page_key = urls.post_key(article.slug)
        wanted = {k for k in state.redirects if k != page_key}
        if previous and previous.slug != article.slug:
            wanted.add(urls.post_key(previous.slug))
        for alias in article.aliases:
            alias_key = urls.url_to_key(alias)
            alias_slug = urls.slug_of_post_key(alias_key)
            taken = alias_slug is not None and self.svc.index.post(alias_slug) is not None
            if alias_key == page_key or taken or urls.is_generated_key(alias_key):
                logger.warning("alias skipped: the URL is a page of the site", extra={"alias": alias})
                continue
            wanted.add(alias_key)
        return wanted

    def _drop_redirects(self, keys: Iterable[str], *, except_key: str = "") -> None:
        """Remove redirect objects this upload owned, unless something else has been published there since."""
        for key in sorted(keys):
            if key != except_key and self.svc.site_bucket.redirect_target(key) is not None:
                self.svc.site_bucket.delete(key)

    def _rejected(self, state: SourceState, expected: str | None, sequencer: str, source: Any,
                  rejected: Rejected) -> Outcome:
        # The previously published version, if any, stays as it is: only the source state records the failure.
        new_state = SourceState(state.key, sequencer=sequencer, status=REJECTED, slug=state.slug,
                                first_published=state.first_published,
                                version_id=getattr(source, "version_id", ""), etag=getattr(source, "etag", ""),
                                errors=[p.as_dict() for p in rejected.problems], redirects=list(state.redirects))
        online = self._own_post(state)
        if online is not None:
            new_state.errors.append(Problem("the previously published version stays online").as_dict())
        if not self.svc.index.commit(new_state, expected_sequencer=expected):
            return Outcome(state.key, CONFLICT)
        self.metrics.add_metric(name="ArticlesRejected", unit="Count", value=1)
        logger.warning("rejected", extra={"key": state.key, "reason": str(rejected), "errors": new_state.errors})
        url = online.url if online is not None else ""
        return self._report(new_state, Outcome(state.key, REJECTED, url, list(rejected.problems)))

    def _report(self, state: SourceState, outcome: Outcome, winner: str = "") -> Outcome:
        report = {
            "key": state.key, "version_id": state.version_id, "etag": state.etag, "status": outcome.status,
            "url": outcome.url, "errors": [p.as_dict() for p in outcome.problems], "time": self.config.now().isoformat(),
        }
        if winner:
            report["winner"] = winner
        if state.scheduled_for:
            report["scheduled_for"] = state.scheduled_for
        self.svc.content.put_report(state.key, report)
        return outcome

    # --- schedules ------------------------------------------------------------------------------------

    def _schedule_name(self, key: str) -> str:
        import hashlib

        return "publish-" + hashlib.sha256(key.encode()).hexdigest()[:40]

    def _schedule(self, key: str, when: datetime) -> None:
        cfg = self.config
        if not (cfg.scheduler_group and cfg.scheduler_role_arn and cfg.scheduler_target_arn):
            logger.warning("no scheduler configured: the post waits for its next upload", extra={"key": key})
            return
        from datetime import UTC

        at = when.astimezone(UTC).strftime("at(%Y-%m-%dT%H:%M:%S)")
        request = {
            "Name": self._schedule_name(key), "GroupName": cfg.scheduler_group, "ScheduleExpression": at,
            "ScheduleExpressionTimezone": "UTC", "FlexibleTimeWindow": {"Mode": "OFF"},
            "ActionAfterCompletion": "DELETE",
            "Target": {"Arn": cfg.scheduler_target_arn, "RoleArn": cfg.scheduler_role_arn,
                       "Input": task_message(key)},
        }
        try:
            self.svc.scheduler.update_schedule(**request)
        except self.svc.scheduler.exceptions.ResourceNotFoundException:
            self.svc.scheduler.create_schedule(**request)

    def _unschedule(self, key: str) -> None:
        cfg = self.config
        if not cfg.scheduler_group:
            return
        try:
            self.svc.scheduler.delete_schedule(Name=self._schedule_name(key), GroupName=cfg.scheduler_group)
        except self.svc.scheduler.exceptions.ResourceNotFoundException:
            pass

    # --- site settings and full rebuilds ---------------------------------------------------------------

    def site_settings(self, event: ObjectEvent) -> Outcome:
        key = urls.CONTENT_SITE_SETTINGS
        limit = self.config.max_upload_bytes
        source = None
        try:
            source = self.svc.content.get(key, max_bytes=limit)
            site = parse_site(source.body if source else None)
        except (Rejected, TooLarge) as failure:
            problems = failure.problems if isinstance(failure, Rejected) else [Problem(
                f"site.yaml is {failure.size:,} bytes, more than the limit of {limit:,} bytes",
                hint="keep site.yaml to the settings it lists")]
            logger.warning("rejected", extra={"key": key, "reason": "; ".join(p.describe() for p in problems)})
            self.metrics.add_metric(name="ArticlesRejected", unit="Count", value=1)
            version_id, etag = (source.version_id, source.etag) if source else self.svc.content.head(key)
            return self._report(SourceState(key, version_id=version_id, etag=etag),
                                Outcome(key, REJECTED, "", problems))
        self.svc.store_site(site)
        _, count = fan_out_rebuild(self.svc)
        state = SourceState(key, version_id=getattr(source, "version_id", ""), etag=getattr(source, "etag", ""))
        if source is not None:
            self._report(state, Outcome(key, PUBLISHED, "/"))
        logger.info("site settings applied; full rebuild queued", extra={"articles": count})
        return Outcome(key, PUBLISHED, "/")

    def _write_assets(self) -> None:
        for asset in self.theme.assets.values():
            self.svc.site_bucket.put(asset)


def redirect_html(target: str) -> bytes:
    """A tiny page that sends readers on; the CDN and the preview answer 301 from its metadata instead."""
    from html import escape

    url = escape(target, quote=True)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Moved</title>'
            f'<link rel="canonical" href="{url}"><meta http-equiv="refresh" content="0; url={url}"></head>'
            f'<body><p>This page has moved to <a href="{url}">{url}</a>.</p></body></html>\n').encode()


def fan_out_rebuild(svc: Services) -> tuple[str, int]:
    """Queue a re-render of every article and every listing page, to run in parallel.

    Returns the rebuild's id (its progress is `svc.index.rebuild_left(id)`) and the number of tasks.
    """
    import uuid

    if not svc.config.render_queue_url:
        raise RuntimeError("RENDER_QUEUE_URL is not set: a full rebuild needs the render queue")
    rebuild_id = uuid.uuid4().hex
    keys = sorted(svc.content.keys(urls.CONTENT_ARTICLES))
    bodies = [task_message(k, "rebuild", rebuild_id) for k in keys]
    bodies.append(task_message("*", "listing", rebuild_id))
    svc.index.start_rebuild(rebuild_id, len(bodies), svc.config.now().isoformat())
    for start in range(0, len(bodies), 10):
        batch = bodies[start : start + 10]
        svc.sqs.send_message_batch(QueueUrl=svc.config.render_queue_url,
                                   Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(batch)])
    return rebuild_id, len(bodies)


# --- the index function -------------------------------------------------------------------------------


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


def affected_by(records: Iterable[DynamoDBRecord]) -> Affected:
    """Which pages a batch of DynamoDB stream records on POST# items changes (old and new images both count)."""
    found = Affected()
    for record in records:
        images = record.dynamodb
        for image in (images.old_image, images.new_image) if images is not None else ():
            if str(image.get("pk", "")).startswith("POST#"):
                found.add(Post.from_dict(image))
    return found


class Listings:
    """Rebuilds listing pages, feeds, recent.json and sitemaps from the index."""

    def __init__(self, services: Services, *, theme: render.Theme | None = None) -> None:
        self.svc = services
        self.theme = theme or render.load_theme(services.config.theme_dir)

    def rebuild(self, affected: Affected) -> list[str]:
        if not affected.any_change:
            return []
        svc, site, theme = self.svc, self.svc.site(), self.theme
        index = svc.index
        bucket = svc.site_bucket
        newest = index.newest(max(site.posts_per_page, render.FEED_COUNT, render.RECENT_COUNT))
        recent = newest[: render.RECENT_COUNT]
        months = index.months()
        pages = [
            render.home_page(theme, site, newest, months), render.recent_document(newest),
            render.atom_feed(site, newest), render.rss_feed(site, newest), render.json_feed(site, newest),
            render.sitemap_index(site, months), render.robots_txt(site), render.not_found_page(theme, site, recent),
            *theme.assets.values(),
        ]
        for year, month in sorted(affected.months):
            posts = index.month(year, month)
            if posts:
                pages.append(render.month_page(theme, site, year, month, posts, recent))
                pages.append(render.sitemap_part(site, year, month, posts))
            else:
                bucket.delete(urls.month_archive_key(date(year, month, 1)))
                bucket.delete(urls.sitemap_part_key(year, month))
        for tag_slug in sorted(affected.tags):
            name, posts = index.tag(tag_slug, limit=site.posts_per_page)
            if posts:
                pages.append(render.tag_page(theme, site, tag_slug, name, posts, index.tag_years(tag_slug), recent))
            else:
                bucket.delete(urls.tag_key(tag_slug))
        for tag_slug, year in sorted(affected.tag_years):
            name, posts = index.tag(tag_slug, year=year)
            if posts:
                pages.append(render.tag_year_page(theme, site, tag_slug, name, year, posts, recent))
            else:
                bucket.delete(urls.tag_year_key(tag_slug, year))
        return [p.key for p in pages if bucket.put(p)]

    def rebuild_all(self) -> list[str]:
        """Every listing page (after a settings or theme change); the cost grows with the site, by design."""
        index = self.svc.index
        affected = Affected(any_change=True)
        affected.months = set(index.months())
        affected.tag_years = set(index.all_tag_years())
        affected.tags = {tag_slug for tag_slug, _ in affected.tag_years}
        return self.rebuild(affected)
