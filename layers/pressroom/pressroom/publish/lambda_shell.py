"""The render function's shell: reads what a decision needs from AWS, decides with the core, applies the plan."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from pressroom import cdn, urls
from pressroom.errors import Problem, Rejected
from pressroom.events import ObjectEvent, task_message
from pressroom.index import SourceState
from pressroom.media import MAX_MEDIA_BYTES, media_type
from pressroom.model import Post
from pressroom.observability import NoMetrics, library_logger
from pressroom.parallel import run_all
from pressroom.publish.core import (
    Known,
    Outcome,
    Plan,
    Reading,
    Status,
    dated,
    decide,
    displaced,
    next_claimant,
    read_upload,
)
from pressroom.publish.services import Services
from pressroom.site import Site, parse_site
from pressroom.storage import REDIRECT_META, TOMBSTONE_META, TOMBSTONE_STATUS, TooLarge

if TYPE_CHECKING:  # the renderer (Jinja) is loaded by the paths that render, never by a media upload's
    from pressroom import render

logger = library_logger("pipeline")

CONFLICT = "conflict"  # another delivery for the same key committed first
MAX_ATTEMPTS = 5
MAX_CLAIMANTS = 100  # claims of one slug read at a release (uploads held behind one URL; far more than seen)
# Time a task needs to be started, and to be written once read, before the function's timeout. A task
# started later fails alone, with a report on its last delivery, instead of the timeout failing the batch.
START_RESERVE_MS = 15_000  # more than the costliest upload the bounds allow (benchmarks/worst.py)
WRITE_RESERVE_MS = 5_000  # a publish's writes, at the slowest AWS latencies seen, with room to report


class OutOfTime(TimeoutError):
    """The invocation is too close to its timeout to finish a task it started."""


class NotStarted(OutOfTime):
    """The invocation is too close to its timeout to start a task: the task goes back to the queue whole."""


def _nothing() -> None:
    return None


class Publisher:
    """Turns one object event into the state of its article (or media file, or site settings)."""

    def __init__(self, services: Services, *, theme: render.Theme | None = None, metrics: Any = None,
                 remaining_ms: Callable[[], int] | None = None) -> None:
        self.svc = services
        self.config = services.config
        self._theme = theme
        self._marked: dict[str, tuple[str, int] | None] = {}  # key -> its state when its effects were marked done
        self.metrics = metrics or NoMetrics()
        self.remaining_ms = remaining_ms  # the invocation's time left (Lambda's context); None: no limit

    @property
    def theme(self) -> render.Theme:
        """The deployment's theme, loaded by the first task that renders."""
        if self._theme is None:
            from pressroom import render

            self._theme = render.load_theme(self.config.theme_dir)
        return self._theme

    def handle(self, event: ObjectEvent) -> Outcome | None:
        self._in_time(START_RESERVE_MS, "start", NotStarted)
        outcome = self._dispatch(event)
        self._task_done(event)
        return outcome

    def _in_time(self, reserve_ms: int, step: str, error: type[OutOfTime] = OutOfTime) -> None:
        """Raise `error` when less than `reserve_ms` is left before the invocation's timeout."""
        if self.remaining_ms is None:
            return
        left = self.remaining_ms()
        if left < reserve_ms:
            raise error(f"{left / 1000:.1f} s were left before the function's timeout, too little to {step} "
                        f"this task ({reserve_ms / 1000:.0f} s needed)")

    def requeue(self, body: str) -> None:
        """Put a message back on the render queue as a new one: a task the invocation had no time to start
        is not its failure, so it must not count towards the queue's maxReceiveCount."""
        if not self.config.render_queue_url:
            raise RuntimeError("RENDER_QUEUE_URL is not set, so a task cannot be put back on the queue")
        self.svc.sqs.send_message(QueueUrl=self.config.render_queue_url, MessageBody=body)

    def _task_done(self, event: ObjectEvent) -> None:
        if event.rebuild and self.svc.index.rebuild_task_done(event.rebuild, event.key):
            # the last task of a full rebuild: one wildcard invalidation instead of a path per page
            cdn.invalidate(self.svc.cloudfront, self.config.distribution_id, ["/*"])
            self.svc.index.rebuild_finished(event.rebuild)
            logger.info("full rebuild finished", extra={"rebuild": event.rebuild})

    def final_failure(self, event: ObjectEvent, error: Exception, message_id: str) -> None:
        """The last delivery of a task failed: say so in the upload's report, and count a rebuild task as
        done (with a failure) so the rebuild still ends. Nothing here may hide the original error."""
        queue = self.config.dead_letter_queue or ""
        logger.error("failed for good", extra={"key": event.key, "error": type(error).__name__,
                                               "message_id": message_id, "dead_letter_queue": queue})
        self.metrics.add_metric(name="UploadsFailed", unit="Count", value=1)
        try:
            if urls.is_input_key(event.key):
                problem = Problem(f"the pipeline failed on every delivery: {type(error).__name__}: {str(error)[:300]}",
                                  hint="the message is kept in the dead-letter queue; upload the file again, or "
                                       "redrive the message once the cause is fixed")
                self.svc.content.put_report(event.key, {
                    "key": event.key, "version_id": event.version_id, "etag": event.etag,
                    "status": Status.FAILED.value, "url": "", "errors": [problem.as_dict()],
                    "error": type(error).__name__, "message_id": message_id, "dead_letter_queue": queue,
                    "time": self.config.now().isoformat()})
            self._task_done(event)
        except Exception:  # noqa: BLE001 - the original failure is what must reach the queue
            logger.exception("the failure could not be reported", extra={"key": event.key})

    def _dispatch(self, event: ObjectEvent) -> Outcome | None:
        if event.action == "repair":
            self.repair(event)
            return None
        if event.action == "listing":
            from pressroom.publish.listings import listings_for

            listings_for(self.svc, self.theme).rebuild_all()
            return None
        if event.key == urls.CONTENT_SITE_SETTINGS:
            return self.site_settings(event)
        if urls.is_article_key(event.key):
            if event.rebuild:
                with cdn.suspended():
                    return self.article(event)
            return self.article(event)
        if urls.is_media_key(event.key):
            if event.rebuild:
                with cdn.suspended():
                    return self.media(event)
            return self.media(event)
        return None  # not an input: nothing outside site.yaml, articles/ and media/ is ever read

    def repair(self, event: ObjectEvent) -> dict[str, Any]:
        """One anti-entropy run (see `publish.repair`); its result is kept in the table under the request's id
        when one is given (`pressroom repair` waits for it)."""
        from pressroom.publish.repair import Reconciler

        options = json.loads(event.options) if event.options else {}
        cursor, size = options.get("cursor"), options.get("slice")
        result = Reconciler(self, dry_run=bool(options.get("dry_run"))).run(
            cursor if isinstance(cursor, dict) else None,
            size=size if type(size) is int else None).as_dict()
        request = str(options.get("request", ""))
        if request:
            self.svc.index.keep_repair_result(request, result, self.config.now().isoformat())
        return result

    # --- articles -------------------------------------------------------------------------------------

    def article(self, event: ObjectEvent) -> Outcome | None:
        """Bring one article key to the state of its newest version.

        Two deliveries for one key may run at once. The index commit is a compare-and-set on the stored
        sequencer: the one that loses re-reads and runs again (and stops there when the winner was newer).
        A page or report written after a newer version (or another key's change to this one) committed is
        written again from the newest state.
        """
        for _ in range(MAX_ATTEMPTS):
            outcome = self._article_once(event)
            if outcome is None or outcome.status != CONFLICT:
                break
        else:
            raise RuntimeError(f"{event.key} kept changing while it was being published; the event will be retried")
        if outcome is not None and outcome.status != CONFLICT and self._overtaken(event.key, outcome):
            latest = self.article(ObjectEvent(event.key, "publish"))
            # the page this delivery wrote late is taken back, unless the newest state publishes it again
            kept = latest.changed if latest is not None and latest.status == Status.PUBLISHED else []
            self._take_back([k for k in outcome.changed if k not in kept], event.key)
            return latest
        return outcome

    def _overtaken(self, key: str, outcome: Outcome) -> bool:
        """Whether a newer version, or another key's change to this one (a displacement), committed while this
        one's page was being written: the state as the mark of its effects found it, after every write."""
        stored = self._marked.pop(key, None)
        return stored != (outcome.sequencer, outcome.revision)

    def _article_once(self, event: ObjectEvent) -> Outcome | None:
        index = self.svc.index
        state = index.source(event.key)
        if not event.forced and event.sequencer and state.sequencer and (
                event.sequencer < state.sequencer or (event.sequencer == state.sequencer and state.applied == state.sequencer)):
            # strictly older, or this very event with every effect carried out: nothing left to do. The same
            # event before its effects were all done (a failure part-way) runs again from the committed state.
            logger.info("stale event skipped", extra={"key": event.key, "sequencer": event.sequencer, "stored": state.sequencer})
            return None
        expected = state.sequencer if state.exists else None
        sequencer = state.sequencer if event.forced or not event.sequencer else event.sequencer
        limit = self.config.max_upload_bytes
        def fetch() -> tuple[Any, int | None]:
            try:
                found = self.svc.content.get(event.key, max_bytes=limit)
            except TooLarge as exc:
                return None, exc.size
            return found, found.size if found else None

        # the object after the state (a version older than the state's is never read for it); the settings
        # along with it
        (source, size), settings = run_all([fetch, self.svc.site])
        site = settings if source is not None else Site()  # a deleted key has nothing to parse
        reading = read_upload(event.key, source.body if source else None, site, now=self.config.now(),
                              first_published=state.first_published, max_bytes=limit, size=size,
                              version_id=source.version_id if source else "", etag=source.etag if source else "")
        if reading.undated and not state.first_published:
            # a key the table does not know: its report may still know when it was first published
            recovered = self.svc.content.first_published(event.key)
            if recovered:
                reading = dated(reading, recovered, site, now=self.config.now())
        self._in_time(WRITE_RESERVE_MS, "write")
        plan = decide(self._known(state, reading, sequencer))
        return self._apply(plan, expected, state)

    def _known(self, state: SourceState, reading: Reading, sequencer: str) -> Known:
        """Read what the decision depends on. A slug is claimed before its claimants are read, so two keys
        publishing at one slug at once always see each other."""
        index, key = self.svc.index, state.key
        if reading.status != Status.PUBLISHED:
            return Known(state, reading, sequencer, self.config.now(), own_post=self._own_post(state))
        slug = reading.article.slug
        # the key's post under another slug, read with the claim; under this slug it is the occupant
        other = state.slug and state.slug != slug
        own = run_all([partial(index.claim, slug, key), partial(self._own_post, state) if other else _nothing])[1]
        claimants, occupant = run_all([partial(index.claimants, slug, 1), partial(index.post, slug)])
        if state.slug == slug and occupant is not None and occupant.source_key == key:
            own = occupant
        known = Known(state, reading, sequencer, self.config.now(), own_post=own)
        owner = claimants[0]
        if owner == key and occupant is not None and occupant.source_key < key:
            # a post of a key that sorts first, though the claims read had only this key first: they were read
            # before that key claimed the slug and published (a post implies its claim), so they are read again
            owner = index.claimants(slug, 1)[0]
        if owner != key:
            return Known(state, reading, sequencer, known.now, own_post=own, owner=owner)
        moved: set[str] = set()
        story = reading.article.story_id
        if story:
            # claimed before the claims are read, like a slug: a delete of the same story at the same time
            # then always sees this key, and re-publishes it with the URLs the deleted post leaves
            index.claim_story(story, key)
            moved = {k for other, gone in index.story_claims(story).items() if other != key for k in gone}
        # every redirect the key would write, asked for now or remembered from before, is checked against the
        # posts online: a redirect never replaces a published post
        wanted = {urls.url_to_key(a) for a in reading.article.aliases} | set(state.redirects) | set(
            state.tombstones) | moved
        elsewhere = {k: s for k in sorted(wanted) if (s := urls.slug_of_post_key(k)) is not None and s != slug}
        found = run_all([partial(index.post, alias_slug) for alias_slug in elsewhere.values()])
        taken = {k for k, post in zip(elsewhere, found, strict=True) if post is not None and post.source_key != key}
        return Known(state, reading, sequencer, known.now, own_post=own, owner=owner, occupant=occupant,
                     taken=frozenset(taken), moved=frozenset(moved))

    def _own_post(self, state: SourceState) -> Post | None:
        """The post this key has online now (a rejected re-upload leaves the last good one there)."""
        if not state.slug:
            return None
        post = self.svc.index.post(state.slug)
        return post if post and post.source_key == state.key else None

    def _apply(self, plan: Plan, expected: str | None, before: SourceState) -> Outcome:
        """Carry a plan out: the displacement it needs, the commit, then the site, claims, schedule and report."""
        key, svc, read = plan.key, self.svc, before.revision
        if plan.displace is not None:
            self._displace(plan.displace, winner=key)
        plan.state.revision = read + 1
        if not svc.index.commit(plan.state, expected_sequencer=expected, old=plan.old_post, new=plan.post,
                                expected_revision=read if expected is not None else None,
                                claimed_before=before.claimed):
            return Outcome(key, CONFLICT)
        if plan.status == Status.HELD and svc.index.claimants(plan.state.slug, 1)[:1] != [plan.state.winner]:
            # the owner it is held behind released the slug after it was read: decide again
            return Outcome(key, CONFLICT)
        page_key, lost = "", False
        # what does not depend on the page goes with it: the report and the schedule
        effects: list[Callable[[], Any]] = [partial(self._report, plan)]
        if plan.unschedule or plan.schedule is not None:
            effects.append(partial(self._schedule_for, plan))
        if plan.status == Status.PUBLISHED and plan.post is not None and plan.article is not None:
            from pressroom import render

            page_key = urls.post_key(plan.article.slug)
            # what the page is rendered from, and what is stored at its URL, read together; the assets it
            # links to are written before it
            recent, replaced, *_ = run_all([partial(svc.index.newest, render.RECENT_COUNT),
                                            partial(svc.site_bucket.stored_metadata, page_key),
                                            *(partial(svc.site_bucket.put, a) for a in self.theme.assets.values())])
            page = render.article_page(self.theme, svc.site(), plan.article, recent)
            effects.insert(0, partial(svc.site_bucket.write_over, page, replaced))
            run_all(effects)
            effects = []
            if (replaced or {}).get(REDIRECT_META) is not None:
                self._redirect_claimants_told(page_key, replaced[REDIRECT_META], key)
            for redirect_key in plan.redirects:
                svc.site_bucket.put(render.redirect_page(redirect_key, plan.post.url, self.theme, svc.site()),
                                    extra_metadata={REDIRECT_META: plan.post.url})
                # a post published at that URL since the decision: this key decides again (below), as it
                # would had the post been there first (its alias then waits, and its report says so)
                lost = self._hand_back(redirect_key, key) or lost
        self._retire_pages(plan.retire_pages, key, except_key=page_key)
        self._drop_redirects(plan.retire_redirects, except_key=page_key)
        self._write_tombstones(plan.tombstones, key)
        self._stories(plan)
        for slug in plan.release:
            self._release(slug, key)
        run_all(effects)
        self._marked[key] = None if lost else svc.index.mark_applied(key, plan.state.sequencer)
        self._tell(plan)
        return plan.outcome()

    def _report(self, plan: Plan) -> None:
        if plan.report is None:
            self.svc.content.delete_report(plan.key)
        else:
            self.svc.content.put_report(plan.key, plan.report)

    def _schedule_for(self, plan: Plan) -> None:
        if plan.unschedule:
            self._unschedule(plan.key)
        if plan.schedule is not None:
            self.schedule(plan.key, plan.schedule)

    def _take_back(self, keys: list[str], owner: str) -> None:
        """Pages `owner` wrote after it lost them: deleted, or, where another key's post is online now (it
        took the URL in the meantime), written again from that post."""
        for key in keys:
            slug = urls.slug_of_post_key(key)
            post = self.svc.index.post(slug) if slug is not None else None
            if post is not None and post.source_key != owner:
                self.article(ObjectEvent(post.source_key, "publish"))
            else:
                self._retire_pages([key], owner)

    def _retire_pages(self, keys: Any, owner: str, *, except_key: str = "") -> None:
        """Delete article pages this key no longer has, unless another key's post is online there now."""
        for key in sorted(keys):
            slug = urls.slug_of_post_key(key)
            post = self.svc.index.post(slug) if slug is not None and key != except_key else None
            if key != except_key and (post is None or post.source_key == owner):
                self.svc.site_bucket.delete(key)
                self._hand_back(key, owner)

    def _hand_back(self, key: str, owner: str) -> bool:
        """After `owner` wrote or deleted something at a post's URL other than its own page: if another key
        published there since the check before the write, that key's page is written again (and True).

        A post commits before it writes its page. So either its page write comes after this write (and wins),
        or its commit came before this read, which then finds it: the last word is always the post's."""
        slug = urls.slug_of_post_key(key)
        post = self.svc.index.post(slug) if slug is not None else None
        if post is not None and post.source_key != owner:
            logger.info("URL taken back by its post", extra={"key": post.source_key, "url": post.url, "by": owner})
            self.article(ObjectEvent(post.source_key, "publish"))
            return True
        return False

    def _redirect_claimants_told(self, page_key: str, target: str, key: str) -> None:
        """A post took its URL from a redirect (an alias or an old slug): every other article that keeps a
        redirect there is published again, so it no longer claims the URL and its report says why. The
        stored redirect's owner is told too, in case its state was committed before claims were kept."""
        slug = urls.slug_of_post_key(urls.url_to_key(target)) if target.startswith("/") else None
        claimants, post = run_all([partial(self.svc.index.redirect_claimants, page_key),
                                   partial(self.svc.index.post, slug) if slug else _nothing])
        told = set(claimants) | ({post.source_key} if post is not None else set())
        for other in sorted(told - {key}):
            logger.info("redirect replaced by a post", extra={"key": other, "by": key})
            self.article(ObjectEvent(other, "publish"))

    def _write_tombstones(self, keys: tuple[str, ...], owner: str) -> None:
        """A deleted post's URLs answer 410 Gone, except where another key's post is online now."""
        if not keys:
            return
        from pressroom import render

        site = self.svc.site()
        for key in keys:
            slug = urls.slug_of_post_key(key)
            # the post there, and the articles whose alias waits for the URL, read together
            post, claimants = run_all([partial(self.svc.index.post, slug), partial(
                self.svc.index.redirect_claimants, key)]) if slug is not None else (None, [])
            if post is None or post.source_key == owner:
                self.svc.site_bucket.put(render.tombstone_page(self.theme, site, key),
                                         extra_metadata={TOMBSTONE_META: TOMBSTONE_STATUS})
                self.svc.index.keep_tombstone(key, owner)
                if self._hand_back(key, owner):
                    # a post took the URL since the look above (its commit may have come before the record)
                    self.svc.index.drop_tombstone(key)
                for other in sorted(set(claimants) - {owner}):
                    # its alias was kept waiting behind this post: it redirects there now
                    logger.info("URL given back to an alias", extra={"key": other, "url": key, "by": owner})
                    self.article(ObjectEvent(other, "publish"))

    def _stories(self, plan: Plan) -> None:
        """Keep the key's `id:` claim; when its post was deleted, hand its URLs to the story's other uploads."""
        index = self.svc.index
        if plan.story_claim:
            index.claim_story(plan.story_claim, plan.key)
        if plan.story_release:
            index.release_story(plan.story_release, plan.key)
        if plan.story_gone:
            index.claim_story(plan.story_gone, plan.key, gone=list(plan.tombstones))
            # every other upload of the story, published or still on its way (it may have read the claims
            # before this one was marked gone): published again, it takes the URLs over as redirects
            for other in index.story_claims(plan.story_gone):
                if other != plan.key and index.source(other).status != Status.DELETED:
                    logger.info("story moved", extra={"key": other, "from": plan.key, "story": plan.story_gone})
                    self.article(ObjectEvent(other, "publish"))

    def _tell(self, plan: Plan) -> None:
        """One log line and, for a publication or a rejection, one metric: where the outcome is decided."""
        if plan.status == Status.PUBLISHED:
            self.metrics.add_metric(name="ArticlesPublished", unit="Count", value=1)
            logger.info("published", extra={"key": plan.key, "slug": plan.state.slug, "url": plan.url})
        elif plan.status == Status.REJECTED:
            self.metrics.add_metric(name="ArticlesRejected", unit="Count", value=1)
            logger.warning("rejected", extra={"key": plan.key, "reason": "; ".join(p.describe() for p in plan.problems),
                                              "errors": plan.state.errors})
        elif plan.status == Status.HELD:
            logger.info("held", extra={"key": plan.key, "winner": plan.state.winner})
        else:
            logger.info("unpublished", extra={"key": plan.key, "reason": plan.status.value})

    def _displace(self, occupant: Post, *, winner: str) -> None:
        """A key that sorts first takes the slug: the current holder goes back to held."""
        index = self.svc.index
        held = index.source(occupant.source_key)
        if held.exists and held.applied != held.sequencer:
            # its own delivery is still carrying out what it committed (its report may not be written yet, and
            # would land over this one): it decides again instead, and sees this key's claim
            self.article(ObjectEvent(held.key, "publish"))
            return
        plan = displaced(held, occupant, winner, self.config.now())
        # the report first: once the commit is done, a retry no longer finds this occupant to tell
        self.svc.content.put_report(plan.key, plan.report or {})
        plan.state.revision = held.revision + 1
        if not index.commit(plan.state, expected_sequencer=held.sequencer if held.exists else None, old=occupant,
                            new=None, expected_revision=held.revision if held.exists else None,
                            claimed_before=held.claimed):
            # it changed since it was read (edited, deleted, displaced already): the report just written may
            # not be its own any more, so it decides again from what it is now
            self.article(ObjectEvent(held.key, "publish"))

    def _release(self, slug: str, key: str) -> None:
        index = self.svc.index
        index.release(slug, key)
        claimants = index.claimants(slug, MAX_CLAIMANTS)
        waiting = next_claimant(claimants, key)
        if waiting:
            held = index.source(waiting)
            # held with the URL free, or published by an earlier attempt of this release that failed part-way
            if (held.status == Status.HELD and index.post(slug) is None) or (
                    held.status == Status.PUBLISHED and held.slug == slug and held.applied != held.sequencer):
                logger.info("releasing held article", extra={"key": waiting, "slug": slug})
                self.article(ObjectEvent(waiting, "publish"))
        for other in claimants[1:]:
            # a held article that still names this key as the URL's owner (it read the claims before this
            # release) decides again, so its report names the owner there is now
            if other != key and index.source(other).winner == key:
                self.article(ObjectEvent(other, "publish"))

    def _drop_redirects(self, keys: Any, *, except_key: str = "") -> None:
        """Remove redirect objects this upload owned, unless something else has been published there since."""
        for key in sorted(keys):
            if key != except_key and self.svc.site_bucket.redirect_target(key) is not None:
                self.svc.site_bucket.delete(key)

    # --- schedules ------------------------------------------------------------------------------------

    @staticmethod
    def _schedule_name(key: str) -> str:
        return "publish-" + hashlib.sha256(key.encode()).hexdigest()[:40]

    def schedule(self, key: str, when: datetime) -> None:
        """Ask EventBridge Scheduler to publish `key` at `when` (one schedule per key, replaced when it exists)."""
        cfg = self.config
        if not (cfg.scheduler_group and cfg.scheduler_role_arn and cfg.scheduler_target_arn):
            logger.warning("no scheduler configured: the post waits for its next upload", extra={"key": key})
            return
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

    # --- media ----------------------------------------------------------------------------------------

    def media(self, event: ObjectEvent) -> Outcome:
        """Copy one media file to the site bucket (or remove it when it was deleted or is refused)."""
        svc, key = self.svc, event.key
        site_key = urls.media_site_key(key)
        try:
            head = svc.s3.get_object(Bucket=svc.config.content_bucket, Key=key, Range="bytes=0-1023")
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "InvalidRange"):
                svc.site_bucket.delete(site_key)
                svc.content.delete_report(key)
                return Outcome(key, Status.DELETED)
            raise
        data = head["Body"].read()
        size = int(str(head.get("ContentRange", "/0")).rsplit("/", 1)[-1] or 0) or len(data)
        etag = str(head.get("ETag", "")).strip('"')
        version = head.get("VersionId") or "null"
        content_type, reason = media_type(key, data)
        report = {"key": key, "version_id": version, "etag": etag, "time": self.config.now().isoformat()}
        if content_type is None or size > MAX_MEDIA_BYTES:
            reason = reason or f"the file is larger than {MAX_MEDIA_BYTES // (1024 * 1024)} MB"
            svc.site_bucket.delete(site_key)
            problem = Problem(reason, hint="upload images, PDF, audio or video with the matching extension")
            svc.content.put_report(key, {**report, "status": Status.REJECTED.value, "url": "",
                                         "errors": [problem.as_dict()]})
            self.metrics.add_metric(name="MediaRejected", unit="Count", value=1)
            logger.warning("rejected", extra={"key": key, "reason": reason})
            return Outcome(key, Status.REJECTED, "", [problem])
        svc.site_bucket.copy_from(svc.config.content_bucket, key, content_type=content_type, digest=f"{etag}:{version}")
        url = "/" + site_key
        svc.content.put_report(key, {**report, "status": Status.PUBLISHED.value, "url": url, "errors": []})
        return Outcome(key, Status.PUBLISHED, url)

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
            self.svc.content.put_report(key, _settings_report(key, version_id, etag, Status.REJECTED, "", problems,
                                                              self.config.now()))
            return Outcome(key, Status.REJECTED, "", problems)
        self.svc.store_site(site)
        # one rebuild per version of the settings: a retry of this event continues it instead of starting another
        same = hashlib.sha256(f"{event.sequencer}|{source.version_id if source else ''}".encode()).hexdigest()[:32]
        _, count = fan_out_rebuild(self.svc, rebuild_id=same if event.sequencer else None)
        if source is not None:
            from pressroom import render

            warnings = render.language_warnings(self.theme, site)
            self.svc.content.put_report(key, _settings_report(key, source.version_id, source.etag, Status.PUBLISHED,
                                                              "/", warnings, self.config.now()))
        logger.info("site settings applied; full rebuild queued", extra={"articles": count})
        return Outcome(key, Status.PUBLISHED, "/")


def _settings_report(key: str, version_id: str, etag: str, status: Status, url: str, problems: list[Problem],
                     now: datetime) -> dict[str, Any]:
    return {"key": key, "version_id": version_id, "etag": etag, "status": status.value, "url": url,
            "errors": [p.as_dict() for p in problems], "time": now.isoformat()}


def fan_out_rebuild(svc: Services, *, rebuild_id: str | None = None) -> tuple[str, int]:
    """Queue a re-render of every article, a re-publication of every media file, and every listing page, to
    run in parallel (the site can be made again from the content bucket alone).

    Returns the rebuild's id (its progress is `svc.index.rebuild_left(id)`) and the number of tasks.
    """
    if not svc.config.render_queue_url:
        raise RuntimeError("RENDER_QUEUE_URL is not set: a full rebuild needs the render queue")
    rebuild_id = rebuild_id or os.urandom(16).hex()
    keys = sorted(svc.content.keys(urls.CONTENT_ARTICLES)) + sorted(svc.content.keys(urls.CONTENT_MEDIA))
    bodies = [task_message(k, "rebuild", rebuild_id) for k in keys]
    bodies.append(task_message("*", "listing", rebuild_id))
    svc.index.start_rebuild(rebuild_id, len(bodies), svc.config.now().isoformat())
    for start in range(0, len(bodies), 10):
        batch = bodies[start : start + 10]
        svc.sqs.send_message_batch(QueueUrl=svc.config.render_queue_url,
                                   Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(batch)])
    return rebuild_id, len(bodies)
